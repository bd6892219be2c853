/*
 * device.c - an NBD device as /dev and /sys show it: is it one, which
 * index, which pid serves it, is it free.  Both kernel interfaces
 * (kernel_ioctl.c, kernel_netlink.c) and the commands above them
 * (control.c) use this; it uses neither.
 */
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "device.h"
#include "fmt.h"
#include "kernel.h"
#include "status.h"
#include "text.h"

/* Check 'dev' is an NBD block device and give its device number.
 * Returns 0, or -1 after printing why. */
int kernel_nbd_devno(const char *dev, dev_t *rdev)
{
	struct stat st;
	if (stat(dev, &st) < 0) {
		msg_errno("%s", dev);
		return -1;
	}
	if (!S_ISBLK(st.st_mode) || major(st.st_rdev) != NBD_MAJOR) {
		msg("%s is not an NBD device (block major %d); is the nbd "
		    "module loaded?", dev, NBD_MAJOR);
		return -1;
	}
	*rdev = st.st_rdev;
	return 0;
}

/* The sysfs pid file of NBD device 'dev'.  0, or -1 after printing why. */
int kernel_device_pidpath(const char *dev, char *pidpath, size_t size)
{
	dev_t rdev;
	if (kernel_nbd_devno(dev, &rdev))
		return -1;
	fmt_snprintf(pidpath, size, "/sys/dev/block/%u:%u/pid", major(rdev),
		 minor(rdev));
	return 0;
}

/* The pid serving the device, or 0 when it is not connected. */
pid_t kernel_device_pid(const char *pidpath)
{
	int fd = open(pidpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	pid_t pid = kernel_pid_read(fd);
	close(fd);
	return pid;
}

/* Is 'dev' an NBD device free to attach?  Fills its sysfs pid path. */
int kernel_device_free(const char *dev, char *pidpath, size_t size)
{
	if (kernel_device_pidpath(dev, pidpath, size))
		return EXIT_KERNEL;
	pid_t busy = kernel_device_pid(pidpath);
	if (busy) {
		msg("%s is already connected (served by pid %d); detach it "
		    "first with: nbdc -d %s", dev, (int)busy, dev);
		return EXIT_KERNEL;
	}
	return EXIT_OK;
}

int kernel_usable(const char *dev)
{
	char pidpath[96];
	return kernel_device_free(dev, pidpath, sizeof pidpath);
}

int kernel_pid_open(const char *dev)
{
	char pidpath[96];
	if (kernel_device_pidpath(dev, pidpath, sizeof pidpath))
		return -1;
	return open(pidpath, O_RDONLY | O_CLOEXEC);
}

pid_t kernel_pid_read(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return 0; /* the attribute is gone: the device was released */
	buf[n] = 0;
	uint64_t pid;
	const char *end;
	return text_u64(buf, 10, INT32_MAX, &pid, &end) ? (pid_t)pid : 0;
}

/* The index N of /dev/nbdN, or -1 (cause printed). */
int kernel_nbd_index(const char *dev)
{
	dev_t rdev;
	char sys[64], link[256];
	if (kernel_nbd_devno(dev, &rdev))
		return -1;
	/* /sys/dev/block/43:M -> .../block/nbdN: the name has the index. */
	fmt_snprintf(sys, sizeof sys, "/sys/dev/block/%u:%u", major(rdev), minor(rdev));
	ssize_t n = readlink(sys, link, sizeof link - 1);
	if (n <= 0) {
		msg_errno("%s: cannot read %s", dev, sys);
		return -1;
	}
	link[n] = 0;
	const char *base = strrchr(link, '/');
	base = base ? base + 1 : link;
	uint64_t index;
	if (strncmp(base, "nbd", 3) != 0 ||
	    !text_u64(base + 3, 10, INT32_MAX, &index, NULL)) {
		msg("%s is a partition of an NBD device, not the device", dev);
		return -1;
	}
	return (int)index;
}
