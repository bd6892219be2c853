#!/bin/sh
# systemd generator in the initrd: root=nbd:... (or an NBD URI) is not a device, so the
# root mount waits on /dev/root, which /sbin/nbdroot makes once attached
# (it adds the type and flags).  Written to the early directory so it
# takes precedence over systemd-fstab-generator's "What=nbd:...".
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh
root=$(getarg root=)
case "$root" in
nbd:*|nbds:*|nbd+unix:*|nbds+unix:*) ;;
# an NBD URI, its scheme in any case
[Nn][Bb][Dd]://*|[Nn][Bb][Dd][Ss]://*) ;;
[Nn][Bb][Dd]+[Uu][Nn][Ii][Xx]://*|[Nn][Bb][Dd][Ss]+[Uu][Nn][Ii][Xx]://*) ;;
*) exit 0 ;;
esac
dir=${2:-/tmp}
mkdir -p "$dir/dev-root.device.d"
{
	echo "[Unit]"
	echo "Before=initrd-root-fs.target"
	echo "[Mount]"
	echo "Where=/sysroot"
	echo "What=/dev/root"
} >"$dir/sysroot.mount"
# nbdc bounds the attach itself (--retry-for); dracut's initqueue bounds it too
{
	echo "[Unit]"
	echo "JobRunningTimeoutSec=0"
} >"$dir/dev-root.device.d/nbdc.conf"
exit 0
