/*
 * fuzz_tls.c - libFuzzer harness for what a server says after STARTTLS:
 * arbitrary bytes as the server's side of the TLS handshake, through
 * BearSSL's I/O-free engine with nbdc's own client profile and X.509
 * wrapper (server certificate kept for --pin, iPAddress check), exactly as
 * tls_handshake() sets them up.  The seeds are real server flights
 * (ServerHello, Certificate, ServerKeyExchange, ServerHelloDone), so the
 * fuzzer starts inside certificate parsing rather than at the first byte.
 */
/* Deliberate: the profile and the wrapper are static; one unit with them. */
#include "../../tls_bearssl.c" // NOLINT(bugprone-suspicious-include)

/* Certificates in the seeds were valid on this day (days since 0 AD). */
#define SEED_DAYS 740311

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tls_options o = {
		.pin = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		.host = "127.0.0.1",
	};
	static const uint8_t seed[32] = { 1 };
	if (!S && tls_prepare(&o) != EXIT_OK)
		__builtin_trap();
	br_ssl_engine_context *eng = &S->cc.eng;
	br_x509_minimal_set_time(&S->xw.minimal, SEED_DAYS, 0);
	br_ssl_engine_inject_entropy(eng, seed, sizeof seed);
	if (!br_ssl_client_reset(&S->cc, NULL, 0))
		__builtin_trap();
	size_t off = 0;
	for (int turns = 0; turns < 100000; turns++) {
		unsigned st = br_ssl_engine_current_state(eng);
		size_t len;
		if (st & BR_SSL_CLOSED)
			break;
		if (st & BR_SSL_SENDREC) { /* what we would send: dropped */
			br_ssl_engine_sendrec_buf(eng, &len);
			br_ssl_engine_sendrec_ack(eng, len);
		} else if (st & BR_SSL_RECVAPP) {
			br_ssl_engine_recvapp_buf(eng, &len);
			br_ssl_engine_recvapp_ack(eng, len);
		} else if (st & BR_SSL_RECVREC && off < size) {
			unsigned char *buf = br_ssl_engine_recvrec_buf(eng, &len);
			size_t n = len < size - off ? len : size - off;
			memcpy(buf, data + off, n);
			br_ssl_engine_recvrec_ack(eng, n);
			off += n;
		} else {
			break;
		}
	}
	/* The wrapper's own verdicts never leave the server key unchecked. */
	if (S->xw.ee_len > sizeof S->xw.ee)
		__builtin_trap();
	return 0;
}
