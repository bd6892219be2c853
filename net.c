/*
 * net.c - TCP/Unix connect under a deadline, and the plain-socket driver of
 * the I/O-free handshake engine.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fmt.h"
#include "net.h"
#include "resolve.h"
#include "status.h"
#include "text.h"
#include "tls.h"

/* (FIONBIO, not fcntl: the same flag, and musl's fcntl is 400 bytes) */
static void set_blocking(int fd, int blocking)
{
	ioctl(fd, FIONBIO, &(int){ !blocking });
}

/* One non-blocking connect, waited for at most 'ms'. Returns 0 or an errno. */
static int connect_one(int fd, const struct sockaddr *sa, socklen_t len, int ms)
{
	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int r = poll(&p, 1, ms);
	if (r == 0)
		return ETIMEDOUT;
	if (r < 0)
		return errno;
	int err = 0;
	socklen_t el = sizeof err;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	return err;
}

/* A port as given (checked by the command line already): 1..65535. */
static int port_number(const char *port)
{
	uint64_t v;
	return text_u64(port, 10, 65535, &v, NULL) && v >= 1 ? (int)v : -1;
}

int net_resolve(const char *host, const char *port, const char *unix_path,
		int64_t deadline, struct net_target *t, int *code)
{
	t->n = 0;
	t->host = unix_path ? unix_path : host;
	t->port = port;
	t->is_unix = unix_path != NULL;
	if (unix_path) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		size_t len = strlen(unix_path);
		if (len >= sizeof sun.sun_path) {
			msg("Unix socket path is too long (%zu bytes; at most %zu): "
			    "%s", len, sizeof sun.sun_path - 1, unix_path);
			*code = EXIT_USAGE;
			return -1;
		}
		memcpy(sun.sun_path, unix_path, len + 1);
		memcpy(&t->addr[0], &sun, sizeof sun);
		t->len[0] = sizeof sun;
		t->n = 1;
		return 0;
	}
	int pn = port_number(port);
	if (pn < 0) {
		msg("bad port '%s': expected a number from 1 to 65535", port);
		*code = EXIT_USAGE;
		return -1;
	}
	static struct resolved r;
	char why[512];
	enum resolve_status st = resolve_host(host, (uint16_t)pn, deadline, &r,
					      why, sizeof why);
	if (st != RESOLVE_OK) {
		msg("cannot resolve %s: %s", host, why);
		*code = st == RESOLVE_BADNAME ? EXIT_USAGE : EXIT_CONNECT;
		return -1;
	}
	for (int i = 0; i < r.n && t->n < NET_MAX_ADDRS; i++) {
		memcpy(&t->addr[t->n], &r.addr[i], r.len[i]);
		t->len[t->n++] = r.len[i];
	}
	return 0;
}


/* Try each address in turn; each gets an equal share of the time left, so
 * one black-holed address cannot use up the whole deadline. */
int net_connect_target(const struct net_target *t, int64_t deadline, int *code)
{
	char why[1024] = "", a[INET6_ADDRSTRLEN];
	size_t used = 0;
	int fd = -1;
	for (int i = 0; i < t->n && fd < 0; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&t->addr[i];
		int err = 0;
		fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC |
			    SOCK_NONBLOCK, 0);
		if (fd < 0)
			err = errno;
		else if ((err = connect_one(fd, sa, t->len[i],
					    ms_left(deadline) / (t->n - i)))) {
			close(fd);
			fd = -1;
		}
		if (err && t->is_unix) {
			fmt_snprintf(why, sizeof why, "%s", text_errno(err));
		} else if (err) {
			resolve_ntop(&t->addr[i], a, sizeof a);
			used += (size_t)fmt_snprintf(why + used, sizeof why - used,
				"%s%s: %s", used ? "; " : "", a, text_errno(err));
			if (used >= sizeof why)
				used = sizeof why - 1;
		}
	}
	if (fd < 0) {
		if (t->is_unix)
			msg("cannot connect to Unix socket %s: %s", t->host, why);
		else
			msg("cannot connect to %s port %s (%s)", t->host, t->port,
			    why);
		*code = EXIT_CONNECT;
		return -1;
	}
	if (!t->is_unix) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	set_blocking(fd, 1);
	wire_sent(); /* the server speaks first: its greeting is a round trip */
	return fd;
}

