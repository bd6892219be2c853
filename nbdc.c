/*
 * nbdc.c - command line and orchestration: parse argv, connect, run the
 * handshake, then print (--info, --list) or hand the socket to the kernel.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "dir.h"
#include "fmt.h"
#include "args.h"
#include "bootargs.h"
#include "opts.h"
#include "kernel.h"
#include "nbd_proto.h"
#include "nego.h"
#include "resolve.h"
#include "attach.h"
#include "session.h"
#include "status.h"
#include "tls.h"
#include "uri.h"

#ifndef NBDC_VERSION
#define NBDC_VERSION "0.1"
#endif
#define DEFAULT_PORT "10809"
#define DEFAULT_CONNECT_TIMEOUT 30

static const char usage_text[] =
"usage: nbdc [options] HOST [PORT] [/dev/nbdX] attach an export (without a\n"
"\t\tdevice: the kernel picks one,\n"
"\t\tand its path is printed)\n"
"       nbdc -l|--list HOST [PORT]\tlist exports\n"
"       nbdc --info [options] HOST [PORT]\tshow an export, attach nothing\n"
"       nbdc -c|--check /dev/nbdX\tprint the pid serving it\n"
"       nbdc -d|--disconnect /dev/nbdX\tdisconnect it\n"
"       nbdc --cmdline [FILE] [options]\tattach the NBD root named on the\n"
"\t\tkernel command line (default\n"
"\t\t/proc/cmdline); print its device\n"
"  HOST [PORT] may be a URI: nbd[s]://HOST[:PORT][/EXPORT][?tls-hostname=N],\n"
"  nbd[s]+unix:///[EXPORT]?socket=PATH (nbds: TLS)\n"
"options:\n"
"  -N, --name EXPORT\texport name (default: the server's default)\n"
"  -b, --block-size N\tblock size: 512, 1024, 2048 or 4096\n"
"  -t, --timeout SEC\tkernel I/O timeout\n"
"  -R, --readonly\tattach read-only\n"
"  -n, --nofork\tstay in the foreground while attached\n"
"  -u, --unix PATH\tserver is on a Unix socket (no HOST/PORT)\n"
"      --connect-timeout SEC  deadline for connect + handshake (default 30)\n"
"      --retry-for SEC\tretry connecting for this long (default 0;\n"
"\t120 with --cmdline), one line per attempt\n"
"  -L, --nonetlink\tattach with ioctls, not netlink (the default when\n"
"\tthe kernel has it)\n"
"  -C, --connections N\tN connections, if the server allows several\n"
"  -p, --persist\tstay behind and reconnect when the server is lost\n"
"      --dead-conn-timeout SEC  how long the kernel holds I/O while waiting\n"
"\tfor a reconnect (default 60 with -p)\n"
"      --reconnect-for SEC\tgive up reconnecting after this long (default:\n"
"\tthe dead-connection timeout); then disconnect\n"
"      --reconnect-delay-max SEC  cap of the backoff between attempts (2)\n"
"      --failover HOST[:PORT]  a further server (or a URI; repeatable)\n"
"      --shared-storage\tall servers share one store (rw failover)\n"
"      --spread\tstart at a server picked by MAC address\n"
"  -m, --systemd-mark\targv[0] starts with '@' so systemd's shutdown and\n"
"\tswitch_root leave the process alone\n"
"TLS (any of these implies --tls):\n"
"  -x, --tls\trequire TLS (STARTTLS before anything else)\n"
"  -A, --cacert FILE\ttrusted CA certificates (PEM)\n"
"  -H, --tls-hostname NAME\tname to send (SNI) and check in the certificate\n"
"  -F, --cert FILE\tclient certificate (PEM), with --key\n"
"  -K, --key FILE\tclient private key (PEM: RSA or EC)\n"
"      --pin SPKI-SHA256\taccept exactly this server key (base64 or hex)\n"
"      --no-ktls\tkeep TLS in nbdc's pump, not in the kernel\n"
"  -V, --version\tprint the version\n"
"  -h, --help\tthis text\n"
"exit codes: 0 ok, 1 usage (-c: not connected), 2 system error, 3 cannot\n"
"connect, 4 server refused, 5 protocol error, 6 kernel/device error,\n"
"7 TLS error, 8 handshake timed out\n";

/* The usage text with each tab expanded to the next of its two columns
 * (27, 46): the alignment costs a byte, not a run of spaces. */
