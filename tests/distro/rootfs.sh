#!/bin/sh
# rootfs.sh FLAVOR: a Debian 12 system (minbase, systemd as PID 1, the cloud
# kernel) as a user would set one up, with the initramfs generator FLAVOR
# (initramfs-tools or dracut), cached as build/distro/FLAVOR.tar; prints its
# path.  Built with debootstrap against Debian's archive on the first run.
set -e
cd "$(dirname "$0")/../.."
flavor=$1 out=build/distro/$1.tar
[ -f "$out" ] && { echo "$out"; exit 0; }
case $flavor in
initramfs-tools) pkgs="initramfs-tools" ;;
# dracut-network's network-legacy needs procps; isc-dhcp-client comes as
# a dependency.
dracut) pkgs="dracut dracut-network procps" ;;
# the same with dbus, where dracut's network would pick systemd-networkd
dracut-dbus) pkgs="dracut dracut-network procps dbus" ;;
*) echo "rootfs.sh: unknown flavor $flavor" >&2; exit 2 ;;
esac
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p build/distro
d=build/distro/$flavor.tmp
rm -rf "$d"
debootstrap --variant=minbase --include=systemd-sysv,udev,kmod,e2fsprogs \
	bookworm "$d" "$mirror" >build/distro/$flavor.debootstrap.log 2>&1 ||
	{ tail -20 build/distro/$flavor.debootstrap.log >&2; exit 1; }
# A chroot cannot tell the root's type; the hooks need it.
mkdir -p "$d/etc/initramfs-tools/conf.d"
echo FSTYPE=ext4 >"$d/etc/initramfs-tools/conf.d/fstype"
# Only for building this cache: Debian 12's dracut-network adds "ifcfg",
# which fails without dbus (the trap nbdc's own dracut.conf.d file
# avoids); the images the tests boot are generated later, with nbdc's.
[ "$flavor" != initramfs-tools ] && mkdir -p "$d/etc/dracut.conf.d" &&
	echo 'omit_dracutmodules+=" ifcfg "' >"$d/etc/dracut.conf.d/00-cache.conf"
. tests/distro/chroot.sh
chroot_in "$d" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends linux-image-cloud-amd64 $pkgs \
	>build/distro/$flavor.apt.log 2>&1 ||
	{ tail -20 build/distro/$flavor.apt.log >&2; exit 1; }
chroot_in "$d" apt-get clean
rm -f "$d/etc/dracut.conf.d/00-cache.conf"
echo "root:nbdc" | chroot "$d" chpasswd
rm -f "$d"/boot/initrd.img-*
tar -C "$d" -cf "$out.tmp" . && mv "$out.tmp" "$out"
rm -rf "$d"
echo "$out"
