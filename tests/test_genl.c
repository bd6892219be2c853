/*
 * test_genl.c - the generic netlink message builder and attribute parser
 * (genl.c), and the supervisor (supervise.c) without a kernel: nest
 * lengths, alignment, a full buffer refused, truncated and oversized
 * attributes ignored, backoff bounds with jitter; and the supervisor's
 * decisions with the kernel's calls scripted: lost events, a LINK_DEAD
 * whose socket is healthy, a hang-up with no event, `nbdc -d`, SIGPIPE.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "genl.h"
#include "status.h"
#include "supervise.h"
#include "text.h"

static int passed, failed;

/* ---- supervise.c's kernel calls, scripted ---- */
static struct {
	int64_t alive_until;        /* the device is ours until then */
	enum link_event events[4];  /* what each look at the events says */
	int nevents, next_event;
	int status;                 /* NBD_CMD_STATUS: 1 connected */
	int reconnects, reconfigures, disconnects;
} k;

int kernel_pid_open(const char *dev) { (void)dev; return -1; }
pid_t kernel_pid_read(int fd) { (void)fd; return now_ms() < k.alive_until ? 100 : 0; }
int kernel_reconfigure(int i, const int *s, int n, const char *b)
{ (void)i; (void)s; (void)n; (void)b; k.reconfigures++; return 0; }
int kernel_disconnect_netlink(int i) { (void)i; k.disconnects++; return 0; }
int kernel_events_open(struct genl *g) { (void)g; return -1; }
int kernel_status_netlink(int i) { (void)i; return k.status; }
enum link_event kernel_link_event(struct genl *g, int i)
{
	(void)g, (void)i;
	return k.next_event < k.nevents ? k.events[k.next_event++] : LINK_QUIET;
}
bool kernel_disconnect_asked(void)
{
	sigset_t set;
	return sigpending(&set) == 0 && sigismember(&set, SIGUSR2);
}

static void check(const char *name, int cond)
{
	printf("%s %s\n", cond ? "ok  " : "FAIL", name);
	cond ? passed++ : failed++;
}

static void test_build_parse(void)
{
	static struct genl_msg m;
	struct genl g = { .family = 0x20 };
	genl_msg_init(&m, &g, 1);
	genl_put_u32(&m, 1, 7);
	genl_put_u64(&m, 2, 0x1122334455667788ULL);
	genl_put_str(&m, 10, "h:1/e");          /* 6 bytes: padded to 8 */
	genl_nest_begin(&m, 7);
	genl_nest_begin(&m, 1);
	genl_put_u32(&m, 1, 42);
	genl_nest_end(&m);
	genl_nest_end(&m);
	check("builder: no overflow", !m.overflow);
	check("builder: every attribute 4-aligned", m.len % 4 == 0);
	struct genl_attrs a, item, sock;
	genl_parse(m.buf + 20, m.len - 20, &a);
	check("parse: u32", genl_u32(&a, 1) == 7);
	check("parse: u64", genl_u64(&a, 2) == 0x1122334455667788ULL);
	check("parse: string with its NUL", a.len[10] == 6 && !memcmp(a.data[10], "h:1/e", 6));
	check("parse: nest length covers its children", a.len[7] == 12);
	genl_parse(a.data[7], a.len[7], &item);
	genl_parse(item.data[1], item.len[1], &sock);
	check("parse: nested value", genl_u32(&sock, 1) == 42);
}

static void test_overflow(void)
{
	static struct genl_msg m;
	static char big[GENL_MSG_MAX];
	struct genl g = { .family = 0x20 };
	genl_msg_init(&m, &g, 1);
	memset(big, 'x', sizeof big - 1);
	genl_put_str(&m, 10, big);
	check("builder: an attribute larger than the buffer is refused", m.overflow);
	check("builder: genl_call will not send it",
	      genl_call(&g, &m, NULL, NULL) < 0);
}

