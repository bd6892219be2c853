#!/bin/sh
# The certificate DER walk against fresh openssl certificates, under ASan.
cd "$(dirname "$0")/.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
sh tests/certs.sh "$T" || exit 1
openssl x509 -in "$T/server-cert.pem" -outform der -out "$T/cert.der"
openssl x509 -in "$T/server-cert.pem" -noout -pubkey | openssl pkey -pubin -outform der -out "$T/spki.der"
./build/test_x509 "$T/cert.der" "$T/spki.der"
