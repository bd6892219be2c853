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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "device.h"
#include "fmt.h"
#include "kernel.h"
#include "nbd_proto.h"
#include "status.h"

#define START_WAIT_MS 10000 /* for NBD_DO_IT to show the device running */

static int nbd_ioctl(int fd, const char *dev, unsigned long req,
		     const char *name, unsigned long arg)
{
	if (ioctl(fd, req, arg) == 0)
		return 0;
	msg_errno("%s: %s(%lu) failed", dev, name, arg);
	return -1;
}

/* Set size, block size, flags, timeout and socket.  The flags fall back to
 * BLKROSET on kernels without NBD_SET_FLAGS. */
static int configure(int fd, const struct attach *a)
{
	unsigned long req, arg;
	if (kernel_size_request(a->size, a->blksize, &req, &arg)) {
		msg("%s: %llu bytes cannot be given to the kernel through ioctls "
		    "on this machine (even as blocks of %u); attach with netlink",
		    a->dev, (unsigned long long)a->size, a->blksize);
		return -1;
	}
	if (nbd_ioctl(fd, a->dev, NBD_SET_BLKSIZE, "NBD_SET_BLKSIZE", a->blksize) ||
	    nbd_ioctl(fd, a->dev, req, req == NBD_SET_SIZE ? "NBD_SET_SIZE"
		      : "NBD_SET_SIZE_BLOCKS", arg))
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
	for (int i = 0; i < (a->nsocks ? a->nsocks : 1); i++) {
		int sock = a->nsocks ? a->socks[i] : a->sock;
		if (ioctl(fd, NBD_SET_SOCK, (unsigned long)sock) == 0)
			continue;
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
void kernel_rescan(const char *dev)
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
		if (kernel_device_pid(pidpath))
			return 0;
		struct pollfd p = { .fd = errfd, .events = POLLIN };
		if (errfd >= 0 && poll(&p, 1, 10) > 0) {
			int err = 0;
			ssize_t n = read(errfd, &err, sizeof err);
			if (n == (ssize_t)sizeof err)
				return err;
			if (n <= 0) /* holder gone without a word */
				return kernel_device_pid(pidpath) ? 0 : ECHILD;
		} else if (errfd < 0) {
			usleep(10000);
		}
	}
	return ETIMEDOUT;
}

/* Did `nbdc -d` say a disconnect is coming (SIGUSR2, held blocked)? */
bool kernel_disconnect_asked(void)
{
	sigset_t set;
	return sigpending(&set) == 0 && sigismember(&set, SIGUSR2);
}

/* -p on the ioctl path: once NBD_DO_IT has returned, get a new connection
 * and attach again.  The kernel has failed the I/O in flight.  Returns the
 * open device, or -1 with *code set. */
static int reattach(struct attach *a, int *code)
{
	msg("%s: the connection to %s ended; reconnecting (ioctl path: I/O "
	    "in flight has failed)", a->dev, a->what);
	if ((*code = a->reconnect(a->reconnect_ctx, &a->sock)))
		return -1;
	a->socks[0] = a->sock;
	a->nsocks = 1;
	int fd = open(a->dev, O_RDWR | O_CLOEXEC);
	if (fd < 0 || configure(fd, a)) {
		if (fd >= 0)
			close(fd);
		close(a->sock);
		*code = EXIT_KERNEL;
		return -1;
	}
	close(a->sock); /* the kernel holds it now */
	if (a->holder_start && (*code = a->holder_start())) {
		close(fd);
		return -1;
	}
	return fd;
}

/* After a re-attach, a child checks the device answers: it waits for it
 * to run and reads its first block.  While anyone else holds the device
 * open (a mounted filesystem does) the kernel keeps the dead configuration
 * and the new connection does not help; then the child asks the kernel to
 * let go, so NBD_DO_IT returns, and exits 1.  Returns its pid, or -1. */
