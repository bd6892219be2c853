#!/bin/bash
# NBD URIs (doc/uri.md of the NBD project) wherever a server is named: the
# HOST argument, --failover, nbdtab, the kernel command line and a DHCP
# root-path; against real servers started here on 127.0.0.1 (nbdkit,
# qemu-nbd; TLS; a Unix socket; IPv6), --info's uri: line read back, and
# malformed URIs refused with the bad part named.  Run under ASan as well
# (uri-asan: that build has no TLS, so the TLS cases check the refusal).
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=${SUITE:-uri}
NBDC=${NBDC:-./nbdc}
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
TLS=0
"$NBDC" -V | grep -q bearssl && TLS=1

# nbdc ARGS...: run nbdc (bounded), output in $T/out, code in $RC.
nbdc() { timeout 20 "$NBDC" "$@" >"$T/out" 2>&1; RC=$?; }
check() { # NAME PATTERN: exit 0 and a line matching PATTERN
	if [ "$RC" = 0 ] && grep -q -- "$2" "$T/out"; then ok "$1"; else
		not_ok "$1 (exit $RC)"; sed 's/^/     | /' "$T/out"; fi
}

sh tests/certs.sh "$T/pki" || not_ok "certificates"
P1=$(free_port) P2=$(free_port) PQ=$(free_port) PT=$(free_port) DEAD=$(free_port)
mkdir "$T/dir"
truncate -s 1M "$T/dir/alpha"
nbdkit -f -i 127.0.0.1 -p "$P1" file dir="$T/dir" 2>/dev/null &
nbdkit -f -i 127.0.0.1 -p "$P2" memory 2M 2>/dev/null &
truncate -s 3M "$T/q.img"
# an export name with a space, a slash, a percent sign and UTF-8
QNAME='my disk/50%-é'
qemu-nbd -f raw -r -b 127.0.0.1 -p "$PQ" -x "$QNAME" -t "$T/q.img" 2>/dev/null &
nbdkit -f -i 127.0.0.1 -p "$PT" --tls=require --tls-certificates="$T/pki" memory 4M 2>/dev/null &
nbdkit -f -U "$T/sock" memory 5M 2>/dev/null &
nbdkit -f -U "$T/tsock" --tls=require --tls-certificates="$T/pki" memory 6M 2>/dev/null &
wait_servers "$P1" "$P2" "$PQ" "$PT"
i=0; while { [ ! -S "$T/sock" ] || [ ! -S "$T/tsock" ]; } && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done

# ---- plain TCP ----
nbdc --info "nbd://127.0.0.1:$P1/alpha"
check "nbd://HOST:PORT/EXPORT" "^size: 1048576$"
check "--info prints the URI" "^uri: nbd://127.0.0.1:$P1/alpha$"
nbdc --info "NBD://localhost:$P2"
check "no export (the default), a name, an upper-case scheme" "^size: 2097152$"
nbdc --info "nbd://127.0.0.1:$P2/"
check "a bare / is the default export too" "^uri: nbd://127.0.0.1:$P2/$"
nbdc --info "nbd://127.0.0.1:$PQ/my%20disk%2f50%25-%C3%A9"
check "the export percent-decoded (space, /, %, UTF-8)" "^size: 3145728$"
check "the export's URI escapes what it must" "^uri: nbd://127.0.0.1:$PQ/my%20disk/50%25-%c3%a9$"
uri=$(sed -n 's/^uri: //p' "$T/out")
nbdc --info "$uri"
check "the printed URI reaches the same export" "^size: 3145728$"
nbdc --info "nbd://127.0.0.1:$P1/nosuch"
expect "a missing export is named as in any attach" 4 "$RC" "export 'nosuch'" "$T/out"
nbdc --list "nbd://127.0.0.1:$P1"
check "--list with a URI" "^alpha$"
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	P6=$(free_port)
	nbdkit -f -i ::1 -p "$P6" memory 7M 2>/dev/null &
	wait_listen "$P6" ::1 || not_ok "nbdkit on ::1 did not start"
	nbdc --info "nbd://[::1]:$P6"
	check "nbd://[::1]:PORT: IPv6 in brackets" "^size: 7340032$"
	check "the IPv6 URI printed back in brackets" "^uri: nbd://\[::1\]:$P6/$"
fi

# ---- Unix sockets ----
nbdc --info "nbd+unix:///?socket=$T/sock"
check "nbd+unix:///?socket=PATH" "^size: 5242880$"
check "its URI printed back" "^uri: nbd+unix:///?socket=$T/sock$"
nbdc --info "nbd+unix://?socket=$T/sock"
check "nbd+unix:// without the path's /" "^size: 5242880$"

