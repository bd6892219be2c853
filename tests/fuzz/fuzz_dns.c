/*
 * fuzz_dns.c - libFuzzer harness for the resolver's reply parser: any
 * datagram, as an answer to an A or an AAAA question, yields a verdict and
 * at most the addresses that fit, never a read past the datagram.
 */
#include <stddef.h>
#include <stdint.h>

#include "resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resolved out = { 0 };
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	int a = resolve_parse_reply(data, size, id, 1, 10809, &out);
	int aaaa = resolve_parse_reply(data, size, id, 28, 10809, &out);
	if (out.n < 0 || out.n > 8 || a < -1 || a > 15 || aaaa < -1 || aaaa > 15)
		__builtin_trap();
	return 0;
}
