/* uri.c - see uri.h. */
#include <string.h>

#include "fmt.h"
#include "text.h"
#include "uri.h"

static bool letter_or_digit(int c)
{
	return (unsigned)((c | 32) - 'a') < 26 || (unsigned)(c - '0') < 10;
}

/* A byte a URI part may hold as it is: RFC 3986's unreserved and
 * sub-delims, ':' and '@', and the part's own 'more' ('/' in a path). */
static bool plain(int c, const char *more)
{
	return letter_or_digit(c) ||
	       (c && (strchr("-._~!$&'()*+,;=:@", c) || strchr(more, c)));
}

/* Walk part 'p', checking it and, with 'out', decoding it into out[size].
 * The decoded length; -1 at a byte that must be escaped, a bad escape or
 * %00 (no part may hold a NUL); -2 when it does not fit. */
static long walk(struct uri_part p, const char *more, char *out, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < p.n; i++, n++) {
		int c = (unsigned char)p.p[i];
		if (c == '%') {
			int hi = i + 2 < p.n ? text_hexval(p.p[i + 1]) : -1;
			int lo = hi < 0 ? -1 : text_hexval(p.p[i + 2]);
			if (lo < 0 || !(c = hi << 4 | lo))
				return -1;
			i += 2;
		} else if (!plain(c, more)) {
			return -1;
		}
		if (out && n + 1 >= size)
			return -2;
		if (out)
			out[n] = (char)c;
	}
	if (out)
		out[n] = 0;
	return (long)n;
}

bool uri_decode(struct uri_part p, char *out, size_t size)
{
	return size && walk(p, "/?", out, size) >= 0;
}

/* (p was checked by uri_parse: every '%' has its two digits) */
bool uri_part_is(struct uri_part p, const char *s)
{
	char one[2];
	for (size_t i = 0; i < p.n; i++, s++) {
		struct uri_part c = { p.p + i, p.p[i] == '%' ? 3 : 1 };
		if (!uri_decode(c, one, sizeof one) || one[0] != *s)
			return false;
		i += c.n - 1;
	}
	return !*s;
}

/* Length of "SCHEME" when 's' starts with "SCHEME://", else 0. */
static size_t scheme_len(const char *s)
{
	size_t n = 0;
	while (letter_or_digit(s[n]) || (n && s[n] && strchr("+-.", s[n])))
		n++;
	return n && (unsigned)((s[0] | 32) - 'a') < 26 && !strncmp(s + n, "://", 3)
	       ? n : 0;
}

bool uri_is(const char *s)
{
	return scheme_len(s) > 0;
}

/* The sentence for a bad URI: what is wrong, and in which part (URI and
 * part shown up to 200 bytes each: 'err' of 600 always holds it). */
static int fail(char *err, size_t errlen, const char *s, const char *what,
		struct uri_part p)
{
	fmt_snprintf(err, errlen, "URI '%.200s': %s%s%.*s%s", s, what, p.n ? ": '" : "",
		     p.n > 200 ? 200 : (int)p.n, p.p ? p.p : "", p.n ? "'" : "");
	return -1;
}

static struct uri_part part(const char *p, size_t n)
{
	return (struct uri_part){ p, n };
}

/* The authority "HOST[:PORT]" or "[IPV6][:PORT]" (none for a Unix
 * socket); the error text, or NULL. */
static const char *take_authority(struct nbd_uri *u, struct uri_part a)
{
	const char *end = a.p + a.n, *h = a.p + (*a.p == '['), *rest;
	if (memchr(a.p, '@', a.n))
		return "a user name (user@) is for TLS-PSK, which nbdc lacks";
	if (u->unix_socket)
		return a.n ? "a Unix socket URI has no host" : NULL;
	rest = memchr(a.p, *a.p == '[' ? ']' : ':', a.n);
	rest = rest ? rest : end;
	u->host = part(h, (size_t)(rest - h));
	if (*a.p == '[' && (rest == end || !memchr(h, ':', u->host.n)))
		return "brackets hold an IPv6 address";
	rest += *a.p == '[';
	if (!u->host.n || walk(u->host, "", NULL, 0) < 0 ||
	    (*a.p != '[' && rest < end && memchr(rest + 1, ':', (size_t)(end - rest - 1))))
		return "expected HOST[:PORT] or [IPV6][:PORT]";
	uint64_t v;
	const char *stop = end;
	u->port = rest < end ? part(rest + 1, (size_t)(end - rest - 1)) : part(NULL, 0);
	if ((rest < end && *rest != ':') ||
	    (u->port.n && (!text_u64(u->port.p, 10, 65535, &v, &stop) || !v)) || stop != end)
		return "the port must be 1 to 65535";
	return NULL;
}

