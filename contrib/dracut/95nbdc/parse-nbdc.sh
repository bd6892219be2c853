#!/bin/sh
# dracut cmdline hook: claim root=nbd:... and netroot=nbd:..., and NBD URIs
# (nbd://, nbds://, nbd+unix://, nbds+unix://; also a DHCP root-path of
# either kind, when netroot.sh runs the cmdline hooks again with netroot
# set).  The network module then calls /sbin/nbdroot (or nbdsroot...:
# dracut picks the handler by what stands before the first ':') once an
# interface is up; nbdc itself checks the syntax and says what is wrong.
# nbd_scheme SCHEME: NBD's URI scheme in lower case (a URI's scheme may
# come in any case; dracut names the handler by it), or false
nbd_scheme() {
	case "$1" in
	[Nn][Bb][Dd]) echo nbd ;;
	[Nn][Bb][Dd][Ss]) echo nbds ;;
	[Nn][Bb][Dd]+[Uu][Nn][Ii][Xx]) echo nbd+unix ;;
	[Nn][Bb][Dd][Ss]+[Uu][Nn][Ii][Xx]) echo nbds+unix ;;
	*) return 1 ;;
	esac
}
# is_nbd VALUE: dracut's nbd:... (and anything nbds:..., nbd+unix:...,
# for nbdc to judge), or an NBD URI in any case
is_nbd() {
	case "${1%%:*}" in nbd|nbds|nbd+unix|nbds+unix) return 0 ;; esac
	case "$1" in *://*) nbd_scheme "${1%%:*}" >/dev/null ;; *) return 1 ;; esac
}
[ -z "$root" ] && root=$(getarg root=)
if [ -z "$netroot" ] || ! is_nbd "$netroot"; then
	for netroot in $(getargs netroot=); do
		is_nbd "$netroot" && break
	done
fi
# root= wins over netroot=
is_nbd "$root" && netroot=$root && root=block:/dev/root
if is_nbd "$netroot"; then
	netroot=$(nbd_scheme "${netroot%%:*}"):${netroot#*:}
	[ -z "$root" ] && root=block:/dev/root
	rootok=1
	# done when /sbin/nbdroot has attached and the device is there
	echo '[ -e /run/nbdc/root ]' >"$hookdir/initqueue/finished/nbdc.sh"
else
	[ "$netroot" = dhcp ] || unset netroot
fi
