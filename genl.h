/*
 * genl.h - just enough generic netlink to talk to one kernel family:
 * resolve it by name, send a command with attributes and read the answer,
 * and listen to its multicast group.  Written against the kernel's uapi
 * (<linux/netlink.h>, <linux/genetlink.h>); musl ships no kernel headers,
 * so the few numbers needed are spelled out in genl.c.
 *
 * Messages are built in caller-owned fixed buffers: no heap, so the
 * supervisor can reconnect without allocating.
 */
#ifndef GENL_H
#define GENL_H

#include <stddef.h>
#include <stdint.h>

/* Our largest request is NBD_CMD_CONNECT: a handful of numbers, up to 16
 * sockets and the backend identifier (kernel_netlink.c checks the sum at
 * compile time). */
#define GENL_MSG_MAX 1024
#define GENL_RECV_MAX 8192  /* the kernel's answers and events */
#define GENL_ATTR_MAX 16    /* highest attribute type we look at */
#define GENL_NEST_MAX 4

struct genl {
	int fd;
	uint16_t family;
	uint32_t mcast_group;    /* 0: the family has none by that name */
	uint32_t seq;
};

struct genl_msg {
	uint8_t buf[GENL_MSG_MAX];
	size_t len;
	size_t nest[GENL_NEST_MAX];
	int depth;
	int overflow;            /* an attribute did not fit: do not send */
};

/* The attributes of one level, by type (NULL when absent). */
struct genl_attrs {
	const uint8_t *data[GENL_ATTR_MAX + 1];
	uint16_t len[GENL_ATTR_MAX + 1];
};

/* Open a socket and resolve 'family' (and its multicast group 'group',
 * may be NULL).  Returns 0, -ENOENT when the kernel has no such family,
 * or another -errno. */
int genl_open(struct genl *g, const char *family, const char *group);
void genl_close(struct genl *g);

/* Join the multicast group resolved by genl_open. 0 or -errno. */
int genl_join(struct genl *g);

void genl_msg_init(struct genl_msg *m, const struct genl *g, uint8_t cmd);
void genl_put(struct genl_msg *m, uint16_t type, const void *data, size_t len);
void genl_put_u32(struct genl_msg *m, uint16_t type, uint32_t v);
void genl_put_u64(struct genl_msg *m, uint16_t type, uint64_t v);
void genl_put_str(struct genl_msg *m, uint16_t type, const char *s);
void genl_nest_begin(struct genl_msg *m, uint16_t type);
void genl_nest_end(struct genl_msg *m);

/* Called for each answer message: its generic netlink command and its
 * top-level attributes. */
typedef void genl_reply_fn(void *ctx, uint8_t cmd, const struct genl_attrs *a);

/* Send 'm', asking for an acknowledgement; pass each answer to 'fn' (may
 * be NULL).  Returns 0 or the kernel's -errno. */
int genl_call(struct genl *g, struct genl_msg *m, genl_reply_fn *fn, void *ctx);

/* Read one datagram of events (blocking unless the socket is not), pass
 * each message to 'fn'.  Returns 0 or -errno. */
int genl_recv_events(struct genl *g, genl_reply_fn *fn, void *ctx);

/* Split the attributes in [p, p+len) by type; unknown types are skipped. */
void genl_parse(const uint8_t *p, size_t len, struct genl_attrs *a);

/* Typed reads of a parsed attribute: 0 when absent or short. */
uint32_t genl_u32(const struct genl_attrs *a, int type);
uint64_t genl_u64(const struct genl_attrs *a, int type);
uint8_t genl_u8(const struct genl_attrs *a, int type);

#endif
