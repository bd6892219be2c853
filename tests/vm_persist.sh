#!/bin/bash
# Netlink attach and persistence through the real kernel driver in a VM:
# attach/detach, a device the kernel picks, -c; servers killed (-9) and
# restarted on the same port while the guest writes 32 MiB (plain and
# TLS), data checked; a server that stays away past the dead-connection
# timeout; -C 4 against a multi-conn server; a server back with other
# flags (read-only, no write zeroes) is refused until the right one is
# back; -p --size; the ioctl holder with stderr a pipe nobody reads;
# --failover between nbdkit and qemu-nbd during a read, and its rule for
# writable exports.  The guest asks the host's
# tests/vm/ctl.py to kill and start servers.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=vm-persist${VM_ARCH:+-$VM_ARCH}
vm_setup
sh tests/certs.sh "$T/pki" || { not_ok "certificates"; finish; exit 1; }
PKI=$T/pki
P_MEM=$(free_port); P_Q=$(free_port); P_TLS=$(free_port); P_GONE=$(free_port)
P_CTL=$(free_port); P_FL=$(free_port); P_SZ=$(free_port); P_HOLD=$(free_port)
P_DD=$(free_port); P_FO1=$(free_port); P_FO2=$(free_port)
truncate -s 64M "$T/q.img" "$T/t.img" "$T/f.img" "$T/s.img" "$T/h.img"
python3 tests/vm/ctl.py "$P_CTL" \
	"mem=nbdkit -f -i 127.0.0.1 -p $P_MEM memory 64M" \
	"q=qemu-nbd -f raw -b 127.0.0.1 -p $P_Q -x q -t --cache=none $T/q.img" \
	"tls=nbdkit -f -i 127.0.0.1 -p $P_TLS --tls=require --tls-certificates=$PKI file $T/t.img" \
	"gone=nbdkit -f -i 127.0.0.1 -p $P_GONE memory 64M" \
	"fl=nbdkit -f -i 127.0.0.1 -p $P_FL file $T/f.img" \
	"~flro=nbdkit -f -r -i 127.0.0.1 -p $P_FL file $T/f.img" \
	"~flnozero=nbdkit -f -i 127.0.0.1 -p $P_FL --filter=nozero file $T/f.img zeromode=none" \
	"sz=nbdkit -f -i 127.0.0.1 -p $P_SZ file $T/s.img" \
	"dd=nbdkit -f -i 127.0.0.1 -p $P_DD memory 64M" \
	"hold=qemu-nbd -f raw -b 127.0.0.1 -p $P_HOLD -x h -t --cache=none $T/h.img" \
	"~fo1=nbdkit -f -r -i 127.0.0.1 -p $P_FO1 file $T/guest/data.bin" \
	"~fo2=qemu-nbd -f raw -r -b 127.0.0.1 -p $P_FO2 -x fo -t $T/guest/data.bin" \
	2>"$T/ctl.log" & PIDS="$PIDS $!"
wait_servers $P_MEM $P_Q $P_TLS $P_GONE $P_CTL $P_FL $P_SZ $P_HOLD $P_DD

G=$T/guest
guest_tree "$G" 32
cp "$PKI/ca-cert.pem" "$G/pki/"
cp tests/vm/persist.guest.sh "$G/test.sh"
for v in P_MEM P_Q P_TLS P_GONE P_CTL P_FL P_SZ P_HOLD P_DD P_FO1 P_FO2; do echo "$v=${!v}"; done >"$G/env"

vm_guest_run "$G" "$T/console.log" 51
for f in q t; do
	[ "$(head -c 32M "$T/$f.img" | sha256sum | cut -d' ' -f1)" = "$(cat "$G/data32.sha")" ] &&
		ok "server restart ($f): the backing file holds the 32 MiB written" ||
		not_ok "server restart ($f): the backing file differs"
done
vm_console_if_failed "$T/console.log"
finish
