#!/bin/sh
# dracut shutdown hook, back in the initramfs after the root is unmounted:
# disconnect every attached NBD device, so its server sees NBD_CMD_DISC
# (and frees a one-client export at once).  nbdc bounds its own waits.
# The shutdown script moved the old /sys and /dev aside: mount our own.
[ -d /sys/block ] || mount -t sysfs sysfs /sys 2>/dev/null
# keepers: the @-marked nbdc processes that kept the devices through the
# kill rounds, named on the console (the supervisor leaves when told).
keepers() {
	for c in /proc/[0-9]*/cmdline; do
		k=$( (tr '\0' ' ' <"$c") 2>/dev/null)
		case "$k" in
		@*nbd*) c=${c%/cmdline}; echo "nbdc shutdown: /dev/$n: kept by pid ${c#/proc/}: $k" ;;
		esac
	done
}
for p in /sys/block/nbd*/pid; do
	[ -e "$p" ] || continue
	n=${p%/pid}
	n=${n##*/}
	[ -b "/dev/$n" ] || mount -t devtmpfs devtmpfs /dev 2>/dev/null
	keepers
	nbdc -d "/dev/$n"
done
return 0 2>/dev/null || exit 0
