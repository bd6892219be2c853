/*
 * test_nego.c - unit tests of the wire format and of the handshake engine,
 * driven by a byte-exact scripted peer: no sockets, the bytes are the test.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "nego.h"
#include "text.h"

static int passed, failed;
static const char *current;

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "FAIL %s:%d [%s]: %s\n", __FILE__, __LINE__, current, #cond); \
	failed++; return; } } while (0)

/* ---- byte builders ---- */
struct buf { uint8_t b[20000]; size_t n; };
static void b64(struct buf *b, uint64_t v) { nbd_put64(b->b + b->n, v); b->n += 8; }
static void b32(struct buf *b, uint32_t v) { nbd_put32(b->b + b->n, v); b->n += 4; }
static void b16(struct buf *b, uint16_t v) { nbd_put16(b->b + b->n, v); b->n += 2; }
static void bmem(struct buf *b, const void *p, size_t n) { memcpy(b->b + b->n, p, n); b->n += n; }
static void bzero_(struct buf *b, size_t n) { memset(b->b + b->n, 0, n); b->n += n; }

static void greeting(struct buf *b, uint16_t hs)
{
	b64(b, NBD_MAGIC); b64(b, NBD_IHAVEOPT); b16(b, hs);
}
static void rep(struct buf *b, uint32_t opt, uint32_t type, uint32_t len)
{
	b64(b, NBD_REP_MAGIC); b32(b, opt); b32(b, type); b32(b, len);
}
static void rep_export(struct buf *b, uint32_t opt, uint64_t size, uint16_t fl)
{
	rep(b, opt, NBD_REP_INFO, 12); b16(b, NBD_INFO_EXPORT); b64(b, size); b16(b, fl);
}

/* ---- engine helpers ---- */
static struct nego n;
static int exports_seen;
static char last_export[5000];
static void on_export(void *ctx, const char *name, const char *desc)
{
	(void)ctx;
	exports_seen++;
	snprintf(last_export, sizeof last_export, "%s|%s", name, desc);
}

static void start(enum nego_mode mode, const char *name, bool tls)
{
	static struct nego_texts texts;
	struct nego_config c = { .mode = mode, .name = name, .tls = tls,
				 .on_export = on_export,
				 .texts = mode == NEGO_INFO ? &texts : NULL };
	exports_seen = 0;
	nego_init(&n, &c);
}

/* Feed server bytes in chunks of at most 'chunk', the way a socket would:
 * never more than the engine offers room for. Returns bytes not taken. */
static size_t feed_chunked(const struct buf *b, size_t chunk)
{
	size_t off = 0;
	while (off < b->n && nego_status(&n) == NEGO_WANT_IO) {
		size_t len, sl;
		nego_sendbuf(&n, &sl);
		if (sl)
			return b->n - off; /* caller must take output first */
		uint8_t *p = nego_recvbuf(&n, &len);
		if (!len)
			break;
		if (len > chunk) len = chunk;
		if (len > b->n - off) len = b->n - off;
		memcpy(p, b->b + off, len);
		nego_recvack(&n, len);
		off += len;
	}
	return b->n - off;
}
static size_t feed(const struct buf *b) { return feed_chunked(b, 1 << 20); }

/* Take everything queued and compare it with 'want'. */
static int take(const struct buf *want)
{
	size_t len;
	const uint8_t *p = nego_sendbuf(&n, &len);
	int ok = len == want->n && !memcmp(p, want->b, len);
	if (!ok)
		fprintf(stderr, "  output: %zu bytes, expected %zu\n", len, want->n);
	nego_sendack(&n, len);
	return ok;
}

static void go_request(struct buf *b, uint32_t flags, const char *name)
{
	static const uint16_t infos[] = { NBD_INFO_EXPORT, NBD_INFO_BLOCK_SIZE };
	if (flags != 0xffffffff) b32(b, flags);
	b->n = (size_t)(nbd_enc_info_req(b->b + b->n, NBD_OPT_GO, name,
					 strlen(name), infos, 2) - b->b);
}

#define TEST(name) static void name(void)
#define RUN(name) do { int f = failed; current = #name; name(); \
	if (failed == f) passed++; } while (0)

TEST(test_be_codec)
{
	uint8_t b[8];
	nbd_put64(b, 0x0102030405060708ULL);
	CHECK(b[0] == 1 && b[7] == 8);
	CHECK(nbd_get64(b) == 0x0102030405060708ULL);
	CHECK(nbd_get32(b) == 0x01020304 && nbd_get16(b + 6) == 0x0708);
	uint8_t r[NBD_REQUEST_LEN];
	CHECK(nbd_enc_request(r, NBD_CMD_DISC) == r + NBD_REQUEST_LEN);
	CHECK(nbd_get32(r) == NBD_REQUEST_MAGIC && nbd_get16(r + 6) == NBD_CMD_DISC);
}

