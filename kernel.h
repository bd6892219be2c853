/*
 * kernel.h - handing a negotiated connection to the kernel NBD driver, and
 * asking it about or detaching a device.
 *
 * The ioctl numbers are from the kernel's uapi <linux/nbd.h> and <linux/fs.h>,
 * written out here because musl ships no kernel headers.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#define NBD_MAJOR        43
#define NBD_SET_SOCK     _IO(0xab, 0)
#define NBD_SET_BLKSIZE  _IO(0xab, 1)
#define NBD_SET_SIZE     _IO(0xab, 2)
#define NBD_DO_IT        _IO(0xab, 3)
#define NBD_SET_SIZE_BLOCKS _IO(0xab, 7)
#define NBD_CLEAR_SOCK   _IO(0xab, 4)
#define NBD_CLEAR_QUE    _IO(0xab, 5)
#define NBD_DISCONNECT   _IO(0xab, 8)
#define NBD_SET_TIMEOUT  _IO(0xab, 9)
#define NBD_SET_FLAGS    _IO(0xab, 10)
#define BLKROSET         _IO(0x12, 93)
#define BLKRRPART        _IO(0x12, 95)

/* Which ioctl carries the export's size: NBD_SET_SIZE takes an unsigned
 * long, which on 32-bit machines holds no more than 4 GiB - 1, so a larger
 * size goes as a count of blocks (NBD_SET_SIZE_BLOCKS; a tail shorter than
 * a block is not addressable, as with any block size).  -1 when even the
 * count does not fit. */
static inline int kernel_size_request(uint64_t size, uint32_t blksize,
				      unsigned long *req, unsigned long *arg)
{
	if (size <= (unsigned long)-1) {
		*req = NBD_SET_SIZE;
		*arg = (unsigned long)size;
		return 0;
	}
	if (!blksize || size / blksize > (unsigned long)-1)
		return -1;
	*req = NBD_SET_SIZE_BLOCKS;
	*arg = (unsigned long)(size / blksize);
	return 0;
}

/* Kernel-legal logical block sizes (power of two, 512..PAGE_SIZE). */
#define KERNEL_MIN_BLOCK 512U
#define KERNEL_MAX_BLOCK 4096U

#define NBDC_MAX_CONNS 16
/* The backend identifier "PEER/EXPORT" that CONNECT sets and RECONFIGURE
 * must repeat, shown in /sys/block/nbdX/backend.  The kernel prints it with
 * sprintf() into one page, so it must stay well under 4 KiB whatever the
 * export name (up to 4096 bytes): a longer one is abbreviated with a hash
 * of the whole (text_abbrev), never sent as it is. */
#define NBDC_BACKEND_MAX 512

/* With -p on the ioctl path: get a new kernel-ready socket after the
 * connection died (the supervisor's reconnect loop); NULL: no persistence. */
typedef int reconnect_fn(void *ctx, int *sock);
/* Run in the process that holds the device: before NBD_DO_IT (start the
 * TLS pump; returns an exit code) and after it returns (stop it). */
typedef int holder_start_fn(void);
typedef void holder_stop_fn(void);


struct attach {
	const char *dev;    /* /dev/nbdX; NULL: the kernel picks (netlink) */
	int sock;           /* connected socket, handshake done (= socks[0]) */
	int socks[NBDC_MAX_CONNS]; /* netlink: every connection */
	int nsocks;
	unsigned dead_timeout; /* netlink: seconds I/O waits for a reconnect */
	const char *backend;   /* netlink: "HOST:PORT/EXPORT", for RECONFIGURE */
	uint64_t size;      /* bytes */
	uint32_t blksize;   /* kernel-legal */
	uint16_t flags;     /* transmission flags (READ_ONLY forced by -R) */
	unsigned timeout;   /* seconds; 0 leaves the kernel default */
	bool nofork;        /* hold NBD_DO_IT in this process */
	const char *what;   /* "HOST:PORT export 'x'", for messages */
	const char *tls;    /* NULL, or how TLS is done, for messages */
	holder_start_fn *holder_start;  /* may be NULL */
	holder_stop_fn *holder_stop;
	reconnect_fn *reconnect;   /* ioctl path, -p */
	void *reconnect_ctx;
};

/* ---- the device (device.c) ---- */

/* Check, before connecting, that 'dev' is an NBD device and not in use.
 * Returns an exit code (the cause printed). */
int kernel_usable(const char *dev);

/* The device number of 'dev', checked to be an NBD device; 0, or -1
 * (cause printed). */
int kernel_nbd_devno(const char *dev, dev_t *rdev);

/* The index N of /dev/nbdN, or -1 (cause printed). */
int kernel_nbd_index(const char *dev);

/* The pid the kernel shows as serving 'dev' (0: not connected), through a
 * descriptor opened once: it keeps working after switch_root has taken
 * /dev and /sys away from a process left behind. */
int kernel_pid_open(const char *dev);
pid_t kernel_pid_read(int fd);

/* ---- commands on an attached device (control.c) ---- */

/* 1 connected (pid stored), 0 not connected, -1 error (printed). */
int kernel_check(const char *dev, pid_t *pid);

/* Detach; returns an exit code. */
int kernel_disconnect(const char *dev);

/* ---- ioctl (kernel_ioctl.c) ---- */

/* Attach through the ioctl interface.  Returns an exit code; with nofork it
 * returns only when the device is disconnected. */
int kernel_attach_ioctl(struct attach *a);

/* ---- netlink (kernel_netlink.c) ---- */
struct genl;

/* Does the kernel offer the "nbd" generic netlink family? */
bool kernel_has_netlink(void);

/* NBD_CMD_CONNECT with a->socks; *index -1 lets the kernel pick and is set
 * to the device used.  Returns an exit code (cause printed). */
int kernel_attach_netlink(const struct attach *a, int *index);

/* Hand new sockets to dead slots of device 'index'.  0 or -errno. */
int kernel_reconfigure(int index, const int *socks, int n, const char *backend);

/* NBD_CMD_DISCONNECT.  0 or -errno (-ENOENT: no netlink family). */
int kernel_disconnect_netlink(int index);

/* NBD_CMD_STATUS: 1 connected, 0 not, or -errno. */
int kernel_status_netlink(int index);

/* A non-blocking socket subscribed to the driver's events.  0 or -errno. */
int kernel_events_open(struct genl *g);

/* What the pending events say about device 'index' (drained). */
enum link_event {
	LINK_QUIET,  /* nothing about it */
	LINK_DEAD,   /* NBD_CMD_LINK_DEAD for it */
	LINK_LOST,   /* events were lost (ENOBUFS): no telling; ask */
};
enum link_event kernel_link_event(struct genl *g, int index);

/* Has `nbdc -d` said a disconnect is coming (SIGUSR2, held blocked by
 * protect_signals)? */
bool kernel_disconnect_asked(void);

/* Shared with the supervisor (kernel_ioctl.c). */
void kernel_report_attached(const struct attach *a);
void kernel_protect_self(void);
/* The signal part of kernel_protect_self (protect.c), for tests. */
void protect_signals(void);
void kernel_rescan(const char *dev);
void kernel_detach_session(void);

#endif
