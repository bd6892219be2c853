/*
 * tls_data.c - after the handshake: the record keys handed to the kernel
 * (kTLS), or the pump that carries the data in userspace.  The pump
 * allocates nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
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

/* ---- kernel TLS --------------------------------------------------------------- */

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
	const struct suite *su = tls_current_suite();
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
		fmt_snprintf(why, size, "setsockopt %s: %s%s%s%s", step, text_errno(err),
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
	ioctl(fd, FIONBIO, &(int){ 1 }); /* O_NONBLOCK */
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
