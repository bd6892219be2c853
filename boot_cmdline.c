/*
 * boot_cmdline.c - --cmdline: the NBD root named on the kernel command line
 * (parsed by bootargs.c) turned into options, NBDOPTS applied, and the DHCP
 * root-path found for nbdroot=dhcp.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"
#include "opts.h"
#include "status.h"

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
	else
		return -1;
	return 0;
}

static int apply_nbdopts(struct opts *o, char *opts)
{
	for (char *item = strtok(opts, ","); item; item = strtok(NULL, ",")) {
		char copy[256];
		snprintf(copy, sizeof copy, "%s", item);
		if (apply_nbdopt(o, item)) {
			msg("NBDOPTS: cannot use '%s': expected timeout=SEC, bs=N, "
			    "readonly, tls, cacert=FILE, tls-hostname=NAME, "
			    "cert=FILE, key=FILE, pin=SHA256, name=EXPORT, persist, "
			    "nopersist, connections=N (1..16) or dead-timeout=SEC",
			    copy);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

/* Read a small text file whole (NUL-terminated); false if unreadable. */
static bool read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n >= 0;
}

/* The DHCP root-path: $ROOTPATH, or ROOTPATH= in the /run/net-IFACE.conf
 * that initramfs-tools' ipconfig writes, or new_root_path= in dracut's
 * /tmp/net.IFACE.dhcpopts. */
static bool dhcp_rootpath(char *out, size_t size)
{
	static const struct { const char *dir, *prefix, *suffix, *key; } src[] = {
		{ "/run", "net-", ".conf", "ROOTPATH=" },
		{ "/tmp", "net.", ".dhcpopts", "new_root_path=" },
	};
	const char *env = getenv("ROOTPATH");
	if (env && *env) {
		snprintf(out, size, "%s", env);
		return true;
	}
	for (size_t i = 0; i < sizeof src / sizeof src[0]; i++) {
		DIR *d = opendir(src[i].dir);
		struct dirent *e;
		char path[600], text[4096];
		while (d && (e = readdir(d))) {
			size_t n = strlen(e->d_name), sl = strlen(src[i].suffix);
			if (strncmp(e->d_name, src[i].prefix, strlen(src[i].prefix)) != 0 ||
			    n < sl || strcmp(e->d_name + n - sl, src[i].suffix) != 0)
				continue;
			snprintf(path, sizeof path, "%s/%s", src[i].dir, e->d_name);
			char *v = read_text(path, text, sizeof text) ?
				  strstr(text, src[i].key) : NULL;
			if (!v)
				continue;
			v += strlen(src[i].key);
			v += strspn(v, "'\"");
			v[strcspn(v, "'\"\n")] = 0;
			if (*v) {
				snprintf(out, size, "%s", v);
				closedir(d);
				return true;
			}
		}
		if (d)
			closedir(d);
	}
	return false;
}

/* Turn the kernel command line into options for an attach. */
int from_cmdline(struct opts *o, struct boot_spec *b)
{
	char line[4096], err[1600];
	if (!read_text(o->cmdline_file, line, sizeof line)) {
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
		char rootpath[1400];
		if (!dhcp_rootpath(rootpath, sizeof rootpath)) {
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
	o->host = b->host;
	if (b->port[0])
		o->port = b->port;
	o->name = b->name;
	o->dev = b->dev[0] ? b->dev : "/dev/nbd0";
	if (!o->retry_set)
		o->retry_for = DEFAULT_RETRY_FOR;
	/* A root filesystem must survive a server restart: -p unless
	 * NBDOPTS says nopersist. */
	o->persist = true;
	return apply_nbdopts(o, b->opts);
}