TEST(test_go_happy_path)
{
	struct buf s = { 0 }, want = { 0 };
	start(NEGO_ATTACH, "disk", false);
	greeting(&s, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
	CHECK(feed(&s) == 0);
	go_request(&want, 3, "disk");
	CHECK(take(&want));
	size_t len;
	nego_recvbuf(&n, &len);
	CHECK(len == NBD_REP_HDR_LEN); /* asks for one header, no more */
	s.n = 0;
	rep_export(&s, NBD_OPT_GO, 3ULL << 40, 0x1ed);
	rep(&s, NBD_OPT_GO, NBD_REP_INFO, 14); b16(&s, NBD_INFO_BLOCK_SIZE);
	b32(&s, 512); b32(&s, 4096); b32(&s, 1 << 25);
	rep(&s, NBD_OPT_GO, NBD_REP_INFO, 4); b16(&s, 77); b16(&s, 0); /* unknown: ignored */
	rep(&s, NBD_OPT_GO, NBD_REP_ACK, 0);
	CHECK(feed(&s) == 0);
	CHECK(nego_status(&n) == NEGO_DONE);
	const struct nego_result *r = nego_result(&n);
	CHECK(r->size == 3ULL << 40 && r->flags == 0x1ed && r->path == NEGO_PATH_GO);
	CHECK(r->have_block_size && r->bs.min == 512 && r->bs.pref == 4096 &&
	      r->bs.max == 1 << 25);
	nego_sendbuf(&n, &len);
	CHECK(len == 0);
}

TEST(test_byte_at_a_time)
{
	struct buf s = { 0 }, want = { 0 };
	start(NEGO_ATTACH, "", false);
	greeting(&s, NBD_FLAG_FIXED_NEWSTYLE);
	CHECK(feed_chunked(&s, 1) == 0);
	go_request(&want, 1, "");
	CHECK(take(&want));
	s.n = 0;
	rep_export(&s, NBD_OPT_GO, 4097, 1);
	rep(&s, NBD_OPT_GO, NBD_REP_ACK, 0);
	CHECK(feed_chunked(&s, 1) == 0);
	CHECK(nego_status(&n) == NEGO_DONE && nego_result(&n)->size == 4097);
}

TEST(test_go_unsup_falls_back_to_export_name)
{
	struct buf s = { 0 }, want = { 0 };
	start(NEGO_ATTACH, "x", false);
	greeting(&s, NBD_FLAG_FIXED_NEWSTYLE);
	feed(&s);
	go_request(&want, 1, "x");
	CHECK(take(&want));
	s.n = 0;
	rep(&s, NBD_OPT_GO, NBD_REP_ERR_UNSUP, 0);
	CHECK(feed(&s) == 0);
	want.n = 0;
	want.n = (size_t)(nbd_enc_opt(want.b, NBD_OPT_EXPORT_NAME, "x", 1) - want.b);
	CHECK(take(&want));
	size_t len;
	nego_recvbuf(&n, &len);
	CHECK(len == 134); /* no NO_ZEROES: the 124 zeroes follow */
	s.n = 0;
	b64(&s, 1 << 20); b16(&s, 3); bzero_(&s, 124);
	CHECK(feed(&s) == 0);
	CHECK(nego_status(&n) == NEGO_DONE);
	CHECK(nego_result(&n)->path == NEGO_PATH_EXPORT_NAME);
	CHECK(nego_result(&n)->flags == 3);
}

/* -no-optgo: EXPORT_NAME even when the server is fixed-newstyle. */
TEST(test_no_optgo)
{
	struct buf s = { 0 }, want = { 0 };
	struct nego_config c = { .mode = NEGO_ATTACH, .name = "x", .no_optgo = true };
	nego_init(&n, &c);
	greeting(&s, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
	feed(&s);
	b32(&want, 3);
	want.n = (size_t)(nbd_enc_opt(want.b + 4, NBD_OPT_EXPORT_NAME, "x", 1) - want.b);
	CHECK(take(&want));
	s.n = 0; b64(&s, 4096); b16(&s, 1);
	feed(&s);
	CHECK(nego_status(&n) == NEGO_DONE && nego_result(&n)->path == NEGO_PATH_EXPORT_NAME);
}

TEST(test_plain_newstyle_no_zeroes)
{
	struct buf s = { 0 }, want = { 0 };
	start(NEGO_ATTACH, "e", false);
	greeting(&s, NBD_FLAG_NO_ZEROES);
	feed(&s);
	b32(&want, NBD_FLAG_C_NO_ZEROES);
	want.n = (size_t)(nbd_enc_opt(want.b + 4, NBD_OPT_EXPORT_NAME, "e", 1) - want.b);
	CHECK(take(&want));
	size_t len;
	nego_recvbuf(&n, &len);
	CHECK(len == 10);
	s.n = 0;
	b64(&s, 512); b16(&s, 1);
	feed(&s);
	CHECK(nego_status(&n) == NEGO_DONE && nego_result(&n)->size == 512);
	CHECK(!nego_result(&n)->fixed_newstyle);
}

TEST(test_oldstyle)
{
	struct buf s = { 0 };
	start(NEGO_ATTACH, "", false);
	b64(&s, NBD_MAGIC); b64(&s, NBD_OLDSTYLE_MAGIC); b64(&s, 5000);
	b32(&s, 3); bzero_(&s, 124);
	CHECK(feed(&s) == 0);
	CHECK(nego_status(&n) == NEGO_DONE);
	CHECK(nego_result(&n)->size == 5000 && nego_result(&n)->path == NEGO_PATH_OLDSTYLE);
	start(NEGO_ATTACH, "named", false);
	feed(&s);
	CHECK(nego_status(&n) == NEGO_FAILED && nego_error(&n) == NEGO_E_REFUSED);
	start(NEGO_LIST, "", false);
	feed(&s);
	CHECK(nego_status(&n) == NEGO_FAILED && nego_error(&n) == NEGO_E_REFUSED);
}

/* Every option error becomes a sentence naming the export and quoting the
 * server's text. */
TEST(test_every_error_reply)
{
	static const struct { uint32_t code; const char *words; } cases[] = {
		{ NBD_REP_ERR_POLICY, "policy" },
		{ NBD_REP_ERR_INVALID, "invalid" },
		{ NBD_REP_ERR_PLATFORM, "platform" },
		{ NBD_REP_ERR_TLS_REQD, "server requires TLS (use --tls and --cacert)" },
		{ NBD_REP_ERR_UNKNOWN, "no such export" },
		{ NBD_REP_ERR_SHUTDOWN, "shutting down" },
		{ NBD_REP_ERR_BLOCK_SIZE_REQD, "block size" },
		{ NBD_REP_ERR_TOO_BIG, "too big" },
		{ NBD_REP_ERR_EXT_HEADER_REQD, "extended headers" },
		{ NBD_REP_FLAG_ERROR | 99, "0x80000063" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf s = { 0 };
		start(NEGO_ATTACH, "vol1", false);
		greeting(&s, NBD_FLAG_FIXED_NEWSTYLE);
		rep(&s, NBD_OPT_GO, cases[i].code, 10);
		bmem(&s, "go\x1b[2Jaway", 10);
		size_t left = feed(&s);
		size_t len;
		nego_sendbuf(&n, &len);
		nego_sendack(&n, len);
		s.n = left ? s.n - left : s.n;
		struct buf rest = { 0 };
		bmem(&rest, s.b + s.n, left);
		feed(&rest);
		CHECK(nego_status(&n) == NEGO_FAILED);
		CHECK(nego_error(&n) == NEGO_E_REFUSED);
		CHECK(strstr(nego_message(&n), cases[i].words));
		CHECK(strstr(nego_message(&n), "export 'vol1'"));
		CHECK(strstr(nego_message(&n), "server says: \"go\\x1b[2Jaway\""));
	}
}

/* Run the fixed-newstyle GO handshake with 'tail' as the reply stream. */
static void go_with_replies(const struct buf *tail)
{
	struct buf s = { 0 };
	size_t len;
	start(NEGO_ATTACH, "d", false);
	greeting(&s, NBD_FLAG_FIXED_NEWSTYLE);
	feed(&s);
	nego_sendbuf(&n, &len);
	nego_sendack(&n, len);
	feed(tail);
}

TEST(test_hostile_replies)
{
	struct buf t = { 0 };
	/* wrong reply magic */
	b64(&t, 0x1122334455667788ULL); b32(&t, NBD_OPT_GO); b32(&t, NBD_REP_ACK); b32(&t, 0);
	go_with_replies(&t);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL && strstr(nego_message(&n), "bad magic"));
	/* reply for another option */
	t.n = 0; rep(&t, NBD_OPT_LIST, NBD_REP_ACK, 0);
	go_with_replies(&t);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL && strstr(nego_message(&n), "answered option 3"));
	/* huge length field: refused before anything is read */
	t.n = 0; rep(&t, NBD_OPT_GO, NBD_REP_INFO, 0xffffffff);
	go_with_replies(&t);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL && strstr(nego_message(&n), "4294967295"));
	/* boundary: the largest payload allowed is read, one more refused */
	t.n = 0; rep(&t, NBD_OPT_GO, NBD_REP_INFO, NEGO_MAX_REPLY + 1);
	go_with_replies(&t);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL);
	t.n = 0; rep(&t, NBD_OPT_GO, NBD_REP_INFO, NEGO_MAX_REPLY);
	b16(&t, 999); bzero_(&t, NEGO_MAX_REPLY - 2);
	rep_export(&t, NBD_OPT_GO, 1, 1); rep(&t, NBD_OPT_GO, NBD_REP_ACK, 0);
	go_with_replies(&t);
	CHECK(nego_status(&n) == NEGO_DONE);
	/* ACK with a payload */
	t.n = 0; rep(&t, NBD_OPT_GO, NBD_REP_ACK, 1); bzero_(&t, 1);
	go_with_replies(&t);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL);
	/* INFO_EXPORT of the wrong length */
	t.n = 0; rep(&t, NBD_OPT_GO, NBD_REP_INFO, 11); b16(&t, 0); bzero_(&t, 9);
	go_with_replies(&t);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL && strstr(nego_message(&n), "item 0"));
	/* size above INT64_MAX */
	t.n = 0; rep_export(&t, NBD_OPT_GO, 1ULL << 63, 1);
	go_with_replies(&t);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL && strstr(nego_message(&n), "9223372036854775808"));
	/* exactly INT64_MAX is fine */
	t.n = 0; rep_export(&t, NBD_OPT_GO, INT64_MAX, 1); rep(&t, NBD_OPT_GO, NBD_REP_ACK, 0);
	go_with_replies(&t);
	CHECK(nego_status(&n) == NEGO_DONE && nego_result(&n)->size == INT64_MAX);
	/* ACK without the size */
	t.n = 0; rep(&t, NBD_OPT_GO, NBD_REP_ACK, 0);
	go_with_replies(&t);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL && strstr(nego_message(&n), "NBD_INFO_EXPORT"));
	/* an endless stream of info replies is cut off at the limit */
	t.n = 0;
	for (int i = 0; i < NEGO_MAX_INFOS + 5; i++)
		rep_export(&t, NBD_OPT_GO, 1, 1);
	go_with_replies(&t);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL && strstr(nego_message(&n), "more than 32"));
	/* unexpected reply type */
	t.n = 0; rep(&t, NBD_OPT_GO, NBD_REP_SERVER, 4); bzero_(&t, 4);
	go_with_replies(&t);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL);
	/* error text longer than the protocol's 4096 */
	t.n = 0; rep(&t, NBD_OPT_GO, NBD_REP_ERR_POLICY, 4097); bzero_(&t, 4097);
	go_with_replies(&t);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL);
}

