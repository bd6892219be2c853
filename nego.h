/*
 * nego.h - the NBD handshake as an I/O-free state machine.
 *
 * Like BearSSL's engine, this code never reads or writes a socket.  The
 * caller moves bytes:
 *
 *     while (nego_status(n) == NEGO_WANT_IO) {
 *             send everything nego_sendbuf() offers, nego_sendack() it;
 *             then read at most the length nego_recvbuf() offers into it,
 *             nego_recvack() what arrived (or nego_eof() at end of stream);
 *     }
 *
 * The engine asks only for the bytes of the message it is parsing, so it
 * never consumes a byte that belongs to what follows the handshake (the TLS
 * handshake after STARTTLS, or the transmission phase).  Every message is
 * read whole into a fixed buffer, checked against its layout, then decoded.
 * The plain socket, the TLS transport, the unit tests and the fuzzer all
 * drive this same code.
 */
#ifndef NEGO_H
#define NEGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nbd_proto.h"

enum nego_mode {
	NEGO_ATTACH, /* NBD_OPT_GO (fallback EXPORT_NAME): enter transmission */
	NEGO_INFO,   /* NBD_OPT_GO, then NBD_CMD_DISC: attach nothing */
	NEGO_LIST,   /* NBD_OPT_LIST, then NBD_OPT_ABORT */
};

enum nego_status {
	NEGO_WANT_IO,   /* send what is offered, then feed bytes */
	NEGO_STARTTLS,  /* server agreed: run the TLS handshake, then
	                   call nego_tls_ready() */
	NEGO_DONE,      /* result valid; flush nego_sendbuf() before closing */
	NEGO_FAILED,    /* see nego_error() and nego_message() */
};

/* What went wrong, by whose fault: the CLI maps each to an exit code. */
enum nego_error {
	NEGO_OK = 0,
	NEGO_E_REFUSED,  /* the server declined what we asked (an option error) */
	NEGO_E_PROTOCOL, /* the server broke the protocol */
	NEGO_E_TLS,      /* TLS was required and cannot be had */
	NEGO_E_CLIENT,   /* our own request cannot be made (name too long...) */
};

/* NEGO_INFO: where the export's name and description go (kept out of the
 * engine, which a supervisor keeps in locked memory all its life). */
struct nego_texts {
	char name[NBD_MAX_STRING + 1];
	char description[NBD_MAX_STRING + 1];
};

/* One export from NBD_OPT_LIST; strings are NUL-terminated and printable. */
typedef void nego_export_fn(void *ctx, const char *name, const char *desc);

struct nego_config {
	enum nego_mode mode;
	const char *name;        /* export name; "" is the default export */
	bool tls;                /* STARTTLS first, nothing else in plaintext */
	bool no_optgo;           /* use NBD_OPT_EXPORT_NAME even if GO exists */
	nego_export_fn *on_export;
	void *ctx;
	struct nego_texts *texts; /* NULL: name and description not kept */
};

/* How the export was reached. */
enum nego_path { NEGO_PATH_NONE, NEGO_PATH_OLDSTYLE, NEGO_PATH_EXPORT_NAME,
		 NEGO_PATH_GO };

struct nego_result {
	uint64_t size;
	uint16_t flags;            /* transmission flags */
	bool have_block_size;
	struct nbd_block_size bs;  /* valid when have_block_size */
	enum nego_path path;
	bool fixed_newstyle;
	bool tls;                  /* STARTTLS was done */
	const char *name;          /* NBD_INFO_NAME, if sent and kept; or "" */
	const char *description;   /* NBD_INFO_DESCRIPTION, likewise */
};

/* Limits on what a server may make us do. */
#define NEGO_MAX_REPLY   (4 + 2 * NBD_MAX_STRING) /* largest payload we read */
#define NEGO_MAX_INFOS   32      /* NBD_REP_INFO replies to one option */
#define NEGO_MAX_EXPORTS 100000  /* NBD_REP_SERVER replies to one LIST */
/* Most bytes queued between two reads: client flags + the largest option
 * (NBD_OPT_GO with a maximal name and 4 info types) + one more option. */
#define NEGO_OUT_MAX     (NBD_CLIENT_FLAGS_LEN + \
			  NBD_OPT_HDR_LEN + 4 + NBD_MAX_STRING + 2 + 2 * 4 + \
			  NBD_OPT_HDR_LEN)
#define NEGO_MSG_MAX     (NBD_MAX_STRING + 512)

struct nego {
	struct nego_config cfg;
	size_t namelen;
	int state;                     /* enum in nego.c */
	uint32_t opt;                  /* option awaiting replies */
	unsigned replies;              /* replies seen to 'opt' */
	uint16_t hs_flags;             /* server handshake flags */
	uint8_t in[NEGO_MAX_REPLY];
	size_t in_need, in_have;
	struct nbd_rep_hdr rep;        /* header of the reply being read */
	uint8_t out[NEGO_OUT_MAX];
	size_t out_len, out_sent;
	enum nego_status status;
	enum nego_error error;
	struct nego_result res;
	char msg[NEGO_MSG_MAX];
};

void nego_init(struct nego *n, const struct nego_config *cfg);
enum nego_status nego_status(const struct nego *n);
const uint8_t *nego_sendbuf(const struct nego *n, size_t *len);
void nego_sendack(struct nego *n, size_t len);
uint8_t *nego_recvbuf(struct nego *n, size_t *len);
void nego_recvack(struct nego *n, size_t len);
void nego_eof(struct nego *n);
void nego_tls_ready(struct nego *n);
/* Name of the current state, for debug output ("REPLY_HDR(NBD_OPT_GO)"). */
const char *nego_state_name(const struct nego *n);
enum nego_error nego_error(const struct nego *n);
const char *nego_message(const struct nego *n);
const struct nego_result *nego_result(const struct nego *n);

/* Names of options, reply types and transmission flags, for messages. */
const char *nbd_opt_name(uint32_t opt);
const char *nbd_rep_name(uint32_t type);
/* Writes the set flags as "HAS_FLAGS READ_ONLY ..." into buf. */
void nbd_flags_str(uint16_t flags, char *buf, size_t size);

#endif
