/* dir.c - see dir.h: getdents64 into a buffer on the stack. */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dir.h"

int dir_each(const char *path, dir_fn *fn, void *ctx)
{
	char buf[2048] __attribute__((aligned(8)));
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	bool stop = false;
	long n;
	while (!stop && (n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n && !stop;) {
			/* struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name */
			uint16_t reclen;
			memcpy(&reclen, buf + off + 16, sizeof reclen);
			const char *name = buf + off + 19;
			if (reclen < 20 || off + reclen > n)
				break;
			if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
				stop = fn(ctx, name);
			off += reclen;
		}
	}
	close(fd);
	return stop;
}
