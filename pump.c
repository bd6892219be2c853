/*
 * pump.c - the TLS pump's thread: BearSSL's record layer between the TCP
 * connection and a socketpair whose other end the kernel reads and writes
 * plaintext (tls_pump), on a stack mapped once at attach time, so that it
 * can stop and start again at every reconnect without mapping anything.
 * Only TLS builds have it (and pthread with it): tls_none.c says no.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pump.h"
#include "status.h"
#include "tls.h"

#define PUMP_STACK ((size_t)64 * 1024)

static struct {
	int tcp, local;
	bool running;
	pthread_t thread;
} pump;
static void *pump_stack; /* mapped at the first pump, then reused */

static void *pump_main(void *arg)
{
	(void)arg;
	long before = tls_alloc_count();
	tls_pump(pump.tcp, pump.local);
	if (before >= 0) /* the allocation-counting test build */
		msg("pump: %ld heap allocations while pumping",
		    tls_alloc_count() - before);
	return NULL;
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

/* Start the pump thread (once) in the calling process. */
int pump_run(void)
{
	pthread_attr_t attr;
	int code;
	if (pump.running)
		return EXIT_OK;
	if ((code = pump_prepare()))
		return code;
	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, pump_stack, PUMP_STACK);
	if (pthread_create(&pump.thread, &attr, pump_main, NULL)) {
		msg("cannot start the TLS pump thread");
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
	pthread_join(pump.thread, NULL);
	close(pump.tcp);
	close(pump.local);
	pump.running = false;
}

