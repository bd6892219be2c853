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


def sc_export_name_cut(c):
    """Not fixed-newstyle: EXPORT_NAME, then its reply cut short."""
    c.sendall(greeting(0))
    recv_exact(c, 4)
    read_option(c)
    c.sendall(struct.pack(">Q", 1 << 20))


def sc_bad_block_size(c):
    opt = handshake(c)
    c.sendall(info_export(opt, 1 << 20)
              + rep(opt, REP_INFO, struct.pack(">HIII", 3, 3, 1 << 31, 7))
              + rep(opt, REP_ACK))
    wait_close(c, 5)


# Text a terminal must not obey: raw C1 CSI, CSI as UTF-8 (U+009B), ESC,
# an invalid byte; and valid UTF-8, which must stay readable.
EVIL = b"\x9b2J\xc2\x9b1m\x1b]0;pwned\x07\xff caf\xc3\xa9"


def sc_c1_error(c):
    opt = handshake(c)
    c.sendall(rep(opt, ERR | 6, EVIL))
    wait_close(c, 5)


def sc_c1_list(c):
    opt = handshake(c)
    c.sendall(rep(opt, REP_SERVER, struct.pack(">I", len(EVIL)) + EVIL + EVIL)
              + rep(opt, REP_ACK))
    wait_close(c, 5)


def sc_c1_info(c):
    opt = handshake(c)
    c.sendall(info_export(opt, 4096)
              + rep(opt, REP_INFO, struct.pack(">H", 1) + EVIL)
              + rep(opt, REP_INFO, struct.pack(">H", 2) + EVIL)
              + rep(opt, REP_ACK))
    wait_close(c, 5)


# ---- hostile TLS peers: after STARTTLS (certificates from $FAKE_PKI) ----

OPT_STARTTLS = 5


def starttls(c):
    """Greeting, client flags, NBD_OPT_STARTTLS, its ACK."""
    opt = handshake(c)
    assert opt == OPT_STARTTLS, opt
    c.sendall(rep(opt, REP_ACK))


def record(typ, body):
    return struct.pack(">BHH", typ, 0x0303, len(body)) + body


def drain(c):
    c.setblocking(False)
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.setblocking(True)


class TlsServer:
    """A real TLS 1.2 server (Python's ssl over memory buffers), so a
    scenario can see and bend each flight of records."""

    def __init__(self, c):
        import os
        import ssl
        pki = os.environ["FAKE_PKI"]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(pki + "/server-cert.pem", pki + "/server-key.pem")
        self.c, self.ssl = c, ssl
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_side=True)

    def pull(self):
        data = self.c.recv(65536)
        if not data:
            raise EOFError
        self.inc.write(data)

    def handshake(self, before_last_flight=b""):
        while True:
            try:
                self.obj.do_handshake()
                break
            except self.ssl.SSLWantReadError:
                self.c.sendall(self.out.read())
                self.pull()
        self.c.sendall(before_last_flight + self.out.read())

    def read(self, n):
        while True:
            try:
                return self.obj.read(n)
            except self.ssl.SSLWantReadError:
                self.pull()

    def read_option(self):
        hdr = b""
        while len(hdr) < 16:
            hdr += self.read(16 - len(hdr))
        magic, opt, length = struct.unpack(">QII", hdr)
        got = 0
        while got < length:
            got += len(self.read(length - got))
        return opt


def sc_tls_alert_flood(c):
    """Warning alerts, which the engine takes and ignores, without end."""
    starttls(c)
    alerts = record(21, b"\x01\x5a") * 256  # warning, user_canceled
    end = time.time() + 20
    try:
        while time.time() < end:
            c.sendall(alerts)
            drain(c)
    except OSError:
        pass


def sc_tls_stall(c):
    """The start of a ServerHello, then nothing."""
    starttls(c)
    c.recv(4096)
    c.sendall(struct.pack(">BHH", 22, 0x0303, 80) + b"\x02\x00\x00\x4c\x03\x03")
    wait_close(c, 20)


