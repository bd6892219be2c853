/*
 * tls_bearssl.c - everything BearSSL: the client profile, trust anchors and
 * client credentials from PEM, server identity (DNS name by BearSSL, IP
 * address and --pin here), the handshake, and the data pump.
 *
 * BearSSL's engine does no I/O; this file owns the socket, the deadline and
 * polling.  All TLS state is static, sized at compile time.  Heap is used
 * only while loading PEM files, before the handshake; never in the pump.
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

#include <bearssl.h>

#include "fmt.h"
#include "ktls.h"
#include "status.h"
#include "text.h"
#include "tls.h"
#include "x509_der.h"

const bool tls_available = true;

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
static struct tls_state *S;

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

/* ---- error text --------------------------------------------------------- */

static const struct { int code; const char *text; } tls_errors[] = {
	{ BR_ERR_X509_NOT_TRUSTED, "the server's certificate is not signed by a "
	  "trusted CA (check --cacert)" },
	{ BR_ERR_X509_BAD_SERVER_NAME, "the server's certificate does not match "
	  "the expected name (check --tls-hostname)" },
	{ BR_ERR_X509_EXPIRED, "the server's certificate has expired or is not "
	  "yet valid (check the clock)" },
	{ ERR_PIN_MISMATCH, "the server's public key does not match --pin" },
	{ ERR_IP_MISMATCH, "the server's certificate does not list this IP "
	  "address (use --tls-hostname NAME to check a name instead)" },
	{ ERR_CERT_BIG, "the server's certificate is too large" },
	{ BR_ERR_BAD_VERSION, "the server does not speak TLS 1.2" },
	{ BR_ERR_BAD_CIPHER_SUITE, "no cipher suite in common with the server" },
	{ BR_ERR_UNSUPPORTED_VERSION, "the server does not speak TLS 1.2" },
	{ BR_ERR_IO, "connection lost during the TLS handshake" },
	{ BR_ERR_X509_EMPTY_CHAIN, "the server sent no certificate" },
	{ BR_ERR_BAD_SIGNATURE, "bad signature from the server" },
	{ BR_ERR_X509_BAD_SIGNATURE, "a certificate in the server's chain has "
	  "a bad signature" },
	{ BR_ERR_BAD_LENGTH, "the server sent a malformed TLS record" },
	{ BR_ERR_TOO_LARGE, "the server sent a TLS record larger than the "
	  "protocol allows" },
	{ BR_ERR_BAD_MAC, "a TLS record from the server failed its integrity "
	  "check" },
	{ BR_ERR_UNKNOWN_TYPE, "the server sent a TLS record of unknown type" },
	{ BR_ERR_UNEXPECTED, "the server sent a TLS message out of order (such "
	  "as data before its Finished)" },
	{ BR_ERR_BAD_CCS, "the server sent a malformed ChangeCipherSpec" },
	{ BR_ERR_BAD_ALERT, "the server sent a malformed TLS alert" },
	{ BR_ERR_BAD_HANDSHAKE, "the server sent a malformed TLS handshake "
	  "message" },
	{ BR_ERR_BAD_FINISHED, "the server's Finished message does not verify" },
	{ BR_ERR_BAD_SECRENEG, "the server's secure renegotiation data is "
	  "wrong" },
	{ BR_ERR_RECV_FATAL_ALERT + 100, "the server insists on renegotiation, "
	  "which nbdc refuses" },
};

/* Alert numbers a person may meet (RFC 5246 7.2), by name. */
static const struct { uint8_t code; const char *name; } alert_names[] = {
	{ 10, "unexpected_message" }, { 20, "bad_record_mac" },
	{ 22, "record_overflow" }, { 40, "handshake_failure" },
	{ 42, "bad_certificate" }, { 46, "certificate_unknown" },
	{ 48, "unknown_ca" }, { 50, "decode_error" }, { 51, "decrypt_error" },
	{ 70, "protocol_version" }, { 71, "insufficient_security" },
	{ 80, "internal_error" }, { 112, "unrecognized_name" },
	{ 116, "certificate_required" },
};

static const char *alert_name(int code)
{
	for (size_t i = 0; i < sizeof alert_names / sizeof alert_names[0]; i++)
		if (alert_names[i].code == code)
			return alert_names[i].name;
	return "unknown";
}

