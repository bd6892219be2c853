/*
 * resolve.c - see resolve.h.  The order of the sources is the one libc
 * follows: an IP literal, /etc/hosts, then DNS with the search list of
 * /etc/resolv.conf (a name with fewer dots than ndots is tried with each
 * search domain first, as musl does).  Every DNS wait is a poll() bounded
 * by the caller's deadline; questions are sent again each second.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fmt.h"
#include "resolve.h"
#include "status.h"
#include "text.h"

#define MAX_NS      3
#define MAX_SEARCH  6
#define LINE_MAX_   1024
#define DNS_MAX     1232 /* a UDP answer we read (EDNS's safe size) */
#define RESEND_MS   1000
#define T_A         1
#define T_AAAA      28

struct conf {
	int nns;
	struct sockaddr_storage ns[MAX_NS];
	socklen_t nslen[MAX_NS];
	int nsearch;
	char search[MAX_SEARCH][HOST_NAME_MAX_LEN + 1];
	int ndots;
};

/* ---- addresses ----------------------------------------------------------- */

static void add_addr(struct resolved *out, int family, const void *a,
		     uint16_t port, uint32_t scope)
{
	int max = (int)(sizeof out->addr / sizeof out->addr[0]);
	if (out->n >= max)
		return;
	struct sockaddr_storage *ss = &out->addr[out->n];
	memset(ss, 0, sizeof *ss);
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a, 4);
		out->len[out->n] = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_scope_id = scope;
		memcpy(&s6->sin6_addr, a, 16);
		out->len[out->n] = sizeof *s6;
	}
	for (int i = 0; i < out->n; i++) /* the same address twice: once */
		if (out->len[i] == out->len[out->n] &&
		    !memcmp(&out->addr[i], ss, out->len[i]))
			return;
	out->n++;
}


/* An interface's index by name (a zone, "fe80::1%eth0"), 0 if none: as
 * if_nametoindex(), without the strncpy it brings along. */
static unsigned if_index(const char *name)
{
	struct ifreq r = { 0 };
	size_t n = strlen(name);
	int fd = n < sizeof r.ifr_name ? socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) : -1;
	if (fd < 0)
		return 0;
	memcpy(r.ifr_name, name, n);
	int ok = ioctl(fd, SIOCGIFINDEX, &r);
	close(fd);
	return ok < 0 ? 0 : (unsigned)r.ifr_ifindex;
}
/* An IPv4 or IPv6 literal (IPv6 with an optional %zone); false if not. */
static bool literal(const char *host, uint16_t port, struct resolved *out)
{
	uint8_t a[16];
	char h[HOST_NAME_MAX_LEN + 1];
	size_t n = strcspn(host, "%");
	if (n >= sizeof h)
		return false;
	memcpy(h, host, n);
	h[n] = 0;
	int k = text_ip(h, a);
	if (k == 4 && !host[n]) {
		add_addr(out, AF_INET, a, port, 0);
		return true;
	}
	if (k != 16)
		return false;
	uint32_t scope = 0;
	if (host[n]) {
		const char *z = host + n + 1;
		uint64_t id;
		scope = text_u64(z, 10, UINT32_MAX, &id, NULL) ? (uint32_t)id
							       : if_index(z);
		if (!scope)
			return false;
	}
	add_addr(out, AF_INET6, a, port, scope);
	return true;
}

