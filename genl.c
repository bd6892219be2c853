/*
 * genl.c - generic netlink, the little nbdc needs of it (see genl.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "genl.h"

/* From <linux/netlink.h> and <linux/genetlink.h>. */
#define NETLINK_GENERIC          16
#define SOL_NETLINK_             270
#define NETLINK_ADD_MEMBERSHIP_  1
#define NLMSG_ERROR_             2
#define NLMSG_DONE_              3
#define NLM_F_REQUEST_           1
#define NLM_F_ACK_               4
#define NLA_F_NESTED             0x8000
#define NLA_TYPE_MASK            0x3fff
#define GENL_ID_CTRL             0x10
#define CTRL_CMD_GETFAMILY       3
#define CTRL_ATTR_FAMILY_ID      1
#define CTRL_ATTR_FAMILY_NAME    2
#define CTRL_ATTR_MCAST_GROUPS   7
#define CTRL_ATTR_MCAST_GRP_NAME 1
#define CTRL_ATTR_MCAST_GRP_ID   2

struct nlmsghdr_ {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};
struct genlmsghdr_ {
	uint8_t cmd, version;
	uint16_t reserved;
};
struct nlattr_ {
	uint16_t len, type;
};
struct sockaddr_nl_ {
	sa_family_t family;
	unsigned short pad;
	uint32_t pid, groups;
};

/* The uapi layouts, the same on 32- and 64-bit machines. */
_Static_assert(sizeof(struct nlmsghdr_) == 16, "nlmsghdr");
_Static_assert(sizeof(struct genlmsghdr_) == 4, "genlmsghdr");
_Static_assert(sizeof(struct nlattr_) == 4, "nlattr");
_Static_assert(sizeof(struct sockaddr_nl_) == 12, "sockaddr_nl");

#define ALIGN4(n) (((n) + 3U) & ~(size_t)3U)
#define HDRLEN (sizeof(struct nlmsghdr_) + sizeof(struct genlmsghdr_))

void genl_msg_init(struct genl_msg *m, const struct genl *g, uint8_t cmd)
{
	struct nlmsghdr_ h = { .type = g->family,
			       .flags = NLM_F_REQUEST_ | NLM_F_ACK_ };
	struct genlmsghdr_ gh = { .cmd = cmd, .version = 1 };
	memcpy(m->buf, &h, sizeof h);
	memcpy(m->buf + sizeof h, &gh, sizeof gh);
	m->len = HDRLEN;
	m->depth = 0;
	m->overflow = 0;
}

void genl_put(struct genl_msg *m, uint16_t type, const void *data, size_t len)
{
	size_t total = sizeof(struct nlattr_) + len;
	if (m->overflow || total > 0xffff || ALIGN4(total) > sizeof m->buf - m->len) {
		m->overflow = 1;
		return;
	}
	struct nlattr_ a = { .len = (uint16_t)total, .type = type };
	memcpy(m->buf + m->len, &a, sizeof a);
	if (len)
		memcpy(m->buf + m->len + sizeof a, data, len);
	memset(m->buf + m->len + total, 0, ALIGN4(total) - total);
	m->len += ALIGN4(total);
}

void genl_put_u32(struct genl_msg *m, uint16_t type, uint32_t v)
{
	genl_put(m, type, &v, sizeof v);
}

void genl_put_u64(struct genl_msg *m, uint16_t type, uint64_t v)
{
	genl_put(m, type, &v, sizeof v);
}

void genl_put_str(struct genl_msg *m, uint16_t type, const char *s)
{
	genl_put(m, type, s, strlen(s) + 1);
}

void genl_nest_begin(struct genl_msg *m, uint16_t type)
{
	if (m->depth >= GENL_NEST_MAX) {
		m->overflow = 1;
		return;
	}
	m->nest[m->depth++] = m->len;
	genl_put(m, (uint16_t)(type | NLA_F_NESTED), NULL, 0);
}

void genl_nest_end(struct genl_msg *m)
{
	if (m->overflow || m->depth <= 0)
		return;
	size_t at = m->nest[--m->depth];
	uint16_t len = (uint16_t)(m->len - at);
	memcpy(m->buf + at, &len, sizeof len);
}

/* The next attribute of [*p, *p + *len): its header in *h and its
 * payload, advancing past it; NULL at the end or at one that overruns. */
static const uint8_t *attr_next(const uint8_t **p, size_t *len,
				struct nlattr_ *h)
{
	if (*len < sizeof *h)
		return NULL;
	memcpy(h, *p, sizeof *h);
	if (h->len < sizeof *h || h->len > *len)
		return NULL;
	const uint8_t *payload = *p + sizeof *h;
	size_t step = ALIGN4(h->len);
	step = step < *len ? step : *len;
	*p += step;
	*len -= step;
	return payload;
}

void genl_parse(const uint8_t *p, size_t len, struct genl_attrs *a)
{
	struct nlattr_ h;
	const uint8_t *v;
	memset(a, 0, sizeof *a);
	while ((v = attr_next(&p, &len, &h))) {
		unsigned type = h.type & NLA_TYPE_MASK;
		if (type <= GENL_ATTR_MAX) {
			a->data[type] = v;
			a->len[type] = (uint16_t)(h.len - sizeof h);
		}
	}
}

uint32_t genl_u32(const struct genl_attrs *a, int type)
{
	uint32_t v = 0;
	if (a->data[type] && a->len[type] >= sizeof v)
		memcpy(&v, a->data[type], sizeof v);
	return v;
}