static void usage(int fd)
{
	char out[sizeof usage_text * 2];
	size_t n = 0, col = 0;
	for (const char *p = usage_text; *p; p++) {
		size_t to = *p != '\t' ? 0 : col < 27 ? 27 : 46;
		while (col < to)
			out[n++] = ' ', col++;
		if (*p != '\t')
			out[n++] = *p, col = *p == '\n' ? 0 : col + 1;
	}
	fmt_write(fd, out, n);
}

static int usage_error(const char *fmt, const char *arg)
{
	msg(fmt, arg); /* escaped there: arg may come from outside */
	usage(2);
	return EXIT_USAGE;
}

/* The codes of the long options without a short one: below ' ', never a
 * short option's letter (args.h). */
enum { OPT_INFO = 1, OPT_CONNECT_TIMEOUT, OPT_PIN, OPT_CMDLINE, OPT_RETRY,
       OPT_DUMP, OPT_RECONNECT_FOR, OPT_DELAY_MAX, OPT_NO_KTLS, OPT_FAILOVER,
       OPT_SHARED, OPT_SPREAD };

/* Packed as args.h says: code, name, '=' for an argument; the codes of
 * the OPT_ ones as octal escapes ("\1" is OPT_INFO). */
static const char long_opts[] =
	"N" "name=\0"
	"b" "block-size=\0"
	"t" "timeout=\0"
	"R" "readonly\0"
	"n" "nofork\0"
	"u" "unix=\0"
	"l" "list\0"
	"\1" "info\0"
	"c" "check=\0"
	"d" "disconnect=\0"
	"\2" "connect-timeout=\0"
	"x" "tls\0"
	"A" "cacert=\0"
	"H" "tls-hostname=\0"
	"F" "cert=\0"
	"K" "key=\0"
	"\3" "pin=\0"
	"\11" "no-ktls\0"
	"\12" "failover=\0"
	"\13" "shared-storage\0"
	"\14" "spread\0"
	"\4" "cmdline\0"
	"\5" "retry-for=\0"
	"m" "systemd-mark\0"
	"V" "version\0"
	"h" "help\0"
	/* nbd-client's spellings (also with one dash: getopt_long_only) */
	"p" "persist\0"
	"s" "swap\0"
	"L" "nonetlink\0"
	"C" "connections=\0"
	"F" "certfile=\0"
	"K" "keyfile=\0"
	"A" "cacertfile=\0"
	"H" "tlshostname=\0"
	"x" "enable-tls\0"
	"i" "identifier=\0"
	"D" "dead-timeout=\0"
	"D" "dead-conn-timeout=\0"
	"\7" "reconnect-for=\0"
	"\10" "reconnect-delay-max=\0"
	"g" "no-optgo\0"
	"B" "size=\0"
	"P" "preinit\0"
	"y" "priority=\0"
	"S" "sdp\0"
#ifdef NBDC_TEST_HOOKS
	"\6" "dump-options\0" /* test builds only */
#endif
	"";

/* Positional arguments: HOST [PORT] [/dev/nbdX]. The device is the one
 * argument that is a path, wherever it stands; HOST and PORT keep order. */
