#!/bin/sh
# dracut cmdline hook: claim root=nbd:... and netroot=nbd:... (also a DHCP
# root-path nbd:..., when netroot.sh runs the cmdline hooks again with
# netroot set).  The network module then calls /sbin/nbdroot once an
# interface is up; nbdc itself checks the syntax and says what is wrong.
[ -z "$root" ] && root=$(getarg root=)
if [ -z "$netroot" ] || [ "${netroot%%:*}" != nbd ]; then
	for netroot in $(getargs netroot=); do
		[ "${netroot%%:*}" = nbd ] && break
	done
fi
# root= wins over netroot=
[ "${root%%:*}" = nbd ] && netroot=$root && root=block:/dev/root
if [ "${netroot%%:*}" = nbd ]; then
	[ -z "$root" ] && root=block:/dev/root
	rootok=1
	# done when /sbin/nbdroot has attached and the device is there
	echo '[ -e /run/nbdc/root ]' >"$hookdir/initqueue/finished/nbdc.sh"
else
	[ "$netroot" = dhcp ] || unset netroot
fi
