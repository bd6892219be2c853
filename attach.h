/*
 * attach.h - from a negotiated connection to a running /dev/nbdX.
 */
#ifndef ATTACH_H
#define ATTACH_H

#include "opts.h"
#include "session.h"

/* Attach the export 's' negotiated on 'sock' (consumed) as the options
 * say: netlink or ioctl, extra connections, TLS pump, supervisor.  Sets
 * *dev to the device used.  Returns an exit code (cause printed). */
int attach_export(const struct opts *o, struct session *s, int sock,
		  const char **dev);

#endif
