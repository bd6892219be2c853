/*
 * x509_der.h - the little of X.509 that BearSSL does not do for us: find
 * the SubjectPublicKeyInfo (for --pin) and the iPAddress subjectAltNames
 * (BearSSL matches DNS names only).  A bounds-checked DER walk over one
 * certificate; no allocation, no BearSSL.
 */
#ifndef X509_DER_H
#define X509_DER_H

#include <stddef.h>
#include <stdint.h>

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
