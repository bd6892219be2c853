#!/usr/bin/env python3
"""A scripted, byte-exact NBD server for hostile-server tests.

usage: fakeserver.py PORTFILE SCENARIO
Listens on 127.0.0.1 (port 0), writes the port to PORTFILE, serves one
connection with SCENARIO, and exits.  Every scenario ends by itself within
a bounded time, so a client that hangs is caught by the test, not by us.
"""
import socket
import struct
import sys
import time

NBDMAGIC = 0x4e42444d41474943
IHAVEOPT = 0x49484156454f5054
REPMAGIC = 0x0003e889045565a9
OPT_GO, OPT_LIST, OPT_INFO = 7, 3, 6
REP_ACK, REP_SERVER, REP_INFO = 1, 2, 3
ERR = 1 << 31


def greeting(flags=3):
    return struct.pack(">QQH", NBDMAGIC, IHAVEOPT, flags)


def rep(opt, typ, data=b""):
    return struct.pack(">QIII", REPMAGIC, opt, typ, len(data)) + data


def info_export(opt, size, flags=1):
    return rep(opt, REP_INFO, struct.pack(">HQH", 0, size, flags))


def recv_exact(c, n, limit=5.0):
    c.settimeout(limit)
    b = b""
    while len(b) < n:
        chunk = c.recv(n - len(b))
        if not chunk:
            raise EOFError
        b += chunk
    return b


def read_option(c):
    """Client flags (once) are read by the caller; this reads one option."""
    magic, opt, length = struct.unpack(">QII", recv_exact(c, 16))
    assert magic == IHAVEOPT, hex(magic)
    recv_exact(c, length)
    return opt


def handshake(c, flags=3):
    c.sendall(greeting(flags))
    recv_exact(c, 4)
    return read_option(c)


def wait_close(c, limit=20.0):
    """Hold the connection open until the client closes it (bounded)."""
    c.settimeout(limit)
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass


def sc_wrong_magic(c):
    c.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
    wait_close(c, 5)


def sc_close_mid_greeting(c):
    c.sendall(greeting()[:11])


def sc_close_mid_reply(c):
    opt = handshake(c)
    c.sendall(rep(opt, REP_INFO, b"\0" * 12)[:13])


def sc_huge_length(c):
    opt = handshake(c)
    c.sendall(struct.pack(">QIII", REPMAGIC, opt, REP_INFO, 0xFFFFFFFF))
    wait_close(c, 5)


def sc_wrong_reply_magic(c):
    opt = handshake(c)
    c.sendall(struct.pack(">QIII", 0xDEADBEEFDEADBEEF, opt, REP_ACK, 0))
    wait_close(c, 5)


def sc_other_option(c):
    handshake(c)
    c.sendall(rep(OPT_LIST, REP_ACK))
    wait_close(c, 5)


def sc_size_overflow(c):
    opt = handshake(c)
    c.sendall(info_export(opt, 1 << 63) + rep(opt, REP_ACK))
    wait_close(c, 5)


def sc_name_overflow(c):
    opt = handshake(c)
    c.sendall(rep(opt, REP_SERVER, struct.pack(">I", 100) + b"abc"))
    wait_close(c, 5)


def sc_endless_info(c):
    opt = handshake(c)
    end = time.time() + 10
    try:
        while time.time() < end:
            c.sendall(info_export(opt, 4096) * 64)
    except OSError:
        pass


def sc_silent(c):
    wait_close(c, 20)


def sc_drip(c):
    data = greeting()
    end = time.time() + 20
    try:
        for i in range(len(data)):
            if time.time() > end:
                break
            c.sendall(data[i:i + 1])
            time.sleep(1)
        wait_close(c, 5)
    except OSError:
        pass


def sc_tls_required(c):
    opt = handshake(c)
    c.sendall(rep(opt, ERR | 5, b"TLS is required on this server"))
    wait_close(c, 5)


def sc_unknown_export(c):
    opt = handshake(c)
    c.sendall(rep(opt, ERR | 6, b"no disk called that here"))
    wait_close(c, 5)


def sc_starttls_garbage(c):
    opt = handshake(c)
    c.sendall(rep(opt, REP_ACK))
    c.sendall(b"this is not a TLS record\r\n" * 4)
    wait_close(c, 5)


def sc_not_fixed(c):
    c.sendall(greeting(0))
    wait_close(c, 5)


def sc_list_ok(c):
    opt = handshake(c)
    c.sendall(rep(opt, REP_SERVER, struct.pack(">I", 4) + b"rootdescr\x07x")
              + rep(opt, REP_SERVER, struct.pack(">I", 0)) + rep(opt, REP_ACK))
    wait_close(c, 5)


def main():
    portfile, scenario = sys.argv[1], sys.argv[2]
    fn = globals()["sc_" + scenario]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    import os
    os.rename(portfile + ".tmp", portfile)
    s.settimeout(30)
    c, _ = s.accept()
    try:
        fn(c)
    except (EOFError, OSError, AssertionError):
        pass
    c.close()


if __name__ == "__main__":
    main()