static int parse_positional(struct opts *o, int argc, char **argv)
{
	char *a[3];
	int n = 0;
	bool wants_dev = o->action == ACT_ATTACH;
	for (int i = 0; i < argc; i++) {
		long long v;
		if (!strncmp(argv[i], "bs=", 3)) { /* nbd-client's old spelling */
			if (!legal_block_size(v = number(argv[i] + 3, 0, 1 << 30)))
				return usage_error("bad block size in '%s'", argv[i]);
			o->blksize = (uint32_t)v;
		} else if (!strncmp(argv[i], "timeout=", 8)) {
			if ((v = number(argv[i] + 8, 1, 1 << 30)) < 0)
				return usage_error("bad timeout in '%s'", argv[i]);
			o->timeout = (unsigned)v;
		} else if (wants_dev && argv[i][0] == '/') {
			if (o->dev)
				return usage_error("two devices given: %s", argv[i]);
			o->dev = argv[i];
		} else if (n < 3) {
			a[n++] = argv[i];
		}
	}
	if (n && !o->unix_path && uri_is(a[0])) {
		if (n > 1)
			return usage_error("unexpected argument after a URI: %s "
					   "(the URI names port and export)", a[1]);
		if (o->name)
			return usage_error("%s", "-N and a URI both name the export: "
					   "give it in the URI");
		return opts_uri(o, a[0], false);
	}
	if (!o->unix_path && ((n == 1 && !o->dev && is_nbd_name(a[0])) ||
			      (n == 0 && o->dev)))
		return nbdtab(o, n ? a[0] : o->dev);
	if (o->unix_path) {
		if (n > 0)
			return usage_error("unexpected argument with --unix: %s", a[0]);
		o->host = "localhost";
	} else {
		if (n < 1)
			return usage_error("%s", "missing HOST");
		o->host = a[0];
		if (n > 1)
			o->port = a[1];
		if (n > 2)
			return usage_error("unexpected argument: %s", a[2]);
	}
	return EXIT_OK; /* no device: the kernel picks one (netlink) */
}

/* "nbd0" means /dev/nbd0, as nbd-client accepts it. */
static const char *dev_path(const char *s)
{
	static char buf[2][64];
	static int i;
	if (s[0] == '/' || !is_nbd_name(s) || strlen(s) + 6 > sizeof buf[0])
		return s; /* as given: opening it will say what is wrong */
	fmt_snprintf(buf[i & 1], sizeof buf[0], "/dev/%s", s);
	return buf[i++ & 1];
}

#ifdef NBDC_TEST_HOOKS
/* --dump-options: the settings the command line produced, for tests. */
static void dump_options(const struct opts *o)
{
	fmt_print(1, "action=%d host=%s port=%s name=%s dev=%s unix=%s bs=%u timeout=%u "
	       "readonly=%d nofork=%d persist=%d swap=%d nonetlink=%d conns=%u "
	       "no_optgo=%d mark=%d tls=%d ca=%s cert=%s key=%s hostname=%s "
	       "size=%llu dead=%u reconnect_for=%u delay_max=%u failover=%d%s%s "
	       "shared=%d spread=%d\n", o->action,
	       o->host ? o->host : "", o->port,
	       o->name, o->dev ? o->dev : (o->check_dev ? o->check_dev : ""),
	       o->unix_path ? o->unix_path : "", o->blksize, o->timeout,
	       o->readonly, o->nofork, o->persist, o->swap, o->nonetlink,
	       o->connections, o->no_optgo, o->systemd_mark, o->tls,
	       o->tlso.cafile ? o->tlso.cafile : "",
	       o->tlso.certfile ? o->tlso.certfile : "",
	       o->tlso.keyfile ? o->tlso.keyfile : "",
	       o->tlso.hostname ? o->tlso.hostname : "",
	       (unsigned long long)o->size_override, o->dead_timeout,
	       o->reconnect_for, o->reconnect_delay_max, o->nfailover,
	       o->nfailover ? "," : "", o->nfailover ? o->fo_host[o->nfailover - 1] : "",
	       o->shared_storage, o->spread);
}
#endif

