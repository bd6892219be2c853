/*
 * kernel_netlink.c - the NBD driver's generic netlink interface ("nbd"),
 * written against include/uapi/linux/nbd-netlink.h: connect (the kernel may
 * pick the device), reconfigure a dead connection, disconnect, status, and
 * the LINK_DEAD events the supervisor waits for.
 *
 * Facts that shape this file (drivers/block/nbd.c):
 * - CONNECT without NBD_ATTR_INDEX picks a free device and answers with
 *   its index; the device outlives the process that configured it;
 * - RECONFIGURE only fills slots whose socket is dead, and needs the
 *   backend identifier CONNECT set;
 * - a dead link is multicast as NBD_CMD_LINK_DEAD to "nbd_mc_group", but
 *   not when the user asked for the disconnect.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "genl.h"
#include "kernel.h"
#include "status.h"

/* From <linux/nbd-netlink.h>. */
enum { NBD_ATTR_INDEX = 1, NBD_ATTR_SIZE_BYTES, NBD_ATTR_BLOCK_SIZE_BYTES,
       NBD_ATTR_TIMEOUT, NBD_ATTR_SERVER_FLAGS, NBD_ATTR_CLIENT_FLAGS,
       NBD_ATTR_SOCKETS, NBD_ATTR_DEAD_CONN_TIMEOUT, NBD_ATTR_DEVICE_LIST,
       NBD_ATTR_BACKEND_IDENTIFIER };
enum { NBD_DEVICE_ITEM = 1 };
enum { NBD_DEVICE_INDEX = 1, NBD_DEVICE_CONNECTED };
enum { NBD_SOCK_ITEM = 1 };
enum { NBD_SOCK_FD = 1 };
enum { NBD_CMD_CONNECT = 1, NBD_CMD_DISCONNECT, NBD_CMD_RECONFIGURE,
       NBD_CMD_LINK_DEAD, NBD_CMD_STATUS };
#define NBD_FAMILY "nbd"
#define NBD_MCAST  "nbd_mc_group"

static struct genl_msg req; /* one request at a time, never on the stack */

/* NBD_CMD_CONNECT at its largest: netlink and genetlink headers (20),
 * index (8), five u64 attributes (12 each), the socket list (4 + 12 per
 * socket, each in a nest of 4), the backend identifier (4 + its bytes,
 * rounded up).  It must fit whatever the user named. */
_Static_assert(GENL_MSG_MAX >= 20 + 8 + 5 * 12 + 4 + NBDC_MAX_CONNS * 16 +
	       4 + NBDC_BACKEND_MAX + 3, "GENL_MSG_MAX too small for CONNECT");

/* Our own failure to build a request is ours to name, not the kernel's. */
static int built(const struct genl_msg *m, const char *what)
{
	if (!m->overflow)
		return 0;
	msg("internal error: the %s request does not fit in %d bytes",
	    what, GENL_MSG_MAX);
	return -1;
}

static int nbd_genl(struct genl *g)
{
	return genl_open(g, NBD_FAMILY, NBD_MCAST);
}

bool kernel_has_netlink(void)
{
	struct genl g;
	if (nbd_genl(&g))
		return false;
	genl_close(&g);
	return true;
}


static void put_sockets(struct genl_msg *m, const int *socks, int n)
{
	genl_nest_begin(m, NBD_ATTR_SOCKETS);
	for (int i = 0; i < n; i++) {
		genl_nest_begin(m, NBD_SOCK_ITEM);
		genl_put_u32(m, NBD_SOCK_FD, (uint32_t)socks[i]);
		genl_nest_end(m);
	}
	genl_nest_end(m);
}

static void on_connect(void *ctx, uint8_t cmd, const struct genl_attrs *a)
{
	if (cmd == NBD_CMD_CONNECT && a->data[NBD_ATTR_INDEX])
		*(int *)ctx = (int)genl_u32(a, NBD_ATTR_INDEX);
}

