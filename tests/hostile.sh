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
	# Over a Unix socket there is no host name: -H or --pin, never nothing
	# (this crashed with SIGSEGV).
	for a in "--tls --cacert /nonexistent.pem" "--cacert /nonexistent.pem" "-x"; do
		"$NBDC" $a -u "$T/sock" --info >"$T/out" 2>&1
		expect "TLS over a Unix socket without -H or --pin ($a)" 1 $? \
			"TLS over a Unix socket has no host name to check" "$T/out"
	done
	"$NBDC" -H '' --cacert /nonexistent.pem --info 127.0.0.1 >"$T/out" 2>&1
	expect "-H '' is a usage error, not 'check nothing'" 1 $? "empty --tls-hostname" "$T/out"
	"$NBDC" --pin '' --info 127.0.0.1 >"$T/out" 2>&1
	expect "--pin '' is a usage error" 1 $? "empty --pin" "$T/out"
	"$NBDC" --cacert '' --info 127.0.0.1 >"$T/out" 2>&1
	expect "--cacert '' is a usage error" 1 $? "empty file name for --cacert" "$T/out"
	# Hostile TLS peers after STARTTLS: each ends by the deadline or at
	# once, with its exit code and a message that names what happened.
	sh tests/certs.sh "$T/pki" || not_ok "certificates"
	export FAKE_PKI="$T/pki"
	CA="--cacert $T/pki/ca-cert.pem"
	run tls_alert_flood 8 "the TLS handshake did not finish in time" 4 --connect-timeout 2 $CA --info
	run tls_stall 8 "the TLS handshake did not finish in time" 4 --connect-timeout 2 $CA --info
	run tls_oversized 7 "TLS handshake failed: the server sent a malformed TLS record" 2 $CA --info
	run tls_appdata_early 7 "out of order (such as data before its Finished)" 2 $CA --info
	run tls_close_notify 5 "closed the connection in the middle of REPLY_HDR (0 of 20 bytes received) while waiting for the reply to NBD_OPT_GO" 2 $CA --info
	run tls_renegotiate 7 "TLS failed during the handshake (REPLY_HDR): the server sent fatal alert 40 (handshake_failure)" 2 $CA --info
	printf 'nbd5 %s exp unix,cacertfile=/ca.pem\n' "$T/sock" >"$T/nbdtab"
	NBDTAB="$T/nbdtab" "$NBDC" nbd5 >"$T/out" 2>&1
	expect "nbdtab: unix with cacertfile= and no tlshostname" 1 $? \
		"TLS over a Unix socket has no host name to check" "$T/out"
fi
run list_ok 0 'root	descr\\x07x' 2 --list
run export_name_cut 5 "middle of EXPORT_NAME_REPLY (8 of 134" 2 -N disk --info
run bad_block_size 5 "minimum 3, preferred 2147483648, maximum 7" 2 --info
# Server text on a terminal: C0, DEL, C1 (raw and UTF-8) and invalid bytes
# escaped; valid UTF-8 kept.  No raw ESC or 0x9b reaches the output.
no_controls() { # NAME FILE
	if LC_ALL=C grep -q "$(printf '[\033\233\007]')" "$2" ||
	   grep -q "$(printf '\302\233')" "$2"; then
		not_ok "$1: a control character reached the output"
		od -c "$2" | head -20
	else
		ok "$1: no control character in the output"
	fi
}
EVIL='\\x9b2J\\xc2\\x9b1m\\x1b]0;pwned\\x07\\xff café'
run c1_error 4 "server says: \"$EVIL\"" 2 --info
no_controls "server error text" "$T/out"
run c1_list 0 "$EVIL	$EVIL" 2 --list
no_controls "export list" "$T/out"
run c1_info 0 "description: $EVIL" 2 --info
no_controls "export name and description" "$T/out"
# Exit codes and identity rules, from every source, before connecting.
"$NBDC" --info 127.0.0.1 99999 >"$T/out" 2>&1
expect "port 99999 is a usage error" 1 $? "bad port '99999'" "$T/out"
"$NBDC" --info 127.0.0.1 0 >"$T/out" 2>&1
expect "port 0 is a usage error" 1 $? "bad port '0'" "$T/out"
"$NBDC" --info '' >"$T/out" 2>&1
expect "empty HOST is a usage error" 1 $? "empty HOST" "$T/out"
"$NBDC" --info "$(printf 'h%.0s' $(seq 300))" >"$T/out" 2>&1
expect "a 300-byte HOST is refused, not cut" 1 $? "longer than a host name can be" "$T/out"
"$NBDC" --info 'a..b' 10809 >"$T/out" 2>&1
expect "a malformed host name is a usage error" 1 $? "not a valid host name" "$T/out"
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