TEST(test_bad_greeting_and_eof)
{
	struct buf s = { 0 };
	start(NEGO_INFO, "", false);
	bmem(&s, "HTTP/1.1 400 Bad Request\r\n", 26);
	feed(&s);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL && strstr(nego_message(&n), "not an NBD server"));
	s.n = 0; b64(&s, NBD_MAGIC); b64(&s, 42);
	start(NEGO_INFO, "", false);
	feed(&s);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL);
	start(NEGO_INFO, "", false);
	s.n = 0; b64(&s, NBD_MAGIC);
	feed(&s);
	nego_eof(&n);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL && strstr(nego_message(&n), "8 of 16"));
	start(NEGO_INFO, "", false);
	nego_eof(&n);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL && strstr(nego_message(&n), "before its greeting"));
	/* closed after EXPORT_NAME: the server's way of refusing */
	start(NEGO_ATTACH, "gone", false);
	s.n = 0; greeting(&s, 0);
	feed(&s);
	size_t len;
	nego_sendbuf(&n, &len);
	nego_sendack(&n, len);
	nego_eof(&n);
	CHECK(nego_error(&n) == NEGO_E_REFUSED && strstr(nego_message(&n), "export 'gone'"));
	/* but a reply cut in the middle is a broken server, not a refusal */
	start(NEGO_ATTACH, "cut", false);
	s.n = 0; greeting(&s, 0);
	feed(&s);
	nego_sendbuf(&n, &len);
	nego_sendack(&n, len);
	s.n = 0; b64(&s, 1 << 20);
	feed(&s);
	nego_eof(&n);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL &&
	      strstr(nego_message(&n), "middle of EXPORT_NAME_REPLY (8 of 134"));
}

