/*
 * test_uri.c - the NBD URI parser and printer (uri.c): every part of the
 * forms doc/uri.md gives, refusals with the bad part named, and a round
 * trip: any export name, host, socket and TLS name printed by uri_format()
 * parse back to exactly themselves (random bytes, many times).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uri.h"

static int passed, failed;

static void check(const char *name, int cond)
{
	printf("%s %s\n", cond ? "ok  " : "FAIL", name);
	cond ? passed++ : failed++;
}

/* Part 'p' decoded, as a string ("" when absent). */
static const char *dec(struct uri_part p)
{
	static char buf[8][5000];
	static int i;
	char *b = buf[i++ & 7];
	if (!uri_decode(p, b, sizeof buf[0]))
		snprintf(b, sizeof buf[0], "<too long>");
	return b;
}

struct good {
	const char *uri;
	int tls, unix_socket;
	const char *host, *port, *name, *socket, *tls_hostname;
};

static const struct good goods[] = {
	/* the examples of doc/uri.md */
	{ "nbd://example.com/disk", 0, 0, "example.com", "", "disk", "", "" },
	{ "nbd+unix:///disk?socket=sock", 0, 1, "", "", "disk", "sock", "" },
	{ "nbd://example.com/", 0, 0, "example.com", "", "", "", "" },
	{ "nbd://example.com", 0, 0, "example.com", "", "", "", "" },
	{ "nbd://example.com//disk", 0, 0, "example.com", "", "/disk", "", "" },
	{ "nbd://example.com/hello%20world", 0, 0, "example.com", "", "hello world", "", "" },
	{ "nbd://example.com:10809/export", 0, 0, "example.com", "10809", "export", "", "" },
	/* TLS, IPv6, zones, queries */
	{ "nbds://srv:10810/r?tls-hostname=nbd.test", 1, 0, "srv", "10810", "r", "", "nbd.test" },
	{ "NBDS+UNIX:///?socket=/run/s%20k&tls-hostname=n&tls-verify-peer=1", 1, 1, "", "", "",
	  "/run/s k", "n" },
	{ "nbd://[::1]:10811/x", 0, 0, "::1", "10811", "x", "", "" },
	{ "nbd://[fe80::1%25eth0]/x", 0, 0, "fe80::1%eth0", "", "x", "", "" },
	{ "nbd://10.0.2.2:/x", 0, 0, "10.0.2.2", "", "x", "", "" },
	{ "nbd://h/a:b@c;d=e&f?tls-hostname=h", 0, 0, "h", "", "a:b@c;d=e&f", "", "h" },
	{ "nbd://h/%c3%a9%2F%3f", 0, 0, "h", "", "\xc3\xa9/?", "", "" },
	{ "nbd://h?tls-verify-peer=true", 0, 0, "h", "", "", "", "" },
};

struct bad {
	const char *uri, *why;
};

static const struct bad bads[] = {
	{ "nbd:/x", "expected nbd://" },
	{ "ftp://h/x", "expected nbd://, nbds://, nbd+unix:// or nbds+unix://: 'ftp'" },
	{ "nbd://", "expected HOST[:PORT]" },
	{ "nbd://h:65536", "the port must be 1 to 65535: 'h:65536'" },
	{ "nbd://h:-1", "the port must be" },
	{ "nbd://fe80::1/x", "expected HOST[:PORT] or [IPV6][:PORT]: 'fe80::1'" },
	{ "nbd://[fe80::1/x", "brackets hold an IPv6 address" },
	{ "nbd://[1.2.3.4]/x", "brackets hold an IPv6 address" },
	{ "nbd://u@h/x", "TLS-PSK, which nbdc lacks: 'u@h'" },
	{ "nbd://h/%", "malformed export name" },
	{ "nbd://h/%4", "malformed export name" },
	{ "nbd://h/%g0", "malformed export name" },
	{ "nbd://h/%00", "malformed export name" },
	{ "nbd://h/\x1b[1m", "malformed export name" },
	{ "nbd://h/\xc3\xa9", "malformed export name" },
	{ "nbd://h/x?tls-verify-peer=0", "always verifies" },
	{ "nbd://h/x?tls-type=psk", "tls-verify-peer=1): 'tls-type=psk'" },
	{ "nbd://h/x?socket=s", "socket= is for nbd+unix://" },
	{ "nbd://h/x?tls-hostname", "an empty or malformed value" },
	{ "nbd://h/x?", "unknown query" },
	{ "nbd://h/x?tls-hostname=a&", "unknown query" },
	{ "nbd://h/x#f", "a fragment" },
	{ "nbd+unix:///x", "no ?socket=PATH" },
	{ "nbd+unix://h/x?socket=s", "a Unix socket URI has no host" },
	{ "nbd+unix:///x?socket=s&socket=t", "given twice" },
};

