#!/bin/sh
# dracut pre-pivot hook: with nbdc.overlay=tmpfs[:SIZE], the NBD root
# (attached and mounted read-only) becomes the lower layer of an overlay
# whose upper layer is in RAM.
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh
spec=$(getarg nbdc.overlay=)
if [ -n "$spec" ] && [ -e /run/nbdc/root ]; then
	/usr/share/nbdc/nbdc-overlay "$NEWROOT" "$spec" ||
		die "nbdc.overlay=$spec: the overlay root could not be made"
fi
