/*
 * x509_der.h - the DER and PEM nbdc reads itself: PEM objects, what a
 * trust anchor needs of a CA certificate (subject, key, CA flag), private
 * keys (PKCS#1, SEC1, PKCS#8), the SubjectPublicKeyInfo (for --pin) and
 * iPAddress subjectAltNames (BearSSL matches DNS names only).  BearSSL
 * verifies chains and runs TLS; these parsers replace its decoders, which
 * were larger than all of this.  Bounds-checked walks over a buffer; no
 * allocation, no BearSSL.  Key material is returned as pointers into the
 * DER given.
 */
#ifndef X509_DER_H
#define X509_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The next PEM object at or after *off in text[0..len): its label ("-----
 * BEGIN LABEL-----", cut to labelsize - 1) and its base64 decoded into
 * der[0..cap).  Returns 1 with *off past it, 0 when there is none left,
 * -1 when one is malformed (bad base64, no END line, too large). */
int pem_next(const uint8_t *text, size_t len, size_t *off, char *label,
	     size_t labelsize, uint8_t *der, size_t cap, size_t *der_len);

/* Curves by their TLS numbers (BearSSL's BR_EC_*). */
#define X509_CURVE_P256 23
#define X509_CURVE_P384 24
#define X509_CURVE_P521 25

/* A public key: RSA (n, e; leading zeros dropped) or EC (curve, point). */
struct x509_pubkey {
	int type; /* 1 RSA, 2 EC */
	const uint8_t *n, *e;
	size_t nlen, elen;
	int curve;
	const uint8_t *q;
	size_t qlen;
};

/* What a trust anchor is made of. */
struct x509_anchor {
	const uint8_t *dn; /* the subject Name, whole (tag and length) */
	size_t dn_len;
	bool is_ca;        /* basicConstraints with cA TRUE */
	struct x509_pubkey key;
};

/* Read the anchor of one DER certificate.  Returns 0, -1 if malformed or
 * its key is of a kind we cannot use. */
int x509_anchor(const uint8_t *cert, size_t len, struct x509_anchor *a);

/* A private key: RSA (the CRT parts BearSSL signs with, and the modulus
 * length in bits) or EC (curve, secret scalar). */
struct x509_privkey {
	int type; /* 1 RSA, 2 EC */
	uint32_t n_bits;
	const uint8_t *p, *q, *dp, *dq, *iq;
	size_t plen, qlen, dplen, dqlen, iqlen;
	int curve;
	const uint8_t *x;
	size_t xlen;
};

/* Read a private key in PKCS#1 ("RSA PRIVATE KEY"), SEC1 ("EC PRIVATE
 * KEY") or PKCS#8 ("PRIVATE KEY") DER.  Returns 0, or -1. */
int x509_privkey(const uint8_t *der, size_t len, struct x509_privkey *k);

/* Point *spki at the SubjectPublicKeyInfo TLV. Returns 0, -1 if malformed. */
int x509_spki(const uint8_t *cert, size_t len, const uint8_t **spki,
	      size_t *spki_len);

/* 1 if the certificate lists 'ip' (4 or 16 bytes) as an iPAddress
 * subjectAltName, 0 if not, -1 if malformed. */
int x509_has_ip(const uint8_t *cert, size_t len, const uint8_t *ip,
		size_t iplen);

/* Parse a --pin value (base64 or hex of 32 bytes). Returns 0 or -1. */
int pin_parse(const char *s, uint8_t out[32]);

#endif