static void tls_error_text(int err, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof tls_errors / sizeof tls_errors[0]; i++)
		if (tls_errors[i].code == err) {
			fmt_snprintf(buf, size, "%s", tls_errors[i].text);
			return;
		}
	if (err >= BR_ERR_SEND_FATAL_ALERT)
		fmt_snprintf(buf, size, "we sent fatal alert %d (%s)",
			 err - BR_ERR_SEND_FATAL_ALERT,
			 alert_name(err - BR_ERR_SEND_FATAL_ALERT));
	else if (err >= BR_ERR_RECV_FATAL_ALERT)
		fmt_snprintf(buf, size, "the server sent fatal alert %d (%s)%s",
			 err - BR_ERR_RECV_FATAL_ALERT,
			 alert_name(err - BR_ERR_RECV_FATAL_ALERT),
			 err - BR_ERR_RECV_FATAL_ALERT == 116 ||
			 err - BR_ERR_RECV_FATAL_ALERT == 42 ?
			 " (it wants a client certificate: use --cert and --key)" : "");
	else if (err >= 32 && err < 64)
		fmt_snprintf(buf, size, "certificate error %d (BearSSL BR_ERR_X509_*)", err);
	else
		fmt_snprintf(buf, size, "TLS error %d (BearSSL BR_ERR_*)", err);
}

const char *tls_failure(void)
{
	static char buf[160];
	int last = S ? br_ssl_engine_last_error(&S->cc.eng) : BR_ERR_OK;
	if (last == BR_ERR_OK)
		return "";
	tls_error_text(last, buf, sizeof buf);
	return buf;
}

/* What to suggest when the server drops us without saying why. */
const char *tls_hint(void)
{
	return S->have_client_key ? "" : " (does the server require a client "
	       "certificate? use --cert and --key)";
}

/* ---- the X.509 wrapper ------------------------------------------------------ */

static void xw_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct xwrap *w = (struct xwrap *)(void *)ctx;
	(void)server_name; /* we decide what the minimal engine matches */
	w->index = 0;
	w->minimal.vtable->start_chain(&w->minimal.vtable, w->dns_name);
}

static void xw_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct xwrap *w = (struct xwrap *)(void *)ctx;
	if (w->index == 0) {
		w->ee_len = 0;
		w->ee_big = length > sizeof w->ee;
	}
	w->minimal.vtable->start_cert(&w->minimal.vtable, length);
}

static void xw_append(const br_x509_class **ctx, const unsigned char *buf,
		      size_t len)
{
	struct xwrap *w = (struct xwrap *)(void *)ctx;
	if (w->index == 0 && !w->ee_big) {
		if (len > sizeof w->ee - w->ee_len)
			w->ee_big = true;
		else {
			memcpy(w->ee + w->ee_len, buf, len);
			w->ee_len += len;
		}
	}
	w->minimal.vtable->append(&w->minimal.vtable, buf, len);
}

static void xw_end_cert(const br_x509_class **ctx)
{
	struct xwrap *w = (struct xwrap *)(void *)ctx;
	w->index++;
	w->minimal.vtable->end_cert(&w->minimal.vtable);
}

static bool pin_matches(const struct xwrap *w)
{
	const uint8_t *spki;
	size_t len;
	uint8_t hash[32];
	br_sha256_context h;
	if (x509_spki(w->ee, w->ee_len, &spki, &len))
		return false;
	br_sha256_init(&h);
	br_sha256_update(&h, spki, len);
	br_sha256_out(&h, hash);
	return !memcmp(hash, w->pin, 32);
}

/* The verdict: BearSSL's chain check (unless pinning alone), then our own
 * checks of the server's certificate. */
static unsigned xw_end_chain(const br_x509_class **ctx)
{
	struct xwrap *w = (struct xwrap *)(void *)ctx;
	unsigned r = w->minimal.vtable->end_chain(&w->minimal.vtable);
	if (w->ee_big)
		return ERR_CERT_BIG;
	if (w->have_pin && !pin_matches(w))
		return ERR_PIN_MISMATCH;
	if (w->pin_only)
		return r == BR_ERR_X509_NOT_TRUSTED ? 0 : r;
	if (r)
		return r;
	if (w->iplen && x509_has_ip(w->ee, w->ee_len, w->ip, (size_t)w->iplen) != 1)
		return ERR_IP_MISMATCH;
	return 0;
}

static const br_x509_pkey *xw_get_pkey(const br_x509_class *const *ctx,
				       unsigned *usages)
{
	const struct xwrap *w = (const struct xwrap *)(const void *)ctx;
	return w->minimal.vtable->get_pkey(&w->minimal.vtable, usages);
}

