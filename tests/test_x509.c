/*
 * test_x509.c - the DER walk against certificates made by openssl:
 *   test_x509 CERT.der SPKI.der  — SPKI found byte-exact; iPAddress SANs
 *   127.0.0.1 and 10.0.2.2 listed, 10.0.2.3 and ::1 not; every truncation
 *   of the certificate is rejected or parsed without reading past its end
 *   (run under ASan); --pin parsing in base64 and hex.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509_der.h"

static int passed, failed;
#define CHECK(name, cond) do { if (cond) passed++; else { failed++; \
	fprintf(stderr, "FAIL %s\n", name); } } while (0)

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	static unsigned char buf[2][65536];
	static int which;
	if (!f)
		return NULL;
	unsigned char *b = buf[which++ & 1];
	*len = fread(b, 1, sizeof buf[0], f);
	fclose(f);
	return b;
}

int main(int argc, char **argv)
{
	size_t clen, slen, len;
	const uint8_t *spki;
	if (argc != 3)
		return 2;
	unsigned char *cert = slurp(argv[1], &clen), *want = slurp(argv[2], &slen);
	if (!cert || !want)
		return 2;
	static const uint8_t lo[4] = { 127, 0, 0, 1 }, gw[4] = { 10, 0, 2, 2 },
		other[4] = { 10, 0, 2, 3 }, v6[16] = { [15] = 1 };
	CHECK("spki found", x509_spki(cert, clen, &spki, &len) == 0);
	CHECK("spki byte-exact", len == slen && !memcmp(spki, want, slen));
	CHECK("ip 127.0.0.1 listed", x509_has_ip(cert, clen, lo, 4) == 1);
	CHECK("ip 10.0.2.2 listed", x509_has_ip(cert, clen, gw, 4) == 1);
	CHECK("ip 10.0.2.3 not listed", x509_has_ip(cert, clen, other, 4) == 0);
	CHECK("ip ::1 not listed", x509_has_ip(cert, clen, v6, 16) == 0);
	int bad = 0;
	for (size_t cut = 0; cut < clen; cut++) {
		unsigned char *copy = malloc(cut ? cut : 1);
		memcpy(copy, cert, cut);
		if (x509_has_ip(copy, cut, lo, 4) == 1)
			bad++;
		free(copy);
	}
	CHECK("every truncation fails to match", bad == 0);
	/* The outer length (server-controlled): exact, one past, type maximum. */
	static unsigned char v[65536 + 8];
	size_t outer = (size_t)cert[2] << 8 | cert[3];
	CHECK("outer length is 2-byte long form", cert[1] == 0x82 && outer + 4 == clen);
	memcpy(v, cert, clen);
	CHECK("outer length exact", x509_spki(v, clen, &spki, &len) == 0);
	v[2] = (unsigned char)((outer + 1) >> 8), v[3] = (unsigned char)(outer + 1);
	CHECK("outer length one past", x509_spki(v, clen, &spki, &len) == -1 &&
	      x509_has_ip(v, clen, lo, 4) == -1);
	v[0] = 0x30, v[1] = 0x84, v[2] = v[3] = v[4] = v[5] = 0xff;
	memcpy(v + 6, cert + 4, clen - 4);
	CHECK("outer length 0xffffffff", x509_spki(v, clen + 2, &spki, &len) == -1 &&
	      x509_has_ip(v, clen + 2, lo, 4) == -1);
	v[1] = 0x85;
	CHECK("5-byte length form refused", x509_spki(v, clen + 2, &spki, &len) == -1);
	uint8_t out[32], hex[32];
	CHECK("pin base64", pin_parse("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", out) == 0 &&
	      out[0] == 0xe3 && out[31] == 0x55);
	CHECK("pin hex", pin_parse("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hex) == 0 &&
	      !memcmp(out, hex, 32));
	CHECK("pin curl form", pin_parse("sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", hex) == 0);
	CHECK("pin bad length", pin_parse("abcd", out) == -1);
	CHECK("pin bad char", pin_parse("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF!=", out) == -1);
	printf("x509: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
