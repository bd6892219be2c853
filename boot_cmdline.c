/*
 * boot_cmdline.c - --cmdline: the NBD root named on the kernel command line
 * (parsed by bootargs.c) turned into options, NBDOPTS applied, and the DHCP
 * root-path found for nbdroot=dhcp.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dir.h"
#include "fmt.h"
#include "kernel.h"
#include "opts.h"
#include "status.h"
#include "text.h"

/* Apply one NBDOPTS item ("timeout=30", "tls"...) as its option would. */
static int apply_nbdopt(struct opts *o, char *item)
{
	char *val = strchr(item, '=');
	long long v = -1;
	if (val)
		*val++ = 0;
	if (val && *val)
		v = number(val, 0, 1 << 30);
	if (!strcmp(item, "timeout") && v > 0)
		o->timeout = (unsigned)v;
	else if ((!strcmp(item, "bs") || !strcmp(item, "blocksize")) &&
		 legal_block_size(v))
		o->blksize = (uint32_t)v;
	else if ((!strcmp(item, "readonly") || !strcmp(item, "ro")) && !val)
		o->readonly = true;
	else if (!strcmp(item, "tls") && !val)
		o->tls = true;
	else if (!strcmp(item, "cacert") && val && *val)
		o->tls = true, o->tlso.cafile = val;
	else if (!strcmp(item, "tls-hostname") && val && *val)
		o->tls = true, o->tlso.hostname = val;
	else if (!strcmp(item, "cert") && val && *val)
		o->tls = true, o->tlso.certfile = val;
	else if (!strcmp(item, "key") && val && *val)
		o->tls = true, o->tlso.keyfile = val;
	else if (!strcmp(item, "pin") && val && *val)
		o->tls = true, o->tlso.pin = val;
	else if (!strcmp(item, "name") && val)
		o->name = val;
	else if (!strcmp(item, "persist") && !val)
		o->persist = true;
	else if (!strcmp(item, "nopersist") && !val)
		o->persist = false;
	else if (!strcmp(item, "connections") && v >= 1 && v <= NBDC_MAX_CONNS)
		o->connections = (unsigned)v;
	else if (!strcmp(item, "dead-timeout") && v >= 0)
		o->dead_timeout = (unsigned)v, o->dead_set = true;
	else if (!strcmp(item, "failover") && val)
		return opts_failover(o, val) ? -1 : 0;
	else if (!strcmp(item, "shared-storage") && !val)
		o->shared_storage = true;
	else if (!strcmp(item, "spread") && !val)
		o->spread = true;
	else
		return -1;
	return 0;
}