def sc_tls_oversized(c):
    """A record far longer than TLS allows."""
    starttls(c)
    c.recv(4096)
    c.sendall(struct.pack(">BHH", 22, 0x0303, 0xFFFF) + b"\x02" * 4096)
    wait_close(c, 5)


def sc_tls_appdata_early(c):
    """Application data before the server's ChangeCipherSpec and Finished."""
    starttls(c)
    TlsServer(c).handshake(before_last_flight=record(23, b"early data"))
    wait_close(c, 5)


def sc_tls_close_notify(c):
    """close_notify while the client waits for the reply to its option."""
    starttls(c)
    t = TlsServer(c)
    t.handshake()
    t.read_option()
    try:
        t.obj.unwrap()
    except t.ssl.SSLWantReadError:
        pass
    c.sendall(t.out.read())
    wait_close(c, 5)


def sc_tls_renegotiate(c):
    """The server asks for renegotiation (HelloRequest) during option
    haggling: OpenSSL through ctypes, as Python's ssl cannot ask."""
    import ctypes
    import ctypes.util
    import os
    starttls(c)
    lib = ctypes.CDLL(ctypes.util.find_library("ssl"))
    vp = ctypes.c_void_p
    for f, res, args in (("TLS_server_method", vp, []),
                         ("SSL_CTX_new", vp, [vp]),
                         ("SSL_CTX_use_certificate_chain_file", ctypes.c_int, [vp, ctypes.c_char_p]),
                         ("SSL_CTX_use_PrivateKey_file", ctypes.c_int, [vp, ctypes.c_char_p, ctypes.c_int]),
                         ("SSL_CTX_ctrl", ctypes.c_long, [vp, ctypes.c_int, ctypes.c_long, vp]),
                         ("SSL_new", vp, [vp]), ("SSL_set_fd", ctypes.c_int, [vp, ctypes.c_int]),
                         ("SSL_accept", ctypes.c_int, [vp]), ("SSL_renegotiate", ctypes.c_int, [vp]),
                         ("SSL_do_handshake", ctypes.c_int, [vp]),
                         ("SSL_read", ctypes.c_int, [vp, ctypes.c_char_p, ctypes.c_int])):
        getattr(lib, f).restype, getattr(lib, f).argtypes = res, args
    pki = os.environ["FAKE_PKI"].encode()
    ctx = lib.SSL_CTX_new(lib.TLS_server_method())
    lib.SSL_CTX_use_certificate_chain_file(ctx, pki + b"/server-cert.pem")
    lib.SSL_CTX_use_PrivateKey_file(ctx, pki + b"/server-key.pem", 1)
    lib.SSL_CTX_ctrl(ctx, 124, 0x0303, None)  # SSL_CTRL_SET_MAX_PROTO_VERSION
    s = lib.SSL_new(ctx)
    lib.SSL_set_fd(s, c.fileno())
    c.settimeout(None)
    if lib.SSL_accept(s) != 1:
        return
    buf = ctypes.create_string_buffer(8192)
    lib.SSL_read(s, buf, 8192)  # the client's option
    lib.SSL_renegotiate(s)
    lib.SSL_do_handshake(s)     # sends HelloRequest
    lib.SSL_read(s, buf, 8192)  # the client's refusal
    wait_close(c, 5)


def sc_record_flight(c):
    """For the TLS fuzzer's seeds: the server's first flight (ServerHello,
    Certificate, ServerKeyExchange, ServerHelloDone) to $FAKE_RECORD."""
    import os
    starttls(c)
    t = TlsServer(c)
    t.pull()
    try:
        t.obj.do_handshake()
    except t.ssl.SSLWantReadError:
        pass
    with open(os.environ["FAKE_RECORD"], "wb") as f:
        f.write(t.out.read())


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
