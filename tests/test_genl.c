/*
 * test_genl.c - the generic netlink message builder and attribute parser
 * (genl.c), and the supervisor's backoff (supervise.c), without a kernel:
 * nest lengths, alignment, a full buffer refused, truncated and oversized
 * attributes ignored, and backoff bounds with jitter.
 */
#include <stdio.h>
#include <string.h>

#include "genl.h"
#include "supervise.h"
#include "text.h"

static int passed, failed;

/* supervise.c's kernel calls, never reached by backoff_ms. */
int kernel_pid_open(const char *dev) { (void)dev; return -1; }
pid_t kernel_pid_read(int fd) { (void)fd; return 0; }
int kernel_reconfigure(int i, const int *s, int n, const char *b)
{ (void)i; (void)s; (void)n; (void)b; return -1; }
int kernel_disconnect_netlink(int i) { (void)i; return -1; }
int kernel_events_open(struct genl *g) { (void)g; return -1; }
bool kernel_link_dead(struct genl *g, int i) { (void)g; (void)i; return false; }

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

int main(void)
{
	test_largest_connect();
	test_build_parse();
	test_overflow();
	test_hostile();
	test_backoff();
	printf("genl: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
