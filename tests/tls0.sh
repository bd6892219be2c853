#!/bin/bash
# `make TLS=0` builds a binary with no TLS code at all, and it says so
# clearly when TLS is asked for.
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
echo "size: TLS=0 $(stat -c %s "$T/nbdc") bytes, TLS=1 $(stat -c %s nbdc) bytes"
"$T/nbdc" --tls --pin AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= --info 127.0.0.1 >"$T/out" 2>&1
expect "TLS=0: --tls is refused with exit 7" 7 $? "TLS is not built into this nbdc" "$T/out"
finish