# ---- TLS ----
if [ $TLS = 1 ]; then
	nbdc --info --cacert "$T/pki/ca-cert.pem" "nbds://localhost:$PT/"
	check "nbds://: TLS, the name checked" "^handshake: fixed newstyle, TLS, NBD_OPT_GO$"
	check "nbds:// printed back" "^uri: nbds://localhost:$PT/$"
	nbdc --info --cacert "$T/pki/ca-cert.pem" "nbds://127.0.0.1:$PT/?tls-hostname=nbd.test"
	check "?tls-hostname= checks that name, not the host's" "^size: 4194304$"
	check "tls-hostname= printed back" "^uri: nbds://127.0.0.1:$PT/?tls-hostname=nbd.test$"
	nbdc --info --cacert "$T/pki/ca-cert.pem" "nbds://127.0.0.1:$PT/?tls-hostname=other.test"
	expect "?tls-hostname= with another name: refused" 7 "$RC" "" "$T/out"
	nbdc --info --cacert "$T/pki/ca-cert.pem" "nbds+unix:///?socket=$T/tsock&tls-hostname=localhost"
	check "nbds+unix:// with tls-hostname=" "^size: 6291456$"
	check "nbds+unix:// printed back" "^uri: nbds+unix:///?socket=$T/tsock&tls-hostname=localhost$"
	nbdc --info --pin "$(cat "$T/pki/server.pin")" "nbds://127.0.0.1:$PT"
	check "nbds:// with --pin" "^size: 4194304$"
	nbdc --info "nbd://localhost:$PT/"
	expect "nbd:// to a server that requires TLS: refused, TLS named" 4 "$RC" "TLS" "$T/out"
	nbdc --info "nbds://localhost:$PT/"
	expect "nbds:// without --cacert or --pin: refused, the ways named" 1 "$RC" "--cacert FILE or" "$T/out"
else
	nbdc --info --pin AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= "nbds://localhost:$PT/"
	expect "nbds:// in a build without TLS: refused" 7 "$RC" "TLS is not built into this nbdc" "$T/out"
fi
nbdc --info "nbds+unix:///?socket=$T/tsock" --cacert "$T/pki/ca-cert.pem"
expect "nbds+unix:// without a name to check: tls-hostname= named" 1 "$RC" "?tls-hostname=NAME" "$T/out"
nbdc --info "nbds://localhost:$PT/?tls-verify-peer=false" --cacert "$T/pki/ca-cert.pem"
expect "tls-verify-peer=false refused" 1 "$RC" "nbdc always verifies the server" "$T/out"

# ---- --failover ----
nbdc --info --failover "nbd://127.0.0.1:$P2" "nbd://127.0.0.1:$DEAD"
check "--failover URI: the primary down, the URI's server answers" "^size: 2097152$"
nbdc --info --failover "nbd://127.0.0.1:$P1/alpha" "nbd://127.0.0.1:$DEAD/alpha"
check "--failover URI with the primary's export" "^size: 1048576$"
nbdc --info --failover "nbd://127.0.0.1:$P1/beta" "nbd://127.0.0.1:$P1/alpha"
expect "--failover URI with another export: refused" 1 "$RC" "names another export" "$T/out"
nbdc --info --failover "nbd+unix:///?socket=$T/sock" "nbd://127.0.0.1:$P1/alpha"
expect "--failover nbd+unix:// refused" 1 "$RC" "nbd:// or nbds:// only" "$T/out"
nbdc --info --failover "nbd://127.0.0.1:$P2" 127.0.0.1 "$DEAD"
check "--failover URI after a plain HOST PORT" "^size: 2097152$"

# ---- the CLI's rules ----
nbdc --info -N alpha "nbd://127.0.0.1:$P1/alpha"
expect "-N and a URI: refused" 1 "$RC" "both name the export" "$T/out"
nbdc --info "nbd://127.0.0.1:$P1/alpha" 10809
expect "a PORT after a URI: refused" 1 "$RC" "unexpected argument after a URI: 10809" "$T/out"
nbdc --info -u "$T/sock" "nbd://127.0.0.1:$P1/alpha"
expect "--unix and a URI: refused" 1 "$RC" "unexpected argument with --unix" "$T/out"

