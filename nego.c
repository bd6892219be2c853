/*
 * nego.c - NBD handshake state machine (see nego.h for how to drive it).
 *
 * Data flow is one way: a state names the message it waits for and its
 * exact length; when the buffer holds it whole, the state's handler checks
 * the layout, decodes it and acts (queue the next request, finish, fail).
 * Replies are validated against a table of (option, reply type, payload
 * bounds) before any field is trusted, and option errors are turned into
 * sentences from one table keyed by the reply code.
 */
#include <inttypes.h>
#include <stdarg.h>

#include "fmt.h"
#include "nego.h"
#include "text.h"

enum state {
	ST_GREETING,          /* NBDMAGIC + IHAVEOPT or oldstyle magic */
	ST_OLDSTYLE,          /* oldstyle size, flags, zeroes */
	ST_HS_FLAGS,          /* newstyle handshake flags */
	ST_REPLY_HDR,         /* option reply header */
	ST_REPLY_DATA,        /* option reply payload */
	ST_EXPORT_NAME_REPLY, /* size, flags (+ zeroes) */
	ST_STARTTLS,          /* caller is running the TLS handshake */
	ST_DONE,
	ST_FAILED,
};

static const char *const state_names[] = {
	[ST_GREETING] = "GREETING", [ST_OLDSTYLE] = "OLDSTYLE",
	[ST_HS_FLAGS] = "HANDSHAKE_FLAGS", [ST_REPLY_HDR] = "REPLY_HDR",
	[ST_REPLY_DATA] = "REPLY_DATA",
	[ST_EXPORT_NAME_REPLY] = "EXPORT_NAME_REPLY",
	[ST_STARTTLS] = "STARTTLS", [ST_DONE] = "DONE", [ST_FAILED] = "FAILED",
};

/* ---- names ------------------------------------------------------------ */

const char *nbd_opt_name(uint32_t opt)
{
	switch (opt) {
	case NBD_OPT_EXPORT_NAME: return "NBD_OPT_EXPORT_NAME";
	case NBD_OPT_ABORT: return "NBD_OPT_ABORT";
	case NBD_OPT_LIST: return "NBD_OPT_LIST";
	case NBD_OPT_STARTTLS: return "NBD_OPT_STARTTLS";
	case NBD_OPT_INFO: return "NBD_OPT_INFO";
	case NBD_OPT_GO: return "NBD_OPT_GO";
	default: return "unknown option";
	}
}

/* Option errors: the name and a sentence a person can act on. */
static const struct {
	const char *name;
	const char *text;
} rep_errors[] = {
	[1] = { "NBD_REP_ERR_UNSUP", "the server does not support this request" },
	[2] = { "NBD_REP_ERR_POLICY", "the server refused access by policy" },
	[3] = { "NBD_REP_ERR_INVALID", "the server rejected the request as invalid" },
	[4] = { "NBD_REP_ERR_PLATFORM", "the server cannot do this on its platform" },
	[5] = { "NBD_REP_ERR_TLS_REQD", "server requires TLS (use --tls and --cacert)" },
	[6] = { "NBD_REP_ERR_UNKNOWN", "no such export on the server" },
	[7] = { "NBD_REP_ERR_SHUTDOWN", "the server is shutting down; try again later" },
	[8] = { "NBD_REP_ERR_BLOCK_SIZE_REQD",
		"the server requires block size negotiation" },
	[9] = { "NBD_REP_ERR_TOO_BIG", "the request is too big for the server" },
	[10] = { "NBD_REP_ERR_EXT_HEADER_REQD",
		 "the server requires extended headers, which the kernel NBD "
		 "driver does not speak" },
};
#define N_REP_ERRORS (sizeof rep_errors / sizeof rep_errors[0])

static unsigned rep_error_index(uint32_t type)
{
	uint32_t i = type & ~NBD_REP_FLAG_ERROR;
	return (type & NBD_REP_FLAG_ERROR) && i > 0 && i < N_REP_ERRORS ? i : 0;
}

const char *nbd_rep_name(uint32_t type)
{
	switch (type) {
	case NBD_REP_ACK: return "NBD_REP_ACK";
	case NBD_REP_SERVER: return "NBD_REP_SERVER";
	case NBD_REP_INFO: return "NBD_REP_INFO";
	}
	unsigned i = rep_error_index(type);
	return i ? rep_errors[i].name : "unknown reply type";
}

