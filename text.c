/* text.c - see text.h. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "text.h"

/* Length of the valid UTF-8 sequence at s[0..len) that does not encode a
 * C1 control, or 0.  Rejects overlong forms, surrogates and > U+10FFFF. */
static size_t utf8_len(const uint8_t *s, size_t len)
{
	uint8_t c = s[0];
	size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
	if (n == 0 || c > 0xf4 || n > len)
		return 0;
	uint32_t cp = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	bool bad = cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		   cp <= 0x9f;
	return bad ? 0 : n;
}

/* Bytes of output for one input token at s[0..len), and the input it
 * takes (*adv). */
static size_t token(const uint8_t *s, size_t len, size_t *adv)
{
	size_t n = s[0] >= 0x80 ? utf8_len(s, len) : 0;
	*adv = n ? n : 1;
	return n ? n : s[0] >= 0x20 && s[0] < 0x7f ? 1 : 4;
}

/* Would all of s[0..len) fit in 'room' bytes? */
static bool rest_fits(const uint8_t *s, size_t len, size_t room)
{
	size_t need = 0, adv;
	for (size_t i = 0; i < len && need <= room; i += adv)
		need += token(s + i, len - i, &adv);
	return need <= room;
}

size_t text_escape(char *dst, size_t size, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = src;
	size_t o = 0, i = 0;
	while (i < len) {
		size_t adv, tl = token(s + i, len - i, &adv);
		bool n = tl == adv && s[i] >= 0x80, plain = tl == 1;
		/* room for this token, and for "..." unless the rest fits */
		if (o + tl + (i + adv < len ? 3 : 0) + 1 > size &&
		    !rest_fits(s + i, len - i, size - 1 - o)) {
			for (int k = 0; k < 3 && o + 1 < size; k++)
				dst[o++] = '.';
			break;
		}
		if (n || plain) {
			for (size_t k = 0; k < adv; k++)
				dst[o++] = (char)s[i + k];
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[s[i] >> 4];
			dst[o++] = hex[s[i] & 15];
		}
		i += adv;
	}
	dst[o] = 0;
	return o;
}

size_t text_abbrev(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = strlen(src);
	if (len < size) {
		memcpy(dst, src, len + 1);
		return len;
	}
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)src[i]) * 0x100000001b3ULL;
	size_t keep = size - 18;
	memcpy(dst, src, keep);
	dst[keep] = '~';
	for (int i = 0; i < 16; i++)
		dst[keep + 1 + (size_t)i] = hex[(h >> (60 - 4 * i)) & 15];
	dst[size - 1] = 0;
	return size - 1;
}