int kernel_attach_netlink(const struct attach *a, int *index)
{
	struct genl g;
	int err = nbd_genl(&g);
	if (err) {
		errno = -err;
		msg_errno("cannot reach the kernel's NBD netlink interface");
		return EXIT_KERNEL;
	}
	genl_msg_init(&req, &g, NBD_CMD_CONNECT);
	if (*index >= 0)
		genl_put_u32(&req, NBD_ATTR_INDEX, (uint32_t)*index);
	genl_put_u64(&req, NBD_ATTR_SIZE_BYTES, a->size);
	genl_put_u64(&req, NBD_ATTR_BLOCK_SIZE_BYTES, a->blksize);
	genl_put_u64(&req, NBD_ATTR_SERVER_FLAGS, a->flags);
	genl_put_u64(&req, NBD_ATTR_CLIENT_FLAGS, 0);
	if (a->timeout)
		genl_put_u64(&req, NBD_ATTR_TIMEOUT, a->timeout);
	if (a->dead_timeout)
		genl_put_u64(&req, NBD_ATTR_DEAD_CONN_TIMEOUT, a->dead_timeout);
	if (a->backend)
		genl_put_str(&req, NBD_ATTR_BACKEND_IDENTIFIER, a->backend);
	put_sockets(&req, a->socks, a->nsocks);
	int got = -1;
	if (built(&req, "NBD_CMD_CONNECT")) {
		genl_close(&g);
		return EXIT_SYSTEM;
	}
	err = genl_call(&g, &req, on_connect, &got);
	genl_close(&g);
	if (err) {
		errno = -err;
		if (err == -EBUSY)
			msg("nbd%d is already connected; detach it first with: "
			    "nbdc -d /dev/nbd%d", *index, *index);
		else
			msg_errno("%s: the kernel refused NBD_CMD_CONNECT",
				  a->dev ? a->dev : "nbd");
		return EXIT_KERNEL;
	}
	if (got < 0) {
		msg("the kernel connected a device but did not say which");
		return EXIT_KERNEL;
	}
	*index = got;
	return EXIT_OK;
}

/* A command addressed to device 'index' (with the backend identifier and
 * sockets when given), answers to 'fn'.  0 or -errno. */
static int request(uint8_t cmd, int index, const char *backend,
		   const int *socks, int n, genl_reply_fn *fn, void *ctx)
{
	struct genl g;
	int err = nbd_genl(&g);
	if (err)
		return err;
	genl_msg_init(&req, &g, cmd);
	genl_put_u32(&req, NBD_ATTR_INDEX, (uint32_t)index);
	if (backend)
		genl_put_str(&req, NBD_ATTR_BACKEND_IDENTIFIER, backend);
	if (n)
		put_sockets(&req, socks, n);
	err = built(&req, "netlink") ? -EMSGSIZE : genl_call(&g, &req, fn, ctx);
	genl_close(&g);
	return err;
}

int kernel_reconfigure(int index, const int *socks, int n, const char *backend)
{
	return request(NBD_CMD_RECONFIGURE, index, backend, socks, n, NULL, NULL);
}

int kernel_disconnect_netlink(int index)
{
	return request(NBD_CMD_DISCONNECT, index, NULL, NULL, 0, NULL, NULL);
}

struct status_ask {
	int index;
	int connected;
};

static void on_status(void *ctx, uint8_t cmd, const struct genl_attrs *a)
{
	struct status_ask *s = ctx;
	struct genl_attrs item, dev;
	(void)cmd;
	if (!a->data[NBD_ATTR_DEVICE_LIST])
		return;
	genl_parse(a->data[NBD_ATTR_DEVICE_LIST], a->len[NBD_ATTR_DEVICE_LIST],
		   &item);
	/* Asked for one index, the list has one item. */
	if (!item.data[NBD_DEVICE_ITEM])
		return;
	genl_parse(item.data[NBD_DEVICE_ITEM], item.len[NBD_DEVICE_ITEM], &dev);
	if (dev.data[NBD_DEVICE_INDEX] &&
	    (int)genl_u32(&dev, NBD_DEVICE_INDEX) == s->index)
		s->connected = genl_u8(&dev, NBD_DEVICE_CONNECTED);
}

int kernel_status_netlink(int index)
{
	struct status_ask s = { index, -1 };
	int err = request(NBD_CMD_STATUS, index, NULL, NULL, 0, on_status, &s);
	if (err)
		return err;
	return s.connected < 0 ? 0 : s.connected;
}

int kernel_events_open(struct genl *g)
{
	int err = nbd_genl(g);
	if (err)
		return err;
	if ((err = genl_join(g))) {
		genl_close(g);
		return err;
	}
	ioctl(g->fd, FIONBIO, &(int){ 1 }); /* O_NONBLOCK */
	return 0;
}

struct dead_ask {
	int index;
	bool seen;
};

static void on_event(void *ctx, uint8_t cmd, const struct genl_attrs *a)
{
	struct dead_ask *d = ctx;
	if (cmd == NBD_CMD_LINK_DEAD && a->data[NBD_ATTR_INDEX] &&
	    (int)genl_u32(a, NBD_ATTR_INDEX) == d->index)
		d->seen = true;
}

enum link_event kernel_link_event(struct genl *g, int index)
{
	struct dead_ask d = { index, false };
	bool lost = false;
	int r;
	/* Drain: after ENOBUFS the socket goes on with what came later. */
	while ((r = genl_recv_events(g, on_event, &d)) == 0 || r == -ENOBUFS)
		lost |= r == -ENOBUFS;
	return d.seen ? LINK_DEAD : lost ? LINK_LOST : LINK_QUIET;
}
