#!/bin/sh
# Run the fuzzers: the handshake engine for FUZZ_SECONDS (default 60), the
# certificate DER walk, the kernel command-line parser, the PEM loaders,
# the server's side of the TLS handshake, DNS replies and our DER decoders
# against BearSSL's for a third of
# that each, each from its committed seed
# corpus (read-only here) plus a scratch corpus in build/.  Committed inputs
# are replayed first: an input that ever crashed goes into the corpus and
# stays a regression test.  Any crash, leak, timeout or sanitizer report
# fails; the input is left in build/fuzz-crash-*.
cd "$(dirname "$0")/../.." || exit 2
secs=${FUZZ_SECONDS:-60}
pass=0 fail=0
fuzz() { # NAME SECONDS MAXLEN SEEDS [MORE-SEEDS]
	name=$1 t=$2 maxlen=$3 seeds=$4 more=${5:-}
	mkdir -p "build/fuzz-work-$name"
	[ -n "$more" ] && cp "$more"/* "build/fuzz-work-$name/"
	if ! "./build/fuzz_$name" -runs=0 "$seeds" >"build/fuzz-$name-replay.log" 2>&1; then
		tail -30 "build/fuzz-$name-replay.log"
		echo "FAIL $name: a committed corpus input fails"
		fail=$((fail + 1)); return
	fi
	"./build/fuzz_$name" -max_total_time="$t" -max_len="$maxlen" -timeout=5 \
		-rss_limit_mb=1024 -artifact_prefix="build/fuzz-crash-$name-" \
		-print_final_stats=1 "build/fuzz-work-$name" "$seeds" \
		>"build/fuzz-$name.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build/fuzz-$name.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "build/fuzz-$name.log")
	echo "fuzz $name: ${runs:-?} executions in $t s (${rate:-?}/s), corpus $(ls "$seeds" | wc -l) seeds + $(ls "build/fuzz-work-$name" | wc -l) found"
	if [ $rc != 0 ]; then
		grep -E "ERROR|SUMMARY|Test unit written" "build/fuzz-$name.log" | head -20
		echo "FAIL $name"; fail=$((fail + 1))
	else
		echo "ok   $name"; pass=$((pass + 1))
	fi
}
fuzz nego "$secs" 12000 tests/fuzz/corpus
fuzz x509 $((secs / 3 + 1)) 8192 tests/fuzz/corpus-x509
fuzz bootargs $((secs / 3 + 1)) 4096 tests/fuzz/corpus-bootargs
# Key seeds are made fresh: no private key is committed, not even a test one.
K=build/fuzz-pem-keys
rm -rf "$K" && mkdir -p "$K/pki" && sh tests/certs.sh "$K/pki" &&
	{ printf '\2'; cat "$K/pki/client-key.pem"; } >"$K/eckey" &&
	{ printf '\2'; cat "$K/pki/server-key.pem"; } >"$K/rsakey" && rm -rf "$K/pki"
fuzz pem $((secs / 3 + 1)) 8192 tests/fuzz/corpus-pem "$K"
fuzz tls $((secs / 3 + 1)) 16384 tests/fuzz/corpus-tls
# Certificates and keys as DER, made fresh (keys are never committed).
D=build/fuzz-der-seeds
rm -rf "$D" && mkdir -p "$D/pki" "$D/seeds" && sh tests/certs.sh "$D/pki" && {
	for c in ca-cert server-cert client-cert; do
		openssl x509 -in "$D/pki/$c.pem" -outform der -out "$D/seeds/$c"
	done
	openssl pkey -in "$D/pki/server-key.pem" -outform der -out "$D/seeds/rsa-pkcs8"
	openssl pkey -in "$D/pki/client-key.pem" -outform der -out "$D/seeds/ec-pkcs8"
	openssl rsa -in "$D/pki/server-key.pem" -traditional -outform der -out "$D/seeds/rsa-pkcs1"
	openssl ec -in "$D/pki/client-key.pem" -outform der -out "$D/seeds/ec-sec1"
	rm -rf "$D/pki"; } >/dev/null 2>&1
mkdir -p tests/fuzz/corpus-der
fuzz der $((secs / 3 + 1)) 8192 tests/fuzz/corpus-der "$D/seeds"
fuzz dns $((secs / 3 + 1)) 1232 tests/fuzz/corpus-dns
echo "fuzz: $pass passed, $fail failed"
[ $fail = 0 ]