static void test_hostile(void)
{
	struct genl_attrs a;
	/* length 200 in a 12-byte buffer; then a length below the header */
	const unsigned char over[12] = { 200, 0, 1, 0, 1, 2, 3, 4 };
	const unsigned char under[8] = { 2, 0, 1, 0 };
	const unsigned char type_max[8] = { 8, 0, 0xff, 0x3f, 9, 9, 9, 9 };
	genl_parse(over, sizeof over, &a);
	check("parse: attribute longer than the message ignored", !a.data[1]);
	genl_parse(under, sizeof under, &a);
	check("parse: attribute shorter than its header ignored", !a.data[1]);
	genl_parse(type_max, sizeof type_max, &a);
	check("parse: unknown high type skipped", !a.data[GENL_ATTR_MAX]);
	const unsigned char short_u64[8] = { 8, 0, 2, 0, 1, 2, 3, 4 };
	genl_parse(short_u64, sizeof short_u64, &a);
	check("parse: a u64 read from 4 bytes gives 0", genl_u64(&a, 2) == 0);
}

static void test_backoff(void)
{
	uint32_t rng = 12345;
	int in_range = 1, grows = 1, varies = 0;
	unsigned last = 0;
	for (unsigned n = 1; n <= 12; n++) {
		unsigned full = 250U << (n - 1 > 4 ? 4 : n - 1);
		if (full > 4000)
			full = 4000;
		unsigned d = backoff_ms(n, 4000, &rng);
		if (d < full / 2 || d > full)
			in_range = 0;
		if (n > 1 && n <= 5 && d < last / 2)
			grows = 0;
		if (d != full)
			varies = 1;
		last = d;
	}
	check("backoff: within [d/2, d] of 250 ms doubling, capped at 4 s", in_range);
	check("backoff: grows", grows);
	check("backoff: jittered", varies);
	check("backoff: huge attempt counts stay at the cap",
	      backoff_ms(100000, 4000, &rng) <= 4000);
}

/* The largest NBD_CMD_CONNECT: every attribute kernel_netlink.c sends, 16
 * sockets and the longest backend identifier (with a 4096-byte export name
 * it once overflowed the request; it is now abbreviated to fit, as the
 * kernel's sysfs page needs). */
static void test_largest_connect(void)
{
	static struct genl_msg m;
	static char backend[NBDC_BACKEND_MAX];
	struct genl g = { .family = 0x20 };
	memset(backend, 'n', sizeof backend - 1);
	genl_msg_init(&m, &g, 1);
	genl_put_u32(&m, 1, 0);
	for (uint16_t t = 2; t <= 8; t++)
		genl_put_u64(&m, t, ~0ULL);
	genl_put_str(&m, 10, backend);
	genl_nest_begin(&m, 7);
	for (int i = 0; i < NBDC_MAX_CONNS; i++) {
		genl_nest_begin(&m, 1);
		genl_put_u32(&m, 1, 1000);
		genl_nest_end(&m);
	}
	genl_nest_end(&m);
	check("the largest CONNECT (16 sockets, longest backend id) fits", !m.overflow);
	static char name[4200], a[NBDC_BACKEND_MAX], b[NBDC_BACKEND_MAX];
	memset(name, 'n', 4100);
	size_t la = text_abbrev(a, sizeof a, name);
	name[4099] = 'm'; /* differs only at the end */
	text_abbrev(b, sizeof b, name);
	check("a long backend id is abbreviated to fit", la == sizeof a - 1 && strlen(a) == la);
	check("two long ids that differ at the end still differ", strcmp(a, b) != 0);
	check("the abbreviation keeps the start and a hash", !strncmp(a, "nnnn", 4) && a[la - 17] == '~');
	check("a short id is kept whole", text_abbrev(a, sizeof a, "10.0.2.2:10809/root") == 19 &&
	      !strcmp(a, "10.0.2.2:10809/root"));
}

/* In an outage during which `nbdc -d` comes: the server stays away. */
static bool outage_then_d;

