/*
 * control.c - the commands on a device already attached: -c (who serves
 * it) and -d (disconnect it, telling the nbdc that keeps it first).  They
 * speak netlink when the kernel has it, ioctls otherwise: this file sits
 * above both interfaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device.h"
#include "dir.h"
#include "fmt.h"
#include "kernel.h"
#include "status.h"

#define STOP_WAIT_MS 10000 /* for a disconnect to finish */

int kernel_check(const char *dev, pid_t *pid)
{
	char pidpath[96];
	if (kernel_device_pidpath(dev, pidpath, sizeof pidpath))
		return -1;
	*pid = kernel_device_pid(pidpath);
	int index = kernel_nbd_index(dev);
	int st = index >= 0 ? kernel_status_netlink(index) : -ENOENT;
	if (st >= 0) /* the driver's own word, when it has netlink */
		return st && *pid ? 1 : 0;
	return *pid ? 1 : 0;
}

/* Does process 'pid' hold this device open: the device node itself (the
 * ioctl holder) or its /sys pid file (the netlink supervisor)?  Compared
 * by inode, so paths that differ after switch_root still match. */
struct holds_ask {
	char dir[64];
	const struct stat *dev, *sys;
};

static bool holds_fd(void *ctx, const char *name)
{
	const struct holds_ask *h = ctx;
	char path[96];
	struct stat st;
	fmt_snprintf(path, sizeof path, "%s/%.20s", h->dir, name);
	return stat(path, &st) == 0 &&
	       ((S_ISBLK(st.st_mode) && st.st_rdev == h->dev->st_rdev) ||
		(st.st_dev == h->sys->st_dev && st.st_ino == h->sys->st_ino));
}

static bool holds_device(pid_t pid, const struct stat *dev, const struct stat *sys)
{
	struct holds_ask h = { .dev = dev, .sys = sys };
	fmt_snprintf(h.dir, sizeof h.dir, "/proc/%d/fd", (int)pid);
	return dir_each(h.dir, holds_fd, &h) == 1;
}

/* The file name of process 'who''s program ("self" or a pid), without
 * its directory or a " (deleted)" mark: the copy in an initramfs that
 * switch_root emptied is still "nbdc".  "" when unreadable. */
static const char *exe_name(const char *who, char *buf, size_t size)
{
	char path[32];
	fmt_snprintf(path, sizeof path, "/proc/%s/exe", who);
	ssize_t n = readlink(path, buf, size - 1);
	if (n < 0)
		n = 0;
	if (n > 10 && !memcmp(buf + n - 10, " (deleted)", 10))
		n -= 10;
	buf[n] = 0;
	char *slash = strrchr(buf, '/');
	return slash ? slash + 1 : buf;
}

/* A disconnect is coming: an nbdc that keeps this device (the ioctl
 * holder with -p, or the netlink supervisor) must not take it for a lost
 * server, nor undo it with a reconnect.  Only our own binary ("our own" by
 * program name, since the copy that disconnects at shutdown is not the
 * initramfs' copy that attached), and only one holding this very device,
 * is told (SIGUSR2, which it holds blocked): the pid /sys shows may belong
 * to an attacher long gone, and a later process may have its number. */
static void tell_holder(pid_t pid, const char *dev, const char *pidpath)
{
	char mine[512], theirs[512], who[16];
	struct stat ds, ss;
	fmt_snprintf(who, sizeof who, "%d", (int)pid);
	const char *a = exe_name("self", mine, sizeof mine);
	if (*a && !strcmp(a, exe_name(who, theirs, sizeof theirs)) &&
	    stat(dev, &ds) == 0 && stat(pidpath, &ss) == 0 &&
	    holds_device(pid, &ds, &ss))
		kill(pid, SIGUSR2);
}

/* NBD_DISCONNECT through an open descriptor (kernels without netlink). */
static int disconnect_ioctl(const char *dev)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		msg_errno("cannot open %s", dev);
		return EXIT_KERNEL;
	}
	if (ioctl(fd, NBD_DISCONNECT) < 0) {
		msg_errno("%s: NBD_DISCONNECT failed", dev);
		close(fd);
		return EXIT_KERNEL;
	}
	ioctl(fd, NBD_CLEAR_SOCK);
	close(fd);
	return EXIT_OK;
}

int kernel_disconnect(const char *dev)
{
	char pidpath[96];
	if (kernel_device_pidpath(dev, pidpath, sizeof pidpath))
		return EXIT_KERNEL;
	pid_t pid = kernel_device_pid(pidpath);
	if (!pid) {
		msg("%s is not connected", dev);
		return EXIT_OK;
	}
	tell_holder(pid, dev, pidpath);
	int index = kernel_nbd_index(dev);
	int err = index >= 0 ? kernel_disconnect_netlink(index) : -ENOENT;
	if (err == -ENOENT || err == -EOPNOTSUPP) {
		int code = disconnect_ioctl(dev);
		if (code)
			return code;
	} else if (err) {
		errno = -err;
		msg_errno("%s: NBD_CMD_DISCONNECT failed", dev);
		return EXIT_KERNEL;
	}
	int64_t deadline = now_ms() + STOP_WAIT_MS;
	while (kernel_device_pid(pidpath) && now_ms() < deadline)
		usleep(10000);
	if (kernel_device_pid(pidpath)) {
		msg("%s: disconnect requested, but the device is still "
		    "running after %d s (is it mounted or open?)", dev,
		    STOP_WAIT_MS / 1000);
		return EXIT_KERNEL;
	}
	kernel_rescan(dev); /* size is 0 now: drops stale partition devices */
	msg("%s: disconnected", dev);
	return EXIT_OK;
}
