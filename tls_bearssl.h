/*
 * tls_bearssl.h - what the BearSSL files share, and nothing outside them
 * includes: the TLS state block and the helpers one file gives another.
 *   tls_bearssl.c      profile, identity rules, handshake, I/O under a deadline
 *   tls_verify.c       the X.509 wrapper: --pin, iPAddress names, the verdict
 *   tls_credentials.c  trust anchors and client credentials from PEM files
 *   tls_data.c         after the handshake: kernel TLS keys, the pump's loop
 */
#ifndef TLS_BEARSSL_H
#define TLS_BEARSSL_H

#include <stdbool.h>
#include <stdint.h>

#include <bearssl.h>

#include "ktls.h"
#include "tls.h"

/* Our own verdicts, outside BearSSL's error ranges. */
#define ERR_PIN_MISMATCH 100
#define ERR_IP_MISMATCH  101
#define ERR_CERT_BIG     102
#define EE_MAX           16384 /* largest server certificate we keep */
#define PEM_MAX          (1 << 20)
/* How long a TLS session may be resumed after its full handshake: the
 * upper limit RFC 5246 (F.1.4) recommends for session IDs. */
#define TLS_RESUME_MAX_MS (24LL * 3600 * 1000)

/* An X.509 engine that wraps BearSSL's minimal one: it keeps the server's
 * own certificate to check --pin and iPAddress names itself. */
struct xwrap {
	const br_x509_class *vtable;
	br_x509_minimal_context minimal;
	unsigned index;              /* certificate number in the chain */
	unsigned char ee[EE_MAX];
	size_t ee_len;
	bool ee_big;
	bool pin_only;               /* --pin without -A */
	bool have_pin;
	uint8_t pin[32];
	int iplen;                   /* >0: match this IP, not a DNS name */
	uint8_t ip[16];
	const char *dns_name;        /* what BearSSL matches, or NULL */
};

/* Everything TLS, in one block mapped when TLS is asked for: a process
 * left behind without TLS does not carry (and lock) it. */
struct tls_state {
	br_ssl_client_context cc;
	struct xwrap xw;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	br_x509_trust_anchor *tas;
	size_t ntas, tas_cap;
	br_x509_certificate chain[8];
	size_t nchain;
	br_rsa_private_key rsa_key;        /* the client key, one of these */
	br_ec_private_key ec_key;
	bool have_client_key, client_key_rsa;
	br_ssl_session_parameters session; /* for resumption on reconnect */
	int64_t session_born;              /* its full handshake (now_ms) */
	bool profile_set;                  /* cc holds the client profile */
	char sni[256];
	int fd;
};

/* The state block, mapped by tls_prepare (tls_bearssl.c). */
extern struct tls_state *S;

/* Map it, zeroed, once.  0, or -1 after saying why. */
int tls_state_map(void);

/* A cipher suite we offer: its name for messages, its kernel cipher and
 * the PRF of its key expansion (kTLS). */
struct suite {
	const char *name;
	br_tls_prf_impl prf;
	uint16_t id;
	enum ktls_cipher cipher;
};

/* The suite the engine negotiated, or NULL (tls_bearssl.c). */
const struct suite *tls_current_suite(void);

/* Trust anchors, client chain and key from the files named (an exit
 * code, cause printed) (tls_credentials.c). */
int tls_load_credentials(const struct tls_options *o);

/* The X.509 engine that wraps BearSSL's minimal one (tls_verify.c). */
extern const br_x509_class tls_xwrap_vtable;

/* BearSSL's error number in words (tls_verify.c). */
void tls_error_text(int err, char *buf, size_t size);

#endif
