/*
 * attach.c - from a negotiated connection to a running device: choose the
 * kernel interface (netlink when the kernel has it, else ioctls), open the
 * extra connections of -C, start the TLS pump, and leave behind only what
 * must stay: nothing after a plain netlink attach; a supervisor for -p or
 * for the TLS pump (supervise.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fmt.h"
#include "attach.h"
#include "genl.h"
#include "kernel.h"
#include "nbd_proto.h"
#include "pump.h"
#include "status.h"
#include "supervise.h"
#include "text.h"
#include "tls.h"

/* What the kernel was configured with: every later connection must match
 * it (same_export). */
struct export_seen {
	uint64_t size;      /* as negotiated, not the --size override */
	uint16_t flags;     /* as negotiated */
	bool readonly;      /* the device is read-only (-R or the server) */
	int nslots;
};

/* ---- choices ------------------------------------------------------------- */

/* Kernel-legal block size honouring the server's constraints (min, max) and
 * the user's -b. Without constraints: 512, what every disk tool expects. */
static int choose_block_size(const struct opts *o, const struct nego_result *r,
			     const char *peer, uint32_t *bs)
{
	uint32_t min = r->have_block_size ? r->bs.min : 1;
	uint32_t max = r->have_block_size ? r->bs.max : UINT32_MAX;
	if (o->blksize) {
		if (o->blksize < min || o->blksize > max) {
			msg("%s: block size %u is outside the server's limits "
			    "(%u..%u)", peer, o->blksize, min, max);
			return EXIT_REFUSED;
		}
		*bs = o->blksize;
		return EXIT_OK;
	}
	uint32_t b = KERNEL_MIN_BLOCK;
	while (b < min && b < KERNEL_MAX_BLOCK)
		b <<= 1;
	if (b < min || b > max) {
		msg("%s: the server requires block sizes of %u..%u bytes; the "
		    "kernel NBD driver supports %u..%u", peer, min, max,
		    KERNEL_MIN_BLOCK, KERNEL_MAX_BLOCK);
		return EXIT_REFUSED;
	}
	*bs = b;
	return EXIT_OK;
}

/* How many connections: -C, if the server allows several. */
static int connections(const struct opts *o, const struct nego_result *r,
		       const char *peer, bool ktls)
{
	int n = o->connections ? (int)o->connections : 1;
	if (n > NBDC_MAX_CONNS)
		n = NBDC_MAX_CONNS;
	if (n > 1 && !(r->flags & NBD_FLAG_CAN_MULTI_CONN)) {
		msg("warning: %s does not offer multiple connections "
		    "(CAN_MULTI_CONN); using one", peer);
		return 1;
	}
	if (n > 1 && o->tls && !ktls) {
		msg("warning: the TLS pump carries one connection (kernel TLS "
		    "is not in use); using one");
		return 1;
	}
	return n;
}

/* Transmission flags the kernel's configuration relies on: what it sends
 * (flush, FUA, trim, write zeroes), and with several connections that a
 * flush on one covers writes on the others. */
#define RELIED_FLAGS (NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA | \
		      NBD_FLAG_SEND_TRIM | NBD_FLAG_SEND_WRITE_ZEROES)

/* One rule for every connection after the first, at attach time and on
 * reconnect: the server must present what the kernel was configured with.
 * The negotiated size (never the --size override), no READ_ONLY when the
 * device is writable, and no relied-on flag lost.  Returns true, or false
 * with 'why' naming the difference. */