/* Wait until fd is ready for 'events' or the deadline passes. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	for (;;) {
		/* A peer that keeps sending must not keep us past the deadline:
		 * it is checked before each wait, not only when poll times out. */
		if (ms_left(deadline) == 0)
			return ETIMEDOUT;
		int r = poll(&p, 1, ms_left(deadline));
		if (r > 0)
			return 0;
		if (r == 0)
			return ETIMEDOUT;
		if (errno != EINTR)
			return errno;
	}
}

/* Move one batch of bytes over TLS: everything queued out, else one read. */
static int step_tls(struct nego *n, int64_t deadline)
{
	size_t len, got;
	const uint8_t *out = nego_sendbuf(n, &len);
	if (len) {
		int err = tls_write(out, len, deadline);
		if (!err)
			nego_sendack(n, len);
		return err;
	}
	uint8_t *in = nego_recvbuf(n, &len);
	if (!len)
		return 0;
	int err = tls_read(in, len, &got, deadline);
	if (err)
		return err;
	if (got)
		nego_recvack(n, got);
	else
		nego_eof(n);
	return 0;
}

/* Move one batch of bytes: everything queued out, else one read in. */
static int step(struct nego *n, int fd, int64_t deadline, bool tls)
{
	size_t len;
	if (tls)
		return step_tls(n, deadline);
	const uint8_t *out = nego_sendbuf(n, &len);
	if (len) {
		int err = wait_fd(fd, POLLOUT, deadline);
		if (err)
			return err;
		ssize_t w = send(fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : errno;
		nego_sendack(n, (size_t)w);
		wire_sent();
		return 0;
	}
	uint8_t *in = nego_recvbuf(n, &len);
	if (!len)
		return 0;
	wire_wait();
	int err = wait_fd(fd, POLLIN, deadline);
	if (err)
		return err;
	ssize_t r = recv(fd, in, len, MSG_DONTWAIT);
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : errno;
	if (r == 0)
		nego_eof(n);
	else
		nego_recvack(n, (size_t)r);
	return 0;
}

static int nego_exit_code(enum nego_error e)
{
	switch (e) {
	case NEGO_E_REFUSED: return EXIT_REFUSED;
	case NEGO_E_TLS: return EXIT_TLS;
	case NEGO_E_CLIENT: return EXIT_USAGE;
	default: return EXIT_PROTOCOL;
	}
}

int net_handshake(struct nego *n, int fd, int64_t deadline, const char *peer)
{
	int err = 0;
	bool tls = false;
	for (;;) {
		while (!err && nego_status(n) == NEGO_WANT_IO)
			err = step(n, fd, deadline, tls);
		if (err || nego_status(n) != NEGO_STARTTLS)
			break;
		/* Nothing else was sent in plaintext; now the TLS handshake. */
		int code = tls_handshake(fd, deadline, peer);
		if (code)
			return code;
		tls = true;
		nego_tls_ready(n);
	}
	/* Flush what DONE queued (NBD_OPT_ABORT, NBD_CMD_DISC). */
	size_t len;
	while (!err && nego_status(n) == NEGO_DONE &&
	       (nego_sendbuf(n, &len), len))
		err = step(n, fd, deadline, tls);
	if (err == ETIMEDOUT) {
		msg("%s: the server did not complete the handshake in time "
		    "(stuck in %s; see --connect-timeout)", peer,
		    nego_state_name(n));
		return EXIT_TIMEOUT;
	}
	if (err && tls && *tls_failure()) { /* the TLS engine said why */
		msg("%s: TLS failed during the handshake (%s): %s", peer,
		    nego_state_name(n), tls_failure());
		return EXIT_TLS;
	}
	if (err) {
		msg("%s: connection failed during the handshake (%s%s): %s%s",
		    peer, nego_state_name(n), tls ? ", inside TLS" : "",
		    text_errno(err), tls ? tls_hint() : "");
		return tls ? EXIT_TLS : EXIT_PROTOCOL;
	}
	if (nego_status(n) == NEGO_FAILED) {
		msg("%s: %s", peer, nego_message(n));
		return nego_exit_code(nego_error(n));
	}
	return EXIT_OK;
}
