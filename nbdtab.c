/*
 * nbdtab.c - `nbd-client nbdX`: the device's entry in nbdtab(5), the form
 * systemd's nbd@.service uses.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fmt.h"
#include "kernel.h"
#include "opts.h"
#include "status.h"

/* "nbd3" or "/dev/nbd3". */
bool is_nbd_name(const char *s)
{
	if (!strncmp(s, "/dev/", 5))
		s += 5;
	return !strncmp(s, "nbd", 3) && s[3] && strspn(s + 3, "0123456789") == strlen(s + 3);
}

/* An nbdtab(5) option without a value. */
static bool nbdtab_flag(struct opts *o, const char *item)
{
	static const struct { const char *name; size_t off; } flags[] = {
		{ "persist", offsetof(struct opts, persist) },
		{ "swap", offsetof(struct opts, swap) },
		{ "no_optgo", offsetof(struct opts, no_optgo) },
		{ "readonly", offsetof(struct opts, readonly) },
		{ "nonetlink", offsetof(struct opts, nonetlink) },
		{ "systemd_mark", offsetof(struct opts, systemd_mark) },
		{ "shared_storage", offsetof(struct opts, shared_storage) },
		{ "spread", offsetof(struct opts, spread) },
	};
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (!strcmp(item, flags[i].name)) {
			*(bool *)((char *)o + flags[i].off) = true;
			return true;
		}
	if (!strcmp(item, "unix")) { /* the host field is a socket path */
		o->unix_path = o->host;
		o->host = "localhost";
		return true;
	}
	if (!strcmp(item, "sdp")) {
		msg("note: nbdtab option 'sdp' is not used by nbdc; ignored");
		return true;
	}
	return false;
}

/* One nbdtab(5) option; false if unknown or malformed. */
static bool nbdtab_option(struct opts *o, char *item)
{
	char *val = strchr(item, '=');
	if (item[0] == '_') /* "_name": for other tools, ignored */
		return true;
	if (!val)
		return nbdtab_flag(o, item);
	*val++ = 0;
	long long v = number(val, 0, 1 << 30);
	if (!strcmp(item, "bs") && legal_block_size(v))
		o->blksize = (uint32_t)v;
	else if (!strcmp(item, "timeout") && v > 0)
		o->timeout = (unsigned)v;
	else if (!strcmp(item, "port") && v > 0 && v < 65536)
		o->port = val;
	else if (!strcmp(item, "conns") && v > 0 && v <= NBDC_MAX_CONNS)
		o->connections = (unsigned)v;
	else if (!strcmp(item, "certfile") && *val)
		o->tls = true, o->tlso.certfile = val;
	else if (!strcmp(item, "keyfile") && *val)
		o->tls = true, o->tlso.keyfile = val;
	else if (!strcmp(item, "cacertfile") && *val)
		o->tls = true, o->tlso.cafile = val;
	else if (!strcmp(item, "tlshostname") && *val)
		o->tls = true, o->tlso.hostname = val;
	else if (!strcmp(item, "failover"))
		return !opts_failover(o, val);
	else
		return false;
	return true;
}

/* `nbdc nbdX`: the entry for nbdX in nbdtab(5) ($NBDTAB, else /etc/nbdtab):
 * "DEVICE HOST EXPORT [OPTIONS]", options comma-separated. */
int nbdtab(struct opts *o, const char *devname)
{
	/* The options keep pointing into it for the life of the process
	 * (which may stay behind, memory locked): mapped when used only. */
	static char *text, dev[64];
	enum { TEXT_MAX = 8192 };
	const char *env = getenv("NBDTAB");
	const char *path = env && *env ? env : "/etc/nbdtab";
	const char *want = strncmp(devname, "/dev/", 5) ? devname : devname + 5;
	text = mmap(NULL, TEXT_MAX, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (text == MAP_FAILED) {
		msg_errno("cannot map memory for %s", path);
		return EXIT_SYSTEM;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len = fd < 0 ? -1 : read(fd, text, TEXT_MAX - 1);
	if (fd >= 0)
		close(fd);
	if (len < 0) {
		msg_errno("%s: no server given, and cannot read %s", devname, path);
		return EXIT_USAGE;
	}
	if ((size_t)len == TEXT_MAX - 1) {
		msg("%s: larger than %d bytes; not read", path, TEXT_MAX - 2);
		return EXIT_USAGE;
	}
	text[len] = 0;
	int lineno = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		char *f[5] = { 0 };
		int nf = 0;
		line[strcspn(line, "#")] = 0;
		char *save;
		for (char *t = strtok_r(line, " \t", &save); t && nf < 5;
		     t = strtok_r(NULL, " \t", &save))
			f[nf++] = t;
		if (nf == 0 || !f[0] || strcmp(f[0], want) != 0)
			continue;
		/* with a URI, the export is in it: DEVICE URI [OPTIONS] */
		bool uri = nf > 1 && uri_is(f[1]);
		if (nf < 3 - uri || nf > 4 - uri) {
			msg("%s:%d: expected DEVICE HOST EXPORT [OPTIONS] or DEVICE "
			    "URI [OPTIONS]", path, lineno);
			return EXIT_USAGE;
		}
		if (strlen(want) + 6 > sizeof dev) {
			msg("%s:%d: device name too long: %s", path, lineno, want);
			return EXIT_USAGE;
		}
		fmt_snprintf(dev, sizeof dev, "/dev/%s", want);
		o->dev = dev;
		if (uri) {
			if (opts_uri(o, f[1], false))
				return EXIT_USAGE;
		} else {
			o->host = f[1];
			o->name = f[2];
		}
		char *opts = f[3 - uri];
		for (char *opt = opts ? strtok_r(opts, ",", &save) : NULL; opt;
		     opt = strtok_r(NULL, ",", &save)) {
			char copy[TEXT_MAX];
			fmt_snprintf(copy, sizeof copy, "%s", opt); /* fits */
			if (uri && (!strcmp(opt, "unix") || !strncmp(opt, "port=", 5))) {
				msg("%s:%d: '%s' does not go with a URI: the URI "
				    "names the server", path, lineno, copy);
				return EXIT_USAGE;
			}
			if (!nbdtab_option(o, opt)) {
				msg("%s:%d: unknown or malformed option '%s'", path,
				    lineno, copy);
				return EXIT_USAGE;
			}
		}
		return EXIT_OK;
	}
	msg("%s: no server given, and %s has no entry for it", devname, path);
	return EXIT_USAGE;
}
