/* bootargs.c - see bootargs.h. */
#include <string.h>

#include "fmt.h"
#include "bootargs.h"
#include "uri.h"

/* Set when a value was refused for its length: bad() then says so. */
static size_t overlong;

/* Copy 'len' bytes of 'src' into a field; false when it does not fit. */
static bool field(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size) {
		overlong = size - 1;
		return false;
	}
	memcpy(dst, src, len);
	dst[len] = 0;
	return true;
}

static bool all_digits(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int bad(char *err, size_t errlen, const char *what, const char *text,
	       const char *expected)
{
	if (overlong)
		fmt_snprintf(err, errlen, "%s'%s': a part of it is too long (this "
			 "part may have at most %zu bytes)", what, text, overlong);
	else
		fmt_snprintf(err, errlen, "malformed %s'%s': expected %s", what,
			 text, expected);
	overlong = 0;
	return -1;
}

/* "/dev/nbdX" from "nbdX" or "/dev/nbdX". */
static bool set_dev(struct boot_spec *b, const char *v, size_t len)
{
	if (len > 5 && strncmp(v, "/dev/", 5) == 0)
		return field(b->dev, sizeof b->dev, v, len) &&
		       strncmp(v + 5, "nbd", 3) == 0;
	if (len < 4 || strncmp(v, "nbd", 3) != 0 || !all_digits(v + 3, len - 3))
		return false;
	memcpy(b->dev, "/dev/", 5);
	return field(b->dev + 5, sizeof b->dev - 5, v, len);
}

/* HOST part, bracketed IPv6 allowed; *rest points after it. */
static bool take_host(struct boot_spec *b, const char *s, const char **rest,
		      const char *stops)
{
	if (*s == '[') {
		const char *e = strchr(s, ']');
		if (!e || !field(b->host, sizeof b->host, s + 1, (size_t)(e - s - 1)) ||
		    e == s + 1)
			return false;
		*rest = e + 1;
		return true;
	}
	size_t n = strcspn(s, stops);
	*rest = s + n;
	return n > 0 && field(b->host, sizeof b->host, s, n);
}

/* PORT_OR_EXPORT, or PORT/EXPORT: a number is a port, anything else a name. */
static bool port_or_name(struct boot_spec *b, const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	if (slash && all_digits(s, (size_t)(slash - s)))
		return field(b->port, sizeof b->port, s, (size_t)(slash - s)) &&
		       field(b->name, sizeof b->name, slash + 1,
			     len - (size_t)(slash - s) - 1);
	if (all_digits(s, len))
		return field(b->port, sizeof b->port, s, len);
	return field(b->name, sizeof b->name, s, len);
}

/* An NBD URI as the whole value: checked here, applied by the caller. */
static int take_uri(struct boot_spec *b, const char *v, char *err, size_t errlen)
{
	struct nbd_uri u;
	int k = fmt_snprintf(err, errlen, "%s", b->source);
	if (uri_parse(v, &u, err + k, errlen - (size_t)k))
		return -1;
	return field(b->uri, sizeof b->uri, v, strlen(v)) ? 0
	       : bad(err, errlen, b->source, v, "a shorter URI");
}

/* root= and netroot= take a URI when its scheme is one of NBD's (nbd,
 * nbds, nbd+unix, nbds+unix, in any case: any "nbd..." is ours to check);
 * root=http:// is some other hook's. */
static bool nbd_uri(const char *v)
{
	return (v[0] | 32) == 'n' && (v[1] | 32) == 'b' && (v[2] | 32) == 'd' && uri_is(v);
}

/* dracut: nbd:SERVER:PORT_OR_EXPORT[:FSTYPE[:ROOTFLAGS[:NBDOPTS]]] */
static int parse_dracut(struct boot_spec *b, const char *v, char *err, size_t errlen)
{
	static const char expect[] = "nbd:SERVER:PORT_OR_EXPORT[:FSTYPE[:ROOTFLAGS[:NBDOPTS]]]";
	const char *p;
	if (!take_host(b, v, &p, ":") || *p != ':')
		return bad(err, errlen, b->source, v, expect);
	p++;
	char *const dst[] = { NULL, b->fstype, b->rootflags, b->opts };
	const size_t size[] = { 0, sizeof b->fstype, sizeof b->rootflags, sizeof b->opts };
	for (int i = 0; i < 4; i++) {
		/* the last field (NBDOPTS) takes the rest, colons and all */
		size_t n = i == 3 ? strlen(p) : strcspn(p, ":");
		/* FSTYPE and ROOTFLAGS end up in shell variables and unit
		 * files: no quotes, escapes, expansions or specifiers */
		bool ok = i == 0 ? n > 0 && port_or_name(b, p, n)
				 : (i == 3 || strcspn(p, "'\"\\$`%") >= n) &&
				   field(dst[i], size[i], p, n);
		if (!ok)
			return bad(err, errlen, b->source, v, expect);
		p += n;
		if (*p != ':')
			break;
		p++;
	}
	return 0;
}

/* initramfs-tools: SERVER,EXPORT_OR_PORT[,nbdX] or [SERVER][:PORT]/EXPORT */
static int parse_debian(struct boot_spec *b, const char *v, char *err, size_t errlen)
{
	static const char expect[] = "SERVER,EXPORT,nbdX or SERVER:/EXPORT or "
		"SERVER[:PORT]/EXPORT or [V6ADDR]:[PORT]/EXPORT or dhcp";
	const char *p;
	if (uri_is(v))
		return take_uri(b, v, err, errlen);
	if (!*v || !strcmp(v, "dhcp")) {
		b->dhcp = true;
		return 0;
	}
	if (strchr(v, ',') && *v != '[') {
		size_t n = strcspn(v, ",");
		const char *second = v + n + 1;
		size_t m = strcspn(second, ",");
		if (!n || !m || !field(b->host, sizeof b->host, v, n) ||
		    !port_or_name(b, second, m) ||
		    (second[m] == ',' && !set_dev(b, second + m + 1, strlen(second + m + 1))))
			return bad(err, errlen, b->source, v, expect);
		return 0;
	}
	if (!take_host(b, v, &p, ":/"))
		return bad(err, errlen, b->source, v, expect);
	if (*p == ':') {
		p++;
		size_t n = strcspn(p, "/");
		if (n && (!all_digits(p, n) || !field(b->port, sizeof b->port, p, n)))
			return bad(err, errlen, b->source, v, expect);
		p += n;
	}
	if (*p != '/' || !field(b->name, sizeof b->name, p + 1, strlen(p + 1)))
		return bad(err, errlen, b->source, v, expect);
	return 0;
}

int bootargs_rootpath(const char *rp, struct boot_spec *b, char *err, size_t errlen)
{
	b->source = "DHCP root-path ";
	b->dhcp = false;
	if (!strncmp(rp, "nbd:", 4) && !uri_is(rp))
		return parse_dracut(b, rp + 4, err, errlen);
	int r = parse_debian(b, rp, err, errlen);
	if (!r && b->dhcp)
		return bad(err, errlen, b->source, rp, "a server and export");
	return r;
}

/* The value of parameter 'key' ("nbdroot=") in 'line', copied to 'out';
 * the last occurrence wins, as in the kernel.  1 found, 0 not, -1 too
 * long for 'out' (never cut: a cut NBDOPTS could lose ",tls"). */
static int param(const char *line, const char *key, char *out, size_t size)
{
	int found = 0;
	size_t klen = strlen(key);
	for (const char *p = line; *p;) {
		p += strspn(p, " \t\n");
		size_t n = strcspn(p, " \t\n");
		if (n >= klen && !strncmp(p, key, klen))
			found = field(out, size, p + klen, n - klen) ? 1 : -1;
		p += n;
	}
	return found;
}

static int too_long(char *err, size_t errlen, const char *key, size_t max)
{
	fmt_snprintf(err, errlen, "the value of %s is too long: at most %zu bytes "
		 "are accepted", key, max);
	overlong = 0;
	return -1;
}

/* root=nbd:... or netroot=nbd:... (dracut's syntax, or a URI). */
static int parse_dracut_or_uri(struct boot_spec *b, const char *v, char *err,
			       size_t errlen)
{
	return nbd_uri(v) ? take_uri(b, v, err, errlen)
			  : parse_dracut(b, v + 4, err, errlen);
}

static int parse_line(const char *line, struct boot_spec *b, char *err, size_t errlen)
{
	char root[BOOTARGS_VALUE_MAX] = "", v[BOOTARGS_VALUE_MAX] = "";
	char dev[64] = "";
	int r;
	if (param(line, "root=", root, sizeof root) < 0)
		return too_long(err, errlen, "root=", sizeof root - 1);
	if (!strncmp(root, "nbd:", 4) || nbd_uri(root)) {
		b->source = "root=";
		return parse_dracut_or_uri(b, root, err, errlen);
	}
	if ((r = param(line, "netroot=", v, sizeof v)) < 0)
		return too_long(err, errlen, "netroot=", sizeof v - 1);
	if (r && (!strncmp(v, "nbd:", 4) || nbd_uri(v))) {
		b->source = "netroot=";
		return parse_dracut_or_uri(b, v, err, errlen);
	}
	if ((r = param(line, "nbdroot=", v, sizeof v)) < 0)
		return too_long(err, errlen, "nbdroot=", sizeof v - 1);
	if (!r)
		return 1;
	b->source = "nbdroot=";
	if (parse_debian(b, v, err, errlen))
		return -1;
	if ((r = param(line, "nbddev=", dev, sizeof dev)) < 0)
		return too_long(err, errlen, "nbddev=", sizeof dev - 1);
	if (r && !b->dev[0] && !set_dev(b, dev, strlen(dev)))
		return bad(err, errlen, "nbddev=", dev, "nbdX or /dev/nbdX");
	if (!strncmp(root, "/dev/nbd", 8)) {
		size_t n = 5 + 3 + strspn(root + 8, "0123456789");
		if (!field(b->mount, sizeof b->mount, root, strlen(root)) ||
		    (root[n] && root[n] != 'p') ||
		    (!b->dev[0] && !set_dev(b, root, n)))
			return bad(err, errlen, "root=", root, "/dev/nbdX or /dev/nbdXpN");
	}
	return 0;
}

int bootargs_parse(const char *line, struct boot_spec *b, char *err, size_t errlen)
{
	char more[BOOTARGS_VALUE_MAX];
	memset(b, 0, sizeof *b);
	overlong = 0;
	int r = parse_line(line, b, err, errlen), m;
	if (r || !(m = param(line, "nbdc.opts=", more, sizeof more)))
		return r;
	/* both come from one line of at most 4096 bytes: they fit together */
	size_t n = strlen(b->opts);
	if (m < 0 || n + 1 + strlen(more) >= sizeof b->opts)
		return too_long(err, errlen, "nbdc.opts=", sizeof more - 1);
	fmt_snprintf(b->opts + n, sizeof b->opts - n, "%s%s", n ? "," : "", more);
	return 0;
}
