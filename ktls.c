/*
 * ktls.c - install TLS 1.2 record keys in the kernel (see ktls.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "ktls.h"

/* From <linux/tls.h> and <linux/tcp.h>. */
#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#define SOL_TLS                 282
#define TLS_TX                  1
#define TLS_RX                  2
#define TLS_1_2_VERSION         0x0303
#define TLS_CIPHER_AES_GCM_128  51
#define TLS_CIPHER_AES_GCM_256  52
#define TLS_CIPHER_CHACHA20_POLY1305 54

struct crypto_info {
	uint16_t version, cipher_type;
};
/* Both GCM layouts: explicit IV (8), key, salt (4), record sequence (8). */
struct info_gcm128 {
	struct crypto_info info;
	uint8_t iv[8], key[16], salt[4], rec_seq[8];
};
struct info_gcm256 {
	struct crypto_info info;
	uint8_t iv[8], key[32], salt[4], rec_seq[8];
};
struct info_chacha {
	struct crypto_info info;
	uint8_t iv[12], key[32], rec_seq[8];
};

/* The uapi sizes (linux/tls.h), the same on every architecture: all
 * bytes after two u16s, no padding.  A 32-bit build must hand over
 * exactly these. */
_Static_assert(sizeof(struct info_gcm128) == 40, "tls12_crypto_info_aes_gcm_128");
_Static_assert(sizeof(struct info_gcm256) == 56, "tls12_crypto_info_aes_gcm_256");
_Static_assert(sizeof(struct info_chacha) == 56, "tls12_crypto_info_chacha20_poly1305");

unsigned ktls_key_len(enum ktls_cipher c)
{
	return c == KTLS_AES_128_GCM ? 16 : 32;
}

unsigned ktls_iv_len(enum ktls_cipher c)
{
	return c == KTLS_CHACHA20_POLY1305 ? 12 : 4;
}

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

union info {
	struct info_gcm128 a;
	struct info_gcm256 b;
	struct info_chacha c;
};

/* Fill the kernel's structure for one direction; returns its size.  The
 * GCM explicit nonce is the sequence number, as BearSSL sends it. */
static size_t fill(union info *u, enum ktls_cipher c, const struct ktls_dir *d)
{
	memset(u, 0, sizeof *u);
	switch (c) {
	case KTLS_AES_128_GCM:
		u->a.info = (struct crypto_info){ TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128 };
		be64(u->a.iv, d->seq);
		memcpy(u->a.key, d->key, sizeof u->a.key);
		memcpy(u->a.salt, d->iv, sizeof u->a.salt);
		be64(u->a.rec_seq, d->seq);
		return sizeof u->a;
	case KTLS_AES_256_GCM:
		u->b.info = (struct crypto_info){ TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_256 };
		be64(u->b.iv, d->seq);
		memcpy(u->b.key, d->key, sizeof u->b.key);
		memcpy(u->b.salt, d->iv, sizeof u->b.salt);
		be64(u->b.rec_seq, d->seq);
		return sizeof u->b;
	default:
		u->c.info = (struct crypto_info){ TLS_1_2_VERSION, TLS_CIPHER_CHACHA20_POLY1305 };
		memcpy(u->c.iv, d->iv, sizeof u->c.iv);
		memcpy(u->c.key, d->key, sizeof u->c.key);
		be64(u->c.rec_seq, d->seq);
		return sizeof u->c;
	}
}

const char *ktls_name(enum ktls_cipher c)
{
	return c == KTLS_AES_128_GCM ? "gcm(aes) 128" :
	       c == KTLS_AES_256_GCM ? "gcm(aes) 256" : "rfc7539(chacha20,poly1305)";
}

int ktls_install(int fd, enum ktls_cipher c, const struct ktls_dir *tx,
		 const struct ktls_dir *rx, const char **step, bool *spoiled)
{
	union info u;
	int err = 0;
	*spoiled = false;
	*step = "TCP_ULP";
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof "tls") < 0)
		return errno; /* no tls module: the socket is untouched */
	size_t len = fill(&u, c, tx);
	*step = "TLS_TX";
	if (setsockopt(fd, SOL_TLS, TLS_TX, &u, (socklen_t)len) < 0) {
		err = errno; /* the ULP alone passes data through unchanged */
	} else {
		len = fill(&u, c, rx);
		*step = "TLS_RX";
		if (setsockopt(fd, SOL_TLS, TLS_RX, &u, (socklen_t)len) < 0) {
			err = errno;
			*spoiled = true;
		}
	}
	memset(&u, 0, sizeof u);
	__asm__ __volatile__("" : : "r"(&u) : "memory"); /* keep the wipe */
	return err;
}
