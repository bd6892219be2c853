/*
 * nbdc.c - command line and orchestration: parse argv, connect, run the
 * handshake, then print (--info, --list) or hand the socket to the kernel.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

#ifndef NBDC_VERSION
#define NBDC_VERSION "0.1"
#endif
#define DEFAULT_PORT "10809"
#define DEFAULT_CONNECT_TIMEOUT 30

static const char usage_text[] =
"usage: nbdc [options] HOST [PORT] [/dev/nbdX] attach an export (without a\n"
"                                              device: the kernel picks one,\n"
"                                              and its path is printed)\n"
"       nbdc -l|--list HOST [PORT]             list exports\n"
"       nbdc --info [options] HOST [PORT]      show an export, attach nothing\n"
"       nbdc -c|--check /dev/nbdX              print the pid serving it\n"
"       nbdc -d|--disconnect /dev/nbdX         disconnect it\n"
"       nbdc --cmdline [FILE] [options]        attach the NBD root named on the\n"
"                                              kernel command line (default\n"
"                                              /proc/cmdline); print its device\n"
"options:\n"
"  -N, --name EXPORT        export name (default: the server's default)\n"
"  -b, --block-size N       block size: 512, 1024, 2048 or 4096\n"
"  -t, --timeout SEC        kernel I/O timeout\n"
"  -R, --readonly           attach read-only\n"
"  -n, --nofork             stay in the foreground while attached\n"
"  -u, --unix PATH          server is on a Unix socket (no HOST/PORT)\n"
"      --connect-timeout SEC  deadline for connect + handshake (default 30)\n"
"      --retry-for SEC      retry connecting for this long (default 0;\n"
"                           120 with --cmdline), one line per attempt\n"
"  -L, --nonetlink          attach with ioctls, not netlink (the default when\n"
"                           the kernel has it)\n"
"  -C, --connections N      N connections, if the server allows several\n"
"  -p, --persist            stay behind and reconnect when the server is lost\n"
"      --dead-conn-timeout SEC  how long the kernel holds I/O while waiting\n"
"                           for a reconnect (default 60 with -p)\n"
"      --reconnect-for SEC  give up reconnecting after this long (default:\n"
"                           the dead-connection timeout); then disconnect\n"
"      --reconnect-delay-max SEC  cap of the backoff between attempts (2)\n"
"  -m, --systemd-mark       argv[0] starts with '@' so systemd's shutdown and\n"
"                           switch_root leave the process alone\n"
"TLS (any of these implies --tls):\n"
"  -x, --tls                require TLS (STARTTLS before anything else)\n"
"  -A, --cacert FILE        trusted CA certificates (PEM)\n"
"  -H, --tls-hostname NAME  name to send (SNI) and check in the certificate\n"
"  -F, --cert FILE          client certificate (PEM), with --key\n"
"  -K, --key FILE           client private key (PEM: RSA or EC)\n"
"      --pin SPKI-SHA256    accept exactly this server key (base64 or hex)\n"
"      --no-ktls            keep TLS in nbdc's pump, not in the kernel\n"
"  -V, --version            print the version\n"
"  -h, --help               this text\n"
"exit codes: 0 ok, 1 usage (-c: not connected), 2 system error, 3 cannot\n"
"connect, 4 server refused, 5 protocol error, 6 kernel/device error,\n"
"7 TLS error, 8 handshake timed out\n";

static int usage_error(const char *fmt, const char *arg)
{
	msg(fmt, arg); /* escaped there: arg may come from outside */
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* A whole decimal number in [min, max], or -1. */
long long number(const char *s, long long min, long long max)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	return *s && !*end && v >= min && v <= max ? v : -1;
}

bool legal_block_size(long long v)
{
	return v >= KERNEL_MIN_BLOCK && v <= KERNEL_MAX_BLOCK && !(v & (v - 1));
}

