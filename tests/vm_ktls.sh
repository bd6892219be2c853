#!/bin/bash
# Kernel TLS through the real kernel driver in a VM: after the handshake
# nbdc hands the record keys to the kernel and the TCP socket itself to the
# NBD driver.  nbdkit (AES-GCM as it prefers), qemu-nbd forced to ChaCha20-
# Poly1305 and to AES-256-GCM; 32 MiB random data each way; no process left;
# /proc/net/tls_stat counters; fallback without tls.ko (also to a server
# that takes one client: the negotiated connection goes to the pump, no
# second handshake); --no-ktls; -C 4;
# -p with the server killed and restarted mid-write; -p -C 2 over kernel
# TLS when the server comes back with a cipher the kernel lacks (refused
# until it can take it, no flapping through the pump).
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=vm-ktls${VM_ARCH:+-$VM_ARCH}
vm_setup
sh tests/certs.sh "$T/pki" || { not_ok "certificates"; finish; exit 1; }
PKI=$T/pki
P_KIT=$(free_port); P_CHACHA=$(free_port); P_AES256=$(free_port)
P_RESTART=$(free_port); P_CTL=$(free_port); P_SINGLE=$(free_port); P_MC=$(free_port)
truncate -s 64M "$T/c.img" "$T/a.img" "$T/r.img" "$T/s.img" "$T/m.img"
qemu_tls() { # PORT IMAGE PRIORITY [PERSISTENT]
	echo "qemu-nbd -f raw -b 127.0.0.1 -p $1 -x q ${4--t} --cache=none \
--object tls-creds-x509,id=t0,endpoint=server,dir=$PKI,verify-peer=off,priority=$3 \
--tls-creds t0 $2"
}
python3 tests/vm/ctl.py "$P_CTL" \
	"kit=nbdkit -f -i 127.0.0.1 -p $P_KIT --tls=require --tls-certificates=$PKI memory 64M" \
	"chacha=$(qemu_tls "$P_CHACHA" "$T/c.img" NORMAL:-CIPHER-ALL:+CHACHA20-POLY1305)" \
	"aes256=$(qemu_tls "$P_AES256" "$T/a.img" NORMAL:-CIPHER-ALL:+AES-256-GCM)" \
	"mcaes=$(qemu_tls "$P_MC" "$T/m.img" NORMAL:-CIPHER-ALL:+AES-256-GCM) -r --shared=0" \
	"~mcchacha=$(qemu_tls "$P_MC" "$T/m.img" NORMAL:-CIPHER-ALL:+CHACHA20-POLY1305) -r --shared=0" \
	"restart=nbdkit -f -i 127.0.0.1 -p $P_RESTART --tls=require --tls-certificates=$PKI file $T/r.img" \
	2>"$T/ctl.log" & PIDS="$PIDS $!"
wait_servers $P_KIT $P_CHACHA $P_AES256 $P_RESTART $P_CTL $P_MC
# A single-client qemu-nbd (no -t): it serves one connection, then exits.
# A probe would use that up: wait for its listening socket instead.
$(qemu_tls "$P_SINGLE" "$T/s.img" NORMAL "") 2>/dev/null & PIDS="$PIDS $!"
hexport=$(printf '%04X' "$P_SINGLE")
for i in $(seq 100); do
	grep -qi ":$hexport 00000000:0000 0A" /proc/net/tcp && break; sleep 0.05
done
G=$T/guest
guest_tree "$G" 32
cp "$PKI/ca-cert.pem" "$G/pki/"
cp tests/vm/ktls.guest.sh "$G/test.sh"
for v in P_KIT P_CHACHA P_AES256 P_RESTART P_CTL P_SINGLE P_MC; do echo "$v=${!v}"; done >"$G/env"
vm_guest_run "$G" "$T/console.log" 32
for f in c a r; do
	[ "$(head -c 32M "$T/$f.img" | sha256sum | cut -d' ' -f1)" = "$(cat "$G/data32.sha")" ] &&
		ok "backing file $f.img holds the 32 MiB written through kernel TLS" ||
		not_ok "backing file $f.img differs"
done
vm_console_if_failed "$T/console.log"
finish
