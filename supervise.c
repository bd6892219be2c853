/*
 * supervise.c - the process that stays behind after a netlink attach (see
 * supervise.h).  It holds a reference to each socket the kernel uses, so a
 * hang-up shows here too, and listens to the driver's multicast group: a
 * hang-up followed by NBD_CMD_LINK_DEAD is a lost server (reconnect, with
 * -p), a hang-up without one is a requested disconnect (leave quietly).
 *
 * Everything here runs from static or stack memory: the reconnect loop
 * must not depend on the heap of a machine whose root disk is gone.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "fmt.h"
#include "genl.h"
#include "status.h"
#include "supervise.h"
#include "tls.h"

#define TICK_MS      1000 /* how often the device's state is looked at */
#define GRACE_MS     3000 /* a hang-up waits this long for LINK_DEAD */
#define FIRST_DELAY  250U /* ms, first backoff step */

unsigned backoff_ms(unsigned n, unsigned cap_ms, uint32_t *rng)
{
	unsigned d = FIRST_DELAY;
	while (--n && d < cap_ms)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	*rng ^= *rng << 13; /* xorshift32 */
	*rng ^= *rng >> 17;
	*rng ^= *rng << 5;
	return d / 2 + *rng % (d / 2 + 1);
}

static pid_t kpid;          /* the pid /sys showed right after CONNECT */

/* Still the device we attached?  (-d or another client ends that.)  The
 * descriptor was opened before any switch_root could take /sys away. */
static bool still_ours(const struct supervisor *s)
{
	return kernel_pid_read(s->pidfd) == kpid;
}

/* Which slots the kernel has shut down: the truth of the sockets
 * themselves.  The driver shuts a socket both ways when it marks it dead,
 * which our reference sees as POLLHUP; a peer's FIN alone (POLLRDHUP) is
 * not yet the kernel's verdict, and a RECONFIGURE before it would be
 * dropped (no dead slot to fill).  Waits up to 'ms' for one.  Returns the
 * number of dead slots. */
static int find_dead(const struct supervisor *s, bool *dead, int ms)
{
	int64_t until = now_ms() + ms;
	int found;
	do {
		struct pollfd p[NBDC_MAX_CONNS];
		found = 0;
		for (int i = 0; i < s->nslots; i++)
			p[i] = (struct pollfd){ s->slot[i], 0, 0 };
		poll(p, (nfds_t)s->nslots, 0);
		for (int i = 0; i < s->nslots; i++) {
			dead[i] = p[i].revents & (POLLHUP | POLLNVAL);
			found += dead[i];
		}
		if (found || now_ms() >= until)
			break;
		poll(NULL, 0, 50);
	} while (1);
	return found;
}

/* "reconnected ..." with the time since 'start'; in the counting test
 * build, the heap allocations since 'base' (-1: not counting). */
static void say_reconnected(const struct supervisor *s, unsigned attempts,
			    int64_t start, long base)
{
	char note[96] = "";
	long now = tls_alloc_count();
	if (now >= 0 && base >= 0)
		fmt_snprintf(note, sizeof note, "; %ld heap allocations while "
			 "supervising", now - base);
	msg("%s: reconnected to %s after %u attempt%s in %lld ms%s", s->dev,
	    s->what, attempts, attempts == 1 ? "" : "s",
	    (long long)(now_ms() - start), note);
}

/* Connect again for 'slot' until it works or 'give_up' passes, with
 * backoff.  Returns EXIT_OK (*ksock set), -1 if the device was detached
 * meanwhile, or EXIT_CONNECT; *attempts counts across calls. */
static int retry(const struct supervisor *s, int slot, int64_t give_up,
		 unsigned *attempts, uint32_t *rng, int *ksock)
{
	for (;;) {
		int64_t deadline = now_ms() + (int64_t)s->connect_timeout * 1000;
		if (deadline > give_up)
			deadline = give_up;
		++*attempts;
		int code = s->reconnect(s->ctx, slot, deadline, ksock);
		if (code == EXIT_OK)
			return EXIT_OK;
		if (kernel_disconnect_asked() || (s->index >= 0 && !still_ours(s)))
			return -1;
		unsigned d = backoff_ms(*attempts, s->max_delay_ms, rng);
		if (now_ms() + d >= give_up)
			return EXIT_CONNECT;
		msg("%s: %s %s (attempt %u); next attempt in %u ms", s->dev,
		    s->what, code == EXIT_CONNECT || code == EXIT_TIMEOUT ?
		    "unreachable" : "not usable (see above)", *attempts, d);
		poll(NULL, 0, (int)d);
	}
}

/* Replace one dead connection: a new one, handed over by RECONFIGURE. */
static int revive_slot(struct supervisor *s, int i, int64_t give_up,
		       unsigned *attempts, uint32_t *rng)
{
	for (;;) {
		int ks, code = retry(s, i, give_up, attempts, rng, &ks);
		if (code)
			return code;
		/* A RECONFIGURE clears the kernel's "disconnected": never
		 * after `nbdc -d` asked for one. */
		if (kernel_disconnect_asked() || !still_ours(s)) {
			close(ks);
			return -1;
		}
		int err = kernel_reconfigure(s->index, &ks, 1, s->backend);
		if (!err) {
			s->slot[i] = ks;
			return EXIT_OK;
		}
		errno = -err;
		msg_errno("%s: the kernel refused the new connection "
			  "(NBD_CMD_RECONFIGURE)", s->dev);
		close(ks);
		if (now_ms() >= give_up)
			return EXIT_CONNECT;
		poll(NULL, 0, 500);
	}
}