enum { OPT_INFO = 256, OPT_CONNECT_TIMEOUT, OPT_PIN, OPT_CMDLINE, OPT_RETRY,
       OPT_DUMP, OPT_RECONNECT_FOR, OPT_DELAY_MAX, OPT_NO_KTLS };

static const struct option long_opts[] = {
	{ "name", required_argument, NULL, 'N' },
	{ "block-size", required_argument, NULL, 'b' },
	{ "timeout", required_argument, NULL, 't' },
	{ "readonly", no_argument, NULL, 'R' },
	{ "nofork", no_argument, NULL, 'n' },
	{ "unix", required_argument, NULL, 'u' },
	{ "list", no_argument, NULL, 'l' },
	{ "info", no_argument, NULL, OPT_INFO },
	{ "check", required_argument, NULL, 'c' },
	{ "disconnect", required_argument, NULL, 'd' },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "tls", no_argument, NULL, 'x' },
	{ "cacert", required_argument, NULL, 'A' },
	{ "tls-hostname", required_argument, NULL, 'H' },
	{ "cert", required_argument, NULL, 'F' },
	{ "key", required_argument, NULL, 'K' },
	{ "pin", required_argument, NULL, OPT_PIN },
	{ "no-ktls", no_argument, NULL, OPT_NO_KTLS },
	{ "cmdline", no_argument, NULL, OPT_CMDLINE },
	{ "retry-for", required_argument, NULL, OPT_RETRY },
	{ "systemd-mark", no_argument, NULL, 'm' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	/* nbd-client's spellings (also with one dash: getopt_long_only) */
	{ "persist", no_argument, NULL, 'p' },
	{ "swap", no_argument, NULL, 's' },
	{ "nonetlink", no_argument, NULL, 'L' },
	{ "connections", required_argument, NULL, 'C' },
	{ "certfile", required_argument, NULL, 'F' },
	{ "keyfile", required_argument, NULL, 'K' },
	{ "cacertfile", required_argument, NULL, 'A' },
	{ "tlshostname", required_argument, NULL, 'H' },
	{ "enable-tls", no_argument, NULL, 'x' },
	{ "identifier", required_argument, NULL, 'i' },
	{ "dead-timeout", required_argument, NULL, 'D' },
	{ "dead-conn-timeout", required_argument, NULL, 'D' },
	{ "reconnect-for", required_argument, NULL, OPT_RECONNECT_FOR },
	{ "reconnect-delay-max", required_argument, NULL, OPT_DELAY_MAX },
	{ "no-optgo", no_argument, NULL, 'g' },
	{ "size", required_argument, NULL, 'B' },
	{ "preinit", no_argument, NULL, 'P' },
	{ "priority", required_argument, NULL, 'y' },
	{ "sdp", no_argument, NULL, 'S' },
	{ "dump-options", no_argument, NULL, OPT_DUMP }, /* for tests */
	{ 0, 0, 0, 0 },
};

/* Positional arguments: HOST [PORT] [/dev/nbdX]. The device is the one
 * argument that is a path, wherever it stands; HOST and PORT keep order. */
