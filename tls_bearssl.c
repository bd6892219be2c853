/*
 * tls_bearssl.c - BearSSL's client: the profile (suites, curves and the
 * one implementation of each primitive), the identity rules, the state
 * block, and the handshake and I/O under a deadline.  The other tls_*.c
 * files share its state through tls_bearssl.h; nothing else includes
 * BearSSL.
 *
 * BearSSL's engine does no I/O; these files own the socket, the deadline
 * and polling.  No heap anywhere (see tls_credentials.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "fmt.h"
#include "status.h"
#include "text.h"
#include "tls_bearssl.h"
#include "x509_der.h"

const bool tls_available = true;

struct tls_state *S;

/* ---- allocation counting (test build only) ---------------------------- */

#ifdef NBDC_COUNT_ALLOC
static long allocs;
void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
void *__wrap_malloc(size_t n) { allocs++; return __real_malloc(n); }
void *__wrap_calloc(size_t a, size_t b) { allocs++; return __real_calloc(a, b); }
void *__wrap_realloc(void *p, size_t n) { allocs++; return __real_realloc(p, n); }
long tls_alloc_count(void) { return allocs; }
#else
long tls_alloc_count(void) { return -1; }
#endif

/* ---- client profile ---------------------------------------------------------- */

/* TLS 1.2, ECDHE with ECDSA or RSA signatures, AES-GCM and ChaCha20-Poly1305:
 * what GnuTLS servers choose by default, and nothing else to carry. */
/* The suites offered, in order of preference. */
static const struct suite suites[] = {
	{ "ECDHE-ECDSA-AES128-GCM", br_tls12_sha256_prf,
	  BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, KTLS_AES_128_GCM },
	{ "ECDHE-RSA-AES128-GCM", br_tls12_sha256_prf,
	  BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, KTLS_AES_128_GCM },
	{ "ECDHE-ECDSA-AES256-GCM", br_tls12_sha384_prf,
	  BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, KTLS_AES_256_GCM },
	{ "ECDHE-RSA-AES256-GCM", br_tls12_sha384_prf,
	  BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, KTLS_AES_256_GCM },
	{ "ECDHE-ECDSA-CHACHA20-POLY1305", br_tls12_sha256_prf,
	  BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, KTLS_CHACHA20_POLY1305 },
	{ "ECDHE-RSA-CHACHA20-POLY1305", br_tls12_sha256_prf,
	  BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, KTLS_CHACHA20_POLY1305 },
};
#define NSUITES (sizeof suites / sizeof suites[0])

/* The suite of the last handshake, kept apart from the engine, which is
 * wiped after a hand-over to the kernel. */
static const struct suite *negotiated;

const struct suite *tls_current_suite(void)
{
	for (size_t i = 0; i < NSUITES; i++)
		if (suites[i].id == S->cc.eng.session.cipher_suite)
			return &suites[i];
	return NULL;
}

const char *tls_suite_name(void)
{
	return negotiated ? negotiated->name : "TLS";
}

/* One implementation per curve, chosen for size: X25519 and the NIST
 * curves on BearSSL's i31 code (the defaults link the faster m15/m31/m64
 * variants beside it; i31 costs at most a millisecond a handshake). */
static const br_ec_impl *ec_for(int curve)
{
	return curve == BR_EC_curve25519 ? &br_ec_c25519_i31 : &br_ec_prime_i31;
}

static const unsigned char *ec_generator(int curve, size_t *len)
{
	return ec_for(curve)->generator(curve, len);
}

static const unsigned char *ec_order(int curve, size_t *len)
{
	return ec_for(curve)->order(curve, len);
}

static size_t ec_xoff(int curve, size_t *len)
{
	return ec_for(curve)->xoff(curve, len);
}

static uint32_t ec_mul(unsigned char *g, size_t glen, const unsigned char *x,
		       size_t xlen, int curve)
{
	return ec_for(curve)->mul(g, glen, x, xlen, curve);
}

static size_t ec_mulgen(unsigned char *r, const unsigned char *x, size_t xlen,
			int curve)
{
	return ec_for(curve)->mulgen(r, x, xlen, curve);
}