int text_hexval(int c)
{
	c |= c >= 'A' ? 32 : 0;
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool text_u64(const char *s, unsigned base, uint64_t max, uint64_t *v,
	      const char **end)
{
	uint64_t n = 0;
	const char *p = s;
	for (;; p++) {
		int h = text_hexval(*p);
		unsigned d = h < 0 ? 99 : (unsigned)h;
		if (d >= base)
			break;
		if (d > max || n > (max - d) / base)
			return false;
		n = n * base + d;
	}
	if (p == s || (!end && *p))
		return false;
	if (end)
		*end = p;
	*v = n;
	return true;
}

const char *text_find(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return hay;
	return n ? NULL : hay;
}

/* The errors nbdc can meet, in musl's words: its strerror() table holds
 * every errno the kernel knows (2 KiB); these are the ones a socket,
 * a device or a file here can give.  Each entry: the errno as one byte,
 * the text, NUL. */
static const char errtab[] =
	"\x01" "Operation not permitted\0"
	"\x02" "No such file or directory\0"
	"\x03" "No such process\0"
	"\x04" "Interrupted system call\0"
	"\x05" "I/O error\0"
	"\x06" "No such device or address\0"
	"\x09" "Bad file descriptor\0"
	"\x0b" "Resource temporarily unavailable\0"
	"\x0c" "Out of memory\0"
	"\x0d" "Permission denied\0"
	"\x0e" "Bad address\0"
	"\x10" "Resource busy\0"
	"\x11" "File exists\0"
	"\x13" "No such device\0"
	"\x14" "Not a directory\0"
	"\x15" "Is a directory\0"
	"\x16" "Invalid argument\0"
	"\x17" "Too many open files in system\0"
	"\x18" "No file descriptors available\0"
	"\x19" "Not a tty\0"
	"\x1c" "No space left on device\0"
	"\x1e" "Read-only file system\0"
	"\x20" "Broken pipe\0"
	"\x24" "Filename too long\0"
	"\x26" "Function not implemented\0"
	"\x28" "Symbolic link loop\0"
	"\x47" "Protocol error\0"
	"\x4a" "Bad message\0"
	"\x4b" "Value too large for data type\0"
	"\x5a" "Message too large\0"
	"\x5c" "Protocol not available\0"
	"\x5d" "Protocol not supported\0"
	"\x5f" "Not supported\0"
	"\x61" "Address family not supported by protocol\0"
	"\x62" "Address in use\0"
	"\x63" "Address not available\0"
	"\x64" "Network is down\0"
	"\x65" "Network unreachable\0"
	"\x67" "Connection aborted\0"
	"\x68" "Connection reset by peer\0"
	"\x69" "No buffer space available\0"
	"\x6b" "Socket not connected\0"
	"\x6c" "Cannot send after socket shutdown\0"
	"\x6e" "Operation timed out\0"
	"\x6f" "Connection refused\0"
	"\x70" "Host is down\0"
	"\x71" "Host is unreachable\0";

const char *text_errno(int err)
{
	static char other[16] = "errno ";
	for (const char *p = errtab; *p; p += strlen(p) + 1)
		if ((unsigned char)*p == err)
			return p + 1;
	char *d = other + 6;
	unsigned v = err < 0 ? 0 : (unsigned)err;
	size_t n = 1;
	for (unsigned t = v; t >= 10; t /= 10)
		n++;
	d[n] = 0;
	while (n--)
		d[n] = (char)('0' + v % 10), v /= 10;
	return other;
}

static bool ip4(const char *s, uint8_t *out)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, d = 0;
		bool zero = *s == '0'; /* no leading zeros: 010 is not octal here */
		while (d < 3 && *s >= '0' && *s <= '9')
			v = v * 10 + (unsigned)(*s++ - '0'), d++;
		if (!d || (zero && d > 1) || v > 255 || *s != (i < 3 ? '.' : 0))
			return false;
		out[i] = (uint8_t)v;
		s += i < 3;
	}
	return true;
}

int text_ip(const char *s, uint8_t out[16])
{
	uint16_t g[8];
	int n = 0, gap = -1;
	if (ip4(s, out))
		return 4;
	if (s[0] == ':' && s[1] == ':')
		gap = 0, s += 2;
	while (*s) {
		if (n < 7 && !strchr(s, ':') && strchr(s, '.')) { /* a.b.c.d tail */
			uint8_t v4[4];
			if (!ip4(s, v4))
				return 0;
			g[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
			g[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
			break;
		}
		unsigned v = 0, d = 0;
		while (d < 4 && text_hexval(*s) >= 0)
			v = v * 16 + (unsigned)text_hexval(*s++), d++;
		if (!d || n == 8)
			return 0;
		g[n++] = (uint16_t)v;
		if (!*s)
			break;
		if (*s++ != ':' || !*s)
			return 0;
		if (*s == ':') {
			if (gap >= 0)
				return 0;
			gap = n, s++;
		}
	}
	if (gap < 0 ? n != 8 : n == 8)
		return 0;
	memset(out, 0, 16);
	for (int i = 0; i < n; i++) {
		size_t at = (size_t)(gap >= 0 && i >= gap ? 8 - n + i : i) * 2;
		out[at] = (uint8_t)(g[i] >> 8);
		out[at + 1] = (uint8_t)g[i];
	}
	return 16;
}
