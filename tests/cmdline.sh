#!/bin/bash
# --cmdline and --retry-for on the host (no kernel driver here): errors are
# reported with the offending text; the retry loop prints one line per
# attempt and gives up on time; a server that appears late is found.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=cmdline
NBDC=${NBDC:-./nbdc}
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT

echo "quiet root=/dev/sda1" >"$T/c1"
"$NBDC" --cmdline "$T/c1" >"$T/out" 2>&1
expect "no NBD root on the line" 1 $? "names no NBD root" "$T/out"
echo "root=nbd:10.0.2.2" >"$T/c2"
"$NBDC" --cmdline "$T/c2" >"$T/out" 2>&1
expect "malformed root=nbd: quoted with what was expected" 1 $? "malformed root='10.0.2.2': expected nbd:SERVER:PORT_OR_EXPORT" "$T/out"
echo "nbdroot=srv:abc/x" >"$T/c3"
"$NBDC" --cmdline "$T/c3" >"$T/out" 2>&1
expect "malformed nbdroot=" 1 $? "malformed nbdroot='srv:abc/x'" "$T/out"
echo "root=nbd:srv:exp:ext4::bogus=1" >"$T/c4"
"$NBDC" --cmdline "$T/c4" >"$T/out" 2>&1
expect "unknown NBDOPTS item" 1 $? "NBDOPTS: cannot use 'bogus=1'" "$T/out"
echo "nbdroot=dhcp" >"$T/c5"
env -u ROOTPATH "$NBDC" --cmdline "$T/c5" >"$T/out" 2>&1
expect "nbdroot=dhcp without a root-path" 1 $? "no DHCP root-path was found" "$T/out"

# Retry: nothing listens; 4 s budget (attempts at 0, 1 and 3 s, then the
# next delay would pass it); one line per attempt, then the cause.
port=$(free_port)
start=$(date +%s)
"$NBDC" --info --retry-for 4 127.0.0.1 "$port" >"$T/out" 2>&1; rc=$?
took=$(( $(date +%s) - start ))
expect "retry gives up with the connect error" 3 $rc "attempt 2 failed; retrying in 2 s" "$T/out"
grep -q "attempt 3 failed" "$T/out" && not_ok "retry went past its budget" || ok "no attempt past the budget"
[ $took -le 6 ] && ok "retry stops within its budget (${took} s)" || not_ok "retry took ${took} s"
# A server that starts 2 s late is found.
port=$(free_port)
( sleep 2; exec nbdkit -f -i 127.0.0.1 -p "$port" memory 1M ) 2>/dev/null &
"$NBDC" --info --retry-for 20 127.0.0.1 "$port" >"$T/out" 2>&1
expect "a late server is found by the retry loop" 0 $? "size: 1048576" "$T/out"
finish
