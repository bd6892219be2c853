/*
 * pem_diff.h - nbdc's own DER decoders (x509_der.c) against BearSSL's, on
 * the same input: whatever BearSSL reads as a trust anchor or a private
 * key, ours must read to the same bytes.  Shared by test_pem (real
 * certificates and keys from openssl) and fuzz_pem (anything).
 * Returns 0 when they agree, else a number naming the difference.
 */
#include <string.h>

#include <bearssl.h>

#include "x509_der.h"

struct diff_blob {
	unsigned char buf[8192];
	size_t len;
	int overflow;
};

static void diff_append(void *ctx, const void *p, size_t n)
{
	struct diff_blob *b = ctx;
	if (n > sizeof b->buf - b->len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static int same_bytes(const unsigned char *a, size_t al, const unsigned char *b,
		      size_t bl)
{
	while (al > 1 && !*a)
		a++, al--;
	while (bl > 1 && !*b)
		b++, bl--;
	return al == bl && !memcmp(a, b, al);
}

static int diff_anchor(const unsigned char *der, size_t len)
{
	static struct diff_blob dn;
	static br_x509_decoder_context dc;
	struct x509_anchor a;
	dn.len = 0;
	dn.overflow = 0;
	br_x509_decoder_init(&dc, diff_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	int ours = x509_anchor(der, len, &a);
	if (!pk || dn.overflow || (pk->key_type == BR_KEYTYPE_EC &&
				   (pk->key.ec.curve < 23 || pk->key.ec.curve > 25)))
		return 0; /* BearSSL refuses, or a key nbdc cannot use */
	if (ours)
		return 1;
	if (a.dn_len != dn.len || memcmp(a.dn, dn.buf, dn.len))
		return 2;
	if (a.is_ca != (br_x509_decoder_isCA(&dc) != 0))
		return 3;
	if (pk->key_type == BR_KEYTYPE_RSA)
		return a.key.type != 1 ? 4 :
		       !same_bytes(a.key.n, a.key.nlen, pk->key.rsa.n, pk->key.rsa.nlen) ? 5 :
		       !same_bytes(a.key.e, a.key.elen, pk->key.rsa.e, pk->key.rsa.elen) ? 6 : 0;
	return a.key.type != 2 || a.key.curve != pk->key.ec.curve ? 7 :
	       a.key.qlen != pk->key.ec.qlen || memcmp(a.key.q, pk->key.ec.q, a.key.qlen) ? 8 : 0;
}

static int diff_key(const unsigned char *der, size_t len)
{
	static br_skey_decoder_context sk;
	struct x509_privkey k;
	br_skey_decoder_init(&sk);
	br_skey_decoder_push(&sk, der, len);
	int type = br_skey_decoder_last_error(&sk) ? 0 : br_skey_decoder_key_type(&sk);
	int ours = x509_privkey(der, len, &k);
	if (type == BR_KEYTYPE_RSA) {
		const br_rsa_private_key *r = br_skey_decoder_get_rsa(&sk);
		return ours || k.type != 1 ? 11 : k.n_bits != r->n_bitlen ? 12 :
		       !same_bytes(k.p, k.plen, r->p, r->plen) ||
		       !same_bytes(k.q, k.qlen, r->q, r->qlen) ||
		       !same_bytes(k.dp, k.dplen, r->dp, r->dplen) ||
		       !same_bytes(k.dq, k.dqlen, r->dq, r->dqlen) ||
		       !same_bytes(k.iq, k.iqlen, r->iq, r->iqlen) ? 13 : 0;
	}
	if (type == BR_KEYTYPE_EC) {
		const br_ec_private_key *e = br_skey_decoder_get_ec(&sk);
		if (e->curve < 23 || e->curve > 25)
			return 0;
		return ours || k.type != 2 ? 14 : k.curve != e->curve ? 15 :
		       !same_bytes(k.x, k.xlen, e->x, e->xlen) ? 16 : 0;
	}
	return 0;
}
