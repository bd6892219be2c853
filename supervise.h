/*
 * supervise.h - the process that stays behind after a netlink attach when
 * something must (-p persistence, the TLS pump, -n): it watches the
 * device's connections and, with -p, replaces dead ones.
 */
#ifndef SUPERVISE_H
#define SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>

#include "genl.h"
#include "kernel.h"

/* Produce a new kernel-ready socket for connection 'slot' (connect,
 * handshake, TLS pump restarted...) before 'deadline'.  Returns an exit
 * code (cause printed). */
typedef int supervise_reconnect_fn(void *ctx, int slot, int64_t deadline,
				   int *ksock);

struct supervisor {
	int index;                  /* nbdN */
	const char *dev;            /* "/dev/nbdN", for messages */
	const char *what;           /* "HOST:PORT export 'x'" */
	const char *backend;        /* what CONNECT set; RECONFIGURE needs it */
	int pidfd;                  /* kernel_pid_open(), right after CONNECT */
	struct genl ev;             /* the driver's events, joined before
	                               CONNECT (fd -1: supervise() joins) */
	int nslots;
	int slot[NBDC_MAX_CONNS];   /* our reference to each kernel socket */
	bool persist;
	unsigned budget;            /* seconds of reconnecting before giving up */
	unsigned max_delay_ms;      /* backoff cap */
	unsigned connect_timeout;   /* seconds, each attempt */
	supervise_reconnect_fn *reconnect;
	void *ctx;
};

/* Run until the device is disconnected (0), or, with persist, until the
 * server stays away past the budget (the device is then disconnected so
 * I/O fails at once; EXIT_CONNECT).  No heap allocation. */
int supervise(struct supervisor *s);

/* The ioctl path's -p: connect again (s->reconnect, slot 0) with backoff
 * for s->budget seconds, logging each attempt; s->index is -1.  Returns
 * EXIT_OK with *ksock set, or EXIT_CONNECT. */
int supervise_retry(const struct supervisor *s, int *ksock);

/* The backoff before attempt 'n' (1-based): exponential from 250 ms,
 * capped, with jitter in [d/2, d].  Pure, for tests. */
unsigned backoff_ms(unsigned n, unsigned cap_ms, uint32_t *rng);

#endif
