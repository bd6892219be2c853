#!/usr/bin/env python3
"""An NBD server over GnuTLS (through ctypes) that asks for renegotiation.

usage: tlsnbd.py PORT PKI-DIR LOG [EVERY]
Listens on 127.0.0.1:PORT, serves a 64 MiB memory export (fixed newstyle,
STARTTLS required, then NBD_OPT_GO) to one client at a time, and every
EVERY requests (default 64) sends a HelloRequest (gnutls_rehandshake).
A client that refuses (no_renegotiation warning) keeps its session: this
is what GnuTLS servers do, and what nbd-server and qemu-nbd would do if
they asked.  LOG gets one line per event: "rehandshake", "refused",
"request N", "end REASON".  Exits after an hour at most.
"""
import ctypes
import ctypes.util
import socket
import struct
import sys
import time

NBDMAGIC, IHAVEOPT, REPMAGIC = 0x4e42444d41474943, 0x49484156454f5054, 0x0003e889045565a9
REQ_MAGIC, REPLY_MAGIC = 0x25609513, 0x67446698
SIZE = 64 << 20
E_AGAIN, E_INTERRUPTED, E_WARNING_ALERT = -28, -52, -16
A_NO_RENEGOTIATION = 100

g = ctypes.CDLL(ctypes.util.find_library("gnutls"))
vp, ci, cs = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
for name, res, args in (
        ("gnutls_global_init", ci, []),
        ("gnutls_certificate_allocate_credentials", ci, [ctypes.POINTER(vp)]),
        ("gnutls_certificate_set_x509_key_file", ci, [vp, cs, cs, ci]),
        ("gnutls_init", ci, [ctypes.POINTER(vp), ctypes.c_uint]),
        ("gnutls_priority_set_direct", ci, [vp, cs, ctypes.POINTER(cs)]),
        ("gnutls_credentials_set", ci, [vp, ci, vp]),
        ("gnutls_transport_set_int2", None, [vp, ci, ci]),
        ("gnutls_handshake", ci, [vp]),
        ("gnutls_rehandshake", ci, [vp]),
        ("gnutls_record_recv", ctypes.c_ssize_t, [vp, ctypes.c_char_p, ctypes.c_size_t]),
        ("gnutls_record_send", ctypes.c_ssize_t, [vp, ctypes.c_char_p, ctypes.c_size_t]),
        ("gnutls_alert_get", ci, [vp]),
        ("gnutls_error_is_fatal", ci, [ci]),
        ("gnutls_strerror", cs, [ci]),
        ("gnutls_deinit", None, [vp])):
    f = getattr(g, name)
    f.restype, f.argtypes = res, args


class Tls:
    def __init__(self, fd, cred, log):
        self.s = vp()
        g.gnutls_init(ctypes.byref(self.s), 1)  # GNUTLS_SERVER
        g.gnutls_priority_set_direct(self.s, b"NORMAL:-VERS-ALL:+VERS-TLS1.2", None)
        g.gnutls_credentials_set(self.s, 1, cred)  # GNUTLS_CRD_CERTIFICATE
        g.gnutls_transport_set_int2(self.s, fd, fd)
        self.log = log
        self.buf = ctypes.create_string_buffer(1 << 17)
        while True:
            r = g.gnutls_handshake(self.s)
            if r == 0:
                break
            if g.gnutls_error_is_fatal(r):
                raise EOFError("handshake: %s" % g.gnutls_strerror(r).decode())

    def recv(self, n):
        out = b""
        while len(out) < n:
            r = g.gnutls_record_recv(self.s, self.buf, min(n - len(out), len(self.buf)))
            if r > 0:
                out += self.buf.raw[:r]
            elif r == 0:
                raise EOFError("client closed")
            elif r == E_WARNING_ALERT:
                alert = g.gnutls_alert_get(self.s)
                self.log("refused" if alert == A_NO_RENEGOTIATION else "alert %d" % alert)
            elif r in (E_AGAIN, E_INTERRUPTED) or not g.gnutls_error_is_fatal(r):
                continue
            else:
                raise EOFError("recv: %s" % g.gnutls_strerror(r).decode())
        return out

    def send(self, data):
        while data:
            r = g.gnutls_record_send(self.s, data, len(data))
            if r > 0:
                data = data[r:]
            elif r in (E_AGAIN, E_INTERRUPTED):
                continue
            else:
                raise EOFError("send: %s" % g.gnutls_strerror(r).decode())


def recv_plain(c, n):
    b = b""
    while len(b) < n:
        chunk = c.recv(n - len(b))
        if not chunk:
            raise EOFError("client closed")
        b += chunk
    return b


def rep(opt, typ, data=b""):
    return struct.pack(">QIII", REPMAGIC, opt, typ, len(data)) + data


def negotiate(c, cred, log):
    """Fixed newstyle, STARTTLS first, then NBD_OPT_GO; returns the TLS."""
    c.sendall(struct.pack(">QQH", NBDMAGIC, IHAVEOPT, 3))
    recv_plain(c, 4)
    tls = None
    while True:
        hdr = tls.recv(16) if tls else recv_plain(c, 16)
        _, opt, length = struct.unpack(">QII", hdr)
        if length:
            tls.recv(length) if tls else recv_plain(c, length)
        if opt == 5 and not tls:
            c.sendall(rep(5, 1))
            tls = Tls(c.fileno(), cred, log)
        elif opt == 7 and tls:
            tls.send(rep(7, 3, struct.pack(">HQH", 0, SIZE, 1 | 4)) + rep(7, 1))
            return tls
        elif tls:
            tls.send(rep(opt, (1 << 31) | 1))
        else:
            c.sendall(rep(opt, (1 << 31) | 5))  # TLS required


def serve(tls, disk, every, log):
    n = 0
    while True:
        magic, _flags, typ, handle, off, length = struct.unpack(">IHHQQI", tls.recv(28))
        if magic != REQ_MAGIC:
            raise EOFError("bad request magic")
        err, data = 0, b""
        if typ == 2:  # NBD_CMD_DISC
            raise EOFError("disconnect")
        if off + length > SIZE:
            err = 22
            if typ == 1:
                tls.recv(length)
        elif typ == 0:
            data = bytes(disk[off:off + length])
        elif typ == 1:
            disk[off:off + length] = tls.recv(length)
        tls.send(struct.pack(">IIQ", REPLY_MAGIC, err, handle) + data)
        n += 1
        if n % every == 0:
            log("rehandshake")
            g.gnutls_rehandshake(tls.s)


def main():
    port, pki, logpath = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    every = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    logf = open(logpath, "a", buffering=1)
    log = lambda s: logf.write(s + "\n")
    g.gnutls_global_init()
    cred = vp()
    g.gnutls_certificate_allocate_credentials(ctypes.byref(cred))
    if g.gnutls_certificate_set_x509_key_file(
            cred, (pki + "/server-cert.pem").encode(),
            (pki + "/server-key.pem").encode(), 1) < 0:
        sys.exit("cannot load the server certificate")
    disk = bytearray(SIZE)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(4)
    ls.settimeout(3600)
    end = time.time() + 3600
    while time.time() < end:
        c, _ = ls.accept()
        c.settimeout(600)
        tls = None
        try:
            tls = negotiate(c, cred, log)
            log("session")
            serve(tls, disk, every, log)
        except (EOFError, OSError, struct.error) as e:
            # A connection that never negotiated (a probe) is no session.
            log(("end %s" if tls else "no session: %s") % e)
        if tls:
            g.gnutls_deinit(tls.s)
        c.close()


if __name__ == "__main__":
    main()
