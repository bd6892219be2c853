/*
 * nbdbench.c - the guest side's stopwatch for `make bench` (static, musl):
 *   nbdbench ready DEV CMD [ARG...]  run CMD (the client attaching DEV),
 *       then read 4 KiB of DEV with O_DIRECT until it answers; print the
 *       milliseconds from exec to that answer
 *   nbdbench rw DEV MIB             MIB MiB sequential O_DIRECT write, then
 *       read; print "write MB/s read MB/s"
 *   nbdbench cpu PID...             utime+stime of those processes, in ms
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int ready(char *dev, char **cmd)
{
	static char buf[4096] __attribute__((aligned(4096)));
	double t0 = now();
	pid_t p = fork();
	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1); /* nbd-client says "Connected" on stdout */
		execv(cmd[0], cmd);
		_exit(127);
	}
	int st;
	waitpid(p, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "nbdbench: %s failed\n", cmd[0]);
		return 1;
	}
	while (now() - t0 < 20000) {
		int fd = open(dev, O_RDONLY | O_DIRECT);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof buf);
			close(fd);
			if (n == (ssize_t)sizeof buf) {
				printf("%.1f\n", now() - t0);
				return 0;
			}
		}
		usleep(1000);
	}
	fprintf(stderr, "nbdbench: %s never answered\n", dev);
	return 1;
}

static int rw(const char *dev, int mib)
{
	static char buf[1 << 20] __attribute__((aligned(4096)));
	memset(buf, 0x5a, sizeof buf);
	int fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0)
		return perror(dev), 1;
	double t0 = now();
	for (int i = 0; i < mib; i++)
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
			return perror("write"), 1;
	fdatasync(fd);
	double t1 = now();
	lseek(fd, 0, SEEK_SET);
	for (int i = 0; i < mib; i++)
		if (read(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
			return perror("read"), 1;
	double t2 = now();
	close(fd);
	printf("%.1f %.1f\n", mib * 1.048576 / ((t1 - t0) / 1e3),
	       mib * 1.048576 / ((t2 - t1) / 1e3));
	return 0;
}

static int cpu(int n, char **pids)
{
	long ticks = 0, hz = sysconf(_SC_CLK_TCK);
	for (int i = 0; i < n; i++) {
		char path[64], line[1024];
		snprintf(path, sizeof path, "/proc/%s/stat", pids[i]);
		FILE *f = fopen(path, "r");
		if (!f || !fgets(line, sizeof line, f)) {
			if (f)
				fclose(f);
			continue;
		}
		fclose(f);
		char *p = strrchr(line, ')');
		unsigned long ut = 0, stime = 0;
		/* fields after ")": state ppid ... utime(14) stime(15) */
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				&ut, &stime) == 2)
			ticks += (long)(ut + stime);
	}
	printf("%ld\n", ticks * 1000 / hz);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "ready"))
		return ready(argv[2], argv + 3);
	if (argc == 4 && !strcmp(argv[1], "rw"))
		return rw(argv[2], atoi(argv[3]));
	if (argc >= 2 && !strcmp(argv[1], "cpu"))
		return cpu(argc - 2, argv + 2);
	fprintf(stderr, "usage: see the comment at the top of nbdbench.c\n");
	return 2;
}
