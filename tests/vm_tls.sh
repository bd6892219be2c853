#!/bin/bash
# TLS through the real kernel driver in a VM: nbdkit --tls=require, qemu-nbd
# with x509 tls-creds, nbd-server with force_tls; client certificates;
# refusals; a server that drops; the pump's allocations and memory; a
# GnuTLS server asking for renegotiation all through a transfer.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=vm-tls${VM_ARCH:+-$VM_ARCH}
vm_setup
sh tests/certs.sh "$T/pki" || { not_ok "certificates"; finish; exit 1; }
PKI=$T/pki

nbdkit_tls() { # PORT EXTRA-ARGS...
	p=$1; shift
	nbdkit -f -i 127.0.0.1 -p "$p" --tls=require "$@" memory 64M 2>>"$T/nbdkit.log" &
	PIDS="$PIDS $!"
}
P_NBDKIT=$(free_port); nbdkit_tls "$P_NBDKIT" --tls-certificates="$PKI"
P_VERIFY=$(free_port); nbdkit_tls "$P_VERIFY" --tls-certificates="$PKI" --tls-verify-peer
P_EXPIRED=$(free_port); nbdkit_tls "$P_EXPIRED" --tls-certificates="$PKI/expired"
P_DROP=$(free_port); nbdkit_tls "$P_DROP" --tls-certificates="$PKI"; DROP_PID=$!
P_PLAIN=$(free_port)
nbdkit -f -i 127.0.0.1 -p "$P_PLAIN" memory 64M 2>>"$T/nbdkit.log" & PIDS="$PIDS $!"
truncate -s 64M "$T/q.img"
P_QEMU=$(free_port)
qemu-nbd -f raw -b 127.0.0.1 -p "$P_QEMU" -x qdisk -t \
	--object tls-creds-x509,id=tls0,endpoint=server,dir="$PKI",verify-peer=off \
	--tls-creds tls0 \
	"$T/q.img" 2>"$T/qemu.log" & PIDS="$PIDS $!"
truncate -s 64M "$T/n.img"
P_NBDSRV=$(free_port)
cat >"$T/nbd-server.conf" <<CONF
[generic]
	listenaddr = 127.0.0.1
	port = $P_NBDSRV
	force_tls = true
	certfile = $PKI/server-cert.pem
	keyfile = $PKI/server-key.pem
	cacertfile = $PKI/ca-cert.pem
[disk]
	exportname = $T/n.img
CONF
nbd-server -C "$T/nbd-server.conf" -p "$T/nbd-server.pid" 2>"$T/nbd-server.log"
wait_file "$T/nbd-server.pid" && PIDS="$PIDS $(cat "$T/nbd-server.pid")"
# A GnuTLS server that sends a HelloRequest every 16 requests and goes on
# when the client refuses (as GnuTLS servers do).
P_RENEG=$(free_port)
python3 tests/tlsnbd.py "$P_RENEG" "$PKI" "$T/reneg.log" 16 & PIDS="$PIDS $!"
wait_servers $P_NBDKIT $P_VERIFY $P_EXPIRED $P_DROP $P_PLAIN $P_QEMU $P_NBDSRV $P_RENEG

G=$T/guest
guest_tree "$G" 16
cp "$PKI"/ca-cert.pem "$PKI"/other-ca-cert.pem "$PKI"/client-cert.pem \
	"$PKI"/client-key.pem "$PKI"/server.pin "$G/pki/"
cp tests/vm/tls.guest.sh "$G/test.sh"
for v in P_NBDKIT P_VERIFY P_EXPIRED P_DROP P_PLAIN P_QEMU P_NBDSRV P_RENEG; do
	echo "$v=${!v}"
done >"$G/env"

# Kill the "drop" server when the guest asks for it.
( for _ in $(seq 600); do
	grep -q VMDROP "$T/console.log" 2>/dev/null && { kill -9 "$DROP_PID"; break; }
	sleep 0.2
  done ) & PIDS="$PIDS $!"

vm_guest_run "$G" "$T/console.log" 23
# The pump refused every HelloRequest without ending the session.
asked=$(grep -c '^rehandshake' "$T/reneg.log"); refused=$(grep -c '^refused' "$T/reneg.log")
echo "renegotiation: $asked HelloRequests, $refused refusals; $(grep '^end' "$T/reneg.log" | tr '\n' ' ')"
[ "$asked" -ge 8 ] && [ "$refused" -ge $((asked - 1)) ] &&
	ok "HelloRequests under load: each refused, the session went on" ||
	not_ok "HelloRequests under load: $asked asked, $refused refused"
[ "$(grep -c '^end' "$T/reneg.log")" = 1 ] && grep -q '^end disconnect' "$T/reneg.log" &&
	ok "HelloRequests under load: the one session ended only at -d" ||
	{ not_ok "HelloRequests under load: the session ended early"; cat "$T/reneg.log" | grep -v '^re'; }
[ "$(head -c 16M "$T/q.img" | sha256sum | cut -d' ' -f1)" = "$(cat "$G/data.sha")" ] &&
	ok "qemu-nbd backing file holds the data" || not_ok "qemu-nbd backing file differs"
vm_console_if_failed "$T/console.log"
finish
