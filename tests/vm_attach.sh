#!/bin/bash
# Attach through the real kernel NBD driver in a VM (Debian's kernel, qemu
# TCG; VM_ARCH=aarch64 or armhf with GUEST_NBDC=build/ARCH/nbdc: Debian's
# arm64 or armmp-lpae kernel on qemu's virt machine): nbdkit and qemu-nbd on the host's 127.0.0.1, seen by the guest
# as 10.0.2.2.  Checks data integrity, -c, -d, re-attach, read-only, sizes.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=vm-attach${VM_ARCH:+-$VM_ARCH}
vm_setup

P_NBDKIT=$(free_port)
nbdkit -f -i 127.0.0.1 -p "$P_NBDKIT" memory 64M 2>"$T/k1.log" & PIDS="$PIDS $!"
truncate -s 64M "$T/q.img"
P_QEMU=$(free_port)
qemu-nbd -f raw -b 127.0.0.1 -p "$P_QEMU" -x qdisk -t --cache=none "$T/q.img" 2>"$T/q.log" & PIDS="$PIDS $!"
P_RO=$(free_port)
nbdkit -f -r -i 127.0.0.1 -p "$P_RO" memory 8M 2>"$T/k2.log" & PIDS="$PIDS $!"
P_BIG=$(free_port)
nbdkit -f -i 127.0.0.1 -p "$P_BIG" --filter=blocksize-policy memory 3T \
	blocksize-minimum=4096 blocksize-preferred=4096 blocksize-maximum=32M \
	2>"$T/k3.log" & PIDS="$PIDS $!"
# A disk with an MBR partition table: one Linux partition, sectors 2048..6143.
python3 - "$T/part.img" <<'PY'
import struct, sys
img = bytearray(8 << 20)
img[446:462] = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048, 4096)
img[510:512] = b"\x55\xaa"
open(sys.argv[1], "wb").write(img)
PY
P_PART=$(free_port)
nbdkit -f -r -i 127.0.0.1 -p "$P_PART" file "$T/part.img" 2>"$T/k4.log" & PIDS="$PIDS $!"
for p in $P_NBDKIT $P_QEMU $P_RO $P_BIG $P_PART; do wait_listen "$p" || not_ok "server on $p did not start"; done

G=$T/guest
mkdir -p "$G"
cp "${GUEST_NBDC:-nbdc}" "$G/nbdc"
head -c 16M /dev/urandom >"$G/data.bin"
sha256sum <"$G/data.bin" | cut -d' ' -f1 >"$G/data.sha"
cp tests/vm/attach.guest.sh "$G/test.sh"
printf 'P_NBDKIT=%s\nP_QEMU=%s\nP_RO=%s\nP_BIG=%s\nP_PART=%s\n' \
	"$P_NBDKIT" "$P_QEMU" "$P_RO" "$P_BIG" "$P_PART" >"$G/env"

vm_guest_run "$G" "$T/console.log" 34
# The host sees the qemu-nbd backing file hold exactly the data written.
[ "$(head -c 16M "$T/q.img" | sha256sum | cut -d' ' -f1)" = "$(cat "$G/data.sha")" ] &&
	ok "qemu-nbd backing file holds the data" || not_ok "qemu-nbd backing file differs"
vm_console_if_failed "$T/console.log"
finish
