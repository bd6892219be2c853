/*
 * device.h - an NBD device as /dev and /sys show it (device.c).  The rest
 * of the device API (attach, check, disconnect) is in kernel.h.
 */
#ifndef DEVICE_H
#define DEVICE_H

#include <stddef.h>
#include <sys/types.h>

/* The sysfs pid file of NBD device 'dev'.  0, or -1 after printing why. */
int kernel_device_pidpath(const char *dev, char *pidpath, size_t size);

/* The pid serving the device (its sysfs pid file), 0 when not connected. */
pid_t kernel_device_pid(const char *pidpath);

/* Is 'dev' an NBD device free to attach?  Fills its sysfs pid path.
 * Returns an exit code (the cause printed). */
int kernel_device_free(const char *dev, char *pidpath, size_t size);

#endif
