/*
 * kernel_ioctl.c - the NBD ioctl interface.
 *
 * Facts that shape this file (checked against drivers/block/nbd.c):
 * - every NBD_SET_SOCK must come from the task that set the device up;
 * - NBD_DO_IT blocks for the life of the connection and does not scan
 *   partitions, so another process asks for the scan once it runs;
 * - the device is torn down when its last opener closes it, so the process
 *   in NBD_DO_IT keeps its descriptor.
 * Here the parent does all set-up ioctls, a child holds NBD_DO_IT, and the
 * parent waits until /sys shows the device running, rescans partitions and
 * returns.  With nofork the roles swap: a child rescans, the parent holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel.h"
#include "nbd_proto.h"
#include "status.h"

#define START_WAIT_MS 10000 /* for NBD_DO_IT to show the device running */
#define STOP_WAIT_MS  10000 /* for a disconnect to finish */
#define COMPANION_STACK ((size_t)64 * 1024)

/* Check 'dev' is an NBD block device; fills the sysfs path of its pid file.
 * Returns 0, or -1 after printing why. */
static int nbd_device(const char *dev, char *pidpath, size_t size)
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
	snprintf(pidpath, size, "/sys/dev/block/%u:%u/pid",
		 major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

/* The pid serving the device, or 0 when it is not connected. */
static pid_t device_pid(const char *pidpath)
{
	char buf[32] = "";
	int fd = open(pidpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	return n > 0 ? (pid_t)strtol(buf, NULL, 10) : 0;
}

static int nbd_ioctl(int fd, const char *dev, unsigned long req,
		     const char *name, unsigned long arg)
{
	if (ioctl(fd, req, arg) == 0)
		return 0;
	msg_errno("%s: %s(%lu) failed", dev, name, arg);
	return -1;
}

/* Keep the process that a disk depends on in memory and out of the OOM
 * killer's reach: a page fault or kill here could hang the root fs. */
static void protect_self(void)
{
	mlockall(MCL_CURRENT | MCL_FUTURE);
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "-1000", 5) < 0) { /* best effort */ }
		close(fd);
	}
}

/* Set size, block size, flags, timeout and socket.  The flags fall back to
 * BLKROSET on kernels without NBD_SET_FLAGS. */
static int configure(int fd, const struct attach *a)
{
	if (nbd_ioctl(fd, a->dev, NBD_SET_BLKSIZE, "NBD_SET_BLKSIZE", a->blksize) ||
	    nbd_ioctl(fd, a->dev, NBD_SET_SIZE, "NBD_SET_SIZE", (unsigned long)a->size))
		return -1;
	if (ioctl(fd, NBD_SET_FLAGS, (unsigned long)a->flags) < 0) {
		int ro = !!(a->flags & NBD_FLAG_READ_ONLY);
		if ((errno != EINVAL && errno != ENOTTY) ||
		    ioctl(fd, BLKROSET, &ro) < 0) {
			msg_errno("%s: NBD_SET_FLAGS(0x%x) failed", a->dev, a->flags);
			return -1;
		}
	}
	if (a->timeout &&
	    nbd_ioctl(fd, a->dev, NBD_SET_TIMEOUT, "NBD_SET_TIMEOUT", a->timeout))
		return -1;
	if (ioctl(fd, NBD_SET_SOCK, (unsigned long)a->sock) < 0) {
		if (errno == EBUSY)
			msg("%s is busy: another process is setting it up, or "
			    "it is attached through netlink", a->dev);
		else
			msg_errno("%s: NBD_SET_SOCK failed", a->dev);
		return -1;
	}
	return 0;
}

/* Ask for a partition scan; failure only means no partitions are shown. */
static void rescan(const char *dev)
{
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ioctl(fd, BLKRRPART, 0);
		close(fd);
	}
}

/* Wait until the device runs (pid file present). 'errfd', when >= 0, carries
 * the holder's errno if NBD_DO_IT fails at once.  Returns 0 or an errno. */
static int wait_running(const char *pidpath, int errfd)
{
	int64_t deadline = now_ms() + START_WAIT_MS;
	while (now_ms() < deadline) {
		if (device_pid(pidpath))
			return 0;
		struct pollfd p = { .fd = errfd, .events = POLLIN };
		if (errfd >= 0 && poll(&p, 1, 10) > 0) {
			int err = 0;
			ssize_t n = read(errfd, &err, sizeof err);
			if (n == (ssize_t)sizeof err)
				return err;
			if (n <= 0) /* holder gone without a word */
				return device_pid(pidpath) ? 0 : ECHILD;
		} else if (errfd < 0) {
			usleep(10000);
		}
	}
	return ETIMEDOUT;
}

static void *companion_main(void *arg)
{
	const struct attach *a = arg;
	a->companion(a->companion_arg);
	return NULL;
}

/* The life of the connection: NBD_DO_IT until disconnect, then clean up.
 * The companion (TLS pump) runs beside it in this same process, so the pid
 * the kernel shows is the one that moves the data. */
