/*
 * kernel.h - handing a negotiated connection to the kernel NBD driver, and
 * asking it about or detaching a device.
 *
 * The ioctl numbers are from the kernel's uapi <linux/nbd.h> and <linux/fs.h>,
 * written out here because musl ships no kernel headers.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#define NBD_MAJOR        43
#define NBD_SET_SOCK     _IO(0xab, 0)
#define NBD_SET_BLKSIZE  _IO(0xab, 1)
#define NBD_SET_SIZE     _IO(0xab, 2)
#define NBD_DO_IT        _IO(0xab, 3)
#define NBD_CLEAR_SOCK   _IO(0xab, 4)
#define NBD_CLEAR_QUE    _IO(0xab, 5)
#define NBD_DISCONNECT   _IO(0xab, 8)
#define NBD_SET_TIMEOUT  _IO(0xab, 9)
#define NBD_SET_FLAGS    _IO(0xab, 10)
#define BLKROSET         _IO(0x12, 93)
#define BLKRRPART        _IO(0x12, 95)

/* Kernel-legal logical block sizes (power of two, 512..PAGE_SIZE). */
#define KERNEL_MIN_BLOCK 512U
#define KERNEL_MAX_BLOCK 4096U

struct attach {
	const char *dev;    /* /dev/nbdX */
	int sock;           /* connected socket, handshake done */
	uint64_t size;      /* bytes */
	uint32_t blksize;   /* kernel-legal */
	uint16_t flags;     /* transmission flags (READ_ONLY forced by -R) */
	unsigned timeout;   /* seconds; 0 leaves the kernel default */
	bool nofork;        /* hold NBD_DO_IT in this process */
	const char *what;   /* "HOST:PORT export 'x'", for messages */
	/* Runs in a thread of the process that holds the device, for as long
	 * as it is attached (the TLS pump); may be NULL. */
	void (*companion)(void *arg);
	void *companion_arg;
};

/* Check, before connecting, that 'dev' is an NBD device and not in use.
 * Returns an exit code (the cause printed). */
int kernel_usable(const char *dev);

/* Attach through the ioctl interface.  Returns an exit code; with nofork it
 * returns only when the device is disconnected. */
int kernel_attach_ioctl(const struct attach *a);

/* 1 connected (pid stored), 0 not connected, -1 error (printed). */
int kernel_check(const char *dev, pid_t *pid);

/* Detach; returns an exit code. */
int kernel_disconnect(const char *dev);

#endif
