/* tls_none.c - the TLS interface when nbdc is built with TLS=0. */
#include <errno.h>

#include "fmt.h"
#include "status.h"
#include "pump.h"
#include "tls.h"

const bool tls_available = false;

int tls_prepare(const struct tls_options *o)
{
	(void)o;
	msg("TLS is not built into this nbdc (built with TLS=0)");
	return EXIT_TLS;
}

int tls_handshake(int fd, int64_t deadline, const char *peer)
{
	(void)fd, (void)deadline;
	msg("%s: TLS is not built into this nbdc", peer);
	return EXIT_TLS;
}

int tls_write(const uint8_t *buf, size_t len, int64_t deadline)
{
	(void)buf, (void)len, (void)deadline;
	return ENOTSUP;
}

int tls_read(uint8_t *buf, size_t len, size_t *got, int64_t deadline)
{
	(void)buf, (void)len, (void)deadline;
	*got = 0;
	return ENOTSUP;
}

int tls_pump(int tcp, int local)
{
	(void)tcp, (void)local;
	return -1;
}

long tls_alloc_count(void)
{
	return -1;
}

const char *tls_hint(void)
{
	return "";
}

int tls_to_kernel(int fd, char *why, size_t size)
{
	(void)fd;
	fmt_snprintf(why, size, "TLS is not built in");
	return 1;
}

const char *tls_suite_name(void)
{
	return "none";
}

const char *tls_failure(void)
{
	return "";
}

/* No TLS, no pump (and no pthread in the binary). */
int pump_pair(int tcp, int *ksock)
{
	(void)tcp, (void)ksock;
	return EXIT_TLS;
}

int pump_prepare(void)
{
	return EXIT_TLS;
}

int pump_run(void)
{
	return EXIT_TLS;
}

int pump_start(int tcp, int *ksock)
{
	(void)tcp, (void)ksock;
	return EXIT_TLS;
}

void pump_stop(void)
{
}
