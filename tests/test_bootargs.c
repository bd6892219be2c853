/*
 * test_bootargs.c - every kernel command-line spelling nbdc accepts, and
 * malformed ones reported with the offending text.
 */
#include <stdio.h>
#include <string.h>

#include "bootargs.h"

static int passed, failed;

struct want {
	const char *line;
	int r;
	bool dhcp; /* after r: no padding between them */
	const char *host, *port, *name, *dev, *fstype, *rootflags, *opts, *mount;
};

static const struct want cases[] = {
	/* dracut */
	{ "quiet root=nbd:10.0.2.2:10809 rw", 0, 0, "10.0.2.2", "10809", "", "", "", "", "", "" },
	{ "root=nbd:srv:rootfs", 0, 0, "srv", "", "rootfs", "", "", "", "", "" },
	{ "root=nbd:srv:10809/rootfs:ext4:ro,noatime:timeout=30,tls,cacert=/etc/ca.pem", 0, 0,
	  "srv", "10809", "rootfs", "", "ext4", "ro,noatime", "timeout=30,tls,cacert=/etc/ca.pem", "" },
	{ "root=nbd:[fd00::2]:10810:xfs", 0, 0, "fd00::2", "10810", "", "", "xfs", "", "", "" },
	{ "root=nbd:srv:exp:::bs=4096", 0, 0, "srv", "", "exp", "", "", "", "bs=4096", "" },
	{ "netroot=nbd:10.0.2.2:disk:ext4", 0, 0, "10.0.2.2", "", "disk", "", "ext4", "", "", "" },
	/* initramfs-tools */
	{ "nbdroot=10.0.2.2,root,nbd1", 0, 0, "10.0.2.2", "", "root", "/dev/nbd1", "", "", "", "" },
	{ "nbdroot=10.0.2.2,10809,nbd2", 0, 0, "10.0.2.2", "10809", "", "/dev/nbd2", "", "", "", "" },
	{ "nbdroot=srv:/export root=/dev/nbd3", 0, 0, "srv", "", "export", "/dev/nbd3", "", "", "", "/dev/nbd3" },
	{ "nbdroot=srv:10811/export nbddev=nbd4", 0, 0, "srv", "10811", "export", "/dev/nbd4", "", "", "", "" },
	{ "nbdroot=srv/export", 0, 0, "srv", "", "export", "", "", "", "", "" },
	{ "nbdroot=[fd00::1]:/exp", 0, 0, "fd00::1", "", "exp", "", "", "", "", "" },
	{ "nbdroot=[fd00::1]:10812/exp root=/dev/nbd0p1", 0, 0, "fd00::1", "10812", "exp", "/dev/nbd0", "", "", "", "/dev/nbd0p1" },
	{ "nbdroot=dhcp", 0, 1, "", "", "", "", "", "", "", "" },
	{ "nbdroot= quiet", 0, 1, "", "", "", "", "", "", "", "" },
	/* none */
	{ "root=/dev/sda1 quiet", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	/* malformed: reported, with the text */
	{ "root=nbd:", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "root=nbd:srv", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "root=nbd:[fd00::1:10809", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "nbdroot=srv:abc/exp", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "nbdroot=srv", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "nbdroot=srv,exp,sda", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "nbdroot=srv:/e nbddev=hda", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "nbdroot=srv:/e root=/dev/nbd0x", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	/* FSTYPE and ROOTFLAGS go into shell and unit files: nothing to expand */
	{ "root=nbd:srv:exp:ext4:ro';reboot", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "root=nbd:srv:exp:ext4:$(reboot)", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "root=nbd:srv:exp:e`x`t4", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "root=nbd:srv:exp:ext4:x%nx", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "root=nbd:srv:exp:ext4:a\\b", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
};

static bool same(const char *a, const char *b)
{
	return !strcmp(a, b);
}

/* NBD URIs: the value kept whole (server and export are applied from it
 * by the caller), the device and nbdc.opts= as with any syntax; a bad URI
 * named with its parameter. */
struct want_uri {
	const char *line;
	int r;
	const char *uri, *dev, *opts, *err;
};

static const struct want_uri uri_wants[] = {
	{ "root=nbd://10.0.2.2:10809/root ro", 0, "nbd://10.0.2.2:10809/root", "", "", "" },
	{ "root=NBDS://srv/r netroot=nbd:x:y", 0, "NBDS://srv/r", "", "", "" },
	{ "netroot=nbd+unix:///r?socket=/s", 0, "nbd+unix:///r?socket=/s", "", "", "" },
	/* the scheme is case-blind wherever a URI is taken (RFC 3986) */
	{ "root=Nbd://srv/r", 0, "Nbd://srv/r", "", "", "" },
	{ "netroot=nBdS+UNIX:///r?socket=/s", 0, "nBdS+UNIX:///r?socket=/s", "", "", "" },
	{ "nbdroot=nbds://[fd00::1]/r nbddev=nbd3 nbdc.opts=cacert=/ca.pem", 0,
	  "nbds://[fd00::1]/r", "/dev/nbd3", "cacert=/ca.pem", "" },
	{ "root=nbd:srv:r:ext4::tls nbdc.opts=cacert=/ca.pem,timeout=9", 0, "", "", "tls,cacert=/ca.pem,timeout=9", "" },
	{ "root=http://srv/r", 1, "", "", "", "" },
	{ "root=nbd://srv:0/r", -1, "", "", "", "root=URI 'nbd://srv:0/r': the port must be 1 to 65535" },
	{ "netroot=nbdx://srv/r", -1, "", "", "", "netroot=URI 'nbdx://srv/r': expected nbd://" },
	{ "nbdroot=nbd://srv/r?x-a=1", -1, "", "", "", "nbdroot=URI 'nbd://srv/r?x-a=1': unknown query" },
};

static void uri_cases(void)
{
	for (size_t i = 0; i < sizeof uri_wants / sizeof uri_wants[0]; i++) {
		const struct want_uri *w = &uri_wants[i];
		static struct boot_spec b;
		char err[5000] = "";
		int r = bootargs_parse(w->line, &b, err, sizeof err);
		bool ok = r == w->r && (r != 0 || (same(b.uri, w->uri) && same(b.dev, w->dev) &&
						   same(b.opts, w->opts))) &&
			  (r >= 0 || strstr(err, w->err));
		if (ok)
			passed++;
		else
			failed++, fprintf(stderr, "FAIL '%s': r=%d uri=%s dev=%s opts=%s err=%s\n",
					  w->line, r, b.uri, b.dev, b.opts, err);
	}
	static struct boot_spec b;
	char err[600];
	if (!bootargs_rootpath("nbds://10.0.2.9:10812/a%20b", &b, err, sizeof err) &&
	    same(b.uri, "nbds://10.0.2.9:10812/a%20b") && !b.dhcp)
		passed++;
	else
		failed++, fprintf(stderr, "FAIL rootpath URI: %s\n", err);
	if (bootargs_rootpath("nbd://h/x#f", &b, err, sizeof err) == -1 &&
	    strstr(err, "DHCP root-path URI 'nbd://h/x#f': a fragment"))
		passed++;
	else
		failed++, fprintf(stderr, "FAIL bad rootpath URI: %s\n", err);
}

int main(void)
{
	char err[512];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct want *w = &cases[i];
		struct boot_spec b;
		err[0] = 0;
		int r = bootargs_parse(w->line, &b, err, sizeof err);
		bool ok = r == w->r;
		if (ok && r == 0)
			ok = same(b.host, w->host) && same(b.port, w->port) &&
			     same(b.name, w->name) && same(b.dev, w->dev) &&
			     same(b.fstype, w->fstype) && same(b.rootflags, w->rootflags) &&
			     same(b.opts, w->opts) && same(b.mount, w->mount) && b.dhcp == w->dhcp;
		if (ok && r < 0) /* the message quotes the offending text */
			ok = strstr(err, "malformed") && strstr(err, "expected") && strchr(err, '\'');
		if (ok) {
			passed++;
		} else {
			failed++;
			fprintf(stderr, "FAIL '%s': r=%d host=%s port=%s name=%s dev=%s fs=%s "
				"flags=%s opts=%s mount=%s err=%s\n", w->line, r,
				r ? "" : b.host, r ? "" : b.port, r ? "" : b.name,
				r ? "" : b.dev, r ? "" : b.fstype, r ? "" : b.rootflags,
				r ? "" : b.opts, r ? "" : b.mount, err);
		}
	}
	/* DHCP root-path in either spelling */
	struct boot_spec b;
	memset(&b, 0, sizeof b);
	if (!bootargs_rootpath("10.0.2.2:10809/root", &b, err, sizeof err) &&
	    same(b.host, "10.0.2.2") && same(b.port, "10809") && same(b.name, "root"))
		passed++;
	else
		failed++, fprintf(stderr, "FAIL rootpath debian\n");
	memset(&b, 0, sizeof b);
	if (!bootargs_rootpath("nbd:srv:exp:ext4", &b, err, sizeof err) &&
	    same(b.host, "srv") && same(b.name, "exp") && same(b.fstype, "ext4"))
		passed++;
	else
		failed++, fprintf(stderr, "FAIL rootpath dracut\n");
	if (bootargs_rootpath("", &b, err, sizeof err) == -1)
		passed++;
	else
		failed++, fprintf(stderr, "FAIL empty rootpath\n");
	/* Long values: held whole up to the limit, refused past it, never cut
	 * (a cut NBDOPTS once dropped ",tls" and attached in plaintext). */
	static char line[8192], name[4097];
	memset(name, 'n', 4096);
	name[4096] = 0;
	snprintf(line, sizeof line, "root=nbd:srv:%.2000s:ext4::timeout=30,tls,cacert=/ca.pem", name);
	if (!bootargs_parse(line, &b, err, sizeof err) && strlen(b.name) == 2000 &&
	    same(b.opts, "timeout=30,tls,cacert=/ca.pem"))
		passed++;
	else
		failed++, fprintf(stderr, "FAIL long root=nbd: value: %s\n", err);
	snprintf(line, sizeof line, "nbdroot=srv:/%s", name); /* 4110 bytes */
	if (bootargs_parse(line, &b, err, sizeof err) == -1 &&
	    strstr(err, "nbdroot= is too long: at most 4095"))
		passed++;
	else
		failed++, fprintf(stderr, "FAIL overlong nbdroot=: %s\n", err);
	snprintf(line, sizeof line, "root=nbd:%.300s:exp", name); /* host of 300 */
	if (bootargs_parse(line, &b, err, sizeof err) == -1 &&
	    strstr(err, "too long (this part may have at most 255 bytes)"))
		passed++;
	else
		failed++, fprintf(stderr, "FAIL overlong host: %s\n", err);
	if (bootargs_parse("nbdroot=srv:/e nbddev=nbd00000000000000000000000000000000000"
			   "0000000000000000000000000000001", &b, err, sizeof err) == -1 &&
	    strstr(err, "too long"))
		passed++;
	else
		failed++, fprintf(stderr, "FAIL overlong nbddev: %s\n", err);
	uri_cases();
	printf("bootargs: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
