#!/bin/bash
# Hostile and broken servers (scripted, byte-exact): each must end with a
# clear message and its documented exit code, promptly, never a crash.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=hostile
NBDC=${NBDC:-./nbdc}
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT

# run SCENARIO CODE PATTERN MAXSEC NBDC-ARGS...
run() {
	sc=$1 code=$2 pat=$3 max=$4; shift 4
	rm -f "$T/port"
	python3 tests/fakeserver.py "$T/port" "$sc" & srv=$!
	wait_file "$T/port" || { not_ok "$sc: fake server did not start"; return; }
	port=$(cat "$T/port")
	start=$(date +%s%N)
	timeout 60 "$NBDC" "$@" 127.0.0.1 "$port" >"$T/out" 2>&1
	got=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	kill $srv 2>/dev/null; wait $srv 2>/dev/null
	if [ $ms -gt $((max * 1000)) ]; then
		not_ok "$sc: took ${ms} ms, limit ${max} s"; return
	fi
	expect "$sc (${ms} ms)" "$code" "$got" "$pat" "$T/out"
}

run wrong_magic 5 "not an NBD server" 2 --info
run close_mid_greeting 5 "closed the connection in the middle of GREETING" 2 --info
run close_mid_reply 5 "closed the connection in the middle of REPLY_HDR" 2 --info
run huge_length 5 "length of 4294967295 bytes" 2 --info
run wrong_reply_magic 5 "bad magic 0xdeadbeefdeadbeef" 2 --info
run other_option 5 "answered option 3 (NBD_OPT_LIST)" 2 --info -N disk
run size_overflow 5 "larger than the largest the kernel can address" 2 --info
run name_overflow 5 "100-byte name" 2 --list
run endless_info 5 "more than 32 replies" 3 --info
run silent 8 "did not complete the handshake in time (stuck in GREETING" 5 --connect-timeout 2 --info
run drip 8 "did not complete the handshake in time" 5 --connect-timeout 3 --info
run tls_required 4 "server requires TLS (use --tls and --cacert)" 2 --info
run unknown_export 4 "export 'nosuch': no such export on the server (NBD_REP_ERR_UNKNOWN to NBD_OPT_GO) (server says: \"no disk called that here\")" 2 -N nosuch --info
PIN=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
if "$NBDC" -V | grep -q "tls: bearssl"; then
	run starttls_garbage 7 "TLS handshake failed" 2 --pin $PIN --info
	run not_fixed 7 "not fixed-newstyle, so it cannot do STARTTLS" 2 --pin $PIN --info
	"$NBDC" --tls --info 127.0.0.1 >"$T/out" 2>&1
	expect "--tls without --cacert or --pin refuses to start" 1 $? "needs a way to check the server" "$T/out"
	"$NBDC" --pin nonsense --info 127.0.0.1 >"$T/out" 2>&1
	expect "malformed --pin" 1 $? "44 base64 or 64 hex" "$T/out"
	"$NBDC" -A /nonexistent.pem --info 127.0.0.1 >"$T/out" 2>&1
	expect "missing CA file" 7 $? "cannot read /nonexistent.pem" "$T/out"
fi
run list_ok 0 "root	descr?x" 2 --list
# nothing listening at all
port=$(free_port)
timeout 10 "$NBDC" --info 127.0.0.1 "$port" >"$T/out" 2>&1
expect "connection refused" 3 $? "cannot connect to 127.0.0.1 port $port (127.0.0.1: Connection refused)" "$T/out"
timeout 10 "$NBDC" --info no-such-host.invalid >"$T/out" 2>&1
expect "unresolvable host" 3 $? "cannot resolve no-such-host.invalid" "$T/out"
# usage errors
"$NBDC" >"$T/out" 2>&1; expect "no arguments" 1 $? "usage:" "$T/out"
"$NBDC" -b 1000 h /dev/nbd0 >"$T/out" 2>&1; expect "illegal block size" 1 $? "block size must be" "$T/out"
"$NBDC" 127.0.0.1 >"$T/out" 2>&1; expect "attach without device, no netlink here" 1 $? "no device given, and the kernel has no NBD netlink" "$T/out"
"$NBDC" -L 127.0.0.1 >"$T/out" 2>&1; expect "attach without device with -L" 1 $? "no device given, and -nonetlink cannot pick one" "$T/out"
"$NBDC" -c /dev/null >"$T/out" 2>&1; expect "check non-NBD device" 2 $? "not an NBD device" "$T/out"
finish
