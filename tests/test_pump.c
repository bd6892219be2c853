/*
 * test_pump.c - the TLS pump's thread as pump.c makes it (clone() with a
 * thread descriptor of its own, no pthread), with a stand-in for the pump
 * that makes a system call fail (EBADF) as fast as it can: the main
 * thread's errno must never change under it (ENOENT stays ENOENT), the
 * thread must see its own EBADF, pump_stop() must join it (it runs no
 * more, and the process has the tasks it had before: qemu-user has some
 * of its own), and it must start again on the same stack.  Built with musl, run natively and under qemu-user for
 * each architecture (tests/cross.sh).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pump.h"
#include "tls.h"

static int passed, failed;
static volatile long rounds;
static volatile int thread_saw_other; /* the thread saw another errno */

static void check(const char *name, int cond)
{
	printf("%s %s\n", cond ? "ok  " : "FAIL", name);
	cond ? passed++ : failed++;
}

/* The stand-in: fail read(-1) until pump_stop() shuts 'tcp' down. */
int tls_pump(int tcp, int local)
{
	(void)local;
	for (;;) {
		char c;
		struct pollfd p = { tcp, POLLIN, 0 };
		if (read(-1, &c, 1) >= 0 || errno != EBADF)
			thread_saw_other = 1;
		rounds++;
		if (poll(&p, 1, 0) > 0 && read(tcp, &c, 1) <= 0)
			return 0;
	}
}

long tls_alloc_count(void)
{
	return -1;
}

/* The tasks of this process, from /proc/self/task. */
static int tasks(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/task");
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* Main thread: make open() fail with ENOENT, many times, while the pump
 * runs; how many times errno was not ENOENT right after. */
static long main_errno_changes(void)
{
	long changed = 0, start = rounds;
	/* (bounded: if the thread never runs, the checks below say so) */
	for (int i = 0; i < 20000000; i++) {
		errno = 0;
		if (open("/nonexistent/nbdc-test", O_RDONLY) >= 0 || errno != ENOENT)
			changed++;
		if (i >= 200000 && rounds - start >= 1000)
			break;
	}
	return changed;
}

int main(void)
{
	int before = tasks();
	for (int round = 1; round <= 2; round++) {
		int sv[2], ksock;
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
		    pump_start(sv[0], &ksock) != 0) {
			check("the pump starts", 0);
			break;
		}
		long changes = main_errno_changes();
		check(round == 1 ? "the thread runs (its own system calls)" :
		      "it starts again on the same stack", rounds > 1000);
		check("the main thread's errno is its own", changes == 0);
		check("the thread's errno is its own", !thread_saw_other);
		check("one more task while it runs", tasks() == before + 1);
		pump_stop();
		long after = rounds;
		usleep(100000);
		check("pump_stop joined it: it runs no more", rounds == after);
		check("the tasks it had before, again", tasks() == before);
		close(ksock);
		close(sv[1]);
		rounds = 0;
	}
	printf("pump: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
