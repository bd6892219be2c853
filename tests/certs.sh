#!/bin/sh
# certs.sh DIR: a test PKI made fresh for each run (no private key is ever
# committed).  In DIR:
#   ca-cert.pem ca-key.pem            the CA nbdc trusts
#   server-cert.pem server-key.pem    localhost, 127.0.0.1, 10.0.2.2 (nbdkit layout)
#   expired/ {ca,server}-*.pem        a server certificate that expired
#   other-ca-cert.pem                 a CA that signed nothing here
#   client-cert.pem client-key.pem    a client certificate from the CA (EC key)
#   server.pin                        SPKI SHA-256 of the server key (base64)
set -e
D=$1
mkdir -p "$D/expired"
cd "$D"
q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca-cert.pem \
	-days 30 -subj "/CN=nbdc test CA" -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign
q openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca-key.pem \
	-out other-ca-cert.pem -days 30 -subj "/CN=other CA" \
	-addext basicConstraints=critical,CA:TRUE
sign() { # NAME SUBJ SAN DAYS-OR-DATES... : key + CSR + certificate from the CA
	name=$1 subj=$2 san=$3; shift 3
	q openssl req -newkey rsa:2048 -nodes -keyout "$name-key.pem" -out "$name.csr" -subj "$subj"
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" >"$name.ext"
	q openssl x509 -req -in "$name.csr" -CA ca-cert.pem -CAkey ca-key.pem \
		-CAcreateserial -out "$name-cert.pem" -extfile "$name.ext" "$@"
}
sign server "/CN=localhost" "DNS:localhost,DNS:nbd.test,IP:127.0.0.1,IP:10.0.2.2" -days 30
# Expired: valid for one day, two years ago (openssl 3 -not_before/-not_after
# are not in 3.0; use a backdated CA signing through 'ca' instead).
mkdir -p exp-db && : >exp-db/index && echo 01 >exp-db/serial
cat >exp.cnf <<CNF
[ca]
default_ca = c
[c]
database = exp-db/index
serial = exp-db/serial
new_certs_dir = exp-db
default_md = sha256
policy = p
copy_extensions = copy
[p]
commonName = supplied
CNF
q openssl req -newkey rsa:2048 -nodes -keyout expired/server-key.pem -out exp.csr \
	-subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:10.0.2.2"
q openssl ca -batch -config exp.cnf -cert ca-cert.pem -keyfile ca-key.pem \
	-startdate 20200101000000Z -enddate 20200102000000Z -in exp.csr \
	-out expired/server-cert.pem
cp ca-cert.pem expired/ca-cert.pem
# Client certificate with an EC key.
q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout client-key.pem -out client.csr -subj "/CN=nbdc client"
q openssl x509 -req -in client.csr -CA ca-cert.pem -CAkey ca-key.pem \
	-CAcreateserial -out client-cert.pem -days 30
openssl x509 -in server-cert.pem -noout -pubkey | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64 >server.pin
chmod 644 *.pem expired/*.pem
