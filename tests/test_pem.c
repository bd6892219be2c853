/*
 * test_pem.c - nbdc's PEM, trust-anchor and private-key decoders against
 * BearSSL's, on certificates and keys made by openssl (tests/pem.sh):
 * every PEM object in each file given must decode, and decode the same.
 *   test_pem FILE...
 */
#include <stdio.h>

#include "pem_diff.h"

static unsigned char text[1 << 20], der[1 << 20];

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t len = f ? fread(text, 1, sizeof text, f) : 0, off = 0, dlen;
		char label[64], name[600];
		int r, objects = 0;
		if (f)
			fclose(f);
		while ((r = pem_next(text, len, &off, label, sizeof label, der,
				     sizeof der, &dlen)) == 1) {
			int d = !strcmp(label, "CERTIFICATE") ? diff_anchor(der, dlen)
								 : diff_key(der, dlen);
			snprintf(name, sizeof name, "%s: %s decoded as BearSSL does",
				 argv[i], label);
			printf("%s %s", d ? "FAIL" : "ok  ", name);
			if (d)
				printf(" (difference %d)", d);
			printf("\n");
			d ? failed++ : passed++;
			objects++;
		}
		if (r < 0 || !objects) {
			printf("FAIL %s: PEM decoding (%s)\n", argv[i],
			       r < 0 ? "malformed" : "no object");
			failed++;
		}
	}
	printf("pem: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