int supervise_retry(const struct supervisor *s, int *ksock)
{
	int64_t start = now_ms();
	unsigned attempts = 0;
	uint32_t rng = (uint32_t)getpid() ^ (uint32_t)start;
	int code = retry(s, 0, start + (int64_t)s->budget * 1000, &attempts,
			 &rng, ksock);
	if (code)
		msg("%s: giving up on %s after %u attempts in %lld s", s->dev,
		    s->what, attempts, (long long)(now_ms() - start) / 1000);
	else
		say_reconnected(s, attempts, start, -1);
	return code ? EXIT_CONNECT : EXIT_OK;
}

/* Slots are dead (the kernel shut them): reconnect each of them.  Returns
 * EXIT_OK, -1 when the device was detached or `nbdc -d` asked meanwhile
 * (nothing left to watch), or the exit code of giving up. */
static int revive(struct supervisor *s, bool *hup, uint32_t *rng, long base)
{
	int64_t start = now_ms();
	int64_t give_up = start + (int64_t)s->budget * 1000;
	unsigned attempts = 0;
	msg("%s: lost the connection to %s; reconnecting for up to %u s",
	    s->dev, s->what, s->budget);
	for (int i = 0; i < s->nslots; i++) {
		if (!hup[i])
			continue;
		close(s->slot[i]);
		s->slot[i] = -1;
		int code = revive_slot(s, i, give_up, &attempts, rng);
		if (code < 0)
			return -1; /* detached, or -d asked, meanwhile */
		if (code) {
			msg("%s: giving up on %s after %u attempts in %lld s; "
			    "disconnecting the device so that I/O fails now",
			    s->dev, s->what, attempts,
			    (long long)(now_ms() - start) / 1000);
			kernel_disconnect_netlink(s->index);
			return code;
		}
		hup[i] = false;
	}
	say_reconnected(s, attempts, start, base);
	return EXIT_OK;
}

/* The device lost its link(s) and -p is off: released, as the ioctl path
 * would, so I/O fails now rather than after the dead-connection timeout. */
static int released(const struct supervisor *s)
{
	msg("%s: lost the connection to %s; device released (-p reconnects "
	    "instead)", s->dev, s->what);
	kernel_disconnect_netlink(s->index);
	return EXIT_CONNECT;
}

/* Sockets shut with no LINK_DEAD for them: the user's disconnect, or a link
 * death whose event never came (lost, before we listened, or a kernel that
 * sends none for a timed-out socket).  Ask, never guess: our own `nbdc -d`
 * says so (SIGUSR2); a device gone from /sys or that NBD_CMD_STATUS calls
 * unconnected was disconnected; one still connected lost its link. */
static bool link_died(const struct supervisor *s)
{
	if (kernel_disconnect_asked() || !still_ours(s))
		return false;
	return kernel_status_netlink(s->index) > 0;
}

/* What to do with the dead slots in dead[]: revive them (-p) or release
 * the device.  Returns -1 to go on watching, else the exit code. */
static int act(struct supervisor *s, bool *dead, uint32_t *rng, long base)
{
	if (!s->persist)
		return released(s);
	int code = revive(s, dead, rng, base);
	if (code < 0 || !still_ours(s))
		return EXIT_OK; /* nothing left to watch */
	return code ? code : -1;
}

int supervise(struct supervisor *s)
{
	bool dead[NBDC_MAX_CONNS] = { false };
	int64_t dead_since = 0;
	long base = tls_alloc_count();
	uint32_t rng = (uint32_t)getpid() ^ (uint32_t)now_ms();
	int err = s->ev.fd >= 0 ? 0 : kernel_events_open(&s->ev);
	if (err) {
		errno = -err;
		msg_errno("%s: cannot listen for the kernel's dead-link events; "
			  "hang-ups are checked with the kernel instead", s->dev);
		s->ev.fd = -1;
	}
	kpid = kernel_pid_read(s->pidfd);
	if (!kpid) /* detached already, or never seen: nothing to watch */
		return EXIT_OK;
	for (;;) {
		struct pollfd p[1 + NBDC_MAX_CONNS];
		int n = s->nslots, ndead = 0;
		p[0] = (struct pollfd){ s->ev.fd, POLLIN, 0 };
		for (int i = 0; i < n; i++) /* POLLHUP: the kernel shut it */
			p[1 + i] = (struct pollfd){ dead[i] ? -1 : s->slot[i], 0, 0 };
		poll(p, (nfds_t)n + 1, TICK_MS);
		if (!still_ours(s))
			return EXIT_OK;
		enum link_event ev = (p[0].revents & POLLIN)
			? kernel_link_event(&s->ev, s->index) : LINK_QUIET;
		if (ev == LINK_LOST)
			msg("%s: the kernel's events overflowed; asking the "
			    "sockets themselves", s->dev);
		/* The sockets' own state is the truth; an event only says
		 * when to look (and how long the kernel may take to shut). */
		ndead = find_dead(s, dead, ev == LINK_DEAD ? 1000 : 0);
		if (!ndead) {
			dead_since = 0;
			continue;
		}
		/* `nbdc -d` said it was coming: the pump (if any) has carried
		 * the kernel's goodbye; nothing to revive. */
		if (kernel_disconnect_asked())
			return EXIT_OK;
		if (!dead_since)
			dead_since = now_ms();
		if (ev != LINK_DEAD && ev != LINK_LOST &&
		    now_ms() - dead_since <= GRACE_MS)
			continue; /* a LINK_DEAD may still be on its way */
		if (ev != LINK_DEAD && ev != LINK_LOST && !link_died(s))
			return EXIT_OK; /* a requested disconnect */
		int code = act(s, dead, &rng, base);
		if (code >= 0)
			return code;
		dead_since = 0;
	}
}
