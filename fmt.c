/* fmt.c - see fmt.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "fmt.h"

/* Where output goes: a buffer (with snprintf's truncation) or, through a
 * small chunk, a descriptor. */
struct sink {
	char *buf;
	size_t size, len; /* len counts everything, stored or not */
	int fd;           /* >= 0: flush buf to it when full */
};

void fmt_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

static void put(struct sink *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s->fd >= 0 && s->len == s->size) {
			fmt_write(s->fd, s->buf, s->len);
			s->len = 0;
		}
		if (s->len < s->size)
			s->buf[s->len] = p[i];
		s->len++;
	}
}

static void pad(struct sink *s, char c, size_t n)
{
	while (n--)
		put(s, &c, 1);
}

/* One integer conversion: 'v' in base 10 or 16, sign in 'neg'. */
static void number(struct sink *s, uint64_t v, bool neg, unsigned base,
		   size_t width, bool zero)
{
	char d[24];
	size_t n = 0;
	do {
		d[sizeof d - ++n] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		d[sizeof d - ++n] = '-';
	if (width > n)
		pad(s, zero ? '0' : ' ', width - n);
	put(s, d + sizeof d - n, n);
}

/* Callers va_copy() 'ap' from a va_start()ed list; clang-analyzer 14
 * loses track of that through the pointer, hence the NOLINT block. */
// NOLINTBEGIN(clang-analyzer-valist.Uninitialized)
static void format(struct sink *s, const char *f, va_list *ap)
{
	for (; *f; f++) {
		if (*f != '%') {
			const char *e = strchr(f, '%');
			size_t n = e ? (size_t)(e - f) : strlen(f);
			put(s, f, n);
			f += n - 1;
			continue;
		}
		bool zero = *++f == '0';
		size_t width = 0, prec = SIZE_MAX;
		int lng = 0;
		for (; *f >= '0' && *f <= '9'; f++)
			width = width * 10 + (size_t)(*f - '0');
		if (*f == '.') {
			prec = 0;
			if (*++f == '*') {
				prec = (size_t)va_arg(*ap, int);
				f++;
			}
			for (; *f >= '0' && *f <= '9'; f++)
				prec = prec * 10 + (size_t)(*f - '0');
		}
		/* lng: 1 long, 2 long long, 3 size_t (32 bits on 32-bit
		 * machines: it must be read as what it is) */
		for (; *f == 'l' || *f == 'z'; f++)
			lng = *f == 'z' ? 3 : lng + 1;
		int64_t sv;
		uint64_t uv;
		switch (*f) {
		case 's': {
			const char *str = va_arg(*ap, const char *);
			size_t n = 0;
			while (n < prec && str[n])
				n++;
			if (width > n)
				pad(s, ' ', width - n);
			put(s, str, n);
			break;
		}
		case 'c': {
			char c = (char)va_arg(*ap, int);
			put(s, &c, 1);
			break;
		}
		case 'd':
			sv = lng == 3 ? (int64_t)va_arg(*ap, ssize_t)
			   : lng == 2 ? va_arg(*ap, long long)
			   : lng ? va_arg(*ap, long) : va_arg(*ap, int);
			number(s, sv < 0 ? 0 - (uint64_t)sv : (uint64_t)sv, sv < 0,
			       10, width, zero);
			break;
		case 'u':
		case 'x':
			uv = lng == 3 ? va_arg(*ap, size_t)
			   : lng == 2 ? va_arg(*ap, unsigned long long)
			   : lng ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned);
			number(s, uv, false, *f == 'x' ? 16 : 10, width, zero);
			break;
		case '%':
			put(s, "%", 1);
			break;
		default: /* not a conversion we use: shown, never crashed on */
			put(s, "%?", 2);
			if (!*f)
				return;
		}
	}
}

// NOLINTEND(clang-analyzer-valist.Uninitialized)

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size ? size - 1 : 0, 0, -1 };
	va_list cp;
	va_copy(cp, ap);
	format(&s, fmt, &cp);
	va_end(cp);
	if (size)
		buf[s.len < s.size ? s.len : s.size] = 0;
	return s.len > INT32_MAX ? INT32_MAX : (int)s.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void fmt_vprint(int fd, const char *fmt, va_list ap)
{
	char chunk[512];
	struct sink s = { chunk, sizeof chunk, 0, fd };
	va_list cp;
	va_copy(cp, ap);
	format(&s, fmt, &cp);
	va_end(cp);
	fmt_write(fd, chunk, s.len);
}

void fmt_print(int fd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vprint(fd, fmt, ap);
	va_end(ap);
}
