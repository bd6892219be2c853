/*
 * test_resolve.c - the resolver's pure parts: DNS replies (A, AAAA, CNAME
 * chains, NXDOMAIN, wrong id, truncated records) and addresses as text
 * (RFC 5952 for IPv6).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "resolve.h"

static int passed, failed;

static void check(const char *name, int cond)
{
	printf("%s %s\n", cond ? "ok  " : "FAIL", name);
	cond ? passed++ : failed++;
}

static const char *ntop(const char *in)
{
	static char out[64];
	struct sockaddr_storage ss = { 0 };
	if (strchr(in, ':')) {
		ss.ss_family = AF_INET6;
		inet_pton(AF_INET6, in, &((struct sockaddr_in6 *)&ss)->sin6_addr);
	} else {
		ss.ss_family = AF_INET;
		inet_pton(AF_INET, in, &((struct sockaddr_in *)&ss)->sin_addr);
	}
	resolve_ntop(&ss, out, sizeof out);
	return out;
}

/* A reply for nbd.test to query 0x1234 with the answers given. */
static size_t reply(uint8_t *p, int rcode, const uint8_t *ans, size_t alen, int an)
{
	static const uint8_t q[] = { 3, 'n', 'b', 'd', 4, 't', 'e', 's', 't', 0 };
	uint8_t h[12] = { 0x12, 0x34, 0x81, (uint8_t)(0x80 | rcode), 0, 1, 0, (uint8_t)an };
	memcpy(p, h, 12);
	memcpy(p + 12, q, sizeof q);
	static const uint8_t qtype_class[4] = { 0, 1, 0, 1 }; /* A, IN */
	memcpy(p + 12 + sizeof q, qtype_class, sizeof qtype_class);
	if (alen)
		memcpy(p + 16 + sizeof q, ans, alen);
	return 16 + sizeof q + alen;
}

int main(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "10.0.2.2", "10.0.2.2" }, { "::1", "::1" }, { "::", "::" },
		{ "fd00::2", "fd00::2" }, { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
		{ "2001:db8::", "2001:db8::" }, { "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
		{ "::ffff:10.0.2.2", "::ffff:10.0.2.2" }, { "fe80::a:b:c:d", "fe80::a:b:c:d" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[80];
		snprintf(name, sizeof name, "address text: %s", cases[i].in);
		check(name, !strcmp(ntop(cases[i].in), cases[i].out));
	}
	uint8_t p[512];
	struct resolved r = { 0 };
	static const uint8_t a[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 2, 2 };
	static const uint8_t cname_a[] = { 0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 60, 0, 4, 1, 'x', 0xc0, 0x10,
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 2, 3 };
	size_t n = reply(p, 0, a, sizeof a, 1);
	check("A: parsed", resolve_parse_reply(p, n, 0x1234, 1, 10809, &r) == 0 && r.n == 1);
	check("A: address and port", ((struct sockaddr_in *)&r.addr[0])->sin_port == htons(10809) &&
	      !strcmp(ntop("10.0.2.2"), "10.0.2.2"));
	r.n = 0;
	check("A asked, AAAA wanted: no address", resolve_parse_reply(p, n, 0x1234, 28, 1, &r) == 0 && r.n == 0);
	check("another query id: not ours", resolve_parse_reply(p, n, 0x4321, 1, 1, &r) == -1);
	n = reply(p, 0, cname_a, sizeof cname_a, 2);
	check("CNAME then A: the A taken", resolve_parse_reply(p, n, 0x1234, 1, 1, &r) == 0 && r.n == 1);
	r.n = 0;
	n = reply(p, 3, NULL, 0, 0);
	check("NXDOMAIN: rcode 3", resolve_parse_reply(p, n, 0x1234, 1, 1, &r) == 3 && r.n == 0);
	n = reply(p, 0, a, sizeof a, 1);
	check("an answer cut short: no address", resolve_parse_reply(p, n - 2, 0x1234, 1, 1, &r) == 0 && r.n == 0);
	p[2] &= 0x7f;
	check("a query, not a reply: not ours", resolve_parse_reply(p, n, 0x1234, 1, 1, &r) == -1);
	printf("resolve: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
