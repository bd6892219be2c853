/*
 * fuzz_x509.c - libFuzzer harness for the DER walk over the server's
 * certificate (x509_spki, x509_has_ip) and the --pin parser: bytes a man in
 * the middle controls before the chain is verified.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "x509_der.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *spki;
	size_t len;
	if (x509_spki(data, size, &spki, &len) == 0 &&
	    (spki < data || len > size || spki + len > data + size))
		__builtin_trap();
	static const uint8_t ip4[4] = { 10, 0, 2, 2 };
	static const uint8_t ip6[16] = { [15] = 1 };
	(void)x509_has_ip(data, size, ip4, sizeof ip4);
	(void)x509_has_ip(data, size, ip6, sizeof ip6);
	char pin[80];
	size_t n = size < sizeof pin - 1 ? size : sizeof pin - 1;
	memcpy(pin, data, n);
	pin[n] = 0;
	uint8_t out[32];
	(void)pin_parse(pin, out);
	return 0;
}
