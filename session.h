/*
 * session.h - one conversation with the server, from connect() to the
 * end of the handshake: the first time with retries (the network may still
 * be coming up), and again after a lost connection without DNS or heap.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "nego.h"
#include "net.h"

struct session {
	const char *host, *port, *unix_path;
	unsigned connect_timeout;  /* seconds, each attempt */
	unsigned retry_for;        /* seconds of retrying the first connect */
	struct nego_config cfg;
	char peer[300];            /* "HOST:PORT", "[V6]:PORT" or a Unix socket
	                              path: checked to fit before (nbdc.c) */
	struct net_target target;  /* resolved by the first connect */
	bool ktls;                 /* attach: try to hand TLS to the kernel */
	bool ktls_on;              /* the last connection's TLS is in-kernel */
};

/* Fill s->peer from host, port and unix_path. */
void session_name(struct session *s);

/* Connect and negotiate; while the server cannot be reached retry with
 * backoff for retry_for seconds, one line per attempt.  Returns an exit
 * code; on success *sock is ready for the kernel (or for TLS data). */
int session_connect(struct session *s, int *sock);

/* One more connection to the same server, to the addresses the first
 * connect resolved, under 'deadline': no DNS, no heap. */
int session_reconnect(struct session *s, int64_t deadline, int *sock);

/* What the last successful handshake learned. */
const struct nego_result *session_result(void);

/* The engine, for the caller's checks before connecting. */
struct nego *session_engine(void);

#endif