static const br_x509_class xwrap_vtable = {
	sizeof(struct xwrap), xw_start_chain, xw_start_cert, xw_append,
	xw_end_cert, xw_end_chain, xw_get_pkey,
};

/* ---- start-up memory ---------------------------------------------------------- */

/* No malloc in nbdc: a PEM file is read into a scratch mapping dropped
 * once it is parsed; what is kept (trust anchors, the client chain) goes
 * into chunks mapped as needed that live as long as the process. */
#define KEEP_CHUNK ((size_t)64 * 1024)

struct chunk {
	struct chunk *prev;
	size_t size;
};
static struct chunk *chunks;
static unsigned char *keep_at, *keep_end;

/* 'n' bytes that stay (a copy of 'p' when given); NULL when out of memory. */
static void *keep(const void *p, size_t n)
{
	size_t a = (n + 15) & ~(size_t)15;
	if (a == 0 || (size_t)(keep_end - keep_at) < a) {
		size_t size = a + sizeof(struct chunk) > KEEP_CHUNK
			? a + sizeof(struct chunk) : KEEP_CHUNK;
		struct chunk *c = mmap(NULL, size, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c == MAP_FAILED)
			return NULL;
		*c = (struct chunk){ chunks, size };
		chunks = c;
		keep_at = (unsigned char *)c + 16;
		keep_end = (unsigned char *)c + size;
	}
	void *r = keep_at;
	keep_at += a ? a : 16;
	if (p && n)
		memcpy(r, p, n);
	return r;
}

/* Forget all that was kept (the fuzzer starts each input afresh). */
static void __attribute__((unused)) keep_reset(void)
{
	while (chunks) {
		struct chunk *c = chunks;
		chunks = c->prev;
		munmap(c, c->size);
	}
	keep_at = keep_end = NULL;
}

/* ---- PEM loading (before the handshake) ------------------------------------- */

typedef int pem_fn(void *ctx, const char *name, const unsigned char *der,
		   size_t len);

/* Decode every PEM object in pem[0..len) and hand each to 'fn' (which
 * copies what it keeps).  Returns the number of objects, or -1. */
static int pem_each_buf(const unsigned char *pem, size_t len, pem_fn *fn,
			void *ctx)
{
	size_t off = 0, map = len + 1, der_len;
	unsigned char *der = mmap(NULL, map, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (der == MAP_FAILED)
		return -1;
	char name[128];
	int count = 0, r;
	/* a label too long to be one we use is cut, and matches none */
	while ((r = pem_next(pem, len, &off, name, sizeof name, der, map,
			     &der_len)) == 1 && (r = fn(ctx, name, der, der_len)) >= 0)
		count++;
	munmap(der, map);
	return r < 0 ? -1 : count;
}

/* pem_each_buf over the contents of the file 'path' (at most PEM_MAX). */
static int pem_each(const char *path, pem_fn *fn, void *ctx)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		msg_errno("cannot read %s", path);
		return -1;
	}
	unsigned char *pem = mmap(NULL, PEM_MAX, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ssize_t n = 0, r = 0;
	while (pem != MAP_FAILED && n < PEM_MAX &&
	       (r = read(fd, pem + n, (size_t)(PEM_MAX - n))) > 0)
		n += r;
	close(fd);
	if (pem == MAP_FAILED || n >= PEM_MAX || r < 0) {
		msg("%s: %s", path, pem == MAP_FAILED ? "out of memory" : r < 0
		    ? "cannot be read" : "larger than 1 MiB");
		if (pem != MAP_FAILED)
			munmap(pem, PEM_MAX);
		return -1;
	}
	int count = pem_each_buf(pem, (size_t)n, fn, ctx);
	munmap(pem, PEM_MAX);
	if (count < 0)
		msg("%s: not a valid PEM file", path);
	return count;
}

/* Room for one more trust anchor: the array doubles (kept memory). */
static bool anchors_room(void)
{
	if (S->ntas < S->tas_cap)
		return true;
	size_t cap = S->tas_cap ? 2 * S->tas_cap : 8;
	br_x509_trust_anchor *tas = keep(NULL, cap * sizeof *tas);
	if (!tas)
		return false;
	if (S->ntas)
		memcpy(tas, S->tas, S->ntas * sizeof *tas);
	S->tas = tas;
	S->tas_cap = cap;
	return true;
}