static bool same_export(const struct export_seen *k, const struct nego_result *r,
			char *why, size_t size)
{
	uint16_t relied = (uint16_t)(k->flags & (RELIED_FLAGS |
			  (k->nslots > 1 ? NBD_FLAG_CAN_MULTI_CONN : 0)));
	uint16_t gone = (uint16_t)(relied & ~r->flags);
	if (r->size != k->size) {
		fmt_snprintf(why, size, "the export's size is now %llu bytes, not %llu",
			 (unsigned long long)r->size, (unsigned long long)k->size);
		return false;
	}
	if (!k->readonly && r->flags & NBD_FLAG_READ_ONLY) {
		fmt_snprintf(why, size, "the export is now read-only, and the device "
			 "is writable");
		return false;
	}
	if (gone) {
		char lost[128];
		nbd_flags_str(gone, lost, sizeof lost);
		fmt_snprintf(why, size, "the server no longer offers %s, which the "
			 "device relies on", lost);
		return false;
	}
	return true;
}

/* Connections 2..n, each negotiated like the first and held to the same
 * rule as a reconnect (same_export). */
static int open_more(struct session *s, const struct export_seen *k,
		     struct attach *a, int n)
{
	bool first_ktls = s->ktls_on;
	while (a->nsocks < n) {
		int sock, code;
		char why[200];
		int64_t deadline = now_ms() + (int64_t)s->connect_timeout * 1000;
		if ((code = session_reconnect(s, deadline, &sock)))
			return code;
		if (s->cfg.tls && !s->ktls_on && first_ktls) {
			msg("%s: connection %d could not use kernel TLS like "
			    "the first", s->peer, a->nsocks + 1);
			close(sock);
			return EXIT_TLS;
		}
		if (!same_export(k, session_result(), why, sizeof why)) {
			msg("%s: connection %d sees a different export: %s",
			    s->peer, a->nsocks + 1, why);
			close(sock);
			return EXIT_PROTOCOL;
		}
		a->socks[a->nsocks++] = sock;
	}
	return EXIT_OK;
}

/* ---- netlink ------------------------------------------------------------- */

/* What the messages call the export: its server and name.  With failover
 * the server changes: a reconnect names the one it reached. */
static char what[NBDC_BACKEND_MAX + 16];

static void name_what(const struct session *s, const char *name)
{
	fmt_snprintf(what, sizeof what, *name ? "%s export '%s'" : "%s", s->peer, name);
}

struct stay {
	struct session *s;
	const char *name;
	struct export_seen seen;
	bool tls;
	bool ktls_first;  /* the attach put TLS in the kernel */
};

/* The supervisor's way back: a new connection for slot 'slot', held to
 * what the kernel was configured with.  Maps nothing: the pump's stack was
 * mapped at attach time (pump_prepare). */
static int reconnect_slot(void *ctx, int slot, int64_t deadline, int *ksock)
{
	struct stay *st = ctx;
	int sock, code;
	char why[200];
	(void)slot;
	if (st->tls)
		pump_stop();
	if ((code = session_failover(st->s, deadline, &sock)))
		return code;
	if (!same_export(&st->seen, session_result(), why, sizeof why)) {
		msg("%s: not using this connection: %s", st->s->peer, why);
		close(sock);
		return EXIT_PROTOCOL;
	}
	name_what(st->s, st->name);
	if (!st->tls || st->s->ktls_on) { /* plain, or TLS in the kernel */
		*ksock = sock;
		return EXIT_OK;
	}
	if (st->ktls_first && st->seen.nslots > 1) {
		/* One pump cannot carry one slot among kernel-TLS others
		 * without stopping them at each reconnect: wait for a
		 * connection the kernel can take. */
		msg("%s: not using this connection: kernel TLS cannot take it, "
		    "and the other %d connections are in the kernel",
		    st->s->peer, st->seen.nslots - 1);
		close(sock);
		return EXIT_TLS;
	}
	return pump_start(sock, ksock);
}

static struct stay stay_ctx;  /* what reconnect_slot works from */
static int pidfd = -1;        /* the device's /sys pid, for the supervisor */
static struct genl events = { .fd = -1 }; /* joined before CONNECT */