/* Has the machine a route to 'ss' now?  (connect() on UDP sends nothing.) */
static bool routable(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && connect(fd, (const struct sockaddr *)ss, len) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Routable IPv6, routable IPv4, then the rest: a stable reordering. */
static void order(struct resolved *r)
{
	struct resolved o = { 0 };
	bool route[8];
	for (int i = 0; i < r->n; i++)
		route[i] = routable(&r->addr[i], r->len[i]);
	for (int pass = 0; pass < 3; pass++)
		for (int i = 0; i < r->n; i++) {
			bool v6 = r->addr[i].ss_family == AF_INET6;
			if ((pass == 0 && route[i] && v6) ||
			    (pass == 1 && route[i] && !v6) ||
			    (pass == 2 && !route[i])) {
				o.addr[o.n] = r->addr[i];
				o.len[o.n++] = r->len[i];
			}
		}
	*r = o;
}

/* IPv6 as RFC 5952 writes it: lower-case hex, the longest run of two or
 * more zero groups (the first of equals) as "::", ::ffff:a.b.c.d for a
 * mapped IPv4 address. */
static void ntop6(const uint8_t *a, char *buf, size_t size)
{
	uint16_t g[8];
	int best = -1, blen = 1, o = 0;
	for (size_t i = 0; i < 8; i++)
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	for (int i = 0; i < 8; i++) {
		int n = 0;
		while (i + n < 8 && !g[i + n])
			n++;
		if (n > blen)
			best = i, blen = n;
		i += n;
	}
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (!memcmp(a, mapped, 12)) {
		fmt_snprintf(buf, size, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
		return;
	}
	buf[0] = 0;
	for (int i = 0; i < 8 && o >= 0 && (size_t)o < size; i++) {
		if (i == best) {
			o += fmt_snprintf(buf + o, size - (size_t)o, "::");
			i += blen - 1;
			continue;
		}
		o += fmt_snprintf(buf + o, size - (size_t)o, "%s%x",
				  i && i != best + blen ? ":" : "", g[i]);
	}
}

void resolve_ntop(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	if (ss->ss_family == AF_INET6) {
		ntop6(((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr, buf, size);
	} else {
		const uint8_t *a = (const uint8_t *)
			&((const struct sockaddr_in *)ss)->sin_addr;
		fmt_snprintf(buf, size, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	}
}

/* ---- files --------------------------------------------------------------- */

typedef void line_fn(void *ctx, char *line);

/* Each line of 'path' (comments cut) to 'fn'; a line longer than
 * LINE_MAX_ is skipped whole.  False when the file cannot be read. */
static bool each_line(const char *path, line_fn *fn, void *ctx)
{
	char buf[LINE_MAX_ + 1];
	size_t have = 0;
	bool skipping = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 && !have)
			break;
		have += r > 0 ? (size_t)r : 0;
		char *nl = memchr(buf, '\n', have);
		if (!nl && r > 0 && have < sizeof buf - 1)
			continue;
		size_t len = nl ? (size_t)(nl - buf) : have;
		if (!nl && have == sizeof buf - 1) {
			skipping = true; /* too long: drop it up to its end */
			have = 0;
			continue;
		}
		buf[len] = 0;
		buf[strcspn(buf, "#")] = 0;
		if (!skipping)
			fn(ctx, buf);
		skipping = false;
		size_t used = nl ? len + 1 : have;
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	close(fd);
	return true;
}

struct hosts_ask {
	const char *host;
	uint16_t port;
	struct resolved *out;
};

/* "ADDRESS NAME [ALIAS...]": our name (any case) adds ADDRESS. */
static void hosts_line(void *ctx, char *line)
{
	struct hosts_ask *h = ctx;
	char *save, *addr = strtok_r(line, " \t\r", &save);
	for (char *t = strtok_r(NULL, " \t\r", &save); addr && t;
	     t = strtok_r(NULL, " \t\r", &save))
		if (!strcasecmp(t, h->host)) {
			literal(addr, h->port, h->out);
			return;
		}
}

static void conf_line(void *ctx, char *line)
{
	struct conf *c = ctx;
	char *save, *key = strtok_r(line, " \t\r", &save), *v;
	uint64_t n;
	if (!key)
		return;
	if (!strcmp(key, "nameserver") && (v = strtok_r(NULL, " \t\r", &save)) &&
	    c->nns < MAX_NS) {
		struct resolved r = { 0 };
		if (literal(v, 53, &r)) {
			c->ns[c->nns] = r.addr[0];
			c->nslen[c->nns++] = r.len[0];
		}
	} else if (!strcmp(key, "search") || !strcmp(key, "domain")) {
		c->nsearch = 0; /* the last such line wins */
		while ((v = strtok_r(NULL, " \t\r", &save)) && c->nsearch < MAX_SEARCH)
			if (strlen(v) <= HOST_NAME_MAX_LEN)
				memcpy(c->search[c->nsearch++], v, strlen(v) + 1);
	} else if (!strcmp(key, "options")) {
		while ((v = strtok_r(NULL, " \t\r", &save)))
			if (!strncmp(v, "ndots:", 6) &&
			    text_u64(v + 6, 10, UINT64_MAX, &n, NULL))
				c->ndots = n > 15 ? 15 : (int)n;
	}
}

/* ---- DNS ------------------------------------------------------------------ */

/* The question for 'name' (already checked) of type 'qtype'; its length. */
static size_t query(uint8_t *q, uint16_t id, const char *name, uint16_t qtype)
{
	static const uint8_t hdr[] = { 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	memcpy(q, hdr, sizeof hdr); /* RD; one question */
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	size_t o = sizeof hdr;
	for (const char *l = name; *l;) {
		size_t n = strcspn(l, ".");
		q[o++] = (uint8_t)n;
		memcpy(q + o, l, n);
		o += n;
		l += n + (l[n] == '.');
	}
	q[o++] = 0;
	q[o++] = 0, q[o++] = (uint8_t)qtype;
	q[o++] = 0, q[o++] = 1; /* IN */
	return o;
}

/* A name DNS can carry: labels of 1..63 bytes, 253 in all. */
static bool valid_name(const char *name)
{
	size_t len = strlen(name);
	if (!len || len > HOST_NAME_MAX_LEN || name[0] == '.')
		return false;
	for (const char *l = name; *l;) {
		size_t n = strcspn(l, ".");
		if (n == 0 || n > 63)
			return false;
		l += n + (l[n] == '.');
	}
	return true;
}

/* Skip a (possibly compressed) name at p[*o]; false if it overruns. */
static bool skip_name(const uint8_t *p, size_t len, size_t *o)
{
	while (*o < len) {
		uint8_t c = p[*o];
		if (c == 0) {
			++*o;
			return true;
		}
		if ((c & 0xc0) == 0xc0) {
			*o += 2;
			return *o <= len;
		}
		if (c & 0xc0)
			return false;
		*o += 1 + (size_t)c;
	}
	return false;
}

int resolve_parse_reply(const uint8_t *p, size_t len, uint16_t id,
			uint16_t qtype, uint16_t port, struct resolved *out)
{
	if (len < 12 || (uint16_t)(p[0] << 8 | p[1]) != id || !(p[2] & 0x80))
		return -1;
	unsigned qd = (unsigned)(p[4] << 8 | p[5]), an = (unsigned)(p[6] << 8 | p[7]);
	int rcode = p[3] & 15;
	size_t o = 12;
	for (unsigned i = 0; i < qd; i++) {
		if (!skip_name(p, len, &o) || len - o < 4)
			return -1;
		o += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		if (!skip_name(p, len, &o) || len - o < 10)
			return rcode;
		uint16_t type = (uint16_t)(p[o] << 8 | p[o + 1]);
		uint16_t cls = (uint16_t)(p[o + 2] << 8 | p[o + 3]);
		size_t rdlen = (size_t)(p[o + 8] << 8 | p[o + 9]);
		o += 10;
		if (rdlen > len - o)
			return rcode;
		if (cls == 1 && type == qtype && type == T_A && rdlen == 4)
			add_addr(out, AF_INET, p + o, port, 0);
		else if (cls == 1 && type == qtype && type == T_AAAA && rdlen == 16)
			add_addr(out, AF_INET6, p + o, port, 0);
		o += rdlen;
	}
	return rcode;
}

struct ask {
	const struct conf *c;
	int fd[2];             /* AF_INET, AF_INET6 sockets */
	uint16_t id[2];        /* A, AAAA */
	uint8_t q[2][HOST_NAME_MAX_LEN + 2 + 16];
	size_t qlen[2];
	bool done[2];
	int nxdomain;
};

static void send_all(struct ask *a)
{
	for (int i = 0; i < a->c->nns; i++) {
		const struct sockaddr_storage *ns = &a->c->ns[i];
		int fd = a->fd[ns->ss_family == AF_INET6];
		for (int t = 0; t < 2 && fd >= 0; t++)
			if (!a->done[t])
				sendto(fd, a->q[t], a->qlen[t], MSG_NOSIGNAL,
				       (const struct sockaddr *)ns, a->c->nslen[i]);
	}
}

/* Is 'from' one of the name servers we asked? */
static bool from_ns(const struct conf *c, const struct sockaddr_storage *from,
		    socklen_t len)
{
	for (int i = 0; i < c->nns; i++)
		if (c->nslen[i] == len && !memcmp(&c->ns[i], from, len))
			return true;
	return false;
}

/* Take one datagram from 'fd'; mark the question it answers done. */
static void take_reply(struct ask *a, int fd, uint16_t port, struct resolved *out)
{
	uint8_t p[DNS_MAX];
	struct sockaddr_storage from;
	socklen_t fl = sizeof from;
	ssize_t n = recvfrom(fd, p, sizeof p, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
	if (n < 0 || !from_ns(a->c, &from, fl))
		return;
	for (int t = 0; t < 2; t++) {
		if (a->done[t])
			continue;
		int rc = resolve_parse_reply(p, (size_t)n, a->id[t],
					     t ? T_AAAA : T_A, port, out);
		if (rc == 0 || rc == 3) { /* an answer, or no such name */
			a->done[t] = true;
			a->nxdomain += rc == 3;
		} /* SERVFAIL, REFUSED...: another server may answer */
	}
}

/* Ask every name server for A and AAAA of 'name' until both are answered
 * or the deadline passes. */
static enum resolve_status ask_dns(const struct conf *c, const char *name,
				   uint16_t port, int64_t deadline,
				   struct resolved *out)
{
	struct ask a = { .c = c, .fd = { -1, -1 } };
	uint16_t ids[2];
	if (getrandom(ids, sizeof ids, 0) != (ssize_t)sizeof ids)
		ids[0] = (uint16_t)now_ms(), ids[1] = (uint16_t)(ids[0] ^ 0x5a5a);
	for (int t = 0; t < 2; t++) {
		a.id[t] = ids[t];
		a.qlen[t] = query(a.q[t], ids[t], name, t ? T_AAAA : T_A);
	}
	a.fd[0] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	a.fd[1] = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int64_t resend = 0;
	while (!(a.done[0] && a.done[1]) && ms_left(deadline) > 0) {
		if (now_ms() >= resend) {
			send_all(&a);
			resend = now_ms() + RESEND_MS;
		}
		struct pollfd p[2] = { { a.fd[0], POLLIN, 0 }, { a.fd[1], POLLIN, 0 } };
		int wait = ms_left(deadline);
		if (wait > (int)(resend - now_ms()))
			wait = (int)(resend - now_ms());
		if (poll(p, 2, wait < 0 ? 0 : wait) <= 0)
			continue;
		for (int i = 0; i < 2; i++)
			if (p[i].revents & POLLIN)
				take_reply(&a, a.fd[i], port, out);
	}
	for (int i = 0; i < 2; i++)
		if (a.fd[i] >= 0)
			close(a.fd[i]);
	if (!(a.done[0] && a.done[1]) && !out->n)
		return RESOLVE_TIMEOUT;
	return out->n ? RESOLVE_OK : RESOLVE_NOTFOUND;
}

/* "10.0.2.3, 10.0.2.4" */
static void ns_list(const struct conf *c, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = 0;
	for (int i = 0; i < c->nns && o < size; i++) {
		char a[INET6_ADDRSTRLEN];
		resolve_ntop(&c->ns[i], a, sizeof a);
		int w = fmt_snprintf(buf + o, size - o, "%s%s", o ? ", " : "", a);
		o += w > 0 ? (size_t)w : 0;
	}
}

/* The names to ask for, in order: 'host' with each search domain first
 * when it has fewer than ndots dots, then 'host' itself. */
static enum resolve_status ask_search(const struct conf *c, const char *host,
				      uint16_t port, int64_t deadline,
				      struct resolved *out)
{
	int dots = 0;
	size_t hl = strlen(host);
	for (const char *p = host; *p; p++)
		dots += *p == '.';
	bool search = host[hl - 1] != '.' && dots < c->ndots;
	enum resolve_status st = RESOLVE_NOTFOUND;
	for (int i = 0; i <= (search ? c->nsearch : 0); i++) {
		char name[2 * HOST_NAME_MAX_LEN + 2];
		if (search && i < c->nsearch)
			fmt_snprintf(name, sizeof name, "%s.%s", host, c->search[i]);
		else
			fmt_snprintf(name, sizeof name, "%s", host);
		if (name[strlen(name) - 1] == '.')
			name[strlen(name) - 1] = 0;
		if (!valid_name(name))
			continue;
		st = ask_dns(c, name, port, deadline, out);
		if (st != RESOLVE_NOTFOUND)
			return st;
	}
	return st;
}

enum resolve_status resolve_host(const char *host, uint16_t port,
				 int64_t deadline, struct resolved *out,
				 char *why, size_t whylen)
{
	struct conf c = { .ndots = 1 };
	out->n = 0;
	if (literal(host, port, out))
		return RESOLVE_OK;
	if (!valid_name(host)) {
		fmt_snprintf(why, whylen, "not an IP address, and not a valid host name");
		return RESOLVE_BADNAME;
	}
	struct hosts_ask h = { host, port, out };
	each_line(HOSTS_FILE, hosts_line, &h);
	if (!out->n && !strcasecmp(host, "localhost")) { /* no /etc/hosts */
		static const uint8_t lo4[4] = { 127, 0, 0, 1 };
		add_addr(out, AF_INET, lo4, port, 0);
		add_addr(out, AF_INET6, &in6addr_loopback, port, 0);
	}
	if (out->n) {
		order(out);
		return RESOLVE_OK;
	}
	each_line(RESOLV_CONF, conf_line, &c);
	if (!c.nns) { /* as libc does: the local host serves DNS */
		struct resolved r = { 0 };
		literal("127.0.0.1", 53, &r);
		c.ns[0] = r.addr[0];
		c.nslen[c.nns++] = r.len[0];
	}
	enum resolve_status st = ask_search(&c, host, port, deadline, out);
	if (st == RESOLVE_OK) {
		order(out);
		return st;
	}
	char servers[3 * (INET6_ADDRSTRLEN + 2)];
	ns_list(&c, servers, sizeof servers);
	if (st == RESOLVE_TIMEOUT)
		fmt_snprintf(why, whylen, "no answer from the name server%s %s in time "
			 "(see --connect-timeout)", c.nns > 1 ? "s" : "", servers);
	else
		fmt_snprintf(why, whylen, "no such host: not in %s, and name server%s "
			 "%s know%s no address for it", HOSTS_FILE,
			 c.nns > 1 ? "s" : "", servers, c.nns > 1 ? "" : "s");
	return st;
}
