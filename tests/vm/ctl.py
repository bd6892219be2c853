#!/usr/bin/env python3
"""Host-side control for VM tests that stop and start servers while the
guest runs I/O.  ctl.py PORT NAME=COMMAND...: listens on 127.0.0.1:PORT
(the guest's 10.0.2.2:PORT); each connection sends one line:
  kill NAME    SIGKILL the server (a crash: no goodbye to clients)
  start NAME   start it again; answers once it listens on its port
and gets "done" back.  NAME=COMMAND defines a server; its port is the
value after the first "-p" in COMMAND.  ~NAME=COMMAND defines one that is
not started at first: another server for the same port (the same export
with other flags, say).  Bounded: exits after an hour."""
import shlex, signal, socket, subprocess, sys, time

def port_of(argv):
    return int(argv[argv.index("-p") + 1])

def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False

def main():
    ctl_port = int(sys.argv[1])
    servers = {}
    for spec in sys.argv[2:]:
        name, cmd = spec.split("=", 1)
        later = name.startswith("~")
        servers[name.lstrip("~")] = {"argv": shlex.split(cmd), "proc": None,
                                     "later": later}
    for s in servers.values():
        if not s["later"]:
            s["proc"] = subprocess.Popen(s["argv"], stderr=subprocess.DEVNULL)
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", ctl_port))
    lsock.listen(4)
    lsock.settimeout(3600)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        while True:
            c, _ = lsock.accept()
            line = c.makefile().readline().split()
            if len(line) == 2 and line[1] in servers:
                s = servers[line[1]]
                if line[0] == "kill" and s["proc"]:
                    s["proc"].kill()
                    s["proc"].wait()
                    s["proc"] = None
                elif line[0] == "start" and (not s["proc"] or
                                             s["proc"].poll() is not None):
                    s["proc"] = subprocess.Popen(s["argv"], stderr=subprocess.DEVNULL)
                    for _ in range(200):
                        if listening(port_of(s["argv"])):
                            break
                        time.sleep(0.02)
            c.sendall(b"done\n")
            c.close()
    finally:
        for s in servers.values():
            if s["proc"]:
                s["proc"].kill()

main()
