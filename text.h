/*
 * text.h - making text from outside (a server, a kernel command line, a
 * DHCP file, nbdtab) safe to print on a terminal, the Linux console
 * included, where a raw 0x9b is a CSI and ESC starts a sequence.
 */
#ifndef TEXT_H
#define TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most bytes text_escape() writes for 'n' bytes of input, NUL included. */
#define TEXT_ESCAPED_MAX(n) (4 * (size_t)(n) + 1)

/* Copy src[0..len) into dst (NUL-terminated, size > 3), writing C0
 * controls, DEL, C1 controls (raw 0x80-0x9f or U+0080-U+009F in UTF-8) and
 * every byte that is not part of valid UTF-8 as "\xNN"; valid UTF-8 and
 * printable ASCII stay as they are.  The output of this function passes
 * through it unchanged.  When dst is too small the copy ends with "..."
 * (never silently cut).  Returns the length written. */
size_t text_escape(char *dst, size_t size, const void *src, size_t len);

/* The value of hex digit 'c' (either case), or -1. */
int text_hexval(int c);

/* Digits in base 10 or 16 at 's', at most 'max': true with *v set.  With
 * 'end' NULL the whole string must be the number; else *end is set past
 * the digits.  No sign, no spaces, no overflow. */
bool text_u64(const char *s, unsigned base, uint64_t max, uint64_t *v,
	      const char **end);

/* Where 'needle' first stands in 'hay', or NULL. */
const char *text_find(const char *hay, const char *needle);

/* 'src' into dst[size] whole when it fits; otherwise as much of its start
 * as fits before "~" and 16 hex digits of a 64-bit FNV-1a hash of all of
 * it, so two long strings that differ anywhere still differ.  For
 * identifiers that must stay short, not for text a person must read
 * whole.  size must be at least 18.  Returns the length written. */
size_t text_abbrev(char *dst, size_t size, const char *src);

/* An IPv4 (a.b.c.d) or IPv6 literal (RFC 4291 text, "::" and a dotted
 * tail included; no zone): 4 or 16 with its bytes in 'out', else 0. */
int text_ip(const char *s, uint8_t out[16]);

/* What errno 'err' means ("Connection refused"); "errno N" for the rare
 * ones nbdc has no words for. */
const char *text_errno(int err);

#endif
