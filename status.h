/*
 * status.h - exit codes and the one-line message helpers shared by every
 * layer.  The exit codes are documented in README.md; keep them in step.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stdint.h>

enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,    /* bad command line; for -c: not connected */
	EXIT_SYSTEM = 2,   /* local failure (fork, memory...); for -c: error */
	EXIT_CONNECT = 3,  /* cannot resolve or connect to the server */
	EXIT_REFUSED = 4,  /* the server refused the export or option */
	EXIT_PROTOCOL = 5, /* the server broke the NBD protocol */
	EXIT_KERNEL = 6,   /* the NBD device or driver failed or is busy */
	EXIT_TLS = 7,      /* TLS required but not possible or refused */
	EXIT_TIMEOUT = 8,  /* the handshake did not finish within its deadline */
};

/* "nbdc: " + message + "\n" on stderr.  msg_errno appends ": strerror". */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* From now on, messages go to syslog (/dev/log) instead of stderr: for
 * the process left running once its caller's stderr may be gone. */
void msg_use_syslog(void);

/* Round trips on the wire, for --info and the benchmark: a wait for the
 * server after having sent something counts one. */
void wire_sent(void);
void wire_wait(void);
unsigned wire_round_trips(void);

/* Milliseconds on the monotonic clock. */
int64_t now_ms(void);

/* Milliseconds left until 'deadline' (a now_ms() value), as a poll()
 * timeout: 0 once passed, at most a day. */
int ms_left(int64_t deadline);

#endif
