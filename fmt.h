/*
 * fmt.h - the formatting nbdc needs, without stdio: snprintf's contract
 * for the conversions our messages use (%s %c %d %u %x with l, ll, z,
 * width, zero padding and precision for %s), and printing to a descriptor.
 * musl's printf family with its float code was the largest single piece
 * of libc in the binary; this is a small fraction of it.
 */
#ifndef FMT_H
#define FMT_H

#include <stdarg.h>
#include <stddef.h>

#define FMT(a, b) __attribute__((format(printf, a, b)))

/* As vsnprintf/snprintf: writes at most size bytes, NUL included, and
 * returns the length the whole output would have. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) FMT(3, 4);

/* Format to descriptor 'fd' (stdout, stderr), whole, however long. */
void fmt_vprint(int fd, const char *fmt, va_list ap);
void fmt_print(int fd, const char *fmt, ...) FMT(2, 3);

/* Write all of 'len' bytes to 'fd' (EINTR and short writes handled;
 * other errors dropped: there is nowhere to report them). */
void fmt_write(int fd, const void *buf, size_t len);

#endif
