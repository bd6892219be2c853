/*
 * tls_verify.c - the server's identity: an X.509 engine that wraps
 * BearSSL's minimal one, keeps the server's own certificate and adds what
 * BearSSL does not do (--pin, iPAddress names); and BearSSL's errors in
 * words.
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

void tls_error_text(int err, char *buf, size_t size)
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

const br_x509_class tls_xwrap_vtable = {
	sizeof(struct xwrap), xw_start_chain, xw_start_cert, xw_append,
	xw_end_cert, xw_end_chain, xw_get_pkey,
};

