#!/bin/sh
# /sbin/nbdroot NETIF NETROOT NEWROOT: dracut's netroot handler for nbd:
# (and, as /sbin/nbdsroot..., for the NBD URI schemes).
# Attaches with nbdc and makes the device /dev/root, with the file system
# type and flags from NETROOT for the mount.
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
[ -n "$2" ] || exit 1
[ -e /run/nbdc/root ] && exit 0 # another interface already did it
modprobe nbd 2>/dev/null
modprobe tls 2>/dev/null
# nbdc reads the command line, with NETROOT (it may have come from DHCP)
mkdir -p /run/nbdc
printf '%s netroot=%s\n' "$(cat /proc/cmdline)" "$2" >/run/nbdc/cmdline
# nbdc.overlay: the device read-only (the pre-pivot hook adds the overlay)
ro=""
getarg nbdc.overlay= >/dev/null && ro=-R
if ! out=$(/usr/sbin/nbdc --cmdline /run/nbdc/cmdline -m $ro); then
	warn "nbdc could not attach the NBD root (see the messages above)"
	exit 1
fi
set -f # the fields are words, never patterns
set -- $out
set +f
dev=$1 fstype=${2:-$(getarg rootfstype=)} flags=${3:-$(getarg rootflags=)}
fstype=${fstype:-auto}
getarg ro && flags=${flags:+$flags,}ro
getarg rw && [ -z "$ro" ] && flags=${flags:+$flags,}rw
[ -n "$ro" ] && flags=${flags:+$flags,}ro
# /dev/root for the mount: a udev symlink, so systemd sees the device
echo "KERNEL==\"${dev#/dev/}\", SYMLINK+=\"root\"" >/etc/udev/rules.d/99-nbdc-root.rules
udevadm control --reload
udevadm trigger --action=change --sysname-match="${dev#/dev/}"
udevadm settle --timeout=30 --exit-if-exists=/dev/root
[ -e /dev/root ] || ln -s "$dev" /dev/root
if [ -z "$DRACUT_SYSTEMD" ]; then
	type write_fs_tab >/dev/null 2>&1 || . /lib/fs-lib.sh
	write_fs_tab /dev/root "$fstype" "${flags:-defaults}"
	printf '/bin/mount %s\n' "$NEWROOT" >"$hookdir/mount/01-nbdc.sh"
else
	mkdir -p /run/systemd/system/sysroot.mount.d
	{
		echo "[Mount]"
		echo "Type=$fstype"
		[ -n "$flags" ] && echo "Options=$flags"
	} >/run/systemd/system/sysroot.mount.d/nbdc.conf
	systemctl --no-block daemon-reload
fi
disk=${dev#/dev/}
{
	echo "device=$dev"
	echo "server=$(cat "/sys/block/${disk%p[0-9]*}/backend" 2>/dev/null)"
	echo "overlay="
} >/run/nbdc/root
need_shutdown
exit 0