/* doc/proto.md's block size rules: each way to break them, and the
 * extremes that are allowed. */
TEST(test_block_size_rules)
{
	static const struct { uint32_t min, pref, max; bool ok; } cases[] = {
		{ 1, 4096, 0xffffffff, true },     /* nbdkit */
		{ 1, 4096, 1U << 25, true },       /* qemu-nbd */
		{ 512, 512, 512, true },
		{ 65536, 65536, 1U << 20, true },
		{ 3, 4096, 0xffffffff, false },    /* min not a power of 2 */
		{ 0, 4096, 0xffffffff, false },
		{ 131072, 131072, 0xffffffff, false }, /* min over 64 KiB */
		{ 1, 3000, 0xffffffff, false },    /* pref not a power of 2 */
		{ 1, 256, 0xffffffff, false },     /* pref under 512 */
		{ 4096, 2048, 0xffffffff, false }, /* pref under min */
		{ 512, 8192, 6144, false },        /* max not >= pref... */
		{ 4096, 4096, 6144, false },       /* ...nor a multiple of min */
		{ 3, 1U << 31, 7, false },         /* the case that was accepted */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		static struct buf t;
		t.n = 0;
		rep(&t, NBD_OPT_GO, NBD_REP_INFO, 14); b16(&t, NBD_INFO_BLOCK_SIZE);
		b32(&t, cases[i].min); b32(&t, cases[i].pref); b32(&t, cases[i].max);
		rep_export(&t, NBD_OPT_GO, 1, 1);
		rep(&t, NBD_OPT_GO, NBD_REP_ACK, 0);
		go_with_replies(&t);
		if (cases[i].ok) {
			CHECK(nego_status(&n) == NEGO_DONE);
		} else {
			char want[80];
			snprintf(want, sizeof want, "minimum %u, preferred %u, maximum %u",
				 cases[i].min, cases[i].pref, cases[i].max);
			CHECK(nego_error(&n) == NEGO_E_PROTOCOL);
			CHECK(strstr(nego_message(&n), want));
		}
	}
}

