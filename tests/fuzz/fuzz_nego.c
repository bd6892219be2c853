/*
 * fuzz_nego.c - libFuzzer harness: arbitrary server byte streams fed to the
 * complete handshake engine in every client mode.
 *
 * Input layout: byte 0 picks the mode (attach, info, list), whether TLS
 * is required and whether NBD_OPT_GO is skipped (-no-optgo); byte 1 picks the largest chunk a "socket read" returns; the
 * rest is what the server sends.  STARTTLS is simulated as a transparent
 * transport, so option haggling inside TLS is fuzzed too.  Invariants that
 * must hold whatever the bytes are checked with __builtin_trap().
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nego.h"

static struct nego n;
static unsigned exports;

static void on_export(void *ctx, const char *name, const char *desc)
{
	(void)ctx;
	if (strlen(name) > NBD_MAX_STRING || strlen(desc) > NBD_MAX_STRING)
		__builtin_trap();
	exports++;
}

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "", "disk", "a/b c" };
	static struct nego_texts texts;
	if (size < 2)
		return 0;
	struct nego_config cfg = {
		.mode = (enum nego_mode)(data[0] % 3),
		.tls = data[0] & 0x10,
		.no_optgo = data[0] & 0x08,
		.name = names[(data[0] >> 5) % 3],
		.on_export = on_export,
		.texts = data[0] & 0x04 ? &texts : NULL,
	};
	size_t chunk = (size_t)data[1] + 1, off = 2;
	exports = 0;
	nego_init(&n, &cfg);
	/* Each round moves bytes or changes state; bound the rounds anyway. */
	for (size_t rounds = 0; rounds < 4 * size + 16; rounds++) {
		enum nego_status st = nego_status(&n);
		size_t len;
		const uint8_t *out = nego_sendbuf(&n, &len);
		REQUIRE(len <= NEGO_OUT_MAX && (len == 0 || out));
		if (len) {
			nego_sendack(&n, len);
			continue;
		}
		if (st == NEGO_STARTTLS) {
			nego_tls_ready(&n);
			continue;
		}
		if (st != NEGO_WANT_IO)
			break;
		uint8_t *in = nego_recvbuf(&n, &len);
		REQUIRE(len > 0 && len <= NEGO_MAX_REPLY);
		if (off == size) {
			nego_eof(&n);
			REQUIRE(nego_status(&n) == NEGO_FAILED);
			break;
		}
		if (len > chunk)
			len = chunk;
		if (len > size - off)
			len = size - off;
		memcpy(in, data + off, len);
		off += len;
		nego_recvack(&n, len);
	}
	enum nego_status st = nego_status(&n);
	REQUIRE(st != NEGO_WANT_IO && st != NEGO_STARTTLS);
	if (st == NEGO_FAILED)
		REQUIRE(nego_error(&n) != NEGO_OK && nego_message(&n)[0]);
	if (st == NEGO_DONE) {
		const struct nego_result *r = nego_result(&n);
		REQUIRE(r->size <= INT64_MAX);
		REQUIRE((cfg.mode == NEGO_LIST) == (r->path == NEGO_PATH_NONE));
		REQUIRE(!cfg.tls || r->tls);
	}
	return 0;
}
