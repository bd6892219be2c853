/*
 * net.h - reaching the server, and running the handshake over a socket,
 * all under one deadline (from the first connect() to the last byte).
 */
#ifndef NET_H
#define NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "nego.h"

#define NET_MAX_ADDRS 8

/* Where the server is: resolved once, so that reconnecting needs neither
 * DNS nor the heap. */
struct net_target {
	int n;
	struct sockaddr_storage addr[NET_MAX_ADDRS];
	socklen_t len[NET_MAX_ADDRS];
	const char *host, *port;   /* for messages */
	bool is_unix;
};

/* Resolve HOST:PORT (or take the Unix socket path) before 'deadline'.
 * Returns 0, or -1 after printing why, with *code set to the exit code. */
int net_resolve(const char *host, const char *port, const char *unix_path,
		int64_t deadline, struct net_target *t, int *code);

/* Connect to the first address of 't' that answers; no heap.  Returns a
 * blocking socket, or -1 after printing why (*code set). */
int net_connect_target(const struct net_target *t, int64_t deadline, int *code);

/* Drive the engine over 'fd' until it is done, fails, or the deadline
 * passes.  Returns EXIT_OK, or prints the cause and returns an exit code. */
int net_handshake(struct nego *n, int fd, int64_t deadline, const char *peer);

#endif