static int parse_args(struct opts *o, int argc, char **argv)
{
	char *pos[256];
	struct args args;
	const char *optarg;
	int c;
	long long v;
	if (argc > (int)(sizeof pos / sizeof pos[0]))
		return usage_error("too many arguments (%s...)", argv[1]);
	o->port = DEFAULT_PORT; /* o->name stays NULL unless given: a URI checks */
	o->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
	args_init(&args, argc, argv, "N:b:t:Rnu:lc:d:VhxA:H:F:K:mpsLC:i:D:gB:Py:S",
		  long_opts, pos);
	while ((c = args_next(&args, &optarg)) != -1) {
		switch (c) {
		case 'N': o->name = optarg; break;
		case 'b':
			v = number(optarg, 0, 1 << 30);
			if (!legal_block_size(v))
				return usage_error("block size must be 512, 1024, "
						   "2048 or 4096, not '%s'", optarg);
			o->blksize = (uint32_t)v;
			break;
		case 't':
			if ((v = number(optarg, 1, 1 << 30)) < 0)
				return usage_error("bad timeout '%s' (seconds)", optarg);
			o->timeout = (unsigned)v;
			break;
		case OPT_CONNECT_TIMEOUT:
			if ((v = number(optarg, 1, 86400)) < 0)
				return usage_error("bad connect timeout '%s' "
						   "(seconds, 1..86400)", optarg);
			o->connect_timeout = (unsigned)v;
			break;
		case 'R': o->readonly = true; break;
		case 'n': o->nofork = true; break;
		case 'u': o->unix_path = optarg; break;
		case 'l': o->action = ACT_LIST; break;
		case OPT_INFO: o->action = ACT_INFO; break;
		case 'c': o->action = ACT_CHECK; o->check_dev = dev_path(optarg); break;
		case 'd': o->action = ACT_DISCONNECT; o->check_dev = dev_path(optarg); break;
		case OPT_RETRY:
			if ((v = number(optarg, 0, 86400)) < 0)
				return usage_error("bad --retry-for '%s' (seconds, "
						   "0..86400)", optarg);
			o->retry_for = (unsigned)v;
			o->retry_set = true;
			break;
		case OPT_CMDLINE: o->action = ACT_CMDLINE; break;
		case 'p': o->persist = true; break;
		case 's': o->swap = true; break;
		case 'L': o->nonetlink = true; break;
		case 'g': o->no_optgo = true; break;
		case 'C':
			if ((v = number(optarg, 1, NBDC_MAX_CONNS)) < 0)
				return usage_error("bad number of connections '%s'", optarg);
			o->connections = (unsigned)v;
			break;
		case 'B':
			if ((v = number(optarg, 1, INT64_MAX)) < 0)
				return usage_error("bad size '%s' (bytes)", optarg);
			o->size_override = (uint64_t)v;
			break;
		case 'D':
			if ((v = number(optarg, 0, 86400LL * 365)) < 0)
				return usage_error("bad dead-connection timeout "
						   "'%s' (seconds)", optarg);
			o->dead_timeout = (unsigned)v;
			o->dead_set = true;
			break;
		case OPT_RECONNECT_FOR:
			if ((v = number(optarg, 1, 86400LL * 365)) < 0)
				return usage_error("bad --reconnect-for '%s' "
						   "(seconds)", optarg);
			o->reconnect_for = (unsigned)v;
			break;
		case OPT_DELAY_MAX:
			if ((v = number(optarg, 1, 3600)) < 0)
				return usage_error("bad --reconnect-delay-max '%s' "
						   "(seconds, 1..3600)", optarg);
			o->reconnect_delay_max = (unsigned)v;
			break;
		case 'i': case 'P': case 'y': case 'S':
			msg("note: option -%c is not used by nbdc; ignored", c);
			break;
		case OPT_DUMP: o->dump = true; break;
		case 'm': o->systemd_mark = true; break;
		case 'x': o->tls = true; break;
		case 'A': o->tls = true; o->tlso.cafile = optarg; break;
		case 'H': o->tls = true; o->tlso.hostname = optarg; break;
		case 'F': o->tls = true; o->tlso.certfile = optarg; break;
		case 'K': o->tls = true; o->tlso.keyfile = optarg; break;
		case OPT_PIN: o->tls = true; o->tlso.pin = optarg; break;
		case OPT_NO_KTLS: o->no_ktls = true; break;
		case OPT_FAILOVER:
			if (opts_failover(o, optarg))
				return EXIT_USAGE;
			break;
		case OPT_SHARED: o->shared_storage = true; break;
		case OPT_SPREAD: o->spread = true; break;
		case 'V':
			fmt_print(1, "nbdc %s (tls: %s)\n", NBDC_VERSION,
			       tls_available ? "bearssl" : "none");
			exit(EXIT_OK);
		case 'h': usage(1); exit(EXIT_OK);
		default: usage(2); return EXIT_USAGE;
		}
	}
	char **rest = args.pos;
	int nrest = args.npos;
	if (o->action == ACT_CHECK || o->action == ACT_DISCONNECT)
		return nrest ? usage_error("unexpected argument: %s", rest[0])
			     : EXIT_OK;
	if (o->action == ACT_CMDLINE) {
		o->cmdline_file = nrest ? rest[0] : "/proc/cmdline";
		return nrest > 1 ? usage_error("unexpected argument: %s", rest[1])
				 : EXIT_OK;
	}
	return parse_positional(o, nrest, rest);
}

