/*
 * ktls.h - kernel TLS (kTLS) for a TCP socket whose TLS 1.2 handshake is
 * done: install the record keys with setsockopt(TCP_ULP "tls", TLS_TX,
 * TLS_RX), after which the kernel encrypts what is sent and decrypts what
 * is received, and the socket can go to the NBD driver as it is.
 * Written against include/uapi/linux/tls.h (numbers spelled out in ktls.c:
 * musl ships no kernel headers).  Knows nothing of BearSSL.
 */
#ifndef KTLS_H
#define KTLS_H

#include <stdbool.h>
#include <stdint.h>

enum ktls_cipher { KTLS_AES_128_GCM, KTLS_AES_256_GCM, KTLS_CHACHA20_POLY1305 };

/* Key and IV lengths of each cipher in a TLS 1.2 key block. */
unsigned ktls_key_len(enum ktls_cipher c);
unsigned ktls_iv_len(enum ktls_cipher c);  /* GCM: 4-byte salt; ChaCha: 12 */

/* One direction: key, fixed IV (salt), and the next record's sequence
 * number. */
struct ktls_dir {
	const uint8_t *key;
	const uint8_t *iv;
	uint64_t seq;
};

/* Install both directions on 'fd'.  Returns 0, or an errno value with
 * *step naming the setsockopt that failed ("TCP_ULP", "TLS_TX",
 * "TLS_RX").  When it fails after the kernel took over part of the record
 * layer, *spoiled is set: the socket can no longer carry userspace TLS. */
int ktls_install(int fd, enum ktls_cipher c, const struct ktls_dir *tx,
		 const struct ktls_dir *rx, const char **step, bool *spoiled);

/* The kernel's name of the cipher, for messages. */
const char *ktls_name(enum ktls_cipher c);

#endif
