/* status.c - message helpers and the monotonic clock. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "status.h"

static int to_syslog;

void msg_use_syslog(void)
{
	openlog("nbdc", LOG_PID, LOG_DAEMON);
	to_syslog = 1;
}

static void vmsg(const char *fmt, va_list ap, int err)
{
	char line[8192];
	/* The callers va_start() 'ap'; clang-analyzer 14 cannot see that. */
	if (vsnprintf(line, sizeof line, fmt, ap) < 0) // NOLINT(clang-analyzer-valist.Uninitialized)
		line[0] = 0;
	if (to_syslog && err)
		syslog(LOG_ERR, "%s: %s", line, strerror(err));
	else if (to_syslog)
		syslog(LOG_ERR, "%s", line);
	else if (err)
		fprintf(stderr, "nbdc: %s: %s\n", line, strerror(err));
	else
		fprintf(stderr, "nbdc: %s\n", line);
}

void msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}

void msg_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap, err);
	va_end(ap);
}

static unsigned round_trips;
static int sent_since_wait;

void wire_sent(void)
{
	sent_since_wait = 1;
}

void wire_wait(void)
{
	round_trips += (unsigned)sent_since_wait;
	sent_since_wait = 0;
}

unsigned wire_round_trips(void)
{
	return round_trips;
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ms_left(int64_t deadline)
{
	int64_t left = deadline - now_ms();
	return left < 0 ? 0 : left > 86400000 ? 86400000 : (int)left;
}
