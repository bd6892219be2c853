#!/bin/sh
# nbdc's own PEM, certificate and key decoders against BearSSL's on fresh
# openssl output: RSA and EC (P-256, P-384, P-521) certificates, CA and
# not; keys in PKCS#8, PKCS#1 and SEC1.
cd "$(dirname "$0")/.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
sh tests/certs.sh "$T" || exit 1
q() { "$@" >/dev/null 2>&1; }
for c in P-256 P-384 P-521; do
	q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:$c -nodes \
		-keyout "$T/ec-$c-key.pem" -out "$T/ec-$c-ca.pem" -days 30 -subj "/CN=ec $c CA" \
		-addext basicConstraints=critical,CA:TRUE
	q openssl ec -in "$T/ec-$c-key.pem" -out "$T/ec-$c-sec1.pem"
done
q openssl rsa -in "$T/server-key.pem" -traditional -out "$T/rsa-pkcs1.pem"
cat "$T/ca-cert.pem" "$T/server-cert.pem" "$T/client-cert.pem" >"$T/bundle.pem"
./build/test_pem "$T/ca-cert.pem" "$T/server-cert.pem" "$T/client-cert.pem" \
	"$T/other-ca-cert.pem" "$T/expired/server-cert.pem" "$T/bundle.pem" \
	"$T/server-key.pem" "$T/client-key.pem" "$T/rsa-pkcs1.pem" \
	"$T"/ec-*-ca.pem "$T"/ec-*-key.pem "$T"/ec-*-sec1.pem
