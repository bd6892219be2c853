/*
 * fuzz_bootargs.c - libFuzzer harness for the kernel command-line parser
 * and the DHCP root-path parser: whatever the line says, the result is a
 * verdict and NUL-terminated fields, never a crash or an overrun.  The
 * line is also an NBD URI: one that parses decodes, prints with
 * uri_format() and parses back to the same parts.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bootargs.h"
#include "uri.h"

/* A URI that parses prints and parses back to the same decoded parts. */
static void uri_round_trip(const char *line)
{
	static char name[8192], host[8192], port[8192], sock[8192], tn[8192], again[8192];
	static char out[URI_TEXT_MAX + 8192 * 3];
	struct nbd_uri u, v;
	char err[600];
	if (uri_parse(line, &u, err, sizeof err)) {
		if (!err[0])
			__builtin_trap();
		return;
	}
	if (!uri_decode(u.name, name, sizeof name) || !uri_decode(u.host, host, sizeof host) ||
	    !uri_decode(u.port, port, sizeof port) || !uri_decode(u.socket, sock, sizeof sock) ||
	    !uri_decode(u.tls_hostname, tn, sizeof tn))
		__builtin_trap(); /* each part is shorter than the line */
	if (strlen(name) > 4096 || strlen(host) > 253 || strlen(sock) > 107 || strlen(tn) > 253)
		return; /* over the limits uri_format() is sized for */
	struct uri_text t = { u.tls, u.unix_socket ? NULL : host, port[0] ? port : "10809",
			      name, u.unix_socket ? sock : NULL, u.tls_hostname.n ? tn : NULL };
	uri_format(out, &t);
	if (uri_parse(out, &v, err, sizeof err) || v.tls != u.tls ||
	    v.unix_socket != u.unix_socket || !uri_decode(v.name, again, sizeof again) ||
	    strcmp(again, name) != 0 || (!u.unix_socket && !uri_part_is(v.host, host)) ||
	    (u.unix_socket && !uri_part_is(v.socket, sock)))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[8192];
	char err[512];
	struct boot_spec b;
	if (size >= sizeof line)
		return 0;
	memcpy(line, data, size);
	line[size] = 0;
	int r = bootargs_parse(line, &b, err, sizeof err);
	if (r == 0 && (strlen(b.host) >= sizeof b.host || strlen(b.dev) >= sizeof b.dev))
		__builtin_trap();
	if (r < 0 && !err[0])
		__builtin_trap();
	if (r == 0 && b.uri[0] && !uri_is(b.uri))
		__builtin_trap();
	memset(&b, 0, sizeof b);
	(void)bootargs_rootpath(line, &b, err, sizeof err);
	uri_round_trip(line);
	return 0;
}