/* The reconnect settings of -p, shared by both kernel interfaces. */
static struct supervisor retry_settings(const struct opts *o,
					const struct attach *a)
{
	return (struct supervisor){
		.index = -1, .dev = a->dev, .what = a->what,
		.budget = o->reconnect_for,
		.max_delay_ms = o->reconnect_delay_max * 1000,
		.connect_timeout = o->connect_timeout,
		.reconnect = reconnect_slot, .ctx = &stay_ctx,
		.ev = { .fd = -1 },
	};
}

/* Name the device the kernel picked, when none was given. */
static void name_device(struct attach *a, int index)
{
	static char devbuf[32];
	if (a->dev)
		return;
	fmt_snprintf(devbuf, sizeof devbuf, "/dev/nbd%d", index);
	a->dev = devbuf;
}

/* The device runs: scan its partitions, say so, and print its path when
 * the kernel chose it. */
static void announce(const struct opts *o, const struct attach *a)
{
	kernel_rescan(a->dev);
	kernel_report_attached(a);
	if (!o->dev)
		fmt_print(1, "%s\n", a->dev);
}

/* CONNECT from this process; on success a->dev names the device, and its
 * /sys pid file is open before anyone can detach it again.  A process that
 * stays joins the driver's event group first: a link that dies at once
 * must not go unheard. */
static int connect_here(struct attach *a, int *index, bool stays)
{
	if (stays && kernel_events_open(&events) < 0)
		events.fd = -1; /* supervise() says so, and asks again */
	int code = kernel_attach_netlink(a, index);
	if (code == EXIT_OK) {
		name_device(a, *index);
		pidfd = kernel_pid_open(a->dev);
	}
	return code;
}

/* The process that stays: TLS pump (if any) is running, the device is
 * attached from here so /sys shows this pid; watch it until the end. */
static int stay(const struct opts *o, const struct attach *a, int index)
{
	static struct supervisor sup;
	sup = retry_settings(o, a);
	sup.index = index;
	sup.backend = a->backend;
	sup.nslots = a->nsocks;
	sup.pidfd = pidfd;
	sup.ev = events;
	sup.persist = o->persist;
	memcpy(sup.slot, a->socks, sizeof sup.slot);
	int code = supervise(&sup);
	pump_stop();
	return code;
}

/* Tell the parent how CONNECT went: exit code and index. */
static void report_up(int fd, int code, int index)
{
	int v[2] = { code, index };
	if (write(fd, v, sizeof v) != (ssize_t)sizeof v) { /* parent gone */ }
	close(fd);
}

static int attach_netlink(const struct opts *o, struct session *s,
			  struct attach *a, int index)
{
	bool pumped = o->tls && !s->ktls_on;
	bool stays = pumped || o->persist || o->nofork;
	int code, pipefd[2];
	if (!stays || o->nofork) {
		if (stays)
			kernel_protect_self();
		if (pumped && (code = pump_start(a->socks[0], &a->socks[0])))
			return code;
		code = connect_here(a, &index, stays);
		if (!stays) /* the kernel holds its own references */
			for (int i = 0; i < a->nsocks; i++)
				close(a->socks[i]);
		if (code)
			return code;
		announce(o, a);
		return stays ? stay(o, a, index) : EXIT_OK;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		msg_errno("pipe");
		return EXIT_SYSTEM;
	}
	pid_t child = _Fork(); /* as fork(): nbdc has no atfork handlers */
	if (child < 0) {
		msg_errno("fork");
		return EXIT_SYSTEM;
	}
	if (child == 0) { /* the supervisor: locked in memory before the
			  * device it may have to revive exists */
		close(pipefd[0]);
		kernel_protect_self();
		/* The pump thread must live in this process: start it here. */
		code = pumped ? pump_start(a->socks[0], &a->socks[0]) : EXIT_OK;
		if (!code)
			code = connect_here(a, &index, true);
		report_up(pipefd[1], code, index);
		if (code)
			_exit(code);
		kernel_detach_session();
		if (access("/dev/log", W_OK) == 0)
			msg_use_syslog();
		_exit(stay(o, a, index));
	}
	close(pipefd[1]);
	int v[2] = { EXIT_KERNEL, -1 };
	if (read(pipefd[0], v, sizeof v) != (ssize_t)sizeof v)
		msg("the attaching process ended without a word");
	close(pipefd[0]);
	if (v[0]) {
		waitpid(child, NULL, 0);
		return v[0];
	}
	name_device(a, v[1]);
	announce(o, a);
	return EXIT_OK;
}