/* A reconnect that always works: a fresh healthy socket. */
static int fake_reconnect(void *ctx, int slot, int64_t deadline, int *ksock)
{
	int sv[2];
	(void)ctx, (void)slot, (void)deadline;
	k.reconnects++;
	if (outage_then_d) {
		kill(getpid(), SIGUSR2); /* what `nbdc -d` sends */
		return EXIT_CONNECT;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return EXIT_SYSTEM;
	*ksock = sv[0]; /* sv[1] stays open: the "server" end */
	return EXIT_OK;
}

/* Run the supervisor over one slot for 'ms' with the scripted events;
 * 'shut': the kernel has shut the slot's socket (POLLHUP on ours). */
static int run_supervisor(int ms, bool shut, const enum link_event *ev, int nev,
			  int status)
{
	static struct supervisor s;
	int sv[2], evp[2];
	memset(&k, 0, sizeof k);
	k.alive_until = now_ms() + ms;
	if (nev)
		memcpy(k.events, ev, sizeof(enum link_event) * (size_t)nev);
	k.nevents = nev;
	k.status = status;
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (shut)
		shutdown(sv[0], SHUT_RDWR);
	pipe(evp);
	if (write(evp[1], "e", 1) != 1) /* the event socket reads as ready */
		return -1;
	s = (struct supervisor){ .index = 3, .dev = "/dev/nbd3", .what = "srv",
		.backend = "b", .nslots = 1, .slot = { sv[0] }, .persist = true,
		.budget = 3, .max_delay_ms = 100, .connect_timeout = 1,
		.reconnect = fake_reconnect, .ev = { .fd = nev ? evp[0] : -1 } };
	int code = supervise(&s);
	close(sv[1]);
	close(evp[0]);
	close(evp[1]);
	return code;
}

static void test_supervisor(void)
{
	static const enum link_event lost[] = { LINK_LOST }, dead[] = { LINK_DEAD };
	int code = run_supervisor(2500, false, lost, 1, 1);
	check("events lost (ENOBUFS), socket healthy: no reconnect", code == 0 &&
	      k.reconnects == 0 && k.reconfigures == 0 && k.disconnects == 0);
	code = run_supervisor(2500, true, lost, 1, 1);
	check("events lost, the kernel shut the socket: that slot reconnected",
	      code == 0 && k.reconnects == 1 && k.reconfigures == 1);
	code = run_supervisor(2500, false, dead, 1, 1);
	check("LINK_DEAD but the socket is healthy: no guess, no reconnect",
	      code == 0 && k.reconnects == 0);
	code = run_supervisor(2500, true, dead, 1, 1);
	check("LINK_DEAD and the socket shut: reconnected",
	      code == 0 && k.reconnects == 1 && k.reconfigures == 1);
	code = run_supervisor(6000, true, NULL, 0, 1);
	check("shut with no event (or no event socket), the kernel says "
	      "connected: a link died, reconnected", code == 0 && k.reconnects == 1);
	code = run_supervisor(6000, true, NULL, 0, 0);
	check("shut with no event, the kernel says not connected: leave quietly",
	      code == 0 && k.reconnects == 0 && k.disconnects == 0);
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	kill(getpid(), SIGUSR2); /* what `nbdc -d` sends */
	code = run_supervisor(2500, true, dead, 1, 1);
	check("`nbdc -d` said so: the shut socket is not revived",
	      code == 0 && k.reconnects == 0 && k.reconfigures == 0);
	int sig;
	sigwait(&usr2, &sig);
	/* -d during an outage: the reconnect loop stops, and so does the
	 * supervisor (it once went on watching a device it had let go). */
	outage_then_d = true;
	int64_t t0 = now_ms();
	code = run_supervisor(6000, true, dead, 1, 1);
	int64_t took = now_ms() - t0;
	outage_then_d = false;
	check("`nbdc -d` during an outage: no RECONFIGURE, and the supervisor "
	      "leaves at once", code == 0 && k.reconfigures == 0 && took < 3000);
	sigwait(&usr2, &sig);
}

/* A process that stays dies of no signal it did not mean to take: a write
 * to a pipe nobody reads (the holder's start-up pipe, a stderr pipe under
 * -n) fails with EPIPE instead of killing it with SIGPIPE. */
static void test_sigpipe(void)
{
	int p[2], saved = dup(2);
	protect_signals();
	pipe(p);
	close(p[0]);
	errno = 0;
	ssize_t w = write(p[1], "x", 1);
	check("after protect_signals, a write to a reader-less pipe is EPIPE",
	      w < 0 && errno == EPIPE);
	dup2(p[1], 2);
	msg("a message to a stderr pipe nobody reads");
	dup2(saved, 2);
	close(saved);
	close(p[1]);
	check("... and a message to such a stderr: still alive", 1);
}

int main(void)
{
	test_sigpipe();
	test_supervisor();
	test_largest_connect();
	test_build_parse();
	test_overflow();
	test_hostile();
	test_backoff();
	printf("genl: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
