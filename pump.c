/*
 * pump.c - the TLS pump's thread: BearSSL's record layer between the TCP
 * connection and a socketpair whose other end the kernel reads and writes
 * plaintext (tls_pump), on a stack mapped once at attach time, so that it
 * can stop and start again at every reconnect without mapping anything.
 * Only TLS builds have it: tls_none.c says no.
 *
 * The thread is made with clone(), not pthread_create(), which with its
 * joins and timed waits was 3.9 KB of musl.  What a thread needs from
 * libc is its own thread pointer: musl finds errno (and, on x86_64, the
 * stack protector's canary) through it, and the pump's failing read()
 * must not change the errno the main thread is about to read.  So the
 * thread gets a zeroed block of its own (TCB_SIZE, at the top of its
 * stack mapping) as musl's thread descriptor: on x86_64 the pointer is its
 * start, whose first word points to itself (musl's "self"); on the other
 * architectures (aarch64, arm, riscv64: TLS above the pointer) the
 * descriptor lies below the pointer, so the pointer goes TCB_TP_ABOVE
 * bytes into the block.  musl's descriptor is about 200 bytes; nbdc has no
 * thread-local variables of its own (no PT_TLS segment: tls0 checks).
 * The kernel zeroes 'tid' and wakes its futex when the thread has exited
 * (CLONE_CHILD_CLEARTID): that is the join.
 */
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pump.h"
#include "status.h"
#include "tls.h"

#define PUMP_STACK ((size_t)64 * 1024)
#define TCB_SIZE 1024
#if defined(__x86_64__) || defined(__i386__)
#define TCB_TP_ABOVE 0    /* the descriptor starts at the thread pointer */
#else
#define TCB_TP_ABOVE 768  /* it ends there (TLS_ABOVE_TP in musl) */
#endif
#define FUTEX_WAIT 0

static struct {
	int tcp, local;
	bool running;
	volatile int tid;  /* the thread's; the kernel zeroes it at its exit */
} pump;
static void *pump_stack; /* mapped at the first pump, then reused */

static int pump_main(void *arg)
{
	(void)arg;
	long before = tls_alloc_count();
	tls_pump(pump.tcp, pump.local);
	if (before >= 0) /* the allocation-counting test build */
		msg("pump: %ld heap allocations while pumping",
		    tls_alloc_count() - before);
	return 0;
}

/* The plaintext socketpair: *ksock for the kernel, the other end and
 * 'tcp' (TLS done) for the pump. */
int pump_pair(int tcp, int *ksock)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		msg_errno("socketpair");
		return EXIT_SYSTEM;
	}
	pump.tcp = tcp;
	pump.local = sv[1];
	*ksock = sv[0];
	return EXIT_OK;
}

/* Map the pump's stack, once, at attach time: a reconnect maps nothing. */
int pump_prepare(void)
{
	if (pump_stack)
		return EXIT_OK;
	void *p = mmap(NULL, PUMP_STACK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (p == MAP_FAILED) {
		msg_errno("cannot map the TLS pump's stack");
		return EXIT_SYSTEM;
	}
	pump_stack = p;
	mlock(p, PUMP_STACK); /* populated: a stayer is locked already */
	return EXIT_OK;
}

/* Start the pump thread (once) in the calling process: its stack below
 * its descriptor, both in the mapping pump_prepare() made. */
int pump_run(void)
{
	int code;
	if (pump.running)
		return EXIT_OK;
	if ((code = pump_prepare()))
		return code;
	char *tcb = (char *)pump_stack + PUMP_STACK - TCB_SIZE;
	memset(tcb, 0, TCB_SIZE);
	*(void **)tcb = tcb; /* x86_64: musl's "self" (elsewhere unused) */
	if (clone(pump_main, tcb, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		  CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
		  CLONE_CHILD_CLEARTID, NULL, &pump.tid, tcb + TCB_TP_ABOVE,
		  &pump.tid) < 0) {
		msg_errno("cannot start the TLS pump thread");
		return EXIT_SYSTEM;
	}
	pump.running = true;
	return EXIT_OK;
}

int pump_start(int tcp, int *ksock)
{
	int code = pump_pair(tcp, ksock);
	if (code == EXIT_OK && (code = pump_run())) {
		close(*ksock);
		close(pump.local);
	}
	return code;
}

void pump_stop(void)
{
	if (!pump.running)
		return;
	shutdown(pump.tcp, SHUT_RDWR); /* wakes it if it still waits */
	for (int t; (t = pump.tid) != 0;) /* the join: see the top */
		syscall(SYS_futex, &pump.tid, FUTEX_WAIT, t, NULL);
	close(pump.tcp);
	close(pump.local);
	pump.running = false;
}

