/*
 * net.h - reaching the server, and running the handshake over a socket,
 * all under one deadline (from the first connect() to the last byte).
 */
#ifndef NET_H
#define NET_H

#include <stdint.h>

#include "nego.h"

/* Connect to HOST:PORT (every address HOST resolves to, in turn) or, when
 * unix_path is set, to that Unix socket.  Returns a blocking socket, or -1
 * after printing why; *code is set to the exit code. */
int net_connect(const char *host, const char *port, const char *unix_path,
		int64_t deadline, int *code);

/* Drive the engine over 'fd' until it is done, fails, or the deadline
 * passes.  Returns EXIT_OK, or prints the cause and returns an exit code. */
int net_handshake(struct nego *n, int fd, int64_t deadline, const char *peer);

#endif
