/* x509_der.c - see x509_der.h. */
#include <string.h>

#include "text.h"
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

/* ---- small DER helpers ------------------------------------------------------ */

/* The next TLV must have tag 'want'. */
static int der_expect(struct der *d, unsigned want, struct der *val)
{
	unsigned tag;
	return der_next(d, &tag, val) || tag != want ? -1 : 0;
}

static bool der_is(const struct der *v, const uint8_t *bytes, size_t n)
{
	return (size_t)(v->end - v->p) == n && !memcmp(v->p, bytes, n);
}

/* An INTEGER's magnitude, leading zero bytes dropped. */
static int der_uint(struct der *d, const uint8_t **p, size_t *len)
{
	struct der v;
	if (der_expect(d, 0x02, &v) || v.p == v.end || (*v.p & 0x80))
		return -1; /* empty or negative */
	while (v.end - v.p > 1 && !*v.p)
		v.p++;
	*p = v.p;
	*len = (size_t)(v.end - v.p);
	return 0;
}

static const uint8_t oid_rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 1 };
static const uint8_t oid_ec[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 2, 1 };
static const struct { int curve; uint8_t len, oid[8]; } curves[] = {
	{ X509_CURVE_P256, 8, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7 } },
	{ X509_CURVE_P384, 5, { 0x2b, 0x81, 0x04, 0x00, 0x22 } },
	{ X509_CURVE_P521, 5, { 0x2b, 0x81, 0x04, 0x00, 0x23 } },
};

/* A namedCurve OID's curve, or 0. */
static int curve_of(const struct der *oid)
{
	for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
		if (der_is(oid, curves[i].oid, curves[i].len))
			return curves[i].curve;
	return 0;
}

/* A BIT STRING with no unused bits: its bytes. */
static int der_bits(struct der *d, struct der *bytes)
{
	if (der_expect(d, 0x03, bytes) || bytes->p == bytes->end || *bytes->p)
		return -1;
	bytes->p++;
	return 0;
}

/* SubjectPublicKeyInfo: AlgorithmIdentifier, then the key's BIT STRING. */
static int spki_key(struct der spki, struct x509_pubkey *k)
{
	struct der alg, oid, bits;
	if (der_expect(&spki, 0x30, &alg) || der_expect(&alg, 0x06, &oid) ||
	    der_bits(&spki, &bits))
		return -1;
	memset(k, 0, sizeof *k);
	if (der_is(&oid, oid_rsa, sizeof oid_rsa)) {
		struct der rsa;
		k->type = 1;
		return der_expect(&bits, 0x30, &rsa) ||
		       der_uint(&rsa, &k->n, &k->nlen) ||
		       der_uint(&rsa, &k->e, &k->elen) ? -1 : 0;
	}
	struct der curve;
	if (!der_is(&oid, oid_ec, sizeof oid_ec) ||
	    der_expect(&alg, 0x06, &curve) || !(k->curve = curve_of(&curve)))
		return -1;
	k->type = 2;
	k->q = bits.p;
	k->qlen = (size_t)(bits.end - bits.p);
	return k->qlen ? 0 : -1;
}

/* ---- trust anchors ------------------------------------------------------------ */

/* In the extensions [3], does basicConstraints say cA TRUE?  As BearSSL's
 * decoder reads it (the anchor must be what BearSSL would make of the
 * certificate): each basicConstraints whose SEQUENCE starts with a
 * BOOLEAN sets the answer, so with (invalid) duplicates the last wins. */
static bool exts_say_ca(struct der tbs)
{
	static const uint8_t bc_oid[] = { 0x55, 0x1d, 0x13 };
	struct der exts, seq;
	unsigned tag;
	bool is_ca = false;
	while (tbs.p < tbs.end) {
		if (der_next(&tbs, &tag, &exts))
			return false;
		if (tag != 0xa3)
			continue;
		if (der_expect(&exts, 0x30, &seq))
			return false;
		while (seq.p < seq.end) {
			struct der ext, oid, val, bc, ca;
			if (der_expect(&seq, 0x30, &ext) ||
			    der_expect(&ext, 0x06, &oid) || der_next(&ext, &tag, &val))
				return false;
			if (tag == 0x01 && der_next(&ext, &tag, &val))
				return false;
			if (tag != 0x04 || !der_is(&oid, bc_oid, sizeof bc_oid))
				continue;
			if (!der_expect(&val, 0x30, &bc) && bc.p < bc.end &&
			    !der_next(&bc, &tag, &ca) && tag == 0x01)
				is_ca = ca.end - ca.p == 1 && *ca.p;
		}
	}
	return is_ca;
}

int x509_anchor(const uint8_t *cert, size_t len, struct x509_anchor *a)
{
	struct der d = { cert, cert + len }, c, tbs, v;
	unsigned tag;
	if (der_expect(&d, 0x30, &c) || der_expect(&c, 0x30, &tbs))
		return -1;
	if (tbs.p < tbs.end && *tbs.p == 0xa0 && der_next(&tbs, &tag, &v))
		return -1; /* [0] version */
	/* serial, signature, issuer, validity; then the subject, whole */
	static const unsigned want[] = { 0x02, 0x30, 0x30, 0x30 };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (der_expect(&tbs, want[i], &v))
			return -1;
	a->dn = tbs.p;
	if (der_expect(&tbs, 0x30, &v))
		return -1;
	a->dn_len = (size_t)(v.end - a->dn);
	if (der_expect(&tbs, 0x30, &v) || spki_key(v, &a->key))
		return -1;
	a->is_ca = exts_say_ca(tbs);
	return 0;
}