uint64_t genl_u64(const struct genl_attrs *a, int type)
{
	uint64_t v = 0;
	if (a->data[type] && a->len[type] >= sizeof v)
		memcpy(&v, a->data[type], sizeof v);
	return v;
}

uint8_t genl_u8(const struct genl_attrs *a, int type)
{
	return a->data[type] && a->len[type] ? a->data[type][0] : 0;
}

/* Walk the messages of one datagram.  Returns 1 when the acknowledgement
 * of 'seq' was seen (its error in *err), 0 to read on. */
static int walk(const uint8_t *p, size_t len, uint32_t seq, int *err,
		genl_reply_fn *fn, void *ctx)
{
	while (len >= sizeof(struct nlmsghdr_)) {
		struct nlmsghdr_ h;
		memcpy(&h, p, sizeof h);
		if (h.len < sizeof h || h.len > len)
			return 0;
		if (h.type == NLMSG_ERROR_ && h.seq == seq) {
			int32_t e = -EPROTO;
			if (h.len >= sizeof h + sizeof e)
				memcpy(&e, p + sizeof h, sizeof e);
			*err = e;
			return 1;
		}
		if (h.type == NLMSG_DONE_ && h.seq == seq) {
			*err = 0;
			return 1;
		}
		if (h.type != NLMSG_ERROR_ && h.len >= HDRLEN && fn) {
			struct genlmsghdr_ gh;
			struct genl_attrs a;
			memcpy(&gh, p + sizeof h, sizeof gh);
			genl_parse(p + HDRLEN, h.len - HDRLEN, &a);
			fn(ctx, gh.cmd, &a);
		}
		size_t step = ALIGN4(h.len);
		if (step >= len)
			return 0;
		p += step;
		len -= step;
	}
	return 0;
}


int genl_call(struct genl *g, struct genl_msg *m, genl_reply_fn *fn, void *ctx)
{
	if (m->overflow)
		return -EMSGSIZE;
	struct nlmsghdr_ h;
	memcpy(&h, m->buf, sizeof h);
	h.len = (uint32_t)m->len;
	h.seq = ++g->seq;
	memcpy(m->buf, &h, sizeof h);
	struct sockaddr_nl_ to = { .family = AF_NETLINK };
	if (sendto(g->fd, m->buf, m->len, 0, (struct sockaddr *)&to, sizeof to) < 0)
		return -errno;
	for (;;) {
		uint8_t rbuf[GENL_RECV_MAX];
		ssize_t n = recv(g->fd, rbuf, sizeof rbuf, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		int err;
		if (walk(rbuf, (size_t)n, h.seq, &err, fn, ctx))
			return err;
	}
}

int genl_recv_events(struct genl *g, genl_reply_fn *fn, void *ctx)
{
	uint8_t rbuf[GENL_RECV_MAX];
	ssize_t n = recv(g->fd, rbuf, sizeof rbuf, 0);
	if (n < 0)
		return -errno;
	int err;
	walk(rbuf, (size_t)n, 0xffffffffU, &err, fn, ctx);
	return 0;
}

struct resolve {
	const char *group;
	uint16_t family;
	uint32_t mcast;
};

/* The controller's answer: the family id and its multicast groups. */
static void on_family(void *ctx, uint8_t cmd, const struct genl_attrs *a)
{
	struct resolve *r = ctx;
	(void)cmd;
	if (a->data[CTRL_ATTR_FAMILY_ID] && a->len[CTRL_ATTR_FAMILY_ID] >= 2)
		memcpy(&r->family, a->data[CTRL_ATTR_FAMILY_ID], 2);
	const uint8_t *p = a->data[CTRL_ATTR_MCAST_GROUPS], *v;
	size_t len = p ? a->len[CTRL_ATTR_MCAST_GROUPS] : 0;
	struct nlattr_ h;
	/* An array: each element a nest of name and id. */
	while (r->group && (v = attr_next(&p, &len, &h))) {
		struct genl_attrs g;
		genl_parse(v, h.len - sizeof h, &g);
		const uint8_t *name = g.data[CTRL_ATTR_MCAST_GRP_NAME];
		size_t nl = g.len[CTRL_ATTR_MCAST_GRP_NAME];
		if (name && nl == strlen(r->group) + 1 &&
		    !memcmp(name, r->group, nl))
			r->mcast = genl_u32(&g, CTRL_ATTR_MCAST_GRP_ID);
	}
}

int genl_open(struct genl *g, const char *family, const char *group)
{
	g->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	g->seq = 0;
	g->mcast_group = 0;
	if (g->fd < 0)
		return -errno;
	struct sockaddr_nl_ me = { .family = AF_NETLINK };
	if (bind(g->fd, (struct sockaddr *)&me, sizeof me) < 0) {
		int e = errno;
		genl_close(g);
		return -e;
	}
	static struct genl_msg m;
	struct resolve r = { .group = group };
	g->family = GENL_ID_CTRL;
	genl_msg_init(&m, g, CTRL_CMD_GETFAMILY);
	genl_put_str(&m, CTRL_ATTR_FAMILY_NAME, family);
	int err = genl_call(g, &m, on_family, &r);
	if (!err && !r.family)
		err = -ENOENT;
	if (err) {
		genl_close(g);
		return err;
	}
	g->family = r.family;
	g->mcast_group = r.mcast;
	return 0;
}

int genl_join(struct genl *g)
{
	if (!g->mcast_group)
		return -ENOENT;
	if (setsockopt(g->fd, SOL_NETLINK_, NETLINK_ADD_MEMBERSHIP_,
		       &g->mcast_group, sizeof g->mcast_group) < 0)
		return -errno;
	return 0;
}

void genl_close(struct genl *g)
{
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
}
