#!/bin/bash
# nbdc --info / --list against real servers started here on 127.0.0.1:
# nbdkit, qemu-nbd and nbd-server from Debian.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=servers
NBDC=${NBDC:-./nbdc}
T=$(mktemp -d)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

# nbdc ARGS...: run nbdc (bounded), output in $T/out, code in $RC.
nbdc() { timeout 20 "$NBDC" "$@" >"$T/out" 2>&1; RC=$?; }
# has LINE: the output holds exactly this line.
has() { grep -qxF -- "$1" "$T/out"; }
check() { # NAME CONDITION-COMMAND...
	name=$1; shift
	if [ "$RC" = 0 ] && "$@"; then ok "$name"; else not_ok "$name (exit $RC)"; sed 's/^/     | /' "$T/out"; fi
}

# ---- nbdkit: a directory of exports, each file a named export ----
mkdir "$T/dir"
truncate -s 1M "$T/dir/alpha"
truncate -s 5000 "$T/dir/odd"
P1=$(free_port)
nbdkit -f -i 127.0.0.1 -p "$P1" file dir="$T/dir" 2>"$T/nbdkit1.log" & PIDS="$PIDS $!"
wait_listen "$P1" || not_ok "nbdkit did not start"
nbdc --list 127.0.0.1 "$P1"
check "nbdkit: --list names every export" eval 'has alpha && has odd'
nbdc --info 127.0.0.1 "$P1" -N alpha
check "nbdkit: --info named export" eval 'has "size: 1048576" && has "export: alpha" && grep -q "^flags: HAS_FLAGS" "$T/out"'
nbdc --info 127.0.0.1 "$P1" --name odd
check "nbdkit: size not a multiple of 4096 is exact" has "size: 5000"
nbdc --info 127.0.0.1 "$P1" -N nosuch
expect "nbdkit: unknown export is named in the error" 4 "$RC" "export 'nosuch': no such export" "$T/out"

# ---- nbdkit: default export, read-only, > 2 TiB sparse ----
P2=$(free_port)
nbdkit -f -r -i 127.0.0.1 -p "$P2" --filter=blocksize-policy memory 3T \
	blocksize-minimum=512 blocksize-preferred=4096 blocksize-maximum=32M \
	2>"$T/nbdkit2.log" & PIDS="$PIDS $!"
wait_listen "$P2" || not_ok "nbdkit (memory) did not start"
nbdc --info 127.0.0.1 "$P2"
check "nbdkit: default export larger than 2 TiB" has "size: 3298534883328"
check "nbdkit: read-only export is flagged" grep -q "^flags: .*READ_ONLY" "$T/out"
check "nbdkit: block size constraints shown" has "block size: min 512, preferred 4096, max 33554432"
check "nbdkit: went through NBD_OPT_GO" has "handshake: fixed newstyle, NBD_OPT_GO"

# ---- nbdkit --oldstyle ----
P3=$(free_port)
nbdkit -f --oldstyle -i 127.0.0.1 -p "$P3" memory 7777 2>"$T/nbdkit3.log" & PIDS="$PIDS $!"
wait_listen "$P3" || not_ok "nbdkit --oldstyle did not start"
nbdc --info 127.0.0.1 "$P3"
check "nbdkit --oldstyle: --info" eval 'has "size: 7777" && has "handshake: oldstyle"'
nbdc --list 127.0.0.1 "$P3"
expect "nbdkit --oldstyle: --list is refused clearly" 4 "$RC" "oldstyle protocol, which cannot list" "$T/out"

# ---- IPv6 literal, and a name that resolves ----
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	P6=$(free_port)
	nbdkit -f -i ::1 -p "$P6" memory 2M 2>"$T/nbdkit6.log" & PIDS="$PIDS $!"
	wait_listen "$P6" ::1 || not_ok "nbdkit on ::1 did not start"
	nbdc --info ::1 "$P6"
	check "nbdkit on ::1: IPv6 literal" has "size: 2097152"
fi
nbdc --info localhost "$P2"
check "host name that resolves (localhost)" has "size: 3298534883328"

# ---- nbdkit on a Unix socket ----
nbdkit -f -U "$T/sock" memory 1M 2>"$T/nbdkit4.log" & PIDS="$PIDS $!"
i=0; while [ ! -S "$T/sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
nbdc --info -u "$T/sock"
check "nbdkit: --unix socket" has "size: 1048576"

# ---- qemu-nbd ----
truncate -s 64M "$T/q.img"
P5=$(free_port)
qemu-nbd -f raw -b 127.0.0.1 -p "$P5" -x qdisk -D "qemu test disk" -t "$T/q.img" 2>"$T/qemu.log" & PIDS="$PIDS $!"
wait_listen "$P5" || not_ok "qemu-nbd did not start"
nbdc --list 127.0.0.1 "$P5"
check "qemu-nbd: --list with description" has "qdisk	qemu test disk"
nbdc --info 127.0.0.1 "$P5" -N qdisk
check "qemu-nbd: --info" eval 'has "size: 67108864" && has "description: qemu test disk"'
nbdc --info 127.0.0.1 "$P5" -N other
expect "qemu-nbd: unknown export" 4 "$RC" "export 'other'" "$T/out"
P8=$(free_port)
qemu-nbd -f raw -r -b 127.0.0.1 -p "$P8" -x ro -t "$T/q.img" 2>"$T/qemu2.log" & PIDS="$PIDS $!"
wait_listen "$P8" || not_ok "qemu-nbd -r did not start"
nbdc --info 127.0.0.1 "$P8" -N ro
check "qemu-nbd: read-only export is flagged" grep -q "^flags: .*READ_ONLY" "$T/out"

# ---- nbd-server ----
truncate -s 10M "$T/n.img"
truncate -s 12345 "$T/n2.img"
P7=$(free_port)
cat >"$T/nbd-server.conf" <<CONF
[generic]
	listenaddr = 127.0.0.1
	port = $P7
	allowlist = true
[disk]
	exportname = $T/n.img
[small]
	exportname = $T/n2.img
	readonly = true
CONF
nbd-server -C "$T/nbd-server.conf" -p "$T/nbd-server.pid" 2>"$T/nbd-server.log"
wait_file "$T/nbd-server.pid" && PIDS="$PIDS $(cat "$T/nbd-server.pid")"
wait_listen "$P7" || not_ok "nbd-server did not start"
nbdc --list 127.0.0.1 "$P7"
check "nbd-server: --list" eval 'has disk && has small'
nbdc --info 127.0.0.1 "$P7" -N disk
check "nbd-server: --info" has "size: 10485760"
nbdc --info 127.0.0.1 "$P7" -N small
check "nbd-server: odd size, read-only" eval 'has "size: 12345" && grep -q "^flags: .*READ_ONLY" "$T/out"'
nbdc --info 127.0.0.1 "$P7" -N nothere
expect "nbd-server: unknown export" 4 "$RC" "export 'nothere'" "$T/out"
finish