/* A key as BearSSL holds it, its bytes kept. */
static int keep_pubkey(const struct x509_pubkey *k, br_x509_pkey *pk)
{
	memset(pk, 0, sizeof *pk);
	if (k->type == 1) {
		pk->key_type = BR_KEYTYPE_RSA;
		pk->key.rsa.n = keep(k->n, k->nlen);
		pk->key.rsa.nlen = k->nlen;
		pk->key.rsa.e = keep(k->e, k->elen);
		pk->key.rsa.elen = k->elen;
		return pk->key.rsa.n && pk->key.rsa.e ? 0 : -1;
	}
	pk->key_type = BR_KEYTYPE_EC;
	pk->key.ec.curve = k->curve;
	pk->key.ec.q = keep(k->q, k->qlen);
	pk->key.ec.qlen = k->qlen;
	return pk->key.ec.q ? 0 : -1;
}

/* A CERTIFICATE from the CA file becomes a trust anchor (DN + key). */
static int add_anchor(void *ctx, const char *name, const unsigned char *der,
		      size_t len)
{
	struct x509_anchor xa;
	(void)ctx;
	if (strcmp(name, "CERTIFICATE") != 0)
		return 0;
	if (x509_anchor(der, len, &xa) || !anchors_room())
		return -1;
	br_x509_trust_anchor ta = {
		.dn = { keep(xa.dn, xa.dn_len), xa.dn_len },
		.flags = xa.is_ca ? BR_X509_TA_CA : 0,
	};
	if (!ta.dn.data || keep_pubkey(&xa.key, &ta.pkey))
		return -1;
	S->tas[S->ntas++] = ta;
	return 0;
}

static int add_chain_cert(void *ctx, const char *name, const unsigned char *der,
			  size_t len)
{
	(void)ctx;
	if (strcmp(name, "CERTIFICATE") != 0 ||
	    S->nchain == sizeof S->chain / sizeof S->chain[0])
		return 0;
	unsigned char *copy = keep(der, len);
	if (!copy)
		return -1;
	S->chain[S->nchain].data = copy;
	S->chain[S->nchain++].data_len = len;
	return 0;
}

static int add_key(void *ctx, const char *name, const unsigned char *der,
		   size_t len)
{
	struct x509_privkey k;
	(void)ctx;
	if (!text_find(name, "PRIVATE KEY"))
		return 0;
	if (x509_privkey(der, len, &k))
		return -1;
	if (k.type == 1) {
		S->rsa_key = (br_rsa_private_key){ k.n_bits,
			keep(k.p, k.plen), k.plen, keep(k.q, k.qlen), k.qlen,
			keep(k.dp, k.dplen), k.dplen, keep(k.dq, k.dqlen), k.dqlen,
			keep(k.iq, k.iqlen), k.iqlen };
		if (!S->rsa_key.p || !S->rsa_key.q || !S->rsa_key.dp ||
		    !S->rsa_key.dq || !S->rsa_key.iq)
			return -1;
	} else {
		S->ec_key = (br_ec_private_key){ k.curve, keep(k.x, k.xlen), k.xlen };
		if (!S->ec_key.x)
			return -1;
	}
	S->client_key_rsa = k.type == 1;
	S->have_client_key = true;
	return 0;
}

static int load_credentials(const struct tls_options *o)
{
	if (o->cafile && pem_each(o->cafile, add_anchor, NULL) <= 0) {
		msg("%s: no usable CA certificate in it", o->cafile);
		return EXIT_TLS;
	}
	if (o->certfile || o->keyfile) {
		if (!o->certfile || !o->keyfile) {
			msg("--cert and --key go together");
			return EXIT_USAGE;
		}
		if (pem_each(o->certfile, add_chain_cert, NULL) < 0 || !S->nchain) {
			msg("%s: no certificate in it", o->certfile);
			return EXIT_TLS;
		}
		if (pem_each(o->keyfile, add_key, NULL) < 0 || !S->have_client_key) {
			msg("%s: no usable RSA or EC private key in it", o->keyfile);
			return EXIT_TLS;
		}
	}
	return EXIT_OK;
}

/* ---- client profile ---------------------------------------------------------- */

/* TLS 1.2, ECDHE with ECDSA or RSA signatures, AES-GCM and ChaCha20-Poly1305:
 * what GnuTLS servers choose by default, and nothing else to carry. */
/* The suites offered, in order of preference: each with its name for
 * messages, its kernel cipher and the PRF of its key expansion (kTLS). */
