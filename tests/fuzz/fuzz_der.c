/*
 * fuzz_der.c - libFuzzer harness: arbitrary DER as a certificate and as a
 * private key, through nbdc's decoders and BearSSL's side by side
 * (tests/pem_diff.h).  Where BearSSL reads an anchor or a key, nbdc must
 * read the same bytes; anything else may fail, never crash.  Also the
 * PEM reader over the same bytes as text.
 */
#include "../pem_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char der[65536];
	char label[64];
	size_t off = 0, len;
	if (diff_anchor(data, size) || diff_key(data, size))
		__builtin_trap();
	while (pem_next(data, size, &off, label, sizeof label, der, sizeof der,
			&len) == 1)
		if (len > sizeof der || off > size)
			__builtin_trap();
	return 0;
}