/* ---- private keys -------------------------------------------------------------- */

/* RSAPrivateKey: version, n, e, d, p, q, dp, dq, qinv. */
static int rsa_key(struct der d, struct x509_privkey *k)
{
	struct der seq;
	const uint8_t *skip, *n;
	size_t sl, nlen;
	if (der_expect(&d, 0x30, &seq) || der_uint(&seq, &skip, &sl) ||
	    der_uint(&seq, &n, &nlen) || der_uint(&seq, &skip, &sl) ||
	    der_uint(&seq, &skip, &sl) || der_uint(&seq, &k->p, &k->plen) ||
	    der_uint(&seq, &k->q, &k->qlen) || der_uint(&seq, &k->dp, &k->dplen) ||
	    der_uint(&seq, &k->dq, &k->dqlen) || der_uint(&seq, &k->iq, &k->iqlen))
		return -1;
	uint32_t bits = (uint32_t)nlen * 8;
	for (uint8_t top = n[0]; bits && !(top & 0x80); top = (uint8_t)(top << 1))
		bits--;
	k->type = 1;
	k->n_bits = bits;
	return bits ? 0 : -1;
}

/* ECPrivateKey: version 1, the scalar, [0] curve (or 'curve' given by
 * PKCS#8), [1] public key (ignored). */
static int ec_key(struct der d, int curve, struct x509_privkey *k)
{
	struct der seq, x, p0, oid;
	const uint8_t *ver;
	size_t vl;
	if (der_expect(&d, 0x30, &seq) || der_uint(&seq, &ver, &vl) ||
	    der_expect(&seq, 0x04, &x) || x.p == x.end)
		return -1;
	if (seq.p < seq.end && *seq.p == 0xa0) {
		if (der_expect(&seq, 0xa0, &p0) || der_expect(&p0, 0x06, &oid) ||
		    !(curve = curve_of(&oid)))
			return -1;
	}
	k->type = 2;
	k->curve = curve;
	k->x = x.p;
	k->xlen = (size_t)(x.end - x.p);
	return curve ? 0 : -1;
}

int x509_privkey(const uint8_t *der, size_t len, struct x509_privkey *k)
{
	struct der d = { der, der + len }, seq, alg, oid, curve, inner;
	const uint8_t *ver;
	size_t vl;
	unsigned tag;
	memset(k, 0, sizeof *k);
	if (!rsa_key(d, k) || !ec_key(d, 0, k))
		return 0;
	memset(k, 0, sizeof *k);
	/* PKCS#8: version, AlgorithmIdentifier, OCTET STRING of the key */
	if (der_expect(&d, 0x30, &seq) || der_uint(&seq, &ver, &vl) ||
	    der_expect(&seq, 0x30, &alg) || der_expect(&alg, 0x06, &oid) ||
	    der_expect(&seq, 0x04, &inner))
		return -1;
	if (der_is(&oid, oid_rsa, sizeof oid_rsa))
		return rsa_key(inner, k);
	if (!der_is(&oid, oid_ec, sizeof oid_ec) || der_next(&alg, &tag, &curve) ||
	    tag != 0x06)
		return -1;
	return ec_key(inner, curve_of(&curve), k);
}

/* ---- PEM ------------------------------------------------------------------------ */

static int b64val(int c);

/* Does text[at..len) start with 's'? */
static bool starts(const uint8_t *text, size_t len, size_t at, const char *s)
{
	size_t n = strlen(s);
	return len - at >= n && !memcmp(text + at, s, n);
}

int pem_next(const uint8_t *text, size_t len, size_t *off, char *label,
	     size_t labelsize, uint8_t *der, size_t cap, size_t *der_len)
{
	size_t i = *off;
	/* a BEGIN line, at the start of a line */
	while (i < len && !(starts(text, len, i, "-----BEGIN ") &&
			    (i == 0 || text[i - 1] == '\n')))
		i++;
	if (i >= len)
		return 0;
	i += 11;
	size_t l = 0;
	for (; i < len && text[i] != '\n' && !starts(text, len, i, "-----"); i++)
		if (l + 1 < labelsize)
			label[l++] = (char)text[i];
	label[l] = 0;
	if (!starts(text, len, i, "-----"))
		return -1;
	while (i < len && text[i] != '\n')
		i++;
	/* base64 up to the END line */
	uint32_t acc = 0;
	size_t bits = 0, o = 0, pad = 0;
	for (; i < len && !starts(text, len, i, "-----END "); i++) {
		int c = text[i], v = b64val(c);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=' && pad < 2) {
			pad++;
			continue;
		}
		if (v < 0 || pad || o >= cap)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			der[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (i >= len || (acc & ((1U << bits) - 1)) || (bits + pad * 6) % 8 > 6)
		return -1;
	while (i < len && text[i] != '\n')
		i++;
	*off = i;
	*der_len = o;
	return 1;
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
			int hi = text_hexval(s[2 * i]), lo = text_hexval(s[2 * i + 1]);
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
