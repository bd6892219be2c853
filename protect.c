/*
 * protect.c - keep a process that a disk depends on in memory and out of
 * the OOM killer's reach: a page fault or a kill there could hang the root
 * filesystem it serves.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel.h"
#include "text.h"

#define STACK_LOCKED ((uintptr_t)32 * 1024) /* deeper pages lock as they fault */

/* Lock and populate one range; mlock() faults every page in now. */
static void lock_range(uintptr_t lo, uintptr_t hi)
{
	if (hi > lo) /* addresses from /proc/self/maps */
		mlock((void *)lo, hi - lo); // NOLINT(performance-no-int-to-ptr)
}

/* Everything this process may touch is resident and locked from now on:
 * every mapping (the binary's text and data, heap, the TLS state, what
 * comes later: MCL_FUTURE), populated now so no page fault can need the
 * disk or a page allocation later.  The one exception is the stack
 * reservation: its top STACK_LOCKED bytes are populated, the rest (which
 * locking whole would add 100 KiB or more) only if ever reached. */
static void lock_memory(void)
{
	char maps[8192]; /* on the stack: gone once the locks are set */
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0) {
		mlockall(MCL_CURRENT | MCL_FUTURE); /* before Linux 4.4 */
		return;
	}
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, r;
	while (fd >= 0 && n < (ssize_t)sizeof maps - 1 &&
	       (r = read(fd, maps + n, sizeof maps - 1 - (size_t)n)) > 0)
		n += r;
	if (fd < 0 || n <= 0 || n == (ssize_t)sizeof maps - 1) {
		if (fd >= 0)
			close(fd);
		mlockall(MCL_CURRENT | MCL_FUTURE); /* cannot tell: all of it */
		return;
	}
	close(fd);
	maps[n] = 0;
	uintptr_t sp = (uintptr_t)&fd & ~(uintptr_t)4095;
	for (char *line = maps; *line;) {
		char *end = strchr(line, '\n');
		if (end)
			*end = 0;
		const char *p = line;
		uint64_t lo = 0, hi = 0;
		if (!text_u64(line, 16, UINT64_MAX, &lo, &p) || *p != '-' ||
		    !text_u64(p + 1, 16, UINT64_MAX, &hi, &p))
			hi = 0;
		if (text_find(line, "[stack]"))
			lock_range(sp - STACK_LOCKED > lo ? sp - STACK_LOCKED : lo, hi);
		else if (!text_find(line, "[v") && p[1] != '-') /* not vdso, not PROT_NONE */
			lock_range(lo, hi);
		line = end ? end + 1 : line + strlen(line);
	}
}

/* The signals of a process that stays: it must die of none it did not
 * mean to take.  SIGPIPE is ignored (a write to the start-up pipe after
 * the parent left, or to a stderr pipe nobody reads, fails with EPIPE
 * instead of killing the holder and the root with it); SIGUSR2 is held
 * blocked, as a flag: "disconnect coming" (kernel_disconnect). */
void protect_signals(void)
{
	sigset_t usr2;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
}

void kernel_protect_self(void)
{
	protect_signals();
	lock_memory();
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "-1000", 5) < 0) { /* best effort */ }
		close(fd);
	}
}
