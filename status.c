/* status.c - message helpers and the monotonic clock. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <time.h>

#include "fmt.h"
#include "status.h"
#include "text.h"

static int log_fd = -1;

/* Our own client of /dev/log: one datagram "<27>nbdc[PID]: text" per
 * message (daemon.err; the log daemon adds the time).  libc's syslog()
 * would bring time-zone code along for a timestamp nobody needs. */
static int log_open(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void msg_use_syslog(void)
{
	log_fd = log_open();
}

/* Send to the log; reconnect once if the daemon was restarted. */
static int log_send(const char *line, int err)
{
	char rec[8192 + 256]; /* a whole line, the prefix and strerror */
	int n = fmt_snprintf(rec, sizeof rec, "<27>nbdc[%d]: %s%s%s", (int)getpid(),
			 line, err ? ": " : "", err ? text_errno(err) : "");
	if (n < 0)
		return -1;
	size_t len = (size_t)n < sizeof rec ? (size_t)n : sizeof rec - 1;
	for (int i = 0; i < 2; i++) {
		if (send(log_fd, rec, len, MSG_NOSIGNAL) >= 0)
			return 0;
		close(log_fd);
		if ((log_fd = log_open()) < 0)
			return -1;
	}
	return -1;
}

/* Every message passes here: whatever outside text it quotes (a server's,
 * a command line's, a file's) is escaped once more for the terminal, and a
 * line too long for the buffer ends in "..." rather than silently. */
static void vmsg(const char *fmt, va_list ap, int err)
{
	char raw[8192], line[8192];
	/* The callers va_start() 'ap'; clang-analyzer 14 cannot see that. */
	int n = fmt_vsnprintf(raw, sizeof raw, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof raw) {
		memcpy(raw + sizeof raw - 4, "...", 4);
		n = sizeof raw - 1;
	}
	text_escape(line, sizeof line, raw, (size_t)n);
	if (log_fd >= 0 && log_send(line, err) == 0)
		return;
	if (err)
		fmt_print(2, "nbdc: %s: %s\n", line, text_errno(err));
	else
		fmt_print(2, "nbdc: %s\n", line);
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

/* The first clock_gettime system call, not musl's function (whose vDSO
 * lookup is 900 bytes, for a clock nbdc reads a few times a second at
 * most).  That call's timespec is two longs on every ABI: 32-bit seconds
 * on 32-bit machines (where musl names it clock_gettime32), which the
 * time since boot never outgrows. */
#ifdef SYS_clock_gettime32
#define SYS_CLOCK_GETTIME_LONGS SYS_clock_gettime32
#else
#define SYS_CLOCK_GETTIME_LONGS SYS_clock_gettime
#endif
int64_t now_ms(void)
{
	long ts[2];
	syscall(SYS_CLOCK_GETTIME_LONGS, CLOCK_MONOTONIC, ts);
	return (int64_t)ts[0] * 1000 + ts[1] / 1000000;
}

int ms_left(int64_t deadline)
{
	int64_t left = deadline - now_ms();
	return left < 0 ? 0 : left > 86400000 ? 86400000 : (int)left;
}
