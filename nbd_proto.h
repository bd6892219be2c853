/*
 * nbd_proto.h - the NBD wire format: constants, and encode/decode of each
 * handshake message.  Pure functions over byte buffers; no I/O, no state.
 *
 * Source of truth: doc/proto.md of the NBD project ("The NBD protocol").
 * All integers on the wire are big-endian.
 */
#ifndef NBD_PROTO_H
#define NBD_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Greeting magics. */
#define NBD_MAGIC           0x4e42444d41474943ULL /* "NBDMAGIC" */
#define NBD_OLDSTYLE_MAGIC  0x0000420281861253ULL
#define NBD_IHAVEOPT        0x49484156454f5054ULL /* "IHAVEOPT" */
#define NBD_REP_MAGIC       0x0003e889045565a9ULL
#define NBD_REQUEST_MAGIC   0x25609513U

/* Handshake flags (server) and client flags. */
#define NBD_FLAG_FIXED_NEWSTYLE   (1U << 0)
#define NBD_FLAG_NO_ZEROES        (1U << 1)
#define NBD_FLAG_C_FIXED_NEWSTYLE NBD_FLAG_FIXED_NEWSTYLE
#define NBD_FLAG_C_NO_ZEROES      NBD_FLAG_NO_ZEROES

/* Transmission flags. */
#define NBD_FLAG_HAS_FLAGS         (1U << 0)
#define NBD_FLAG_READ_ONLY         (1U << 1)
#define NBD_FLAG_SEND_FLUSH        (1U << 2)
#define NBD_FLAG_SEND_FUA          (1U << 3)
#define NBD_FLAG_ROTATIONAL        (1U << 4)
#define NBD_FLAG_SEND_TRIM         (1U << 5)
#define NBD_FLAG_SEND_WRITE_ZEROES (1U << 6)
#define NBD_FLAG_SEND_DF           (1U << 7)
#define NBD_FLAG_CAN_MULTI_CONN    (1U << 8)
#define NBD_FLAG_SEND_RESIZE       (1U << 9)
#define NBD_FLAG_SEND_CACHE        (1U << 10)
#define NBD_FLAG_SEND_FAST_ZERO    (1U << 11)
#define NBD_FLAG_BLOCK_STAT_PAYLOAD (1U << 12)

/* Options. */
#define NBD_OPT_EXPORT_NAME      1U
#define NBD_OPT_ABORT            2U
#define NBD_OPT_LIST             3U
#define NBD_OPT_STARTTLS         5U
#define NBD_OPT_INFO             6U
#define NBD_OPT_GO               7U
#define NBD_OPT_STRUCTURED_REPLY 8U /* never sent: the kernel speaks simple replies */

/* Option reply types. */
#define NBD_REP_ACK    1U
#define NBD_REP_SERVER 2U
#define NBD_REP_INFO   3U
#define NBD_REP_FLAG_ERROR (1U << 31)
#define NBD_REP_ERR_UNSUP           (NBD_REP_FLAG_ERROR | 1U)
#define NBD_REP_ERR_POLICY          (NBD_REP_FLAG_ERROR | 2U)
#define NBD_REP_ERR_INVALID         (NBD_REP_FLAG_ERROR | 3U)
#define NBD_REP_ERR_PLATFORM        (NBD_REP_FLAG_ERROR | 4U)
#define NBD_REP_ERR_TLS_REQD        (NBD_REP_FLAG_ERROR | 5U)
#define NBD_REP_ERR_UNKNOWN         (NBD_REP_FLAG_ERROR | 6U)
#define NBD_REP_ERR_SHUTDOWN        (NBD_REP_FLAG_ERROR | 7U)
#define NBD_REP_ERR_BLOCK_SIZE_REQD (NBD_REP_FLAG_ERROR | 8U)
#define NBD_REP_ERR_TOO_BIG         (NBD_REP_FLAG_ERROR | 9U)
#define NBD_REP_ERR_EXT_HEADER_REQD (NBD_REP_FLAG_ERROR | 10U)

/* Information types (NBD_OPT_INFO / NBD_OPT_GO). */
#define NBD_INFO_EXPORT      0U
#define NBD_INFO_NAME        1U
#define NBD_INFO_DESCRIPTION 2U
#define NBD_INFO_BLOCK_SIZE  3U

/* Transmission commands (only the one the handshake may need). */
#define NBD_CMD_DISC 2U