static const char *const flag_names[] = {
	"HAS_FLAGS", "READ_ONLY", "SEND_FLUSH", "SEND_FUA", "ROTATIONAL",
	"SEND_TRIM", "SEND_WRITE_ZEROES", "SEND_DF", "CAN_MULTI_CONN",
	"SEND_RESIZE", "SEND_CACHE", "SEND_FAST_ZERO", "BLOCK_STAT_PAYLOAD",
};

void nbd_flags_str(uint16_t flags, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = 0;
	for (unsigned bit = 0; bit < 16 && used < size; bit++) {
		if (!(flags & (1U << bit)))
			continue;
		int w = bit < sizeof flag_names / sizeof flag_names[0]
			? fmt_snprintf(buf + used, size - used, "%s%s",
				   used ? " " : "", flag_names[bit])
			: fmt_snprintf(buf + used, size - used, "%sbit%u",
				   used ? " " : "", bit);
		used += w > 0 ? (size_t)w : 0;
	}
}

/* ---- small helpers ----------------------------------------------------- */

/* Server text into a buffer of NBD_MAX_STRING + 1, escaped so it cannot
 * drive the terminal it is printed on (text.h). */
static void copy_text(char *dst, const uint8_t *src, size_t len)
{
	text_escape(dst, NBD_MAX_STRING + 1, src, len);
}

