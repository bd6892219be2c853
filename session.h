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

/* The primary server and the --failover ones, tried in this order. */
#define SESSION_MAX_SERVERS 6

struct server {
	const char *host, *port;
	struct net_target target;  /* resolved at the first connect */
	bool resolved;
};

struct session {
	const char *unix_path;     /* else TCP to srv[] */
	struct server srv[SESSION_MAX_SERVERS]; /* [0]: the primary */
	int nsrv;                  /* 1 + the failover servers */
	int cur;                   /* the server of the last connection */
	int first;                 /* where the first connect starts (--spread) */
	unsigned connect_timeout;  /* seconds, each attempt */
	unsigned retry_for;        /* seconds of retrying the first connect */
	struct nego_config cfg;
	char peer[300];            /* "HOST:PORT", "[V6]:PORT" or a Unix socket
	                              path: checked to fit before (nbdc.c) */
	bool ktls;                 /* attach: try to hand TLS to the kernel */
	bool ktls_on;              /* the last connection's TLS is in-kernel */
};

/* Fill s->peer from the current server (srv[cur]) or unix_path. */
void session_name(struct session *s);

/* Connect and negotiate, to the servers in turn from 'first': the first
 * that negotiates the export wins (a down one costs at most the connect
 * timeout).  While none can be reached retry the list with backoff for
 * retry_for seconds, one line per round.  Then the other servers' names
 * are resolved, for the reconnects.  Returns an exit
 * code; on success *sock is ready for the kernel (or for TLS data). */
int session_connect(struct session *s, int *sock);

/* One more connection to the same server, to the addresses the first
 * connect resolved, under 'deadline': no DNS, no heap. */
int session_reconnect(struct session *s, int64_t deadline, int *sock);

/* After a lost connection: the next server, round robin (the same one
 * when there is no other), as session_reconnect. */
int session_failover(struct session *s, int64_t deadline, int *sock);

/* What the last successful handshake learned. */
const struct nego_result *session_result(void);

/* The engine, for the caller's checks before connecting. */
struct nego *session_engine(void);

#endif