# ---- malformed: each refused (exit 1), the bad part named ----
bad() { # URI PATTERN
	nbdc --info "$1"
	expect "malformed: $1" 1 "$RC" "$2" "$T/out"
}
bad "nbd://" "expected HOST\[:PORT\]"
bad "nbd:///export" "expected HOST\[:PORT\]"
bad "nbd://host:99999/x" "the port must be 1 to 65535: 'host:99999'"
bad "nbd://host:0/x" "the port must be 1 to 65535"
bad "nbd://host:1x/x" "the port must be 1 to 65535"
bad "nbd://::1/x" "expected HOST\[:PORT\] or \[IPV6\]"
bad "nbd://[::1/x" "brackets hold an IPv6 address"
bad "nbd://[host]/x" "brackets hold an IPv6 address"
bad "nbd://[::1]x/x" "the port must be"
bad "nbd://user@host/x" "TLS-PSK"
bad "nbd://host/a%zz" "malformed export name.*'a%zz'"
bad "nbd://host/a%0" "malformed export name"
bad "nbd://host/a%00b" "malformed export name"
bad "nbd://host/a b" "malformed export name.*'a b'"
bad "nbd://ho st/x" "expected HOST"
bad "nbd://host/x?foo=1" "unknown query.*'foo=1'"
bad "nbd://host/x?socket=/s" "socket= is for nbd+unix"
bad "nbd://host/x?tls-hostname=" "an empty or malformed value"
bad "nbd://host/x?tls-hostname=a&tls-hostname=b" "given twice"
bad "nbd://host/x#frag" "a fragment"
bad "nbd+unix:///x" "no ?socket=PATH"
bad "nbd+unix://host/x?socket=/s" "a Unix socket URI has no host"
bad "nbd+unix:///x?socket=%00abstract" "an empty or malformed value"
bad "http://host/x" "expected nbd://, nbds://, nbd+unix:// or nbds+unix://: 'http'"
bad "nbd://$(printf 'a%.0s' $(seq 300))/x" "a part over its limit"
bad "nbd+unix:///x?socket=/$(printf 's%.0s' $(seq 120))" "a part over its limit"
nbdc --info "nbd://127.0.0.1:$P1/x%1b%5b31m"
expect "escape sequences in a URI's export stay escaped in messages" 4 "$RC" 'x\\x1b\[31m' "$T/out"
grep -q "$(printf '\033')" "$T/out" && not_ok "a raw ESC reached the terminal" ||
	ok "no raw ESC in the output"

# ---- nbdtab, the kernel command line, a DHCP root-path (--dump-options) ----
# (the test builds' --dump-options: the ASan build's, whichever is tested)
DUMP=${DUMP:-build/nbdc-asan}
if [ -x "$DUMP" ]; then
	dump() { timeout 20 "$DUMP" --dump-options "$@" >"$T/out" 2>&1; RC=$?; }
	printf 'nbd3 nbd://10.0.2.2:10810/my%%20root persist,failover=nbd://10.0.2.3\n' >"$T/tab"
	NBDTAB="$T/tab" dump nbd3
	check "nbdtab: DEVICE URI OPTIONS" "host=10.0.2.2 port=10810 name=my root dev=/dev/nbd3 .*persist=1 .*failover=1,10.0.2.3"
	printf 'nbd3 nbd://10.0.2.2/root port=10811\n' >"$T/tab"
	NBDTAB="$T/tab" dump nbd3
	expect "nbdtab: port= with a URI refused" 1 "$RC" "does not go with a URI" "$T/out"
	printf 'nbd3 nbd://10.0.2.2/root root extra\n' >"$T/tab"
	NBDTAB="$T/tab" dump nbd3
	expect "nbdtab: a URI and an EXPORT field refused" 1 "$RC" "DEVICE URI \[OPTIONS\]" "$T/out"
	cl() { echo "$1" >"$T/cl"; dump --cmdline "$T/cl"; }
	cl "quiet root=nbd://10.0.2.2:10809/root rw"
	check "root=nbd://" "host=10.0.2.2 port=10809 name=root dev=/dev/nbd0 .*tls=0"
	cl "netroot=nbds://srv/root nbdc.opts=cacert=/etc/nbdc/ca.pem,timeout=30"
	check "netroot=nbds:// with nbdc.opts=" "host=srv port=10809 name=root .*timeout=30 .*tls=1 ca=/etc/nbdc/ca.pem"
	cl "nbdroot=nbds://[fd00::1]:10810/r%2Fs?tls-hostname=nbd.test nbddev=nbd2"
	check "nbdroot=nbds://[V6]/..., nbddev=" "host=fd00::1 port=10810 name=r/s dev=/dev/nbd2 .*tls=1 .*hostname=nbd.test"
	cl "root=nbd+unix:///root?socket=/run/nbd.sock"
	check "root=nbd+unix://" "name=root dev=/dev/nbd0 unix=/run/nbd.sock"
	cl "root=nbd://10.0.2.2/root nbdc.opts=failover=nbd://10.0.2.3:10811,ro"
	check "nbdc.opts=failover=URI" "readonly=1 .*failover=1,10.0.2.3"
	cl "root=nbd://10.0.2.2:99999/root"
	expect "root=nbd:// with a bad port: refused, named" 1 "$RC" "root=URI 'nbd://10.0.2.2:99999/root': the port" "$T/out"
	cl "root=http://10.0.2.2/root"
	expect "root=http:// is no NBD root" 1 "$RC" "names no NBD root" "$T/out"
	cl "nbdroot=dhcp"
	ROOTPATH="nbd://10.0.2.9:10812/dhcp%20root" dump --cmdline "$T/cl"
	check "a DHCP root-path URI" "host=10.0.2.9 port=10812 name=dhcp root"
	ROOTPATH="nbd://10.0.2.9/x?bogus=1" dump --cmdline "$T/cl"
	expect "a malformed DHCP root-path URI" 1 "$RC" "DHCP root-path URI.*unknown query" "$T/out"
fi
finish