static const struct suite {
	const char *name;
	br_tls_prf_impl prf;
	uint16_t id;
	enum ktls_cipher cipher;
} suites[] = {
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

static const struct suite *current_suite(void);
/* The suite of the last handshake, kept apart from the engine, which is
 * wiped after a hand-over to the kernel. */
static const struct suite *negotiated;

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
	S->xw.vtable = &xwrap_vtable;
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
	if (!o->hostname && o->host && inet_pton(AF_INET, o->host, w->ip) == 1)
		w->iplen = 4;
	else if (!o->hostname && o->host && inet_pton(AF_INET6, o->host, w->ip) == 1)
		w->iplen = 16;
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
static int state_map(void)
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
	if (state_map())
		return EXIT_SYSTEM;
	int code = choose_identity(o);
	if (!code)
		code = load_credentials(o);
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
				 err == EPIPE ? "" : ": ", err == EPIPE ? "" : strerror(err));
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
	negotiated = current_suite();
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

/* ---- kernel TLS --------------------------------------------------------------- */

/* The negotiated suite's row of 'suites', or NULL. */
static const struct suite *current_suite(void)
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

/* Is the engine at a record boundary with nothing buffered either way?
 * Anything read but not yet taken, or not yet sent, would be lost. */
static bool engine_idle(br_ssl_engine_context *eng)
{
	size_t len;
	br_ssl_engine_flush(eng, 0); /* a no-op: tls_write flushed */
	unsigned st = br_ssl_engine_current_state(eng);
	if (st & (BR_SSL_CLOSED | BR_SSL_SENDREC | BR_SSL_RECVAPP))
		return false;
	/* At a record boundary the engine asks for a whole header (5 bytes)
	 * at the start of its input buffer: no part of a record is held. */
	const unsigned char *buf = br_ssl_engine_recvrec_buf(eng, &len);
	return buf == eng->ibuf && len == 5;
}

int tls_to_kernel(int fd, char *why, size_t size)
{
	br_ssl_engine_context *eng = &S->cc.eng;
	const struct suite *su = current_suite();
	uint8_t kb[2 * 32 + 2 * 12];
	if (!su) {
		fmt_snprintf(why, size, "cipher suite 0x%04x has no kernel "
			 "implementation", eng->session.cipher_suite);
		return 1;
	}
	enum ktls_cipher c = su->cipher;
	if (!engine_idle(eng)) {
		fmt_snprintf(why, size, "the TLS engine holds unsent or unread data");
		return 1;
	}
	/* TLS 1.2 key expansion (RFC 5246 6.3); AEAD suites have no MAC
	 * key: client key, server key, client IV, server IV. */
	size_t kl = ktls_key_len(c), il = ktls_iv_len(c);
	br_tls_prf_seed_chunk seed[2] = {
		{ eng->server_random, 32 }, { eng->client_random, 32 } };
	su->prf(kb, 2 * kl + 2 * il, eng->session.master_secret,
	    sizeof eng->session.master_secret, "key expansion", 2, seed);
	const uint8_t *ckey = kb, *skey = kb + kl;
	const uint8_t *civ = kb + 2 * kl, *siv = civ + il;
	/* Cross-check with what BearSSL keeps: the GCM salts, or ChaCha's
	 * key and IV.  A mismatch means the derivation is wrong: stop. */
	bool same = c == KTLS_CHACHA20_POLY1305
		? !memcmp(eng->out.chapol.key, ckey, kl) &&
		  !memcmp(eng->out.chapol.iv, civ, il) &&
		  !memcmp(eng->in.chapol.key, skey, kl) &&
		  !memcmp(eng->in.chapol.iv, siv, il)
		: !memcmp(eng->out.gcm.iv, civ, il) && !memcmp(eng->in.gcm.iv, siv, il);
	if (!same) {
		memset(kb, 0, sizeof kb);
		fmt_snprintf(why, size, "the derived keys do not match the session's");
		return 1;
	}
	uint64_t out_seq = c == KTLS_CHACHA20_POLY1305 ? eng->out.chapol.seq
						       : eng->out.gcm.seq;
	uint64_t in_seq = c == KTLS_CHACHA20_POLY1305 ? eng->in.chapol.seq
						      : eng->in.gcm.seq;
	struct ktls_dir tx = { ckey, civ, out_seq }, rx = { skey, siv, in_seq };
	bool spoiled;
	const char *step;
	int err = ktls_install(fd, c, &tx, &rx, &step, &spoiled);
	explicit_bzero(kb, sizeof kb);
	if (!err) {
		/* The kernel has the record keys now: forget ours, and the
		 * engine with them (client_profile() sets it up again for
		 * the next handshake).  Only the session kept for resumption
		 * remains, for at most TLS_RESUME_MAX_MS. */
		explicit_bzero(&S->cc, sizeof S->cc);
		explicit_bzero(S->iobuf, sizeof S->iobuf);
		S->profile_set = false;
	}
	if (err) {
		bool ulp = !strcmp(step, "TCP_ULP");
		fmt_snprintf(why, size, "setsockopt %s: %s%s%s%s", step, strerror(err),
			 ulp ? " (is the tls module loaded?)" : "",
			 ulp ? "" : " (is the kernel cipher ", ulp ? "" :
			 ktls_name(c));
		if (!ulp)
			fmt_snprintf(why + strlen(why), size - strlen(why), " available?)");
		return spoiled ? -1 : 1;
	}
	return 0;
}

