/*
 * bootargs.h - the NBD root on a kernel command line, in the spellings that
 * existing initramfs setups already use:
 *
 *   dracut:           root=nbd:SERVER:PORT_OR_EXPORT[:FSTYPE[:ROOTFLAGS[:NBDOPTS]]]
 *                     (also as netroot=nbd:...; SERVER:PORT/EXPORT in the
 *                     second position names both)
 *   initramfs-tools:  nbdroot=SERVER,EXPORT_OR_PORT,nbdX
 *                     nbdroot=SERVER:/EXPORT | SERVER[:PORT]/EXPORT
 *                     nbdroot=[V6ADDR]:/EXPORT | [V6ADDR]:PORT/EXPORT
 *                     nbdroot=dhcp (or empty): from the DHCP root-path
 *                     with nbddev=nbdX or root=/dev/nbdX choosing the device
 *   NBD URIs:         root=nbd://..., netroot=nbd://..., nbdroot=nbd://...
 *                     (also nbds://, nbd+unix://, nbds+unix://; uri.h), and
 *                     as a DHCP root-path
 *   nbdc.opts=NBDOPTS more NBDOPTS, whatever the syntax (a URI has no place
 *                     for them)
 *
 * Pure parsing, no I/O: the caller reads /proc/cmdline and the DHCP file.
 */
#ifndef BOOTARGS_H
#define BOOTARGS_H

#include <stdbool.h>
#include <stddef.h>

/* The longest kernel command line (COMMAND_LINE_SIZE is at most 4096 on
 * every architecture), and so the longest value of one parameter. */
#define BOOTARGS_LINE_MAX  4096
#define BOOTARGS_VALUE_MAX BOOTARGS_LINE_MAX

/* Every field holds the most its format allows, or the value is refused
 * with a message naming it: nothing is cut. */
struct boot_spec {
	char host[256];      /* a DNS name has at most 253 bytes */
	char port[16];       /* "" means the default */
	char name[4097];     /* export name: the protocol's 4096 at most */
	char dev[64];        /* /dev/nbdX to attach; "" means /dev/nbd0 */
	char mount[64];      /* what to mount when root=/dev/nbdXpN said so */
	char fstype[32];
	char rootflags[1024];
	char opts[BOOTARGS_VALUE_MAX]; /* NBDOPTS: comma-separated */
	char uri[BOOTARGS_VALUE_MAX];  /* an NBD URI, checked: server and export
	                                  are in it, not in the fields above */
	bool dhcp;           /* server and export come from DHCP root-path */
	const char *source;  /* "root=nbd:", "netroot=", "nbdroot=" */
};

/* Parse a whole kernel command line.  Returns 0 and fills 'b'; 1 when the
 * line names no NBD root; -1 with a sentence in 'err' (quoting the
 * offending text and what was expected) when it is malformed. */
int bootargs_parse(const char *cmdline, struct boot_spec *b, char *err,
		   size_t errlen);

/* Fill server and export from a DHCP root-path value, in any nbdroot=
 * spelling (optionally prefixed "nbd:").  Returns 0 or -1 with 'err'. */
int bootargs_rootpath(const char *rootpath, struct boot_spec *b, char *err,
		      size_t errlen);

#endif