/* Sizes of fixed-layout messages. */
#define NBD_GREETING_LEN      16U  /* NBDMAGIC + second magic */
#define NBD_OLDSTYLE_REST_LEN 136U /* size 8, flags 4, zeroes 124 */
#define NBD_HS_FLAGS_LEN      2U
#define NBD_CLIENT_FLAGS_LEN  4U
#define NBD_OPT_HDR_LEN       16U  /* IHAVEOPT 8, option 4, length 4 */
#define NBD_REP_HDR_LEN       20U  /* magic 8, option 4, type 4, length 4 */
#define NBD_EXPORT_NAME_REPLY_LEN 10U /* size 8, flags 2 (+124 zeroes) */
#define NBD_ZEROES_LEN        124U
#define NBD_REQUEST_LEN       28U
#define NBD_INFO_EXPORT_LEN   12U  /* type 2, size 8, flags 2 */
#define NBD_INFO_BLOCK_SIZE_LEN 14U /* type 2, min 4, pref 4, max 4 */

/* The protocol's own limit on names, descriptions and error text. */
#define NBD_MAX_STRING 4096U

/* ---- big-endian primitives ---------------------------------------- */

static inline uint16_t nbd_get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t nbd_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t nbd_get64(const uint8_t *p)
{
	return (uint64_t)nbd_get32(p) << 32 | nbd_get32(p + 4);
}

static inline uint8_t *nbd_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static inline uint8_t *nbd_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static inline uint8_t *nbd_put64(uint8_t *p, uint64_t v)
{
	return nbd_put32(nbd_put32(p, (uint32_t)(v >> 32)), (uint32_t)v);
}

/* ---- decoded messages ------------------------------------------------ */

struct nbd_rep_hdr {
	uint64_t magic;
	uint32_t option;
	uint32_t type;
	uint32_t length;
};

struct nbd_export_info {
	uint64_t size;
	uint16_t flags;
};

struct nbd_block_size {
	uint32_t min, pref, max;
};

/* ---- encoders: each writes one whole message and returns its end ----- */

/* Option header; 'len' bytes of payload must follow it. */
static inline uint8_t *nbd_enc_opt_hdr(uint8_t *p, uint32_t opt, uint32_t len)
{
	return nbd_put32(nbd_put32(nbd_put64(p, NBD_IHAVEOPT), opt), len);
}

/* Wire size of NBD_OPT_INFO / NBD_OPT_GO with a name and n info requests. */
static inline size_t nbd_info_req_len(size_t namelen, unsigned n)
{
	return NBD_OPT_HDR_LEN + 4 + namelen + 2 + 2 * (size_t)n;
}

/* NBD_OPT_INFO or NBD_OPT_GO: name, then the list of info types wanted. */
static inline uint8_t *nbd_enc_info_req(uint8_t *p, uint32_t opt,
					const char *name, size_t namelen,
					const uint16_t *infos, unsigned n)
{
	p = nbd_enc_opt_hdr(p, opt, (uint32_t)(4 + namelen + 2 + 2 * n));
	p = nbd_put32(p, (uint32_t)namelen);
	memcpy(p, name, namelen);
	p = nbd_put16(p + namelen, (uint16_t)n);
	for (unsigned i = 0; i < n; i++)
		p = nbd_put16(p, infos[i]);
	return p;
}

/* An option whose payload is an opaque byte string (EXPORT_NAME) or empty. */
static inline uint8_t *nbd_enc_opt(uint8_t *p, uint32_t opt,
				   const void *data, size_t len)
{
	p = nbd_enc_opt_hdr(p, opt, (uint32_t)len);
	if (len)
		memcpy(p, data, len);
	return p + len;
}

/* A transmission request with no payload (used for NBD_CMD_DISC). */
static inline uint8_t *nbd_enc_request(uint8_t *p, uint16_t type)
{
	p = nbd_put32(p, NBD_REQUEST_MAGIC);
	p = nbd_put16(p, 0);          /* command flags */
	p = nbd_put16(p, type);
	p = nbd_put64(p, 0);          /* handle */
	p = nbd_put64(p, 0);          /* offset */
	return nbd_put32(p, 0);       /* length */
}

/* ---- decoders: the caller has checked the buffer holds the full size -- */

static inline struct nbd_rep_hdr nbd_dec_rep_hdr(const uint8_t *p)
{
	struct nbd_rep_hdr h = {
		.magic = nbd_get64(p),
		.option = nbd_get32(p + 8),
		.type = nbd_get32(p + 12),
		.length = nbd_get32(p + 16),
	};
	return h;
}

/* Size and flags: the body of NBD_INFO_EXPORT (after its type), of the
 * NBD_OPT_EXPORT_NAME reply, and (with 32-bit flags) of the oldstyle
 * greeting. */
static inline struct nbd_export_info nbd_dec_export(const uint8_t *p)
{
	struct nbd_export_info e = { nbd_get64(p), nbd_get16(p + 8) };
	return e;
}

static inline struct nbd_block_size nbd_dec_block_size(const uint8_t *p)
{
	struct nbd_block_size b = { nbd_get32(p), nbd_get32(p + 4),
				    nbd_get32(p + 8) };
	return b;
}

#endif
