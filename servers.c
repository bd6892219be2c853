/*
 * servers.c - where the servers come from, for every source of options
 * (argv, nbdtab, the kernel command line): an NBD URI (uri.h), --failover
 * HOST[:PORT] or URI, and --spread's choice of the first.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dir.h"
#include "fmt.h"
#include "nbd_proto.h"
#include "opts.h"
#include "resolve.h"
#include "status.h"

/* What needs a copy: the server names (decoded from a URI, or cut from
 * HOST:PORT), a slot each, taken in turn (the primary and 5 more at most),
 * and a URI's export, socket and TLS name.  Mapped at the first use: a
 * process that stays has all its memory locked, and one that names no
 * server this way carries none of it (in .bss it would). */
static struct names {
	char host[SESSION_MAX_SERVERS][HOST_NAME_MAX_LEN + 1];
	char port[SESSION_MAX_SERVERS][6];
	char name[NBD_MAX_STRING + 1], sock[108], tls_name[HOST_NAME_MAX_LEN + 1];
} *names;
static int slots;

/* The next slot (names mapped), or -1 after saying why there is none. */
static int slot(const char *what)
{
	void *p = names ? (void *)names : mmap(NULL, sizeof *names, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		msg_errno("cannot map memory for the server names");
		return -1;
	}
	names = p;
	if (slots < SESSION_MAX_SERVERS)
		return slots++;
	msg("--failover: at most 5 times: '%s'", what);
	return -1;
}

static int refuse(const char *from, const char *why, const char *what)
{
	msg("%s: %s: '%s'", from, why, what);
	return EXIT_USAGE;
}

/* One more failover server; 'name' is the export its URI named, if any. */
static int add_server(struct opts *o, const char *host, const char *port,
		      struct uri_part name)
{
	int i = o->nfailover;
	if (i == SESSION_MAX_SERVERS - 1)
		return refuse("--failover", "at most 5 times", host);
	o->fo_host[i] = host;
	o->fo_port[i] = port;
	o->fo_name[i] = name;
	o->nfailover++;
	return EXIT_OK;
}

int opts_uri(struct opts *o, const char *s, bool failover)
{
	struct nbd_uri u;
	char err[600];
	int k;
	if (uri_parse(s, &u, err, sizeof err)) {
		msg("%s", err);
		return EXIT_USAGE;
	}
	if (failover && (u.unix_socket || u.tls_hostname.n))
		return refuse("--failover", "nbd:// or nbds:// only (tls-hostname= "
			      "goes in the primary's URI, for all)", s);
	if ((k = slot(s)) < 0)
		return EXIT_USAGE;
	struct names *t = names;
	/* nothing is cut: a part over its limit is refused whole */
	if (!uri_decode(u.host, t->host[k], sizeof t->host[k]) ||
	    !uri_decode(u.port, t->port[k], sizeof t->port[k]) ||
	    (!failover && (!uri_decode(u.name, t->name, sizeof t->name) ||
			   !uri_decode(u.socket, t->sock, sizeof t->sock) ||
			   !uri_decode(u.tls_hostname, t->tls_name, sizeof t->tls_name))))
		return refuse("URI", "a part over its limit (host 253 bytes, "
			      "export 4096, socket 107)", s);
	const char *host = u.unix_socket ? "localhost" : t->host[k];
	const char *port = u.port.n ? t->port[k] : DEFAULT_PORT;
	o->tls |= u.tls;
	if (failover)
		return add_server(o, host, port, u.name);
	o->host = host;
	o->port = port;
	o->name = t->name;
	o->unix_path = u.unix_socket ? t->sock : NULL;
	if (u.tls_hostname.n) {
		o->tls = true;
		o->tlso.hostname = t->tls_name;
	}
	return EXIT_OK;
}

int opts_failover(struct opts *o, const char *spec)
{
	if (uri_is(spec))
		return opts_uri(o, spec, true);
	const char *colon = strrchr(spec, ':'), *end = spec + strlen(spec);
	if (*spec == '[') { /* [V6] or [V6]:PORT */
		const char *close = strchr(spec, ']');
		colon = close && close[1] == ':' ? close + 1 : NULL;
		if (!close || (close[1] && !colon))
			colon = spec; /* malformed: refused below */
		end = close ? close : spec;
		spec++;
	} else if (colon && strchr(spec, ':') != colon) {
		colon = NULL; /* a bare IPv6 address: no port */
	} else if (colon) {
		end = colon;
	}
	size_t n = (size_t)(end - spec);
	int k;
	if (!n || n > HOST_NAME_MAX_LEN || colon == spec - 1 ||
	    (colon && number(colon + 1, 1, 65535) < 0))
		return refuse("--failover", "expected HOST[:PORT] or [IPV6][:PORT] "
			      "(or nbd[s]://HOST[:PORT])", spec);
	if ((k = slot(spec)) < 0)
		return EXIT_USAGE;
	memcpy(names->host[k], spec, n);
	names->host[k][n] = 0;
	return add_server(o, names->host[k], colon ? colon + 1 : NULL, (struct uri_part){ 0 });
}

/* --spread: which server to start from, from the machine's identity (its
 * lowest MAC address; a network-booted machine has one, while
 * /etc/machine-id may not exist yet in an initramfs): the same machine
 * always starts from the same server, and a fleet divides evenly. */
static bool lowest_mac(void *ctx, const char *name)
{
	char *best = ctx, path[300], mac[18];
	fmt_snprintf(path, sizeof path, "/sys/class/net/%.255s/address", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, mac, 17);
	if (fd >= 0)
		close(fd);
	mac[n == 17 ? 17 : 0] = 0;
	if (*mac && strcmp(mac, "00:00:00:00:00:00") != 0 &&
	    (!*best || strcmp(mac, best) < 0))
		memcpy(best, mac, 18);
	return false;
}

int spread_index(int n)
{
	char id[40] = "";
	dir_each("/sys/class/net", lowest_mac, id);
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return (int)(h % (unsigned)n);
}