/* One escaping function for all outside text (text.h). */
TEST(test_text_escape)
{
	static const struct { const char *in; size_t len; const char *out; } cases[] = {
		{ "plain text", 10, "plain text" },
		{ "\x1b[2J", 4, "\\x1b[2J" },           /* C0: ESC */
		{ "a\x7f", 2, "a\\x7f" },                 /* DEL */
		{ "\x9b" "1m", 3, "\\x9b1m" },            /* raw C1: CSI */
		{ "\xc2\x9b" "1m", 4, "\\xc2\\x9b1m" },    /* U+009B in UTF-8 */
		{ "caf\xc3\xa9", 5, "caf\xc3\xa9" },      /* valid UTF-8 stays */
		{ "\xe2\x82\xac", 3, "\xe2\x82\xac" },    /* U+20AC */
		{ "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80" }, /* U+1F600 */
		{ "\xc0\xaf", 2, "\\xc0\\xaf" },          /* overlong */
		{ "\xed\xa0\x80", 3, "\\xed\\xa0\\x80" }, /* surrogate */
		{ "\xe2\x82", 2, "\\xe2\\x82" },          /* cut short */
		{ "\xff", 1, "\\xff" },
		{ "a\0b", 3, "a\\x00b" },
	};
	char out[64], again[64];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		text_escape(out, sizeof out, cases[i].in, cases[i].len);
		if (strcmp(out, cases[i].out) != 0)
			fprintf(stderr, "  case %zu: got '%s'\n", i, out);
		CHECK(!strcmp(out, cases[i].out));
		text_escape(again, sizeof again, out, strlen(out));
		CHECK(!strcmp(again, out)); /* its own output passes unchanged */
	}
	/* too long for the buffer: it says so with "..." */
	CHECK(text_escape(out, 8, "abcdefghij", 10) == 7 && !strcmp(out, "abcd..."));
	CHECK(text_escape(out, 8, "abcdefg", 7) == 7 && !strcmp(out, "abcdefg"));
	CHECK(text_escape(out, 8, "\x1b\x1b", 2) == 7 && !strcmp(out, "\\x1b..."));
}