static void good_cases(void)
{
	for (size_t i = 0; i < sizeof goods / sizeof goods[0]; i++) {
		const struct good *g = &goods[i];
		struct nbd_uri u;
		char err[600], name[600];
		int r = uri_parse(g->uri, &u, err, sizeof err);
		snprintf(name, sizeof name, "%s", g->uri);
		check(name, r == 0 && u.tls == g->tls && u.unix_socket == g->unix_socket &&
		      !strcmp(dec(u.host), g->host) && !strcmp(dec(u.port), g->port) &&
		      !strcmp(dec(u.name), g->name) && !strcmp(dec(u.socket), g->socket) &&
		      !strcmp(dec(u.tls_hostname), g->tls_hostname));
		if (r)
			printf("     | %s\n", err);
	}
}

static void bad_cases(void)
{
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		struct nbd_uri u;
		char err[600], name[700];
		int r = uri_parse(bads[i].uri, &u, err, sizeof err);
		snprintf(name, sizeof name, "refused: %s (%s)", bads[i].uri, bads[i].why);
		check(name, r == -1 && strstr(err, bads[i].why));
		if (r != -1 || !strstr(err, bads[i].why))
			printf("     | %s\n", r ? err : "(accepted)");
	}
	check("uri_is: a host name, an IPv6 address and a path are no URIs",
	      !uri_is("srv") && !uri_is("fe80::1") && !uri_is("/dev/nbd0") &&
	      !uri_is("nbd:srv:root") && !uri_is("1nbd://x") && uri_is("nbd+unix://"));
	/* the message holds at most 200 bytes of URI and of part */
	char big[5000], err[600];
	struct nbd_uri u;
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	memcpy(big, "nbd://h/%zz", 11);
	check("a 5000-byte bad URI: the message fits in 600 bytes",
	      uri_parse(big, &u, err, sizeof err) == -1 && strlen(err) < 599 &&
	      strstr(err, "malformed export name"));
}

/* A fixed sequence (xorshift32): the same cases at every run. */
static unsigned rnd(void)
{
	static unsigned x = 12345;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* A random string of 'n' bytes from 'set' (or any byte but NUL). */
static void random_text(char *out, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (set)
			out[i] = set[rnd() % strlen(set)];
		else
			memset(out + i, (int)(1 + rnd() % 255), 1);
	out[n] = 0;
}

static void round_trips(void)
{
	int bad = 0;
	for (int i = 0; i < 20000 && bad < 5; i++) {
		char name[4097], host[254], sock[108], tn[254], port[12], uri[URI_TEXT_MAX];
		char err[600];
		int unix_socket = rnd() % 4 == 0, v6 = rnd() % 3 == 0;
		random_text(name, rnd() % 3 ? rnd() % 40 : rnd() % 4097, NULL);
		random_text(host, 1 + rnd() % 60,
			    v6 ? "0123456789abcdef:" : "abcdefghijklmnopqrstuvwxyz0123456789-.");
		if (v6)
			host[0] = ':'; /* an IPv6 address has a ':' */
		random_text(sock, 1 + rnd() % 106, NULL);
		random_text(tn, 1 + rnd() % 60, "abcdefghijklmnop.-");
		snprintf(port, sizeof port, "%u", 1 + rnd() % 65535);
		struct uri_text t = { rnd() % 2 != 0, unix_socket ? NULL : host, port, name,
				      unix_socket ? sock : NULL, rnd() % 2 ? tn : NULL };
		uri_format(uri, &t);
		struct nbd_uri u;
		if (uri_parse(uri, &u, err, sizeof err) != 0 || u.tls != t.tls ||
		    u.unix_socket != unix_socket || strcmp(dec(u.name), name) != 0 ||
		    (!unix_socket && (strcmp(dec(u.host), host) != 0 ||
				      strcmp(dec(u.port), port) != 0)) ||
		    (unix_socket && strcmp(dec(u.socket), sock) != 0) ||
		    strcmp(dec(u.tls_hostname), t.tls_hostname ? tn : "") != 0) {
			printf("     | round trip %d: %s\n     | %s\n", i, uri, err);
			bad++;
		}
	}
	check("20000 random exports, hosts, sockets, TLS names: printed, parsed back the same",
	      bad == 0);
}

int main(void)
{
	good_cases();
	bad_cases();
	round_trips();
	printf("uri-unit: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