static pid_t probe(const struct attach *a)
{
	char pidpath[96];
	pid_t p = _Fork(); /* fork() minus atfork handlers (nbdc has none): 1 KB less musl */
	if (p != 0)
		return p;
	if (kernel_device_pidpath(a->dev, pidpath, sizeof pidpath) == 0 &&
	    wait_running(pidpath, -1) == 0) {
		/* O_DIRECT wants an aligned buffer: a page of its own */
		void *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int fd = open(a->dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
		if (buf != MAP_FAILED && fd >= 0 && read(fd, buf, 4096) > 0)
			_exit(0);
	}
	int fd = open(a->dev, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		ioctl(fd, NBD_DISCONNECT);
	_exit(1);
}

/* Did the probe find the re-attached device dead? */
static bool probe_failed(pid_t prober)
{
	int st;
	return prober > 0 && waitpid(prober, &st, 0) == prober &&
	       WIFEXITED(st) && WEXITSTATUS(st) == 1;
}

/* The life of the connection: NBD_DO_IT until disconnect, then clean up;
 * with -p, attach again while the disconnect was not asked for.  The TLS
 * pump runs beside it in this same process, so the pid the kernel shows
 * is the one that moves the data. */
static int hold(int fd, struct attach *a, int errfd)
{
	int code;
	pid_t prober = -1;
	kernel_protect_self();
	if (a->holder_start && (code = a->holder_start()))
		return code;
	for (;;) {
		int r = ioctl(fd, NBD_DO_IT);
		int err = errno;
		if (r < 0 && errfd >= 0 && write(errfd, &err, sizeof err) < 0) {
			/* the waiter is gone; nothing more to tell */
		}
		errfd = -1;
		ioctl(fd, NBD_CLEAR_QUE);
		ioctl(fd, NBD_CLEAR_SOCK);
		if (a->holder_stop) /* it sees the kernel's socket close */
			a->holder_stop();
		code = r < 0 ? EXIT_KERNEL : EXIT_OK;
		if (r < 0 && err != EBUSY) {
			errno = err;
			msg_errno("%s: connection to %s ended", a->dev, a->what);
		}
		close(fd);
		if (probe_failed(prober)) {
			msg("%s: attached again, but the device does not answer: "
			    "the kernel keeps the dead connection while the device "
			    "is open elsewhere (netlink, the default, reconnects in "
			    "place); giving up", a->dev);
			return EXIT_KERNEL;
		}
		if (!a->reconnect || kernel_disconnect_asked() || (r < 0 && err == EBUSY))
			return code;
		if ((fd = reattach(a, &code)) < 0)
			return code;
		prober = probe(a);
	}
}

/* Leave the caller's session.  stdin and stdout go to /dev/null; stderr is
 * kept when it is a terminal or a file (late messages stay visible), but a
 * pipe or socket is swapped for the console: `$(nbdc ... 2>&1)` in a boot
 * script must not wait for the device to be detached. */
void kernel_detach_session(void)
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

void kernel_report_attached(const struct attach *a)
{
	char conns[32] = "";
	if (a->nsocks > 1)
		fmt_snprintf(conns, sizeof conns, ", %d connections", a->nsocks);
	msg("%s: attached %s (%llu bytes, block size %u%s%s%s%s)", a->dev,
	    a->what, (unsigned long long)a->size, a->blksize,
	    a->flags & NBD_FLAG_READ_ONLY ? ", read-only" : "", conns,
	    a->tls ? ", " : "", a->tls ? a->tls : "");
}

int kernel_attach_ioctl(struct attach *a)
{
	char pidpath[96];
	if (kernel_device_free(a->dev, pidpath, sizeof pidpath))
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
	pid_t child = _Fork(); /* as fork(): nbdc has no atfork handlers */
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
				kernel_rescan(a->dev);
				kernel_report_attached(a);
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
		for (int i = 0; i < a->nsocks; i++)
			close(a->socks[i]);
		close(a->sock);
		kernel_detach_session();
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
	kernel_rescan(a->dev);
	kernel_report_attached(a);
	return EXIT_OK;
}