/* The settings every source (argv, nbdtab, the kernel command line and
 * NBDOPTS) produced, checked once, before anything is connected: a value
 * that cannot work is a usage error at once, never retried, never cut. */
static int check_opts(const struct opts *o)
{
	const struct tls_options *t = &o->tlso;
	const char *const files[][2] = { { "--cacert", t->cafile },
		{ "--cert", t->certfile }, { "--key", t->keyfile } };
	if (o->unix_path && strlen(o->unix_path) > 107) /* sun_path */
		return usage_error("Unix socket path is longer than 107 bytes: "
				   "%.80s...", o->unix_path);
	if (!o->unix_path && o->host && !*o->host)
		return usage_error("%s", "empty HOST");
	if (!o->unix_path && o->host && strlen(o->host) > HOST_NAME_MAX_LEN)
		return usage_error("HOST is longer than a host name can be "
				   "(253 bytes): %.80s...", o->host);
	if (!o->unix_path && number(o->port, 1, 65535) < 0)
		return usage_error("bad port '%s': expected a number from 1 to "
				   "65535", o->port);
	if (o->nfailover && o->unix_path)
		return usage_error("%s", "--failover names TCP servers; it does "
				   "not go with --unix");
	for (int i = 0; i < o->nfailover; i++)
		if (o->fo_name[i].n && !uri_part_is(o->fo_name[i], o->name))
			return usage_error("--failover: the URI of %s names another "
					   "export than the primary's", o->fo_host[i]);
	if (!o->tls)
		return EXIT_OK;
	/* An empty identity would check nothing: refuse it, wherever from. */
	if (t->hostname && !*t->hostname)
		return usage_error("%s", "empty --tls-hostname: it would "
				   "disable the check of the server's name");
	if (t->hostname && strlen(t->hostname) > HOST_NAME_MAX_LEN)
		return usage_error("--tls-hostname is longer than a host name "
				   "can be (253 bytes): %.80s...", t->hostname);
	if (t->pin && !*t->pin)
		return usage_error("%s", "empty --pin");
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (files[i][1] && !*files[i][1])
			return usage_error("empty file name for %s", files[i][0]);
	if (o->unix_path && !t->hostname && !t->pin)
		return usage_error("%s", "TLS over a Unix socket has no host "
				   "name to check: give --tls-hostname NAME "
				   "(in a URI: ?tls-hostname=NAME) or --pin");
	return EXIT_OK;
}

static void print_export(void *ctx, const char *name, const char *desc)
{
	(void)ctx;
	if (*desc)
		fmt_print(1, "%s\t%s\n", name, desc);
	else
		fmt_print(1, "%s\n", name);
}

