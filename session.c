/*
 * session.c - connect + handshake, first and again (see session.h).
 */
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "session.h"
#include "status.h"
#include "tls.h"

/* The handshake engine is large (it buffers a whole reply); keep it off the
 * stack of the process that may stay behind. */
static struct nego engine;

struct nego *session_engine(void)
{
	return &engine;
}

const struct nego_result *session_result(void)
{
	return nego_result(&engine);
}

void session_name(struct session *s)
{
	const struct server *v = &s->srv[s->cur];
	if (s->unix_path)
		fmt_snprintf(s->peer, sizeof s->peer, "%s", s->unix_path);
	else if (strchr(v->host, ':'))
		fmt_snprintf(s->peer, sizeof s->peer, "[%s]:%s", v->host, v->port);
	else
		fmt_snprintf(s->peer, sizeof s->peer, "%s:%s", v->host, v->port);
}

/* After a TLS handshake for an attach: let the kernel do TLS on the
 * socket (kTLS) when it can; say why not.  Returns 0 when the socket is
 * usable (in the kernel's TLS or, untouched, for the pump: a server that
 * takes one client must not see a second connection), -1 when it was
 * spoiled half-way (connect again, without kTLS).  Asked again on every
 * connection: a restarted server may choose another cipher. */
static int offload(struct session *s, int sock, bool try_ktls)
{
	char why[256];
	s->ktls_on = false;
	if (!try_ktls || !s->cfg.tls || s->cfg.mode != NEGO_ATTACH)
		return 0;
	int r = tls_to_kernel(sock, why, sizeof why);
	if (r == 0) {
		s->ktls_on = true;
		return 0;
	}
	msg("%s: kernel TLS not used (%s); TLS goes through nbdc's pump",
	    s->peer, why);
	return r < 0 ? -1 : 0;
}

/* One handshake over a fresh connection to the resolved target; once
 * more without kTLS if the kernel spoiled the socket half-way. */
static int attempt(struct session *s, int64_t deadline, int *sock)
{
	for (bool try_ktls = s->ktls;; try_ktls = false) {
		int code;
		nego_init(&engine, &s->cfg);
		*sock = net_connect_target(&s->srv[s->cur].target, deadline, &code);
		if (*sock < 0)
			return code;
		code = net_handshake(&engine, *sock, deadline, s->peer);
		if (code == EXIT_OK && offload(s, *sock, try_ktls) == 0)
			return EXIT_OK;
		close(*sock);
		*sock = -1;
		if (code)
			return code;
	}
}

/* Server i: resolved (every time: at boot, DNS may come up late) and
 * negotiated with, under one deadline. */
static int try_server(struct session *s, int i, int *sock)
{
	int code;
	struct server *v = &s->srv[i];
	int64_t deadline = now_ms() + (int64_t)s->connect_timeout * 1000;
	s->cur = i;
	session_name(s);
	v->resolved = net_resolve(v->host, v->port, s->unix_path, deadline,
				  &v->target, &code) == 0;
	return v->resolved ? attempt(s, deadline, sock) : code;
}

int session_connect(struct session *s, int *sock)
{
	int64_t give_up = now_ms() + (int64_t)s->retry_for * 1000;
	unsigned delay = 1;
	for (int n = 1;; n++) {
		int code = EXIT_CONNECT;
		bool again = false;
		for (int k = 0; k < s->nsrv; k++) {
			int i = (s->first + k) % s->nsrv;
			if ((code = try_server(s, i, sock)) == EXIT_OK) {
				for (int j = 0; j < s->nsrv; j++) /* for the reconnects */
					if (!s->srv[j].resolved)
						s->srv[j].resolved = net_resolve(
							s->srv[j].host, s->srv[j].port, NULL,
							now_ms() + (int64_t)s->connect_timeout * 1000,
							&s->srv[j].target, &code) == 0;
				s->cur = i;
				session_name(s);
				return EXIT_OK;
			}
			again |= code == EXIT_CONNECT || code == EXIT_TIMEOUT;
		}
		if (!again || now_ms() + (int64_t)delay * 1000 > give_up)
			return code;
		msg("%s: attempt %d failed; retrying in %u s (for up to %u s)",
		    s->nsrv > 1 ? "every server" : s->peer, n, delay, s->retry_for);
		usleep(delay * 1000000u);
		delay = delay * 2 > 8 ? 8 : delay * 2;
	}
}

int session_reconnect(struct session *s, int64_t deadline, int *sock)
{
	return attempt(s, deadline, sock);
}

int session_failover(struct session *s, int64_t deadline, int *sock)
{
	int i = s->cur;
	do
		i = (i + 1) % s->nsrv;
	while (!s->srv[i].resolved && i != s->cur);
	s->cur = i;
	session_name(s);
	return attempt(s, deadline, sock);
}
