#!/bin/sh
# dracut initqueue/online hook: the network is up; attach the NBD root.
type warn >/dev/null 2>&1 || . /lib/dracut-lib.sh
[ -e /sys/block/nbd0/pid ] && exit 0
modprobe nbd 2>/dev/null
modprobe tls 2>/dev/null
if ! nbdc --cmdline -m >/tmp/nbdc.dev; then
	warn "nbdc could not attach the NBD root"
	exit 1
fi
ln -sf "$(cat /tmp/nbdc.dev)" /dev/root