/* One query item "KEY=VALUE"; the error text, or NULL. */
static const char *take_query(struct nbd_uri *u, struct uri_part q)
{
	static const char keys[][16] = { "socket", "tls-hostname", "tls-verify-peer" };
	const char *eq = memchr(q.p, '=', q.n);
	struct uri_part v = eq ? part(eq + 1, (size_t)(q.p + q.n - eq - 1)) : part(NULL, 0);
	struct uri_part *const dst[] = { &u->socket, &u->tls_hostname };
	size_t k = 0, kn = eq ? (size_t)(eq - q.p) : q.n;
	while (k < 3 && (strlen(keys[k]) != kn || strncmp(keys[k], q.p, kn) != 0))
		k++;
	if (k == 3)
		return "unknown query (nbdc knows socket=, tls-hostname=, "
		       "tls-verify-peer=1)";
	if (!v.n || walk(v, "/?", NULL, 0) < 0)
		return "an empty or malformed value";
	if (k == 2)
		return uri_part_is(v, "1") || uri_part_is(v, "true") ? NULL :
		       "nbdc always verifies the server (--cacert or --pin)";
	if (k == 0 && !u->unix_socket)
		return "socket= is for nbd+unix://";
	if (dst[k]->n)
		return "given twice";
	*dst[k] = v;
	return NULL;
}

int uri_parse(const char *s, struct nbd_uri *u, char *err, size_t errlen)
{
	static const char schemes[][10] = { "nbd", "nbds", "nbd+unix", "nbds+unix" };
	char lower[10] = "";
	size_t sl = scheme_len(s), k = 0;
	memset(u, 0, sizeof *u);
	for (size_t i = 0; i < sl && sl < sizeof lower; i++)
		lower[i] = (char)(s[i] | (s[i] >= 'A' ? 32 : 0)); /* case-blind */
	while (k < 4 && strcmp(lower, schemes[k]) != 0)
		k++;
	if (k == 4)
		return fail(err, errlen, s, "expected nbd://, nbds://, nbd+unix:// "
			    "or nbds+unix://", part(s, sl));
	u->tls = k & 1;
	u->unix_socket = k >= 2;
	const char *a = s + sl + 3, *p = a + strcspn(a, "/?#");
	const char *why = take_authority(u, part(a, (size_t)(p - a)));
	if (why)
		return fail(err, errlen, s, why, part(a, (size_t)(p - a)));
	if (*p == '/') {
		u->name = part(p + 1, strcspn(p + 1, "?#"));
		p += 1 + u->name.n;
		if (walk(u->name, "/", NULL, 0) < 0)
			return fail(err, errlen, s, "a malformed export name (a "
				    "byte not %XX, a bad %XX, %00)", u->name);
	}
	while (*p == '?' || *p == '&') {
		struct uri_part q = part(p + 1, strcspn(p + 1, "&#"));
		if ((why = take_query(u, q)))
			return fail(err, errlen, s, why, q);
		p += 1 + q.n;
	}
	if (*p) /* '#': all that is left */
		return fail(err, errlen, s, "a fragment (#...) means nothing to NBD",
			    part(p, strlen(p)));
	if (u->unix_socket && !u->socket.n)
		return fail(err, errlen, s, "no ?socket=PATH", part(NULL, 0));
	return 0;
}

/* 'text' at 'o': letters, digits, "-._~" and 'keep' as they are, every
 * other byte as %XX.  Returns the end. */
static char *escape(char *o, const char *text, const char *keep)
{
	for (; text && *text; text++) {
		unsigned char c = (unsigned char)*text;
		if (letter_or_digit(c) || strchr("-._~", c) || strchr(keep, c))
			*o++ = (char)c;
		else
			o += fmt_snprintf(o, 4, "%%%02x", c);
	}
	*o = 0;
	return o;
}

void uri_format(char *o, const struct uri_text *t)
{
	bool v6 = t->host && strchr(t->host, ':');
	o = escape(o, t->tls ? "nbds" : "nbd", "");
	o = escape(o, t->host ? v6 ? "://[" : "://" : "+unix://", ":/+[");
	o = escape(o, t->host, ":");
	o = escape(o, !t->host ? "" : v6 ? "]:" : ":", "]:");
	o = escape(o, t->host ? t->port : NULL, "");
	o = escape(o, "/", "/");
	o = escape(o, t->name, "/");
	o = escape(o, t->socket ? "?socket=" : "", "?=");
	o = escape(o, t->socket, "/");
	o = escape(o, !t->tls_hostname ? "" : t->socket ? "&tls-hostname=" :
		   "?tls-hostname=", "?&=");
	escape(o, t->tls_hostname, "");
}
