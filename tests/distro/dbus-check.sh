#!/bin/sh
# dbus-check.sh DIR: Debian 12 with dracut and dbus installed (where
# dracut's "network" would otherwise choose systemd-networkd): after
# make install and add_dracutmodules+=" nbdc ", dracut builds an image
# with network-legacy and nbdc, the same network as the booted images.
# Prints the modules found; fails when dracut fails or either is missing.
set -e
cd "$(dirname "$0")/../.."
dir=$(cd "$1" && pwd)
tar=$(sh tests/distro/rootfs.sh dracut-dbus)
t=$dir/tree
rm -rf "$t" && mkdir -p "$t"
tar -C "$t" -xf "$tar"
[ -x "$t/usr/bin/dbus-daemon" ] || { echo "no dbus-daemon in the image" >&2; exit 1; }
make -s install DESTDIR="$t" >/dev/null
echo 'add_dracutmodules+=" nbdc "' >"$t/etc/dracut.conf.d/90-nbdroot.conf"
kver=$(ls "$t/lib/modules" | head -n 1)
. tests/distro/chroot.sh
rc=0
chroot_in "$t" dracut -f /boot/initrd-check.img "$kver" >"$dir/dbus.log" 2>&1 || rc=$?
rm -rf "$t"
[ $rc = 0 ] || { tail -10 "$dir/dbus.log" >&2; exit 1; }
grep -q "Including module: network-legacy" "$dir/dbus.log" &&
	grep -q "Including module: nbdc" "$dir/dbus.log" &&
	! grep -q "Including module: systemd-networkd" "$dir/dbus.log" ||
	{ grep "Including module" "$dir/dbus.log" >&2; exit 1; }
grep -o "Including module: [a-z-]*" "$dir/dbus.log" | sed 's/Including module: //' | tr '\n' ' '
