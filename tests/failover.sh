#!/bin/bash
# --failover on the host (the kernel's side is in vm-persist and vm-boot):
# the servers are tried in order and the first that negotiates the export
# wins; a down server costs at most the connect timeout; --spread starts
# from the server the machine's lowest MAC address picks, the same every
# time; the options from NBDOPTS and nbdtab; malformed ones refused.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=failover
NBDC=${NBDC:-./nbdc}
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
P1=$(free_port) P2=$(free_port) PQ=$(free_port) DEAD=$(free_port)
nbdkit -f -i 127.0.0.1 -p "$P1" memory 1M 2>/dev/null &
nbdkit -f -i 127.0.0.1 -p "$P2" memory 2M 2>/dev/null &
truncate -s 3M "$T/q.img"
qemu-nbd -f raw -r -b 127.0.0.1 -p "$PQ" -x other -t "$T/q.img" 2>/dev/null &
wait_servers "$P1" "$P2" "$PQ"

"$NBDC" --info --failover "127.0.0.1:$P2" 127.0.0.1 "$DEAD" >"$T/out" 2>&1
expect "primary down: the second server answers" 0 $? "size: 2097152" "$T/out"
grep -q "cannot connect to 127.0.0.1 port $DEAD" "$T/out" &&
	ok "the down primary is named" || { not_ok "the down primary is named"; cat "$T/out"; }
"$NBDC" --info -N disk --failover "127.0.0.1:$P1" 127.0.0.1 "$PQ" >"$T/out" 2>&1
expect "the first server refuses the export: the next one has it" 0 $? "size: 1048576" "$T/out"
"$NBDC" --info --failover "[::1]" --failover "127.0.0.1:$P2" 127.0.0.1 "$DEAD" >"$T/out" 2>&1
expect "[IPV6] with the primary's port (nothing there), then the third" 0 $? "size: 2097152" "$T/out"
s=$(date +%s%N)
"$NBDC" --info --connect-timeout 2 --failover "192.0.2.1:$P2" 127.0.0.1 "$DEAD" >"$T/out" 2>&1
rc=$? ms=$(( ($(date +%s%N) - s) / 1000000 ))
if [ $rc = 3 ] && [ $ms -lt 4500 ]; then
	ok "every server down: exit 3 within the connect timeouts ($ms ms)"
else
	not_ok "every server down: exit $rc after $ms ms"; cat "$T/out"
fi
"$NBDC" --info --failover "[::1" 127.0.0.1 "$P1" >"$T/out" 2>&1
expect "malformed --failover refused" 1 $? "expected HOST\[:PORT\] or \[IPV6\]\[:PORT\]" "$T/out"
"$NBDC" --info --failover "h:0" 127.0.0.1 "$P1" >"$T/out" 2>&1
expect "--failover with port 0 refused" 1 $? "expected HOST" "$T/out"
"$NBDC" --info --failover "127.0.0.1:$P2" -u "$T/sock" >"$T/out" 2>&1
expect "--failover with --unix refused" 1 $? "does not go with --unix" "$T/out"
args=""
for i in 1 2 3 4 5 6; do args="$args --failover h$i"; done
"$NBDC" --info $args 127.0.0.1 "$P1" >"$T/out" 2>&1
expect "more than 5 failover servers refused" 1 $? "at most 5 times" "$T/out"

# --spread: the lowest MAC address, FNV-1a, modulo the number of servers
want=$(python3 - <<'PY'
import glob
macs = sorted(m for m in (open(f).read().strip() for f in glob.glob("/sys/class/net/*/address"))
              if len(m) == 17 and m != "00:00:00:00:00:00")
h = 2166136261
for c in (macs[0] if macs else ""):
    h = ((h ^ ord(c)) * 16777619) & 0xffffffff
print([1048576, 2097152][h % 2])
PY
)
sizes=""
for i in 1 2 3; do
	sizes="$sizes $("$NBDC" --info --spread --failover "127.0.0.1:$P2" 127.0.0.1 "$P1" 2>&1 | sed -n 's/^size: //p')"
done
[ "$sizes" = " $want $want $want" ] &&
	ok "--spread: the server this machine's MAC picks, every time ($want bytes)" ||
	not_ok "--spread: got$sizes, expected $want each time"

# NBDOPTS and nbdtab (parsing: the test build's --dump-options)
if [ -x build/nbdc-asan ]; then
	echo "root=nbd:10.0.2.2:10809/root:ext4::ro,failover=10.0.2.3:10810,failover=[fd00::1],spread" >"$T/cl"
	build/nbdc-asan --dump-options --cmdline "$T/cl" >"$T/out" 2>&1
	expect "NBDOPTS: failover= twice, spread" 0 $? "failover=2,fd00::1 shared=0 spread=1" "$T/out"
	printf 'nbd3 10.0.2.2 root failover=10.0.2.3:10811,shared_storage,spread\n' >"$T/tab"
	NBDTAB="$T/tab" build/nbdc-asan --dump-options nbd3 >"$T/out" 2>&1
	expect "nbdtab: failover=, shared_storage, spread" 0 $? "failover=1,10.0.2.3 shared=1 spread=1" "$T/out"
fi
finish