static void fail(struct nego *n, enum nego_error e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct nego *n, enum nego_error e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	/* clang-analyzer 14 misreads va_start here (valist false positive). */
	int w = fmt_vsnprintf(n->msg, sizeof n->msg, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	if (w >= (int)sizeof n->msg) /* say so rather than cut silently */
		memcpy(n->msg + sizeof n->msg - 4, "...", 4);
	n->error = e;
	n->state = ST_FAILED;
	n->status = NEGO_FAILED;
	n->in_need = 0;
}

/* "export 'NAME'" or "the default export", for sentences. */
static const char *export_label(const struct nego *n, char *buf, size_t size)
{
	if (!n->namelen)
		return "the default export";
	fmt_snprintf(buf, size, "export '%s'", n->cfg.name);
	return buf;
}

/* Wait for exactly 'len' bytes in state 's'. */
static void expect(struct nego *n, int s, size_t len)
{
	n->state = s;
	n->in_need = len;
	n->in_have = 0;
}

static void finish(struct nego *n)
{
	n->state = ST_DONE;
	n->status = NEGO_DONE;
	n->in_need = 0;
}

/* Queue bytes for the peer; the buffer is sized for the largest sequence
 * the engine ever queues between two reads (see NEGO_OUT_MAX). */
static uint8_t *out_tail(struct nego *n)
{
	return n->out + n->out_len;
}

static void out_commit(struct nego *n, const uint8_t *end)
{
	n->out_len = (size_t)(end - n->out);
}

/* Send option 'opt' (already encoded up to 'end') and wait for replies. */
static void await_replies(struct nego *n, uint32_t opt, const uint8_t *end)
{
	out_commit(n, end);
	n->opt = opt;
	n->replies = 0;
	expect(n, ST_REPLY_HDR, NBD_REP_HDR_LEN);
}

static bool size_ok(struct nego *n, uint64_t size)
{
	if (size <= INT64_MAX)
		return true;
	fail(n, NEGO_E_PROTOCOL, "the server announced an export size of %" PRIu64
	     " bytes, larger than the largest the kernel can address (%" PRId64 ")",
	     size, INT64_MAX);
	return false;
}

/* ---- requests ---------------------------------------------------------- */

static void send_export_name(struct nego *n)
{
	uint8_t *p = nbd_enc_opt(out_tail(n), NBD_OPT_EXPORT_NAME,
				 n->cfg.name, n->namelen);
	out_commit(n, p);
	n->opt = NBD_OPT_EXPORT_NAME;
	expect(n, ST_EXPORT_NAME_REPLY, NBD_EXPORT_NAME_REPLY_LEN +
	       ((n->hs_flags & NBD_FLAG_NO_ZEROES) ? 0 : NBD_ZEROES_LEN));
}

/* NBD_OPT_GO, for attaching and for --info alike: --info then leaves with
 * NBD_CMD_DISC.  (NBD_OPT_INFO would spare the server opening the export,
 * but nbd-server 3.24 answers it with size 0; GO reports what an attach
 * would really get.)  Block sizes are requested always: we promise to
 * honour the server's constraints. */
static void send_go(struct nego *n)
{
	static const uint16_t go_infos[] = { NBD_INFO_EXPORT, NBD_INFO_BLOCK_SIZE };
	static const uint16_t info_infos[] = { NBD_INFO_EXPORT, NBD_INFO_NAME,
		NBD_INFO_DESCRIPTION, NBD_INFO_BLOCK_SIZE };
	bool info = n->cfg.mode == NEGO_INFO;
	uint8_t *p = nbd_enc_info_req(out_tail(n), NBD_OPT_GO, n->cfg.name,
				      n->namelen, info ? info_infos : go_infos,
				      info ? 4 : 2);
	await_replies(n, NBD_OPT_GO, p);
}

/* The option that does what the user asked, once TLS (if any) is up. */
static void send_main_option(struct nego *n)
{
	bool fixed = n->hs_flags & NBD_FLAG_FIXED_NEWSTYLE;
	if (n->cfg.mode == NEGO_LIST)
		await_replies(n, NBD_OPT_LIST,
			      nbd_enc_opt(out_tail(n), NBD_OPT_LIST, NULL, 0));
	else if (fixed && !n->cfg.no_optgo)
		send_go(n);
	else
		send_export_name(n);
}

/* End a LIST session politely: the server may reply to
 * NBD_OPT_ABORT, but the protocol lets the client close without waiting. */
static void send_abort(struct nego *n)
{
	out_commit(n, nbd_enc_opt(out_tail(n), NBD_OPT_ABORT, NULL, 0));
	finish(n);
}

/* After EXPORT_NAME (or oldstyle) we are in transmission: --info leaves
 * with NBD_CMD_DISC. */
static void export_reached(struct nego *n, struct nbd_export_info e,
			   enum nego_path path)
{
	if (!size_ok(n, e.size))
		return;
	n->res.size = e.size;
	n->res.flags = e.flags;
	n->res.path = path;
	if (n->cfg.mode == NEGO_INFO)
		out_commit(n, nbd_enc_request(out_tail(n), NBD_CMD_DISC));
	finish(n);
}

/* ---- greeting ------------------------------------------------------------ */

static void on_greeting(struct nego *n)
{
	uint64_t magic = nbd_get64(n->in), second = nbd_get64(n->in + 8);
	if (magic != NBD_MAGIC)
		return fail(n, NEGO_E_PROTOCOL, "not an NBD server: greeting "
			    "magic is 0x%016" PRIx64 ", expected NBDMAGIC", magic);
	if (second == NBD_OLDSTYLE_MAGIC)
		return expect(n, ST_OLDSTYLE, NBD_OLDSTYLE_REST_LEN);
	if (second != NBD_IHAVEOPT)
		return fail(n, NEGO_E_PROTOCOL, "unknown NBD greeting: second "
			    "magic is 0x%016" PRIx64, second);
	expect(n, ST_HS_FLAGS, NBD_HS_FLAGS_LEN);
}

static void on_oldstyle(struct nego *n)
{
	struct nbd_export_info e = { nbd_get64(n->in),
				     (uint16_t)nbd_get32(n->in + 8) };
	n->res.path = NEGO_PATH_OLDSTYLE;
	if (n->cfg.tls)
		return fail(n, NEGO_E_TLS, "the server speaks the oldstyle "
			    "protocol, which cannot do TLS");
	if (n->cfg.mode == NEGO_LIST)
		return fail(n, NEGO_E_REFUSED, "the server speaks the oldstyle "
			    "protocol, which cannot list exports");
	if (n->namelen)
		return fail(n, NEGO_E_REFUSED, "the server speaks the oldstyle "
			    "protocol, which has no export names; cannot "
			    "select export '%s'", n->cfg.name);
	export_reached(n, e, NEGO_PATH_OLDSTYLE);
}

static void on_hs_flags(struct nego *n)
{
	n->hs_flags = nbd_get16(n->in);
	bool fixed = n->hs_flags & NBD_FLAG_FIXED_NEWSTYLE;
	uint32_t cflags = n->hs_flags & (NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
	n->res.fixed_newstyle = fixed;
	out_commit(n, nbd_put32(out_tail(n), cflags));
	if (!n->cfg.tls)
		return send_main_option(n);
	if (!fixed)
		return fail(n, NEGO_E_TLS, "the server is not fixed-newstyle, "
			    "so it cannot do STARTTLS");
	await_replies(n, NBD_OPT_STARTTLS,
		      nbd_enc_opt(out_tail(n), NBD_OPT_STARTTLS, NULL, 0));
}

static void on_export_name_reply(struct nego *n)
{
	export_reached(n, nbd_dec_export(n->in), NEGO_PATH_EXPORT_NAME);
}

/* ---- option replies -------------------------------------------------------- */

/* An error reply: fall back, or turn it into a sentence. */
static void on_rep_error(struct nego *n, const uint8_t *data, size_t len)
{
	uint32_t type = n->rep.type;
	unsigned i = rep_error_index(type);
	char label[NBD_MAX_STRING + 16], said[NEGO_MSG_MAX] = "";

	if (type == NBD_REP_ERR_UNSUP && n->opt == NBD_OPT_GO)
		return send_export_name(n);
	if (len) { /* escaped straight in; cut (with "...") to what fits */
		size_t o = (size_t)fmt_snprintf(said, sizeof said,
						" (server says: \"");
		o += text_escape(said + o, sizeof said - o - 2, data, len);
		memcpy(said + o, "\")", 3);
	}
	if (n->opt == NBD_OPT_STARTTLS)
		return fail(n, NEGO_E_TLS, "the server refused STARTTLS: %s%s",
			    i ? rep_errors[i].text : "unknown error", said);
	const char *what = n->opt == NBD_OPT_LIST ? "listing exports"
			 : export_label(n, label, sizeof label);
	if (!i)
		return fail(n, NEGO_E_REFUSED, "%s: the server refused %s with "
			    "error 0x%08" PRIx32 "%s", what, nbd_opt_name(n->opt),
			    type, said);
	fail(n, NEGO_E_REFUSED, "%s: %s (%s to %s)%s", what, rep_errors[i].text,
	     rep_errors[i].name, nbd_opt_name(n->opt), said);
}

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* The rules of doc/proto.md ("Block size constraints"). */
static bool block_sizes_ok(const struct nbd_block_size *b)
{
	bool min = pow2(b->min) && b->min <= 65536;
	bool pref = pow2(b->pref) && b->pref >= 512 && b->pref >= b->min;
	bool max = b->max == UINT32_MAX ||
		   (min && b->max % b->min == 0 && b->max >= b->pref);
	return min && pref && max;
}

/* NBD_REP_INFO: one item about the export; unknown items are ignored. */
static void on_rep_info(struct nego *n, const uint8_t *data, size_t len)
{
	static const struct { uint16_t type; uint16_t min, max; } layout[] = {
		{ NBD_INFO_EXPORT, NBD_INFO_EXPORT_LEN, NBD_INFO_EXPORT_LEN },
		{ NBD_INFO_NAME, 2, 2 + NBD_MAX_STRING },
		{ NBD_INFO_DESCRIPTION, 2, 2 + NBD_MAX_STRING },
		{ NBD_INFO_BLOCK_SIZE, NBD_INFO_BLOCK_SIZE_LEN, NBD_INFO_BLOCK_SIZE_LEN },
	};
	uint16_t t = nbd_get16(data);
	for (size_t i = 0; i < sizeof layout / sizeof layout[0]; i++) {
		if (layout[i].type != t)
			continue;
		if (len < layout[i].min || len > layout[i].max)
			return fail(n, NEGO_E_PROTOCOL, "information item %u "
				    "has a length of %zu bytes; expected %u..%u",
				    t, len, layout[i].min, layout[i].max);
		break;
	}
	if (t == NBD_INFO_EXPORT) {
		struct nbd_export_info e = nbd_dec_export(data + 2);
		if (!size_ok(n, e.size))
			return;
		n->res.size = e.size;
		n->res.flags = e.flags;
		n->res.path = NEGO_PATH_GO;
	} else if (t == NBD_INFO_NAME && n->cfg.texts) {
		copy_text(n->cfg.texts->name, data + 2, len - 2);
		n->res.name = n->cfg.texts->name;
	} else if (t == NBD_INFO_DESCRIPTION && n->cfg.texts) {
		copy_text(n->cfg.texts->description, data + 2, len - 2);
		n->res.description = n->cfg.texts->description;
	} else if (t == NBD_INFO_BLOCK_SIZE) {
		n->res.bs = nbd_dec_block_size(data + 2);
		n->res.have_block_size = true;
		if (!block_sizes_ok(&n->res.bs))
			return fail(n, NEGO_E_PROTOCOL, "the server's block size "
				    "constraints break the protocol: minimum %"
				    PRIu32 ", preferred %" PRIu32 ", maximum %"
				    PRIu32 " (the minimum must be a power of two "
				    "up to 64 KiB; the preferred a power of two, "
				    "at least 512 and the minimum; the maximum a "
				    "multiple of the minimum, at least the "
				    "preferred, or 0xffffffff)", n->res.bs.min,
				    n->res.bs.pref, n->res.bs.max);
	}
	expect(n, ST_REPLY_HDR, NBD_REP_HDR_LEN);
}

static void on_info_ack(struct nego *n, const uint8_t *data, size_t len)
{
	(void)data, (void)len;
	if (n->res.path == NEGO_PATH_NONE)
		return fail(n, NEGO_E_PROTOCOL, "the server acknowledged %s "
			    "without sending the export size (NBD_INFO_EXPORT)",
			    nbd_opt_name(n->opt));
	if (n->cfg.mode == NEGO_INFO)
		out_commit(n, nbd_enc_request(out_tail(n), NBD_CMD_DISC));
	finish(n);
}

/* NBD_REP_SERVER: name length, name, description (the rest). */
static void on_rep_server(struct nego *n, const uint8_t *data, size_t len)
{
	uint32_t nlen = nbd_get32(data);
	char name[NBD_MAX_STRING + 1], desc[NBD_MAX_STRING + 1];
	if (nlen > len - 4 || nlen > NBD_MAX_STRING ||
	    len - 4 - nlen > NBD_MAX_STRING)
		return fail(n, NEGO_E_PROTOCOL, "export list entry claims a "
			    "%" PRIu32 "-byte name in a %zu-byte reply", nlen, len);
	copy_text(name, data + 4, nlen);
	copy_text(desc, data + 4 + nlen, len - 4 - nlen);
	if (n->cfg.on_export)
		n->cfg.on_export(n->cfg.ctx, name, desc);
	expect(n, ST_REPLY_HDR, NBD_REP_HDR_LEN);
}

static void on_list_ack(struct nego *n, const uint8_t *data, size_t len)
{
	(void)data, (void)len;
	send_abort(n);
}

static void on_starttls_ack(struct nego *n, const uint8_t *data, size_t len)
{
	(void)data, (void)len;
	n->state = ST_STARTTLS;
	n->status = NEGO_STARTTLS;
	n->in_need = 0;
}

typedef void reply_fn(struct nego *n, const uint8_t *data, size_t len);

/* Which reply may answer which option, and its payload bounds. */
static const struct reply_rule {
	uint32_t opt, type;
	uint32_t min, max;
	reply_fn *fn;
} reply_rules[] = {
	{ NBD_OPT_STARTTLS, NBD_REP_ACK, 0, 0, on_starttls_ack },
	{ NBD_OPT_GO, NBD_REP_INFO, 2, NEGO_MAX_REPLY, on_rep_info },
	{ NBD_OPT_GO, NBD_REP_ACK, 0, 0, on_info_ack },
	{ NBD_OPT_LIST, NBD_REP_SERVER, 4, NEGO_MAX_REPLY, on_rep_server },
	{ NBD_OPT_LIST, NBD_REP_ACK, 0, 0, on_list_ack },
};

static const struct reply_rule *find_rule(uint32_t opt, uint32_t type)
{
	if (type & NBD_REP_FLAG_ERROR) {
		static const struct reply_rule err = {
			0, 0, 0, NBD_MAX_STRING, on_rep_error };
		return &err;
	}
	for (size_t i = 0; i < sizeof reply_rules / sizeof reply_rules[0]; i++)
		if (reply_rules[i].opt == opt && reply_rules[i].type == type)
			return &reply_rules[i];
	return NULL;
}

/* A reply header is trusted only once magic, option echo, type and length
 * all fit the request it answers. */
static void on_reply_hdr(struct nego *n)
{
	struct nbd_rep_hdr h = nbd_dec_rep_hdr(n->in);
	const char *opt = nbd_opt_name(n->opt);
	if (h.magic != NBD_REP_MAGIC)
		return fail(n, NEGO_E_PROTOCOL, "bad magic 0x%016" PRIx64
			    " in the reply to %s", h.magic, opt);
	if (h.option != n->opt)
		return fail(n, NEGO_E_PROTOCOL, "the server answered option %"
			    PRIu32 " (%s) while %s was asked", h.option,
			    nbd_opt_name(h.option), opt);
	const struct reply_rule *r = find_rule(h.option, h.type);
	if (!r)
		return fail(n, NEGO_E_PROTOCOL, "unexpected reply type 0x%08"
			    PRIx32 " (%s) to %s", h.type, nbd_rep_name(h.type), opt);
	if (h.length < r->min || h.length > r->max)
		return fail(n, NEGO_E_PROTOCOL, "%s to %s has a length of %"
			    PRIu32 " bytes; allowed %" PRIu32 "..%" PRIu32,
			    nbd_rep_name(h.type), opt, h.length, r->min, r->max);
	unsigned limit = n->opt == NBD_OPT_LIST ? NEGO_MAX_EXPORTS : NEGO_MAX_INFOS;
	if (++n->replies > limit)
		return fail(n, NEGO_E_PROTOCOL, "the server sent more than %u "
			    "replies to %s", limit, opt);
	n->rep = h;
	if (h.length)
		return expect(n, ST_REPLY_DATA, h.length);
	r->fn(n, n->in, 0);
}

static void on_reply_data(struct nego *n)
{
	find_rule(n->rep.option, n->rep.type)->fn(n, n->in, n->rep.length);
}

/* ---- driver -------------------------------------------------------------- */

static void (*const handlers[])(struct nego *) = {
	[ST_GREETING] = on_greeting,
	[ST_OLDSTYLE] = on_oldstyle,
	[ST_HS_FLAGS] = on_hs_flags,
	[ST_REPLY_HDR] = on_reply_hdr,
	[ST_REPLY_DATA] = on_reply_data,
	[ST_EXPORT_NAME_REPLY] = on_export_name_reply,
};

void nego_init(struct nego *n, const struct nego_config *cfg)
{
	memset(n, 0, sizeof *n);
	n->cfg = *cfg;
	if (!n->cfg.name)
		n->cfg.name = "";
	n->namelen = strlen(n->cfg.name);
	n->res.tls = false;
	n->res.name = n->res.description = "";
	n->status = NEGO_WANT_IO;
	if (n->namelen > NBD_MAX_STRING)
		return fail(n, NEGO_E_CLIENT, "export name is %zu bytes long; "
			    "the protocol allows at most %u", n->namelen,
			    NBD_MAX_STRING);
	expect(n, ST_GREETING, NBD_GREETING_LEN);
}

enum nego_status nego_status(const struct nego *n)
{
	return n->status;
}

const uint8_t *nego_sendbuf(const struct nego *n, size_t *len)
{
	*len = n->out_len - n->out_sent;
	return n->out + n->out_sent;
}

void nego_sendack(struct nego *n, size_t len)
{
	n->out_sent += len;
	if (n->out_sent >= n->out_len)
		n->out_len = n->out_sent = 0;
}

/* Room for exactly the rest of the current message; NULL/0 when the engine
 * is not waiting for bytes (or still has bytes to send). */
uint8_t *nego_recvbuf(struct nego *n, size_t *len)
{
	if (n->status != NEGO_WANT_IO || n->out_len) {
		*len = 0;
		return NULL;
	}
	*len = n->in_need - n->in_have;
	return n->in + n->in_have;
}

void nego_recvack(struct nego *n, size_t len)
{
	if (n->status != NEGO_WANT_IO)
		return;
	n->in_have += len;
	if (n->in_have == n->in_need)
		handlers[n->state](n);
}

void nego_eof(struct nego *n)
{
	if (n->status != NEGO_WANT_IO)
		return;
	if (n->state == ST_EXPORT_NAME_REPLY && n->in_have == 0) {
		char label[NBD_MAX_STRING + 16];
		return fail(n, NEGO_E_REFUSED, "%s: the server closed the "
			    "connection after NBD_OPT_EXPORT_NAME (it does not "
			    "know or does not allow this export)",
			    export_label(n, label, sizeof label));
	}
	if (n->state == ST_GREETING && n->in_have == 0)
		return fail(n, NEGO_E_PROTOCOL, "the server closed the "
			    "connection before its greeting");
	fail(n, NEGO_E_PROTOCOL, "the server closed the connection in the "
	     "middle of %s (%zu of %zu bytes received)%s%s",
	     state_names[n->state], n->in_have, n->in_need,
	     n->opt ? " while waiting for the reply to " : "",
	     n->opt ? nbd_opt_name(n->opt) : "");
}

void nego_tls_ready(struct nego *n)
{
	if (n->status != NEGO_STARTTLS)
		return;
	n->status = NEGO_WANT_IO;
	n->res.tls = true;
	send_main_option(n);
}

const char *nego_state_name(const struct nego *n)
{
	return state_names[n->state];
}

enum nego_error nego_error(const struct nego *n)
{
	return n->error;
}

const char *nego_message(const struct nego *n)
{
	return n->msg;
}

const struct nego_result *nego_result(const struct nego *n)
{
	return &n->res;
}