static uint32_t ec_muladd(unsigned char *a, const unsigned char *b, size_t len,
			  const unsigned char *x, size_t xlen,
			  const unsigned char *y, size_t ylen, int curve)
{
	return ec_for(curve)->muladd(a, b, len, x, xlen, y, ylen, curve);
}

static const br_ec_impl ec_small = {
	(uint32_t)1 << BR_EC_curve25519 | (uint32_t)1 << BR_EC_secp256r1 |
	(uint32_t)1 << BR_EC_secp384r1 | (uint32_t)1 << BR_EC_secp521r1,
	ec_generator, ec_order, ec_xoff, ec_mul, ec_mulgen, ec_muladd,
};

/* ChaCha20 and Poly1305: the SSE2 and 64-bit multiply versions where the
 * processor always has them, the portable ones elsewhere; never both. */
static void set_chapol(br_ssl_engine_context *eng)
{
	br_ssl_engine_set_chapol(eng, &br_sslrec_in_chapol_vtable,
				 &br_sslrec_out_chapol_vtable);
#if defined(__x86_64__)
	br_ssl_engine_set_chacha20(eng, br_chacha20_sse2_run);
#else
	br_ssl_engine_set_chacha20(eng, br_chacha20_ct_run);
#endif
	br_ssl_engine_set_poly1305(eng, br_poly1305_ctmul_run);
}

