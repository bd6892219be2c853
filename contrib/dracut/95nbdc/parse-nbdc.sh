#!/bin/sh
# dracut cmdline hook: claim root=nbd:... / netroot=nbd:... and ask for the
# network; nbdc itself validates the syntax (and says what is wrong).
case "$(getarg root=)$(getarg netroot=)" in
*nbd:*)
	rootok=1
	netroot=nbd
	root=block:/dev/nbd0
	echo '[ -e /dev/nbd0 ]' >"$hookdir/initqueue/finished/nbdc.sh"
	;;
esac
