#!/usr/bin/env python3
"""Write the seed corpus for fuzz_nego: well-formed server streams for each
mode, so the fuzzer starts from every path of the handshake.
usage: make_seeds.py DIR"""
import os
import struct
import sys

NBDMAGIC, IHAVEOPT, OLD = 0x4e42444d41474943, 0x49484156454f5054, 0x00420281861253
REPMAGIC = 0x0003e889045565a9
GO, LIST, STARTTLS = 7, 3, 5
ACK, SERVER, INFO = 1, 2, 3


def rep(opt, typ, data=b""):
    return struct.pack(">QIII", REPMAGIC, opt, typ, len(data)) + data


def greet(flags=3):
    return struct.pack(">QQH", NBDMAGIC, IHAVEOPT, flags)


def go_ok(size=1 << 30):
    return (rep(GO, INFO, struct.pack(">HQH", 0, size, 0x1ed))
            + rep(GO, INFO, struct.pack(">HIII", 3, 512, 4096, 1 << 25))
            + rep(GO, INFO, struct.pack(">H", 2) + b"a disk")
            + rep(GO, INFO, struct.pack(">H", 1) + b"disk")
            + rep(GO, ACK))


seeds = {
    # byte 0: mode (0 attach, 1 info, 2 list) | 0x10 TLS | name index << 5
    "attach_go": bytes([0x20, 255]) + greet() + go_ok(),
    "attach_go_bytewise": bytes([0x20, 0]) + greet() + go_ok(),
    "info_go": bytes([1, 255]) + greet() + go_ok(),
    "list": bytes([2, 255]) + greet() + rep(LIST, SERVER, struct.pack(">I", 4) + b"diskdesc")
    + rep(LIST, SERVER, struct.pack(">I", 0)) + rep(LIST, ACK),
    "export_name_fallback": bytes([0x20, 255]) + greet(1) + rep(GO, (1 << 31) | 1)
    + struct.pack(">QH", 4096, 1) + bytes(124),
    "newstyle_nozeroes": bytes([0, 255]) + greet(2) + struct.pack(">QH", 4096, 1),
    "oldstyle": bytes([1, 255]) + struct.pack(">QQQI", NBDMAGIC, OLD, 5000, 3) + bytes(124),
    "starttls_go": bytes([0x30, 255]) + greet() + rep(STARTTLS, ACK) + go_ok(),
    "starttls_list": bytes([0x12, 255]) + greet() + rep(STARTTLS, ACK) + rep(LIST, ACK),
    "error_text": bytes([0x20, 255]) + greet() + rep(GO, (1 << 31) | 6, b"no such disk"),
}
os.makedirs(sys.argv[1], exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(data)
