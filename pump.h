/*
 * pump.h - the userspace TLS pump's thread (pump.c; stubs in tls_none.c).
 * One pump per process; it runs in the process that keeps the device.
 */
#ifndef PUMP_H
#define PUMP_H

/* The plaintext socketpair: *ksock for the kernel, the other end and 'tcp'
 * (TLS done) for the pump.  Returns an exit code. */
int pump_pair(int tcp, int *ksock);

/* Map the pump's stack, once, at attach time: a reconnect maps nothing. */
int pump_prepare(void);

/* Start the pump thread (once) in the calling process. */
int pump_run(void);

/* pump_pair, then pump_run. */
int pump_start(int tcp, int *ksock);

/* Stop the thread, close its sockets; a no-op when it does not run. */
void pump_stop(void);

#endif
