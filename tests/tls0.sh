#!/bin/bash
# `make TLS=0` builds a binary with no TLS code at all, and it says so
# clearly when TLS is asked for; both builds within their size budgets.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=tls0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if make -s TLS=0 NBDC_OUT="$T/nbdc" "$T/nbdc" >"$T/build.log" 2>&1; then
	ok "make TLS=0 builds"
else
	not_ok "make TLS=0 builds"; cat "$T/build.log"; finish; exit 1
fi
file "$T/nbdc" | grep -q "statically linked" && ok "TLS=0 binary is static" || not_ok "TLS=0 binary is static"
# Text that only the TLS code carries: in the default build, not in TLS=0.
if grep -qa "not signed by a trusted CA" nbdc && ! grep -qa "not signed by a trusted CA" "$T/nbdc"; then
	ok "no TLS code inside the TLS=0 binary"
else
	not_ok "no TLS code inside the TLS=0 binary"
fi
# No thread-local storage: the pump's thread has a zeroed descriptor of its
# own and no TLS block (pump.c), so no PT_TLS segment may appear.
for b in nbdc "$T/nbdc"; do
	readelf -lW "$b" | grep -qw TLS && not_ok "$b has a PT_TLS segment (pump.c needs none)" ||
		ok "$b: no thread-local storage (no PT_TLS)"
done
# The size budgets (x86_64): smaller than busybox's nbd-client applet
# (75,280 bytes) without TLS; 144 KiB with it.
s0=$(stat -c %s "$T/nbdc") s1=$(stat -c %s nbdc)
echo "size: TLS=0 $s0 bytes, TLS=1 $s1 bytes"
if [ "$(uname -m)" = x86_64 ]; then
	[ "$s0" -le 73728 ] && ok "TLS=0 binary within 72 KiB ($s0 bytes)" ||
		not_ok "TLS=0 binary is $s0 bytes, over the 73728 budget"
	[ "$s1" -le 147456 ] && ok "TLS binary within 144 KiB ($s1 bytes)" ||
		not_ok "TLS binary is $s1 bytes, over the 147456 budget"
fi
"$T/nbdc" --tls --pin AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= --info 127.0.0.1 >"$T/out" 2>&1
expect "TLS=0: --tls is refused with exit 7" 7 $? "TLS is not built into this nbdc" "$T/out"
finish