/* errno words: musl's for the errors nbdc meets, "errno N" for others. */
TEST(test_text_errno)
{
	static const struct { int err; const char *text; } cases[] = {
		{ EPERM, "Operation not permitted" }, { ENOENT, "No such file or directory" },
		{ EACCES, "Permission denied" }, { EBUSY, "Resource busy" },
		{ ENOTTY, "Not a tty" }, { EPROTO, "Protocol error" },
		{ ENETUNREACH, "Network unreachable" }, { ECONNRESET, "Connection reset by peer" },
		{ ETIMEDOUT, "Operation timed out" }, { ECONNREFUSED, "Connection refused" },
		{ EHOSTUNREACH, "Host is unreachable" }, { EMSGSIZE, "Message too large" },
		{ EDOM, "errno 33" }, { 0, "errno 0" }, { 4095, "errno 4095" }, { -5, "errno 0" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (strcmp(text_errno(cases[i].err), cases[i].text) != 0)
			fprintf(stderr, "  errno %d: '%s'\n", cases[i].err, text_errno(cases[i].err));
		CHECK(!strcmp(text_errno(cases[i].err), cases[i].text));
	}
}

/* Our address literals against the C library's inet_pton. */
TEST(test_text_ip)
{
	static const char *const cases[] = {
		"1.2.3.4", "255.255.255.255", "0.0.0.0", "256.1.1.1", "1.2.3",
		"1.2.3.4.5", "1..2.3", "01.2.3.4", "1.2.3.4 ", "", "a.b.c.d",
		"::", "::1", "1::", "1::2", "fe80::1", "2001:db8::8a2e:370:7334",
		"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", ":::", "1:::2", "1::2::3",
		":1", "1:", "12345::", "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
		"1:2:3:4:5:6:7:1.2.3.4", "::ffff:1.2.3", "::ffff:256.1.1.1", "g::1",
		"FE80::ABCD", "[::1]", "::1%eth0", "1.2.3.4:80", "host.example",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t a[16], b[16];
		int k = text_ip(cases[i], a);
		int want = inet_pton(AF_INET, cases[i], b) == 1 ? 4 :
			   inet_pton(AF_INET6, cases[i], b) == 1 ? 16 : 0;
		if (k != want || (k && memcmp(a, b, (size_t)k) != 0))
			fprintf(stderr, "  '%s': %d, inet_pton says %d\n", cases[i], k, want);
		CHECK(k == want && (!k || memcmp(a, b, (size_t)k) == 0));
	}
}

TEST(test_list)
{
	struct buf s = { 0 }, want = { 0 };
	start(NEGO_LIST, "", false);
	greeting(&s, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
	feed(&s);
	b32(&want, 3);
	want.n = (size_t)(nbd_enc_opt(want.b + 4, NBD_OPT_LIST, NULL, 0) - want.b);
	CHECK(take(&want));
	s.n = 0;
	rep(&s, NBD_OPT_LIST, NBD_REP_SERVER, 4 + 3 + 5); b32(&s, 3); bmem(&s, "abcdescr", 8);
	rep(&s, NBD_OPT_LIST, NBD_REP_SERVER, 4); b32(&s, 0);
	rep(&s, NBD_OPT_LIST, NBD_REP_ACK, 0);
	CHECK(feed(&s) == 0);
	CHECK(exports_seen == 2 && !strcmp(last_export, "|"));
	CHECK(nego_status(&n) == NEGO_DONE);
	want.n = (size_t)(nbd_enc_opt(want.b, NBD_OPT_ABORT, NULL, 0) - want.b);
	CHECK(take(&want));
	/* name length larger than its reply */
	start(NEGO_LIST, "", false);
	s.n = 0; greeting(&s, NBD_FLAG_FIXED_NEWSTYLE);
	feed(&s);
	size_t len;
	nego_sendbuf(&n, &len);
	nego_sendack(&n, len);
	s.n = 0; rep(&s, NBD_OPT_LIST, NBD_REP_SERVER, 8); b32(&s, 5); bmem(&s, "abcd", 4);
	feed(&s);
	CHECK(nego_error(&n) == NEGO_E_PROTOCOL && strstr(nego_message(&n), "5-byte name"));
	/* boundary: name length exactly the reply's remainder is fine */
	start(NEGO_LIST, "", false);
	s.n = 0; greeting(&s, NBD_FLAG_FIXED_NEWSTYLE);
	feed(&s);
	nego_sendbuf(&n, &len);
	nego_sendack(&n, len);
	s.n = 0; rep(&s, NBD_OPT_LIST, NBD_REP_SERVER, 8); b32(&s, 4); bmem(&s, "abcd", 4);
	rep(&s, NBD_OPT_LIST, NBD_REP_ERR_POLICY, 0);
	feed(&s);
	CHECK(exports_seen == 1 && !strcmp(last_export, "abcd|"));
	CHECK(nego_error(&n) == NEGO_E_REFUSED && strstr(nego_message(&n), "listing exports"));
}

TEST(test_info_mode)
{
	struct buf s = { 0 }, want = { 0 };
	static const uint16_t infos[] = { NBD_INFO_EXPORT, NBD_INFO_NAME,
		NBD_INFO_DESCRIPTION, NBD_INFO_BLOCK_SIZE };
	start(NEGO_INFO, "e1", false);
	greeting(&s, NBD_FLAG_FIXED_NEWSTYLE);
	feed(&s);
	b32(&want, 1);
	want.n = (size_t)(nbd_enc_info_req(want.b + 4, NBD_OPT_GO, "e1", 2, infos, 4) - want.b);
	CHECK(take(&want));
	s.n = 0;
	rep(&s, NBD_OPT_GO, NBD_REP_INFO, 2 + 4); b16(&s, NBD_INFO_DESCRIPTION); bmem(&s, "test", 4);
	rep(&s, NBD_OPT_GO, NBD_REP_INFO, 2 + 2); b16(&s, NBD_INFO_NAME); bmem(&s, "e1", 2);
	rep_export(&s, NBD_OPT_GO, 100, 3);
	rep(&s, NBD_OPT_GO, NBD_REP_ACK, 0);
	feed(&s);
	CHECK(nego_status(&n) == NEGO_DONE);
	CHECK(!strcmp(nego_result(&n)->description, "test"));
	CHECK(!strcmp(nego_result(&n)->name, "e1"));
	want.n = (size_t)(nbd_enc_request(want.b, NBD_CMD_DISC) - want.b);
	CHECK(take(&want));
	/* GO unsupported: EXPORT_NAME, then NBD_CMD_DISC */
	start(NEGO_INFO, "", false);
	s.n = 0; greeting(&s, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
	rep(&s, NBD_OPT_GO, NBD_REP_ERR_UNSUP, 0);
	size_t left = feed(&s), len;
	nego_sendbuf(&n, &len);
	nego_sendack(&n, len);
	struct buf rest = { 0 };
	bmem(&rest, s.b + s.n - left, left);
	feed(&rest);
	nego_sendbuf(&n, &len);
	nego_sendack(&n, len);
	s.n = 0; b64(&s, 77); b16(&s, 1);
	feed(&s);
	CHECK(nego_status(&n) == NEGO_DONE);
	CHECK(nego_result(&n)->path == NEGO_PATH_EXPORT_NAME);
	want.n = (size_t)(nbd_enc_request(want.b, NBD_CMD_DISC) - want.b);
	CHECK(take(&want));
}

TEST(test_starttls_first)
{
	struct buf s = { 0 }, want = { 0 };
	size_t len;
	start(NEGO_ATTACH, "secret", true);
	greeting(&s, NBD_FLAG_FIXED_NEWSTYLE);
	feed(&s);
	b32(&want, 1);
	want.n = (size_t)(nbd_enc_opt(want.b + 4, NBD_OPT_STARTTLS, NULL, 0) - want.b);
	CHECK(take(&want)); /* the export name is not in plaintext */
	s.n = 0; rep(&s, NBD_OPT_STARTTLS, NBD_REP_ACK, 0);
	bmem(&s, "\x16\x03\x03", 3); /* TLS bytes must not be consumed */
	CHECK(feed(&s) == 3);
	CHECK(nego_status(&n) == NEGO_STARTTLS);
	nego_tls_ready(&n);
	want.n = 0; go_request(&want, 0xffffffff, "secret");
	CHECK(take(&want));
	CHECK(nego_result(&n)->tls);
	/* a server that is not fixed-newstyle cannot do TLS */
	start(NEGO_ATTACH, "", true);
	s.n = 0; greeting(&s, 0);
	feed(&s);
	CHECK(nego_error(&n) == NEGO_E_TLS);
	/* refused STARTTLS */
	start(NEGO_INFO, "", true);
	s.n = 0; greeting(&s, 1); rep(&s, NBD_OPT_STARTTLS, NBD_REP_ERR_POLICY, 0);
	size_t left = feed(&s);
	nego_sendbuf(&n, &len);
	nego_sendack(&n, len);
	struct buf rest = { 0 };
	bmem(&rest, s.b + s.n - left, left);
	feed(&rest);
	CHECK(nego_error(&n) == NEGO_E_TLS);
}

TEST(test_name_too_long)
{
	static char name[NBD_MAX_STRING + 2];
	memset(name, 'a', NBD_MAX_STRING);
	struct buf s = { 0 };
	start(NEGO_ATTACH, name, false); /* 4096: allowed */
	CHECK(nego_status(&n) == NEGO_WANT_IO);
	greeting(&s, NBD_FLAG_FIXED_NEWSTYLE);
	feed(&s);
	size_t len;
	nego_sendbuf(&n, &len);
	CHECK(len == 4 + nbd_info_req_len(NBD_MAX_STRING, 2));
	name[NBD_MAX_STRING] = 'a';
	start(NEGO_ATTACH, name, false);
	CHECK(nego_status(&n) == NEGO_FAILED && nego_error(&n) == NEGO_E_CLIENT);
}

/* Every server-controlled length: the boundary value, one past it, and the
 * maximum of its type. */
TEST(test_length_boundaries)
{
	static const struct { uint32_t type, len; uint16_t info; bool ok; } cases[] = {
		/* NBD_INFO_NAME / DESCRIPTION: 2 + up to 4096 bytes of text */
		{ NBD_REP_INFO, 2 + NBD_MAX_STRING, NBD_INFO_NAME, true },
		{ NBD_REP_INFO, 2 + NBD_MAX_STRING + 1, NBD_INFO_NAME, false },
		{ NBD_REP_INFO, 2 + NBD_MAX_STRING, NBD_INFO_DESCRIPTION, true },
		{ NBD_REP_INFO, 2 + NBD_MAX_STRING + 1, NBD_INFO_DESCRIPTION, false },
		/* NBD_INFO_EXPORT and BLOCK_SIZE: exact */
		{ NBD_REP_INFO, 12, NBD_INFO_EXPORT, true },
		{ NBD_REP_INFO, 13, NBD_INFO_EXPORT, false },
		{ NBD_REP_INFO, 14, NBD_INFO_BLOCK_SIZE, true },
		{ NBD_REP_INFO, 15, NBD_INFO_BLOCK_SIZE, false },
		{ NBD_REP_INFO, 13, NBD_INFO_BLOCK_SIZE, false },
		/* error text: up to 4096 */
		{ NBD_REP_ERR_POLICY, NBD_MAX_STRING, 0, true },
		{ NBD_REP_ERR_POLICY, NBD_MAX_STRING + 1, 0, false },
		{ NBD_REP_ERR_POLICY, UINT32_MAX, 0, false },
		/* any reply: the engine's limit, and the type's maximum */
		{ NBD_REP_INFO, NEGO_MAX_REPLY, 999, true },
		{ NBD_REP_INFO, NEGO_MAX_REPLY + 1, 999, false },
		{ NBD_REP_INFO, UINT32_MAX, 999, false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		static struct buf t;
		t.n = 0;
		rep(&t, NBD_OPT_GO, cases[i].type, cases[i].len);
		size_t body = cases[i].len > 9000 ? 0 : cases[i].len;
		if (cases[i].type == NBD_REP_INFO && body >= 2) {
			b16(&t, cases[i].info);
			memset(t.b + t.n, 'x', body - 2);
			t.n += body - 2;
			if (cases[i].info == NBD_INFO_BLOCK_SIZE && body == 14) {
				t.n -= 12; /* valid values: the length is the test */
				b32(&t, 1); b32(&t, 4096); b32(&t, 0xffffffff);
			}
			if (cases[i].info == NBD_INFO_EXPORT && body >= 10)
				memset(t.b + t.n - (body - 2), 0, body - 2);
		} else {
			memset(t.b + t.n, 'y', body);
			t.n += body;
		}
		rep_export(&t, NBD_OPT_GO, 1, 1);
		rep(&t, NBD_OPT_GO, NBD_REP_ACK, 0);
		go_with_replies(&t);
		if (cases[i].ok && cases[i].type == NBD_REP_INFO) {
			CHECK(nego_status(&n) == NEGO_DONE);
		} else if (cases[i].ok) {
			CHECK(nego_error(&n) == NEGO_E_REFUSED);
		} else {
			CHECK(nego_error(&n) == NEGO_E_PROTOCOL);
		}
	}
	/* NBD_REP_SERVER name length: remainder, one past, type maximum */
	static const struct { uint32_t nlen; bool ok; } names[] = {
		{ 4, true }, { 5, false }, { UINT32_MAX, false } };
	for (size_t i = 0; i < 3; i++) {
		struct buf s = { 0 };
		size_t len;
		start(NEGO_LIST, "", false);
		greeting(&s, NBD_FLAG_FIXED_NEWSTYLE);
		feed(&s);
		nego_sendbuf(&n, &len);
		nego_sendack(&n, len);
		s.n = 0;
		rep(&s, NBD_OPT_LIST, NBD_REP_SERVER, 8); b32(&s, names[i].nlen); bmem(&s, "abcd", 4);
		rep(&s, NBD_OPT_LIST, NBD_REP_ACK, 0);
		feed(&s);
		CHECK(names[i].ok ? nego_status(&n) == NEGO_DONE
				  : nego_error(&n) == NEGO_E_PROTOCOL);
	}
}

TEST(test_flag_names)
{
	char b[256];
	nbd_flags_str(NBD_FLAG_HAS_FLAGS | NBD_FLAG_READ_ONLY | (1U << 15), b, sizeof b);
	CHECK(!strcmp(b, "HAS_FLAGS READ_ONLY bit15"));
}

int main(void)
{
	RUN(test_be_codec);
	RUN(test_go_happy_path);
	RUN(test_byte_at_a_time);
	RUN(test_go_unsup_falls_back_to_export_name);
	RUN(test_no_optgo);
	RUN(test_plain_newstyle_no_zeroes);
	RUN(test_oldstyle);
	RUN(test_every_error_reply);
	RUN(test_hostile_replies);
	RUN(test_bad_greeting_and_eof);
	RUN(test_list);
	RUN(test_info_mode);
	RUN(test_starttls_first);
	RUN(test_name_too_long);
	RUN(test_length_boundaries);
	RUN(test_flag_names);
	RUN(test_block_size_rules);
	RUN(test_text_escape);
	RUN(test_text_errno);
	RUN(test_text_ip);
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