static void print_info(const struct opts *o, const struct session *s,
		       const struct nego_result *r)
{
	char uri[URI_TEXT_MAX]; /* the strings are within limits: checked */
	const struct server *srv = &s->srv[s->cur];
	uri_format(uri, &(struct uri_text){ .tls = o->tls,
		.host = o->unix_path ? NULL : srv->host, .port = srv->port,
		.name = *r->name ? r->name : o->name, .socket = o->unix_path,
		.tls_hostname = o->tlso.hostname });
	static const char *const paths[] = { "none", "oldstyle",
		"NBD_OPT_EXPORT_NAME", "NBD_OPT_GO" };
	char flags[256];
	nbd_flags_str(r->flags, flags, sizeof flags);
	fmt_print(1, "export: %s\n", *r->name ? r->name : o->name);
	fmt_print(1, "size: %" PRIu64 "\n", r->size);
	fmt_print(1, "flags: %s\n", flags);
	if (r->have_block_size)
		fmt_print(1, "block size: min %u, preferred %u, max %u\n",
		       r->bs.min, r->bs.pref, r->bs.max);
	if (*r->description)
		fmt_print(1, "description: %s\n", r->description);
	fmt_print(1, "handshake: %s%s%s\n", r->path == NEGO_PATH_OLDSTYLE ? "" :
	       r->fixed_newstyle ? "fixed newstyle, " : "newstyle, ",
	       r->tls ? "TLS, " : "", paths[r->path]);
	fmt_print(1, "round trips: %u after the TCP connect\n", wire_round_trips());
	fmt_print(1, "uri: %s\n", uri);
}

static int check(const char *dev)
{
	pid_t pid;
	int r = kernel_check(dev, &pid);
	if (r > 0)
		fmt_print(1, "%d\n", (int)pid);
	return r > 0 ? EXIT_OK : r == 0 ? EXIT_USAGE : EXIT_SYSTEM;
}

/* Early-boot hygiene for a process that must outlive the initramfs.  The
 * '@' that tells systemd to leave it alone at switch_root and shutdown
 * (its "root storage daemon" contract) is only for a process started in
 * the initramfs (root on ramfs or tmpfs).  It comes by starting again as
 * "@" and argv[0]'s file name ("@nbdc"), so ps shows a readable name
 * whatever path started it. */
static void systemd_mark(char **argv)
{
	struct statfs fs;
	if (argv[0][0] != '@' && statfs("/", &fs) == 0 &&
	    (fs.f_type == 0x858458f6 || fs.f_type == 0x01021994)) { /* ramfs, tmpfs */
		char exe[512];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		static char name[64];
		char *was = argv[0];
		const char *base = strrchr(was, '/');
		fmt_snprintf(name, sizeof name, "@%s", base ? base + 1 : was);
		argv[0] = name;
		if (n > 0) {
			exe[n] = 0;
			execv(exe, argv);
		}
		argv[0] = was;
		was[0] = '@'; /* no exec: mark in place */
	}
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
}


/* Zeroed memory of its own (no heap in nbdc), or NULL after saying why. */
static void *map_zeroed(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		return p;
	msg_errno("cannot map %zu bytes", size);
	return NULL;
}

