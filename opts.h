/*
 * opts.h - the settings a command line (or a kernel command line, or an
 * nbdtab entry) produces, shared by the parts of the CLI layer:
 * nbdc.c (argv), boot_cmdline.c (--cmdline), nbdtab.c (nbd-client nbdX).
 */
#ifndef OPTS_H
#define OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "bootargs.h"
#include "session.h"
#include "tls.h"
#include "uri.h"

#define DEFAULT_PORT "10809"
#define DEFAULT_CONNECT_TIMEOUT 30

enum action { ACT_ATTACH, ACT_LIST, ACT_INFO, ACT_CHECK, ACT_DISCONNECT,
	      ACT_CMDLINE };
#define DEFAULT_RETRY_FOR 120 /* seconds, with --cmdline */
/* With -p: how long the kernel queues I/O for a reconnect, the I/O timeout
 * after which a request stuck on a dead connection is requeued, and the
 * backoff cap. */
#define PERSIST_DEAD_TIMEOUT 60
#define PERSIST_IO_TIMEOUT   10
#define PERSIST_DELAY_MAX    2

struct opts {
	enum action action;
	const char *host, *port, *dev, *unix_path, *name;
	const char *check_dev;
	uint32_t blksize;
	unsigned timeout, connect_timeout, retry_for;
	bool retry_set, readonly, nofork, tls, systemd_mark;
	bool persist, swap, nonetlink, no_optgo, dump, dead_set, no_ktls;
	unsigned connections;
	unsigned dead_timeout;        /* netlink: I/O waits this long (s) */
	unsigned reconnect_for;       /* -p: seconds of trying, then give up */
	unsigned reconnect_delay_max; /* -p: backoff cap, seconds */
	uint64_t size_override;
	const char *cmdline_file;
	struct tls_options tlso;
	/* --failover HOST[:PORT]: more servers with the same export */
	const char *fo_host[SESSION_MAX_SERVERS - 1], *fo_port[SESSION_MAX_SERVERS - 1];
	struct uri_part fo_name[SESSION_MAX_SERVERS - 1]; /* a URI's export */
	int nfailover;
	bool shared_storage;          /* every server serves one backing store */
	bool spread;                  /* start from a server chosen by identity */
};

/* One more --failover server, "HOST", "HOST:PORT" or "[V6]:PORT" (its
 * port defaults to the primary's), or an nbd:// or nbds:// URI (servers in
 * it, no port: 10809; its export, if any, must be the primary's: checked
 * once that is known).  An exit code, the cause printed. */
int opts_failover(struct opts *o, const char *spec);

/* The servers, export, Unix socket and TLS settings an NBD URI names (see
 * uri.h) into 'o'; with 'failover', only more servers.  An exit code, the
 * cause printed. */
int opts_uri(struct opts *o, const char *uri, bool failover);

/* --spread: the server to start from, of 'n', by the machine's lowest MAC
 * address. */
int spread_index(int n);

/* A whole decimal number in [min, max], or -1. */
long long number(const char *s, long long min, long long max);
/* A kernel-legal block size: power of two, 512..4096. */
bool legal_block_size(long long v);

/* "nbd3" or "/dev/nbd3". */
bool is_nbd_name(const char *s);
/* Fill host, export, device and options from the nbdtab(5) entry for
 * 'devname'.  Returns an exit code (the cause printed). */
int nbdtab(struct opts *o, const char *devname);

/* --cmdline: turn the kernel command line into options for an attach;
 * 'b' keeps the strings.  Returns an exit code (the cause printed). */
int from_cmdline(struct opts *o, struct boot_spec *b);

#endif