static void client_profile(void)
{
	uint16_t ids[NSUITES];
	for (size_t i = 0; i < NSUITES; i++)
		ids[i] = suites[i].id;
	/* No SHA-1: a certificate signed with it is refused (as GnuTLS
	 * and OpenSSL at their default levels do); SHA-224 to SHA-512. */
	static const br_hash_class *const hashes[] = {
		&br_sha224_vtable, &br_sha256_vtable, &br_sha384_vtable,
		&br_sha512_vtable,
	};
	br_ssl_client_context *cc = &S->cc;
	br_x509_minimal_context *xc = &S->xw.minimal;

	br_ssl_client_zero(cc);
	br_ssl_engine_set_versions(&cc->eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(&cc->eng, ids, NSUITES);
	br_ssl_engine_set_ec(&cc->eng, &ec_small);
	br_ssl_engine_set_rsavrfy(&cc->eng, br_rsa_i31_pkcs1_vrfy);
	br_ssl_engine_set_ecdsa(&cc->eng, br_ecdsa_i31_vrfy_asn1);
	br_x509_minimal_init(xc, &br_sha256_vtable, S->tas, S->ntas);
	br_x509_minimal_set_rsa(xc, br_rsa_i31_pkcs1_vrfy);
	br_x509_minimal_set_ecdsa(xc, &ec_small, br_ecdsa_i31_vrfy_asn1);
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
		int id = (int)((hashes[i]->desc >> BR_HASHDESC_ID_OFF) & BR_HASHDESC_ID_MASK);
		if (id >= br_sha256_ID)
			br_ssl_engine_set_hash(&cc->eng, id, hashes[i]);
		br_x509_minimal_set_hash(xc, id, hashes[i]);
	}
	br_ssl_engine_set_prf_sha256(&cc->eng, br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(&cc->eng, br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(&cc->eng);
	set_chapol(&cc->eng);
	S->xw.vtable = &tls_xwrap_vtable;
	br_ssl_engine_set_x509(&cc->eng, &S->xw.vtable);
	br_ssl_engine_set_buffer(&cc->eng, S->iobuf, sizeof S->iobuf, 1);
	br_ssl_engine_add_flags(&cc->eng, BR_OPT_NO_RENEGOTIATION);
	S->profile_set = true;
	if (S->have_client_key) {
		if (S->client_key_rsa)
			br_ssl_client_set_single_rsa(cc, S->chain, S->nchain,
				&S->rsa_key,
				br_rsa_i31_pkcs1_sign);
		else
			br_ssl_client_set_single_ec(cc, S->chain, S->nchain,
				&S->ec_key,
				BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN, 0,
				&ec_small, br_ecdsa_i31_sign_asn1);
	}
}

/* Identity: -H NAME is matched as a DNS name by BearSSL; HOST as an IP
 * literal is matched against iPAddress names here; a HOST name is matched
 * as a DNS name.  --pin alone trusts exactly that key. */
static int choose_identity(const struct tls_options *o)
{
	struct xwrap *w = &S->xw;
	if (!o->cafile && !o->pin) {
		msg("--tls needs a way to check the server: --cacert FILE or "
		    "--pin SPKI-SHA256");
		return EXIT_USAGE;
	}
	if (o->pin) {
		if (pin_parse(o->pin, w->pin)) {
			msg("--pin: expected the SHA-256 of the server's public key "
			    "(SubjectPublicKeyInfo) as 44 base64 or 64 hex characters");
			return EXIT_USAGE;
		}
		w->have_pin = true;
		w->pin_only = !o->cafile;
	}
	const char *name = o->hostname ? o->hostname : o->host;
	if (!o->hostname && o->host)
		w->iplen = text_ip(o->host, w->ip);
	/* BearSSL skips the name check for an empty name: never give it one.
	 * Without a name (a Unix socket, no -H) only --pin can say who the
	 * server is. */
	if (!w->iplen && (!name || !*name) && !o->pin) {
		msg("no name to check the server's certificate against: give "
		    "--tls-hostname NAME or --pin");
		return EXIT_USAGE;
	}
	if (name && strlen(name) >= sizeof S->sni) {
		msg("--tls-hostname is too long (%zu bytes; at most %zu)",
		    strlen(name), sizeof S->sni - 1);
		return EXIT_USAGE;
	}
	if (name && *name && !w->iplen)
		memcpy(S->sni, name, strlen(name) + 1);
	w->dns_name = w->iplen || w->pin_only || !S->sni[0] ? NULL : S->sni;
	return EXIT_OK;
}

/* The state block, zeroed; mapped once, never freed. */
int tls_state_map(void)
{
	if (S)
		return 0;
	void *p = mmap(NULL, sizeof *S, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		msg_errno("cannot map %zu bytes for TLS", sizeof *S);
		return -1;
	}
	S = p;
	return 0;
}

int tls_prepare(const struct tls_options *o)
{
	if (tls_state_map())
		return EXIT_SYSTEM;
	int code = choose_identity(o);
	if (!code)
		code = tls_load_credentials(o);
	if (!code)
		client_profile();
	return code;
}

/* ---- engine-driven I/O under a deadline ----------------------------------- */

/* Run the engine until one of the states in 'want' is reached.  Returns 0,
 * ETIMEDOUT, EPIPE (engine closed; see br_ssl_engine_last_error),
 * ECONNRESET (peer closed the socket), or another errno. */
static int run_until(unsigned want, int64_t deadline)
{
	br_ssl_engine_context *eng = &S->cc.eng;
	for (;;) {
		unsigned st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_CLOSED)
			return EPIPE;
		/* Checked on every turn: a peer that keeps sending records the
		 * engine takes without progress (warning alerts, empty records)
		 * would otherwise never let poll() time out. */
		if (ms_left(deadline) == 0)
			return ETIMEDOUT;
		if (st & BR_SSL_SENDREC) {
			size_t len;
			unsigned char *buf = br_ssl_engine_sendrec_buf(eng, &len);
			struct pollfd p = { S->fd, POLLOUT, 0 };
			if (poll(&p, 1, ms_left(deadline)) == 0)
				return ETIMEDOUT;
			ssize_t w = send(S->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return errno;
			if (w > 0) {
				br_ssl_engine_sendrec_ack(eng, (size_t)w);
				wire_sent();
			}
			continue;
		}
		if (st & want)
			return 0;
		if (!(st & BR_SSL_RECVREC))
			return EPIPE;
		size_t len;
		unsigned char *buf = br_ssl_engine_recvrec_buf(eng, &len);
		struct pollfd p = { S->fd, POLLIN, 0 };
		wire_wait();
		if (poll(&p, 1, ms_left(deadline)) == 0)
			return ETIMEDOUT;
		ssize_t r = recv(S->fd, buf, len, MSG_DONTWAIT);
		if (r == 0)
			return ECONNRESET; /* closed without close_notify */
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return errno;
		if (r > 0)
			br_ssl_engine_recvrec_ack(eng, (size_t)r);
	}
}

int tls_handshake(int fd, int64_t deadline, const char *peer)
{
	uint8_t seed[32];
	S->fd = fd;
	if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
		msg_errno("getrandom");
		return EXIT_SYSTEM;
	}
	br_ssl_engine_inject_entropy(&S->cc.eng, seed, sizeof seed);
	if (!S->profile_set) /* wiped after a hand-over to the kernel */
		client_profile();
	/* A reconnect offers the last session, if it is younger than
	 * TLS_RESUME_MAX_MS: an abbreviated handshake when the server still
	 * has it, a full one otherwise.  An older one is forgotten. */
	if (S->session.session_id_len &&
	    now_ms() - S->session_born >= TLS_RESUME_MAX_MS)
		explicit_bzero(&S->session, sizeof S->session);
	bool resume = S->session.session_id_len > 0;
	if (resume)
		br_ssl_engine_set_session_parameters(&S->cc.eng, &S->session);
	if (!br_ssl_client_reset(&S->cc, S->sni[0] ? S->sni : NULL, resume)) {
		msg("%s: TLS initialisation failed", peer);
		return EXIT_TLS;
	}
	int err = run_until(BR_SSL_SENDAPP, deadline);
	if (err == ETIMEDOUT) {
		msg("%s: the TLS handshake did not finish in time", peer);
		return EXIT_TIMEOUT;
	}
	if (err) {
		char why[256];
		int last = br_ssl_engine_last_error(&S->cc.eng);
		bool said = err == EPIPE && last != BR_ERR_OK;
		if (said)
			tls_error_text(last, why, sizeof why);
		else
			fmt_snprintf(why, sizeof why, "the server ended the session%s%s",
				 err == EPIPE ? "" : ": ", err == EPIPE ? "" : text_errno(err));
		/* Only a server that hangs up without a word may want a
		 * client certificate; a named error is what it says. */
		msg("%s: TLS handshake failed: %s%s", peer, why,
		    said ? "" : tls_hint());
		return EXIT_TLS;
	}
	/* The trust anchors stay loaded: a reconnect verifies again.  A
	 * resumed session keeps the age of the full handshake it came from. */
	br_ssl_session_parameters now;
	br_ssl_engine_get_session_parameters(&S->cc.eng, &now);
	bool resumed = resume && now.session_id_len == S->session.session_id_len &&
		       !memcmp(now.session_id, S->session.session_id,
			       now.session_id_len);
	if (!resumed)
		S->session_born = now_ms();
	negotiated = tls_current_suite();
	S->session = now;
	explicit_bzero(&now, sizeof now);
	return EXIT_OK;
}

int tls_write(const uint8_t *buf, size_t len, int64_t deadline)
{
	br_ssl_engine_context *eng = &S->cc.eng;
	while (len) {
		int err = run_until(BR_SSL_SENDAPP, deadline);
		if (err)
			return err;
		size_t room;
		unsigned char *p = br_ssl_engine_sendapp_buf(eng, &room);
		size_t n = room < len ? room : len;
		memcpy(p, buf, n);
		br_ssl_engine_sendapp_ack(eng, n);
		buf += n;
		len -= n;
	}
	br_ssl_engine_flush(eng, 0);
	/* Push the record out now; the next read or write would too. */
	return run_until(BR_SSL_SENDAPP | BR_SSL_RECVAPP | BR_SSL_RECVREC,
			 deadline);
}

int tls_read(uint8_t *buf, size_t len, size_t *got, int64_t deadline)
{
	br_ssl_engine_context *eng = &S->cc.eng;
	*got = 0;
	int err = run_until(BR_SSL_RECVAPP, deadline);
	if (err == EPIPE && br_ssl_engine_last_error(eng) == BR_ERR_OK)
		return 0; /* close_notify: a clean end */
	if (err)
		return err;
	size_t avail;
	unsigned char *p = br_ssl_engine_recvapp_buf(eng, &avail);
	size_t n = avail < len ? avail : len;
	memcpy(buf, p, n);
	br_ssl_engine_recvapp_ack(eng, n);
	*got = n;
	return 0;
}

