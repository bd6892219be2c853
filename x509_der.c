/* x509_der.c - see x509_der.h. */
#include <string.h>

#include "x509_der.h"

struct der {
	const uint8_t *p, *end;
};

/* Read one TLV: its tag, and its value in *val.  Only single-byte tags and
 * definite lengths of up to 4 bytes (DER); everything is bounds-checked. */
static int der_next(struct der *d, unsigned *tag, struct der *val)
{
	if (d->end - d->p < 2)
		return -1;
	unsigned t = *d->p++;
	size_t len = *d->p++;
	if ((t & 0x1f) == 0x1f)
		return -1;
	if (len & 0x80) {
		size_t n = len & 0x7f;
		if (n == 0 || n > 4 || (size_t)(d->end - d->p) < n)
			return -1;
		for (len = 0; n; n--)
			len = len << 8 | *d->p++;
	}
	if (len > (size_t)(d->end - d->p))
		return -1;
	*tag = t;
	val->p = d->p;
	val->end = d->p + len;
	d->p += len;
	return 0;
}

/* Enter the TBSCertificate and step past every field before the SPKI. */
static int tbs_fields(const uint8_t *cert, size_t len, struct der *tbs)
{
	struct der d = { cert, cert + len }, c;
	unsigned tag;
	if (der_next(&d, &tag, &c) || tag != 0x30 || der_next(&c, &tag, tbs) ||
	    tag != 0x30)
		return -1;
	/* optional [0] version */
	if (tbs->p < tbs->end && *tbs->p == 0xa0) {
		struct der v;
		if (der_next(tbs, &tag, &v))
			return -1;
	}
	/* serial, signature, issuer, validity, subject */
	static const unsigned want[] = { 0x02, 0x30, 0x30, 0x30, 0x30 };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct der v;
		if (der_next(tbs, &tag, &v) || tag != want[i])
			return -1;
	}
	return 0;
}

int x509_spki(const uint8_t *cert, size_t len, const uint8_t **spki,
	      size_t *spki_len)
{
	struct der tbs, v;
	unsigned tag;
	if (tbs_fields(cert, len, &tbs))
		return -1;
	const uint8_t *start = tbs.p;
	if (der_next(&tbs, &tag, &v) || tag != 0x30)
		return -1;
	*spki = start;
	*spki_len = (size_t)(v.end - start);
	return 0;
}

/* In a GeneralNames sequence, look for iPAddress [7] equal to 'ip'. */
static int names_have_ip(struct der names, const uint8_t *ip, size_t iplen)
{
	struct der seq, v;
	unsigned tag;
	if (der_next(&names, &tag, &seq) || tag != 0x30)
		return -1;
	while (seq.p < seq.end) {
		if (der_next(&seq, &tag, &v))
			return -1;
		if (tag == 0x87 && (size_t)(v.end - v.p) == iplen &&
		    !memcmp(v.p, ip, iplen))
			return 1;
	}
	return 0;
}

int x509_has_ip(const uint8_t *cert, size_t len, const uint8_t *ip,
		size_t iplen)
{
	static const uint8_t san_oid[] = { 0x55, 0x1d, 0x11 };
	struct der tbs, v, exts, seq;
	unsigned tag;
	if (tbs_fields(cert, len, &tbs) || der_next(&tbs, &tag, &v))
		return -1; /* skips the SPKI */
	while (tbs.p < tbs.end) {
		if (der_next(&tbs, &tag, &exts))
			return -1;
		if (tag != 0xa3)
			continue; /* issuer/subject unique IDs */
		if (der_next(&exts, &tag, &seq) || tag != 0x30)
			return -1;
		while (seq.p < seq.end) {
			struct der ext, oid, val;
			if (der_next(&seq, &tag, &ext) || tag != 0x30 ||
			    der_next(&ext, &tag, &oid) || tag != 0x06)
				return -1;
			if (der_next(&ext, &tag, &val))
				return -1;
			if (tag == 0x01 && der_next(&ext, &tag, &val))
				return -1; /* critical flag, then the value */
			if (tag != 0x04)
				return -1;
			if ((size_t)(oid.end - oid.p) == sizeof san_oid &&
			    !memcmp(oid.p, san_oid, sizeof san_oid))
				return names_have_ip(val, ip, iplen);
		}
	}
	return 0;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int b64val(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
	       : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62
	       : c == '/' ? 63 : -1;
}

int pin_parse(const char *s, uint8_t out[32])
{
	size_t n = strlen(s);
	if (!strncmp(s, "sha256//", 8)) { /* curl's spelling */
		s += 8;
		n -= 8;
	}
	if (n == 64) {
		for (size_t i = 0; i < 32; i++) {
			int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
			if (hi < 0 || lo < 0)
				return -1;
			out[i] = (uint8_t)(hi << 4 | lo);
		}
		return 0;
	}
	if (n != 44 || s[43] != '=')
		return -1;
	uint32_t acc = 0;
	size_t o = 0;
	for (size_t i = 0; i < 43; i++) {
		int v = b64val(s[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		if (i % 4 == 3) {
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
		}
	}
	/* 43 symbols: 10 groups of 4 (30 bytes) + 3 symbols (2 bytes) */
	out[o++] = (uint8_t)(acc >> 10);
	out[o++] = (uint8_t)(acc >> 2);
	return (acc & 3) ? -1 : 0;
}
