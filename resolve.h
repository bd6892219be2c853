/*
 * resolve.h - host name to addresses under the caller's deadline: an IP
 * literal, a name in /etc/hosts, or a DNS question (A and AAAA over UDP)
 * to the name servers of /etc/resolv.conf.  Unlike getaddrinfo() it can
 * never outlive --connect-timeout, whatever the name servers do, and it
 * allocates nothing.
 */
#ifndef RESOLVE_H
#define RESOLVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RESOLV_CONF "/etc/resolv.conf"
#define HOSTS_FILE  "/etc/hosts"
#define HOST_NAME_MAX_LEN 253 /* a DNS name, dots included */

enum resolve_status {
	RESOLVE_OK = 0,
	RESOLVE_NOTFOUND,  /* the name does not exist, or has no address */
	RESOLVE_TIMEOUT,   /* no answer before the deadline */
	RESOLVE_BADNAME,   /* neither an IP address nor a valid DNS name */
};

struct resolved {
	int n;
	struct sockaddr_storage addr[8];
	socklen_t len[8];
};

/* Fill 'out' with the addresses of 'host' (port 'port' set in each),
 * routable IPv6 first, then IPv4, then what has no route now.  On failure
 * 'why' says what happened, naming the name servers asked. */
enum resolve_status resolve_host(const char *host, uint16_t port,
				 int64_t deadline, struct resolved *out,
				 char *why, size_t whylen);

/* The address of 'ss' as text (INET6_ADDRSTRLEN bytes suffice). */
void resolve_ntop(const struct sockaddr_storage *ss, char *buf, size_t size);

/* Parse one DNS reply to query 'id' for 'qtype' (1: A, 28: AAAA) and add
 * its addresses to 'out'.  Returns the reply code (0 NOERROR, 3 NXDOMAIN,
 * ...) or -1 when the datagram is not a well-formed reply to that query.
 * Pure, for tests and the fuzzer. */
int resolve_parse_reply(const uint8_t *p, size_t len, uint16_t id,
			uint16_t qtype, uint16_t port, struct resolved *out);

#endif
