/*
 * tls.h - the TLS transport as the rest of nbdc sees it.  Only
 * tls_bearssl.c knows BearSSL; tls_none.c stands in for `make TLS=0`.
 *
 * One TLS connection per process: its state lives in tls_bearssl.c, in
 * memory sized at compile time.
 */
#ifndef TLS_H
#define TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_options {
	const char *cafile;   /* -A: PEM trust anchors */
	const char *certfile; /* -F: client certificate chain (PEM) */
	const char *keyfile;  /* -K: client key (PEM: RSA, EC or PKCS#8) */
	const char *pin;      /* --pin: SPKI SHA-256, base64 or hex */
	const char *hostname; /* -H: SNI and the name checked */
	const char *host;     /* HOST as given: default name, or IP to match */
};

/* Is TLS built in? */
extern const bool tls_available;

/* Load trust anchors, client credentials and the pin, before connecting,
 * so a bad file fails fast.  Returns an exit code (cause printed). */
int tls_prepare(const struct tls_options *o);

/* Run the TLS handshake on 'fd' (just after the server agreed to STARTTLS).
 * Returns an exit code; on failure the cause is printed, naming 'peer'. */
int tls_handshake(int fd, int64_t deadline, const char *peer);

/* Application data over the handshaken connection, bounded by 'deadline'.
 * Return 0 or an errno value; tls_read sets *got = 0 at a clean end. */
int tls_write(const uint8_t *buf, size_t len, int64_t deadline);
int tls_read(uint8_t *buf, size_t len, size_t *got, int64_t deadline);

/* Move bytes between the TLS connection 'tcp' and the plain socket
 * 'local' (the kernel's side) until one of them ends; then send
 * close_notify.  No heap allocation.  Returns 0 on a clean end. */
int tls_pump(int tcp, int local);

/* Hand the record layer of 'fd' (handshake and every userspace read
 * and write done) to the kernel: kTLS.  Returns 0 when the kernel now does
 * TLS on 'fd'; 1 when it cannot and 'fd' is untouched (why says why); -1
 * when it failed half-way and 'fd' is unusable. */
int tls_to_kernel(int fd, char *why, size_t size);

/* The negotiated cipher suite, for messages ("ECDHE-RSA-AES128-GCM"). */
const char *tls_suite_name(void);

/* Why the TLS engine stopped (its last error, in words), or "" when it
 * has no error: for failures after the TLS handshake. */
const char *tls_failure(void);

/* A hint for failures after the TLS handshake that may mean "client
 * certificate required" ("" when one was given). */
const char *tls_hint(void);

/* Heap allocations seen since start (only in the counting test build;
 * -1 otherwise). */
long tls_alloc_count(void);

#endif
