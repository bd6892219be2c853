#!/usr/bin/env python3
"""A scripted DNS server on 127.0.0.1-style addresses, for resolver tests.

usage: fakedns.py ADDR READYFILE MODE [NAME=IPV4 ...]
MODE: answer (A records from the NAME=IPV4 pairs, NXDOMAIN otherwise, AAAA
empty), silent (reads and never answers), wrongid (answers with another
query id).  Exits by itself after 60 s.
"""
import socket
import struct
import sys
import time


def qname(p):
    o, labels = 12, []
    while p[o]:
        n = p[o]
        labels.append(p[o + 1:o + 1 + n].decode())
        o += 1 + n
    qtype = struct.unpack(">H", p[o + 1:o + 3])[0]
    return ".".join(labels).lower(), qtype, o + 5


def reply(p, table, wrongid):
    name, qtype, end = qname(p)
    qid = struct.unpack(">H", p[:2])[0] ^ (0x1111 if wrongid else 0)
    ans = b""
    rcode = 0 if name in table else 3
    if name in table and qtype == 1:
        ans = (b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4)
               + socket.inet_aton(table[name]))
    hdr = struct.pack(">HHHHHH", qid, 0x8180 | rcode, 1, 1 if ans else 0, 0, 0)
    return hdr + p[12:end] + ans


def main():
    addr, ready, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    table = dict(a.lower().split("=") for a in sys.argv[4:])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    open(ready, "w").write("up")
    s.settimeout(1)
    end = time.time() + 60
    while time.time() < end:
        try:
            p, peer = s.recvfrom(2048)
        except socket.timeout:
            continue
        with open(ready + ".log", "a") as f:
            f.write("%s %d\n" % qname(p)[:2])
        if mode != "silent":
            s.sendto(reply(p, table, mode == "wrongid"), peer)


if __name__ == "__main__":
    main()