/* -p: what a reconnect needs from the kernel, unless given. */
static void persist_defaults(struct opts *o)
{
	if (!o->persist)
		return;
	if (!o->dead_set)
		o->dead_timeout = PERSIST_DEAD_TIMEOUT;
	if (!o->timeout)
		o->timeout = PERSIST_IO_TIMEOUT;
	if (!o->reconnect_for)
		o->reconnect_for = o->dead_timeout ? o->dead_timeout
						   : PERSIST_DEAD_TIMEOUT;
	if (!o->reconnect_delay_max)
		o->reconnect_delay_max = PERSIST_DELAY_MAX;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	/* Where --cmdline's strings live (the options point into them) and,
	 * for --info, the export's texts: mapped only for those, so a process
	 * left behind carries neither in its locked memory. */
	struct boot_spec *boot = NULL;
	static struct session sess;
	int code = parse_args(&o, argc, argv);
	if (code)
		return code;
	o.name = o.name ? o.name : "";
	persist_defaults(&o);
	if (o.systemd_mark)
		systemd_mark(argv);
	if (o.action == ACT_CMDLINE &&
	    ((boot = map_zeroed(sizeof *boot)) == NULL ||
	     (code = from_cmdline(&o, boot))))
		return boot ? code : EXIT_SYSTEM;
	persist_defaults(&o); /* NBDOPTS may have said -p */
#ifdef NBDC_TEST_HOOKS
	if (o.dump) {
		dump_options(&o);
		return EXIT_OK;
	}
#endif
	if (o.action <= ACT_INFO && (code = check_opts(&o)))
		return code;
	if (o.action == ACT_CHECK)
		return check(o.check_dev);
	if (o.action == ACT_DISCONNECT)
		return kernel_disconnect(o.check_dev);

	static const enum nego_mode modes[] = {
		[ACT_ATTACH] = NEGO_ATTACH, [ACT_LIST] = NEGO_LIST,
		[ACT_INFO] = NEGO_INFO };
	sess = (struct session){
		.unix_path = o.unix_path, .connect_timeout = o.connect_timeout, .retry_for = o.retry_for,
		.ktls = !o.no_ktls,
		.cfg = { .mode = modes[o.action], .name = o.name, .tls = o.tls,
			 .no_optgo = o.no_optgo, .on_export = print_export },
	};
	if (o.action == ACT_INFO &&
	    !(sess.cfg.texts = map_zeroed(sizeof *sess.cfg.texts)))
		return EXIT_SYSTEM;
	sess.srv[0] = (struct server){ .host = o.host, .port = o.port };
	for (int i = 0; i < o.nfailover; i++)
		sess.srv[i + 1] = (struct server){ .host = o.fo_host[i],
			.port = o.fo_port[i] ? o.fo_port[i] : o.port };
	sess.nsrv = 1 + o.nfailover;
	if (o.spread)
		sess.first = spread_index(sess.nsrv);
	session_name(&sess);
	if (o.tls) {
		o.tlso.host = o.unix_path ? NULL : o.host;
		if ((code = tls_prepare(&o.tlso)))
			return code;
	}
	nego_init(session_engine(), &sess.cfg);
	if (nego_status(session_engine()) == NEGO_FAILED) {
		msg("%s", nego_message(session_engine()));
		return EXIT_USAGE;
	}
	if (o.action == ACT_ATTACH && o.dev && (code = kernel_usable(o.dev)))
		return code; /* fail before bothering the server */
	if (o.action == ACT_ATTACH && !o.dev && (o.nonetlink || !kernel_has_netlink())) {
		msg("no device given, and %s: name a /dev/nbdX",
		    o.nonetlink ? "-nonetlink cannot pick one" :
		    "the kernel has no NBD netlink interface to pick one "
		    "(is the nbd module loaded?)");
		return EXIT_USAGE;
	}
	int sock;
	if ((code = session_connect(&sess, &sock)))
		return code;
	if (o.action != ACT_ATTACH) {
		if (o.action == ACT_INFO)
			print_info(&o, &sess, session_result());
		close(sock);
		return EXIT_OK;
	}
	if (o.nfailover && !o.readonly && !o.shared_storage &&
	    !(session_result()->flags & NBD_FLAG_READ_ONLY)) {
		msg("--failover with a writable export needs --shared-storage "
		    "(one store behind every server) or -R");
		close(sock);
		return EXIT_USAGE;
	}
	const char *dev = o.dev;
	code = attach_export(&o, &sess, sock, &dev);
	if (code == EXIT_OK && boot) { /* for the hook: what to mount, how */
		const char *t = boot->fstype[0] ? boot->fstype : "auto";
		bool how = boot->fstype[0] || boot->rootflags[0];
		fmt_print(1, "%s%s%s%s%s\n", boot->mount[0] ? boot->mount : dev,
			  how ? " " : "", how ? t : "",
			  boot->rootflags[0] ? " " : "", boot->rootflags);
	}
	return code;
}