static int apply_nbdopts(struct opts *o, char *opts)
{
	char *save;
	for (char *item = strtok_r(opts, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char copy[BOOTARGS_VALUE_MAX];
		fmt_snprintf(copy, sizeof copy, "%s", item); /* fits: from opts */
		if (apply_nbdopt(o, item)) {
			msg("NBDOPTS: cannot use '%s': expected timeout=SEC, bs=N, "
			    "readonly, tls, cacert=FILE, tls-hostname=NAME, "
			    "cert=FILE, key=FILE, pin=SHA256, name=EXPORT, persist, "
			    "nopersist, connections=N (1..16), dead-timeout=SEC, "
			    "failover=HOST[:PORT], shared-storage or spread",
			    copy);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

/* Read a small text file whole (NUL-terminated); false if unreadable,
 * or (errno EFBIG) larger than 'size' - 1 bytes: never a part of it. */
static bool read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t n = 0;
	ssize_t r = 0;
	while (n < size && (r = read(fd, buf + n, size - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (r < 0)
		return false;
	if (n >= size) {
		errno = EFBIG;
		return false;
	}
	buf[n] = 0;
	return true;
}

/* The DHCP root-path: $ROOTPATH, or ROOTPATH= in the /run/net-IFACE.conf
 * that initramfs-tools' ipconfig writes, or new_root_path= in dracut's
 * /tmp/net.IFACE.dhcpopts.  A value longer than 'size' - 1 is refused with
 * a message (and *bad set), never cut. */
static bool set_rootpath(char *out, size_t size, const char *v,
			 const char *from, bool *bad)
{
	if (strlen(v) >= size) {
		msg("the DHCP root-path in %s is %zu bytes long; at most %zu "
		    "are accepted", from, strlen(v), size - 1);
		*bad = true;
		return false;
	}
	memcpy(out, v, strlen(v) + 1);
	return true;
}

/* Where a DHCP client leaves the root-path, and under which key. */
struct rootpath_src {
	const char *dir, *prefix, *suffix, *key;
};

struct rootpath_ask {
	const struct rootpath_src *src;
	char *out;
	size_t size;
	bool *bad, found;
};

/* One directory entry: a file of the right name holding the key? */
static bool rootpath_file(void *ctx, const char *name)
{
	struct rootpath_ask *r = ctx;
	const struct rootpath_src *src = r->src;
	char path[600], text[16384];
	size_t n = strlen(name), sl = strlen(src->suffix);
	if (strncmp(name, src->prefix, strlen(src->prefix)) != 0 || n < sl ||
	    strcmp(name + n - sl, src->suffix) != 0)
		return false;
	fmt_snprintf(path, sizeof path, "%s/%s", src->dir, name); /* d_name: 255 */
	bool read = read_text(path, text, sizeof text);
	if (!read && errno == EFBIG)
		msg("%s: larger than %zu bytes; not read", path, sizeof text - 1);
	char *v = read ? (char *)text_find(text, src->key) : NULL;
	if (!v)
		return false;
	v += strlen(src->key);
	v += strspn(v, "'\"");
	v[strcspn(v, "'\"\n")] = 0;
	if (!*v)
		return false;
	r->found = set_rootpath(r->out, r->size, v, path, r->bad);
	return true;
}

static bool dhcp_rootpath(char *out, size_t size, bool *bad)
{
	static const struct rootpath_src src[] = {
		{ "/run", "net-", ".conf", "ROOTPATH=" },
		{ "/tmp", "net.", ".dhcpopts", "new_root_path=" },
	};
	const char *env = getenv("ROOTPATH");
	if (env && *env)
		return set_rootpath(out, size, env, "$ROOTPATH", bad);
	for (size_t i = 0; i < sizeof src / sizeof src[0]; i++) {
		struct rootpath_ask r = { &src[i], out, size, bad, false };
		dir_each(src[i].dir, rootpath_file, &r);
		if (r.found || *bad)
			return r.found;
	}
	return false;
}

/* Turn the kernel command line into options for an attach. */
int from_cmdline(struct opts *o, struct boot_spec *b)
{
	char line[BOOTARGS_LINE_MAX + 2], err[BOOTARGS_LINE_MAX + 512];
	if (!read_text(o->cmdline_file, line, sizeof line)) {
		if (errno == EFBIG)
			msg("%s is longer than a kernel command line can be (%d "
			    "bytes); not read", o->cmdline_file, BOOTARGS_LINE_MAX);
		else
			msg_errno("cannot read %s", o->cmdline_file);
		return EXIT_USAGE;
	}
	int r = bootargs_parse(line, b, err, sizeof err);
	if (r > 0)
		msg("%s names no NBD root: expected root=nbd:..., netroot=nbd:... "
		    "or nbdroot=...", o->cmdline_file);
	if (r < 0)
		msg("%s: %s", o->cmdline_file, err);
	if (r)
		return EXIT_USAGE;
	if (b->dhcp) {
		char rootpath[BOOTARGS_VALUE_MAX];
		bool bad = false;
		if (!dhcp_rootpath(rootpath, sizeof rootpath, &bad)) {
			if (!bad)
				msg("nbdroot=dhcp, but no DHCP root-path was found "
				    "($ROOTPATH, /run/net-*.conf, /tmp/net.*.dhcpopts)");
			return EXIT_USAGE;
		}
		if (bootargs_rootpath(rootpath, b, err, sizeof err)) {
			msg("%s", err);
			return EXIT_USAGE;
		}
	}
	o->action = ACT_ATTACH;
	if (b->uri[0]) {
		if (opts_uri(o, b->uri, false))
			return EXIT_USAGE;
	} else {
		o->host = b->host;
		o->port = b->port[0] ? b->port : o->port;
		o->name = b->name;
	}
	o->dev = b->dev[0] ? b->dev : "/dev/nbd0";
	if (!o->retry_set)
		o->retry_for = DEFAULT_RETRY_FOR;
	/* A root filesystem must survive a server restart: -p unless
	 * NBDOPTS says nopersist. */
	o->persist = true;
	return apply_nbdopts(o, b->opts);
}