static int hold(int fd, const struct attach *a, int errfd)
{
	pthread_t thread;
	bool companion = false;
	protect_self();
	if (a->companion) {
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, COMPANION_STACK);
		companion = !pthread_create(&thread, &attr, companion_main, (void *)a);
		if (!companion) {
			msg("%s: cannot start the TLS pump thread", a->dev);
			return EXIT_SYSTEM;
		}
	}
	int r = ioctl(fd, NBD_DO_IT);
	int err = errno;
	if (r < 0 && errfd >= 0 && write(errfd, &err, sizeof err) < 0) {
		/* the waiter is gone; nothing more to tell */
	}
	ioctl(fd, NBD_CLEAR_QUE);
	ioctl(fd, NBD_CLEAR_SOCK);
	if (companion) /* it sees the kernel's socket close and says goodbye */
		pthread_join(thread, NULL);
	if (r < 0 && err != EBUSY) {
		errno = err;
		msg_errno("%s: connection to %s ended", a->dev, a->what);
		return EXIT_KERNEL;
	}
	return r < 0 ? EXIT_KERNEL : EXIT_OK;
}

/* Leave the caller's session.  stdin and stdout go to /dev/null; stderr is
 * kept when it is a terminal or a file (late messages stay visible), but a
 * pipe or socket is swapped for the console: `$(nbdc ... 2>&1)` in a boot
 * script must not wait for the device to be detached. */
static void detach_session(void)
{
	struct stat st;
	setsid();
	if (chdir("/") < 0) { /* stay where we are */ }
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		close(null);
	}
	if (fstat(2, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
		int con = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (con < 0)
			con = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (con >= 0) {
			dup2(con, 2);
			close(con);
		}
	}
}

static void report_attached(const struct attach *a)
{
	msg("%s: attached %s (%llu bytes, block size %u%s)", a->dev, a->what,
	    (unsigned long long)a->size, a->blksize,
	    a->flags & NBD_FLAG_READ_ONLY ? ", read-only" : "");
}

/* Is 'dev' an NBD device free to attach?  Fills its sysfs pid path. */
static int device_free(const char *dev, char *pidpath, size_t size)
{
	if (nbd_device(dev, pidpath, size))
		return EXIT_KERNEL;
	pid_t busy = device_pid(pidpath);
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
	return device_free(dev, pidpath, sizeof pidpath);
}

int kernel_attach_ioctl(const struct attach *a)
{
	char pidpath[96];
	if (device_free(a->dev, pidpath, sizeof pidpath))
		return EXIT_KERNEL;
	int fd = open(a->dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		msg_errno("cannot open %s", a->dev);
		return EXIT_KERNEL;
	}
	if (configure(fd, a)) {
		close(fd);
		return EXIT_KERNEL;
	}
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		msg_errno("pipe");
		ioctl(fd, NBD_CLEAR_SOCK);
		close(fd);
		return EXIT_SYSTEM;
	}
	fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		msg_errno("fork");
		ioctl(fd, NBD_CLEAR_SOCK);
		close(fd);
		return EXIT_SYSTEM;
	}
	if (a->nofork) {
		if (child == 0) { /* rescanner */
			close(fd);
			if (wait_running(pidpath, -1) == 0) {
				rescan(a->dev);
				report_attached(a);
			}
			_exit(0);
		}
		close(pipefd[0]);
		close(pipefd[1]);
		int code = hold(fd, a, -1);
		waitpid(child, NULL, 0);
		return code;
	}
	if (child == 0) { /* holder */
		close(pipefd[0]);
		close(a->sock);
		detach_session();
		_exit(hold(fd, a, pipefd[1]));
	}
	close(pipefd[1]);
	close(fd);
	int err = wait_running(pidpath, pipefd[0]);
	close(pipefd[0]);
	if (err) {
		errno = err;
		msg_errno("%s: the kernel did not start the device", a->dev);
		if (err == ETIMEDOUT)
			kill(child, SIGKILL);
		return EXIT_KERNEL;
	}
	rescan(a->dev);
	report_attached(a);
	return EXIT_OK;
}

int kernel_check(const char *dev, pid_t *pid)
{
	char pidpath[96];
	if (nbd_device(dev, pidpath, sizeof pidpath))
		return -1;
	*pid = device_pid(pidpath);
	return *pid ? 1 : 0;
}

int kernel_disconnect(const char *dev)
{
	char pidpath[96];
	if (nbd_device(dev, pidpath, sizeof pidpath))
		return EXIT_KERNEL;
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		msg_errno("cannot open %s", dev);
		return EXIT_KERNEL;
	}
	if (!device_pid(pidpath)) {
		msg("%s is not connected", dev);
		close(fd);
		return EXIT_OK;
	}
	if (nbd_ioctl(fd, dev, NBD_DISCONNECT, "NBD_DISCONNECT", 0)) {
		close(fd);
		return EXIT_KERNEL;
	}
	ioctl(fd, NBD_CLEAR_SOCK);
	close(fd);
	int64_t deadline = now_ms() + STOP_WAIT_MS;
	while (device_pid(pidpath) && now_ms() < deadline)
		usleep(10000);
	if (device_pid(pidpath)) {
		msg("%s: disconnect requested, but the device is still "
		    "running after %d s", dev, STOP_WAIT_MS / 1000);
		return EXIT_KERNEL;
	}
	rescan(dev); /* size is 0 now: drops stale partition devices */
	msg("%s: disconnected", dev);
	return EXIT_OK;
}
