#!/bin/sh
# image.sh FLAVOR DIR PKI: the cached Debian 12 system (rootfs.sh) set up as
# the README tells a user to: make install into it, the CA listed in
# /etc/nbdc/initramfs.conf, then the distro's own generator run in the
# chroot (initramfs-tools: update-initramfs; dracut: with systemd in the
# initrd, and once without).  Leaves DIR/root.img (ext4), DIR/vmlinuz and
# DIR/initrd (dracut: DIR/initrd-nosd too); the tools' output in DIR/*.log.
set -e
cd "$(dirname "$0")/../.."
flavor=$1 dir=$(cd "$2" && pwd) pki=$3
tar=$(sh tests/distro/rootfs.sh "$flavor")
t=$dir/tree
rm -rf "$t" && mkdir -p "$t"
tar -C "$t" -xf "$tar"
make -s install DESTDIR="$t" >"$dir/install.log" 2>&1
mkdir -p "$t/etc/nbdc"
cp "$pki/ca-cert.pem" "$t/etc/nbdc/ca.pem"
printf '# TLS files the initramfs needs\n/etc/nbdc/ca.pem\n' >"$t/etc/nbdc/initramfs.conf"
# the test's reporter, started after multi-user
install -m 755 tests/distro/nbdc-test "$t/usr/local/sbin/nbdc-test"
install -m 644 tests/distro/nbdc-test.service "$t/etc/systemd/system/nbdc-test.service"
ln -sf /etc/systemd/system/nbdc-test.service \
	"$t/etc/systemd/system/multi-user.target.wants/nbdc-test.service"
# No "/" line: the root keeps the options it was mounted with in the initrd.
echo "# the root comes from the initramfs (nbdc)" >"$t/etc/fstab"
echo nbdc-test >"$t/etc/hostname"
kver=$(ls "$t/lib/modules" | head -n 1)
. tests/distro/chroot.sh
if [ "$flavor" = initramfs-tools ]; then
	chroot_in "$t" update-initramfs -c -k "$kver" >"$dir/initramfs.log" 2>&1 ||
		{ tail -20 "$dir/initramfs.log" >&2; exit 1; }
	cp "$t/boot/initrd.img-$kver" "$dir/initrd"
else
	# the user's configuration: ask for the module
	echo 'add_dracutmodules+=" nbdc "' >"$t/etc/dracut.conf.d/90-nbdroot.conf"
	chroot_in "$t" dracut -f "/boot/initrd.img-$kver" "$kver" >"$dir/initramfs.log" 2>&1 ||
		{ tail -20 "$dir/initramfs.log" >&2; exit 1; }
	chroot_in "$t" dracut -f --omit systemd /boot/initrd-nosd.img "$kver" \
		>"$dir/initramfs-nosd.log" 2>&1 || { tail -20 "$dir/initramfs-nosd.log" >&2; exit 1; }
	cp "$t/boot/initrd.img-$kver" "$dir/initrd"
	cp "$t/boot/initrd-nosd.img" "$dir/initrd-nosd"
fi
cp "$t/boot/vmlinuz-$kver" "$dir/vmlinuz"
mb=$(du -sm "$t" | cut -f1)
rm -f "$dir/root.img"
mke2fs -q -F -t ext4 -L nbdroot -d "$t" "$dir/root.img" "$((mb + 400))M" >/dev/null
rm -rf "$t"