static int parse_positional(struct opts *o, int argc, char **argv)
{
	char *a[3];
	int n = 0;
	bool wants_dev = o->action == ACT_ATTACH;
	for (int i = optind; i < argc; i++) {
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
	snprintf(buf[i & 1], sizeof buf[0], "/dev/%s", s);
	return buf[i++ & 1];
}

/* --dump-options: the settings the command line produced, for tests. */
static void dump_options(const struct opts *o)
{
	printf("action=%d host=%s port=%s name=%s dev=%s unix=%s bs=%u timeout=%u "
	       "readonly=%d nofork=%d persist=%d swap=%d nonetlink=%d conns=%u "
	       "no_optgo=%d mark=%d tls=%d ca=%s cert=%s key=%s hostname=%s "
	       "size=%llu dead=%u reconnect_for=%u delay_max=%u\n", o->action,
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
	       o->reconnect_for, o->reconnect_delay_max);
}

static int parse_args(struct opts *o, int argc, char **argv)
{
	int c;
	long long v;
	o->port = DEFAULT_PORT;
	o->name = "";
	o->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
	while ((c = getopt_long_only(argc, argv,
			"N:b:t:Rnu:lc:d:VhxA:H:F:K:mpsLC:i:D:gB:Py:S", long_opts,
			NULL)) != -1) {
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
		case 'V':
			printf("nbdc %s (tls: %s)\n", NBDC_VERSION,
			       tls_available ? "bearssl" : "none");
			exit(EXIT_OK);
		case 'h': fputs(usage_text, stdout); exit(EXIT_OK);
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (o->action == ACT_CHECK || o->action == ACT_DISCONNECT)
		return optind < argc ? usage_error("unexpected argument: %s",
						   argv[optind]) : EXIT_OK;
	if (o->action == ACT_CMDLINE) {
		o->cmdline_file = optind < argc ? argv[optind++] : "/proc/cmdline";
		return optind < argc ? usage_error("unexpected argument: %s",
						   argv[optind]) : EXIT_OK;
	}
	return parse_positional(o, argc, argv);
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
				   "or --pin");
	return EXIT_OK;
}

static void print_export(void *ctx, const char *name, const char *desc)
{
	(void)ctx;
	if (*desc)
		printf("%s\t%s\n", name, desc);
	else
		printf("%s\n", name);
}

static void print_info(const struct opts *o, const struct nego_result *r)
{
	static const char *const paths[] = { "none", "oldstyle",
		"NBD_OPT_EXPORT_NAME", "NBD_OPT_GO" };
	char flags[256];
	nbd_flags_str(r->flags, flags, sizeof flags);
	printf("export: %s\n", *r->name ? r->name : o->name);
	printf("size: %" PRIu64 "\n", r->size);
	printf("flags: %s\n", flags);
	if (r->have_block_size)
		printf("block size: min %u, preferred %u, max %u\n",
		       r->bs.min, r->bs.pref, r->bs.max);
	if (*r->description)
		printf("description: %s\n", r->description);
	printf("handshake: %s%s%s\n", r->path == NEGO_PATH_OLDSTYLE ? "" :
	       r->fixed_newstyle ? "fixed newstyle, " : "newstyle, ",
	       r->tls ? "TLS, " : "", paths[r->path]);
	printf("round trips: %u after the TCP connect\n", wire_round_trips());
}

static int check(const char *dev)
{
	pid_t pid;
	int r = kernel_check(dev, &pid);
	if (r > 0)
		printf("%d\n", (int)pid);
	return r > 0 ? EXIT_OK : r == 0 ? EXIT_USAGE : EXIT_SYSTEM;
}

/* Early-boot hygiene for a process that must outlive the initramfs. */
static void systemd_mark(char **argv)
{
	argv[0][0] = '@';
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
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
	static struct boot_spec boot;
	static struct session sess;
	int code = parse_args(&o, argc, argv);
	if (code)
		return code;
	persist_defaults(&o);
	if (o.dump) {
		dump_options(&o);
		return EXIT_OK;
	}
	if (o.systemd_mark)
		systemd_mark(argv);
	if (o.action == ACT_CMDLINE && (code = from_cmdline(&o, &boot)))
		return code;
	persist_defaults(&o); /* NBDOPTS may have said -p */
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
		.host = o.host, .port = o.port, .unix_path = o.unix_path,
		.connect_timeout = o.connect_timeout, .retry_for = o.retry_for,
		.ktls = !o.no_ktls,
		.cfg = { .mode = modes[o.action], .name = o.name, .tls = o.tls,
			 .no_optgo = o.no_optgo, .on_export = print_export },
	};
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
			print_info(&o, session_result());
		close(sock);
		return EXIT_OK;
	}
	const char *dev = o.dev;
	code = attach_export(&o, &sess, sock, &dev);
	if (code == EXIT_OK && o.cmdline_file) /* the device for the hook */
		printf("%s\n", boot.mount[0] ? boot.mount : dev);
	return code;
}