/* ---- the pump ---------------------------------------------------------------- */

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* One poll round: what the engine can take or give decides what we wait
 * for on each side.  The engine's state is read again before every step:
 * a record just read may change it (a HelloRequest makes the engine queue
 * its refusal, and sendapp is unavailable until that alert is out), and a
 * stale "sendapp" would read 0 bytes from the kernel's side and take that
 * for its end.  A side with nothing to wait for is left out of poll(), so
 * a hang-up there cannot make the loop spin.  Returns 1 to go on, 0 at a
 * clean end, -1 on error. */
static int pump_round(br_ssl_engine_context *eng, int tcp, int local,
		      bool *local_eof)
{
	unsigned st = br_ssl_engine_current_state(eng);
	if (st & BR_SSL_CLOSED)
		return br_ssl_engine_last_error(eng) == BR_ERR_OK ? 0 : -1;
	short tev = (short)((st & BR_SSL_SENDREC ? POLLOUT : 0) |
			    (st & BR_SSL_RECVREC ? POLLIN : 0));
	short lev = (short)((st & BR_SSL_RECVAPP ? POLLOUT : 0) |
			    (st & BR_SSL_SENDAPP && !*local_eof ? POLLIN : 0));
	struct pollfd p[2] = { { tev ? tcp : -1, tev, 0 },
			       { lev ? local : -1, lev, 0 } };
	if (poll(p, 2, -1) < 0)
		return errno == EINTR ? 1 : -1;
	size_t len;
	ssize_t n;
	unsigned char *b;
	if (p[0].revents & POLLOUT && (b = br_ssl_engine_sendrec_buf(eng, &len))) {
		if ((n = send(tcp, b, len, MSG_NOSIGNAL)) > 0)
			br_ssl_engine_sendrec_ack(eng, (size_t)n);
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
	if (p[0].revents & (POLLIN | POLLHUP | POLLERR) &&
	    (b = br_ssl_engine_recvrec_buf(eng, &len))) {
		if ((n = recv(tcp, b, len, 0)) > 0)
			br_ssl_engine_recvrec_ack(eng, (size_t)n);
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return -1; /* server gone without close_notify */
	}
	if (p[1].revents & POLLOUT && (b = br_ssl_engine_recvapp_buf(eng, &len))) {
		if ((n = send(local, b, len, MSG_NOSIGNAL)) > 0)
			br_ssl_engine_recvapp_ack(eng, (size_t)n);
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
	if (p[1].revents & (POLLIN | POLLHUP | POLLERR) && !*local_eof &&
	    (b = br_ssl_engine_sendapp_buf(eng, &len))) {
		if ((n = recv(local, b, len, 0)) > 0) {
			br_ssl_engine_sendapp_ack(eng, (size_t)n);
			br_ssl_engine_flush(eng, 0);
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			*local_eof = true; /* the kernel let go: say goodbye */
			br_ssl_engine_close(eng);
		}
	}
	return 1;
}

int tls_pump(int tcp, int local)
{
	br_ssl_engine_context *eng = &S->cc.eng;
	bool local_eof = false;
	int r;
	set_nonblock(tcp);
	set_nonblock(local);
	while ((r = pump_round(eng, tcp, local, &local_eof)) == 1)
		if (local_eof && !(br_ssl_engine_current_state(eng) & BR_SSL_SENDREC))
			break; /* close_notify is out; do not wait for the server's */
	shutdown(local, SHUT_RDWR);
	return r < 0 ? -1 : 0;
}
