/*
 * uri.h - NBD URIs, as doc/uri.md of the NBD project defines them (and
 * libnbd, qemu and nbdinfo accept them):
 *
 *   nbd://HOST[:PORT][/EXPORT][?tls-hostname=NAME]
 *   nbds://...                          the same, TLS required
 *   nbd+unix:///[EXPORT]?socket=PATH    a Unix socket (nbds+unix: TLS)
 *
 * HOST is a name, an IPv4 address or [IPV6] (a zone as %25:
 * [fe80::1%25eth0]); PORT defaults to 10809.  One URI names one server
 * (more are more URIs: --failover URI, failover=URI).  Every part is percent-decoded; the export may hold any byte but NUL.
 * Queries: socket=, tls-hostname=, tls-verify-peer=1 (nbdc always
 * verifies: any other value is refused).  Anything else is refused with a
 * sentence naming the bad part: a user name (TLS-PSK, which BearSSL lacks),
 * an unknown query parameter, a fragment.
 *
 * Pure parsing, no I/O, no copies: the parts point into the text, and
 * uri_decode() writes one out.
 */
#ifndef URI_H
#define URI_H

#include <stdbool.h>
#include <stddef.h>

/* A part of the URI text, still percent-encoded; n == 0: absent. */
struct uri_part {
	const char *p;
	size_t n;
};

struct nbd_uri {
	bool tls;                      /* nbds, nbds+unix */
	bool unix_socket;              /* nbd+unix, nbds+unix */
	struct uri_part host;          /* without brackets; n == 0: Unix */
	struct uri_part port;          /* digits; n == 0: 10809 */
	struct uri_part name, socket, tls_hostname;
};

/* Does 's' start like a URI ("SCHEME://")?  A host name never does. */
bool uri_is(const char *s);

/* Parse 's'.  0, or -1 with a sentence in 'err' naming the bad part. */
int uri_parse(const char *s, struct nbd_uri *u, char *err, size_t errlen);

/* Part 'p' of a parsed URI, decoded into out[size] with its NUL.  False
 * when it does not fit (nothing is cut: the caller says what is too long). */
bool uri_decode(struct uri_part p, char *out, size_t size);

/* Whether part 'p', decoded, is the string 's'. */
bool uri_part_is(struct uri_part p, const char *s);

/* What an NBD URI is made of, as text, for uri_format(). */
struct uri_text {
	bool tls;
	const char *host, *port;    /* host NULL: a Unix socket */
	const char *name, *socket, *tls_hostname;
};

/* The most uri_format() writes, NUL included, for strings within the
 * protocol's and the system's limits (export 4096, host 253, socket 107,
 * port 5): each byte may become 3. */
#define URI_TEXT_MAX (3 * (4096 + 253 + 107 + 253 + 5) + 64)

/* The URI for 't' into out[URI_TEXT_MAX]: every byte but letters, digits,
 * "-._~" (and '/' in the export and socket, ':' in an IPv6 host)
 * percent-encoded, so that uri_parse() gives back exactly these strings. */
void uri_format(char *out, const struct uri_text *t);

#endif
