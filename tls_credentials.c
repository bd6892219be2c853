/*
 * tls_credentials.c - trust anchors (--cacert) and the client's chain and
 * key (--cert, --key) from PEM files, decoded by x509_der.c into what
 * BearSSL holds, in memory that needs no heap.
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

/* ---- start-up memory ---------------------------------------------------------- */

/* No malloc in nbdc: a PEM file is read into a scratch mapping dropped
 * once it is parsed; what is kept (trust anchors, the client chain) goes
 * into chunks mapped as needed that live as long as the process. */
#define KEEP_CHUNK ((size_t)64 * 1024)

struct chunk { /* at the start of each chunk, in its first 16-byte slot */
	struct chunk *prev;
	size_t size;
};
static struct chunk *chunks;
static unsigned char *keep_at, *keep_end;

/* 'n' bytes that stay (a copy of 'p' when given); NULL when out of memory. */
static void *keep(const void *p, size_t n)
{
	size_t a = ((n ? n : 1) + 15) & ~(size_t)15; /* 16-byte slots */
	if ((size_t)(keep_end - keep_at) < a) {
		size_t size = a + 16 > KEEP_CHUNK ? a + 16 : KEEP_CHUNK;
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
	keep_at += a;
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

int tls_load_credentials(const struct tls_options *o)
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