/* ---- ioctl ------------------------------------------------------------- */

static struct supervisor ioctl_retry;

static int reconnect_ioctl(void *ctx, int *ksock)
{
	(void)ctx;
	return supervise_retry(&ioctl_retry, ksock);
}

static int attach_ioctl(const struct opts *o, struct session *s,
			struct attach *a)
{
	if (o->tls && !s->ktls_on) {
		/* The kernel speaks plaintext to one end of a socketpair; the
		 * pump carries it through TLS, in a thread of the holder. */
		int code = pump_pair(a->sock, &a->sock);
		if (code)
			return code;
		a->socks[0] = a->sock;
		a->holder_start = pump_run;
		a->holder_stop = pump_stop;
	}
	if (o->persist) {
		ioctl_retry = retry_settings(o, a);
		a->reconnect = reconnect_ioctl;
	}
	return kernel_attach_ioctl(a);
}

int attach_export(const struct opts *o, struct session *s, int sock,
		  const char **dev)
{
	static char backend[NBDC_BACKEND_MAX];
	const struct nego_result r = *session_result();
	uint32_t bs;
	int code = choose_block_size(o, &r, s->peer, &bs);
	bool netlink = !o->nonetlink && kernel_has_netlink();
	if (code)
		return code;
	if (!o->dev && !netlink) { /* main checked; the module went away? */
		msg("no device given, and no NBD netlink interface to pick one");
		return EXIT_USAGE;
	}
	int index = o->dev && netlink ? kernel_nbd_index(o->dev) : -1;
	if (o->dev && netlink && index < 0)
		return EXIT_KERNEL;
	name_what(s, o->name);
	/* The backend identifier stays across RECONFIGUREs: with failover it
	 * must not name one server. */
	char full[sizeof s->peer + 1 + NBD_MAX_STRING + 1];
	fmt_snprintf(full, sizeof full, "%s/%s", s->nsrv > 1 ? "failover" : s->peer,
		     o->name); /* fits */
	text_abbrev(backend, sizeof backend, full);
	struct attach a = {
		.dev = o->dev, .sock = sock, .socks = { sock }, .nsocks = 1,
		.blksize = bs, .size = o->size_override ? o->size_override : r.size,
		.flags = (uint16_t)(r.flags | (o->readonly ? NBD_FLAG_READ_ONLY : 0)),
		.timeout = o->timeout, .dead_timeout = o->dead_timeout,
		.backend = backend, .nofork = o->nofork, .what = what,
	};
	int want = connections(o, &r, s->peer, s->ktls_on);
	stay_ctx = (struct stay){ .s = s, .name = o->name, .tls = o->tls,
		.ktls_first = s->ktls_on,
		.seen = { .size = r.size, .flags = r.flags, .nslots = want,
			  .readonly = a.flags & NBD_FLAG_READ_ONLY } };
	if ((code = open_more(s, &stay_ctx.seen, &a, want))) {
		for (int i = 0; i < a.nsocks; i++)
			close(a.socks[i]);
		return code;
	}
	static char tls[96];
	if (o->tls) {
		fmt_snprintf(tls, sizeof tls, "%s, %s", tls_suite_name(),
			 s->ktls_on ? "in the kernel" : "through nbdc's pump");
		a.tls = tls;
	}
	if (o->persist && o->tls && (code = pump_prepare()))
		return code; /* a reconnect may need the pump: map it now */
	code = netlink ? attach_netlink(o, s, &a, index) : attach_ioctl(o, s, &a);
	*dev = a.dev;
	return code;
}
