# tests/vm/netroot.sh - sourced by `make demo` and tests/vm_boot.sh: build
# a small ext4 root filesystem and an initramfs (busybox + nbdc + modules +
# contrib/busybox/init) that boots it from NBD.

# netroot_rootfs IMG: the real root.  Its /sbin/init prints the time since
# kernel start, where / is mounted from, whether nbdc survived switch_root
# (argv[0] marked '@'), reads a file after dropping caches (I/O through the
# device still works), prints NBDROOT-OK and powers off.
netroot_rootfs() {
	img=$1 dir=$1.d
	rm -rf "$dir"
	mkdir -p "$dir/bin" "$dir/sbin" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/run"
	# VM_ARCH: that architecture's busybox (tests/vm/kernel.sh fetched it)
	bb=/bin/busybox
	[ "${VM_ARCH:-x86_64}" != x86_64 ] && bb=build/vm/kernel-$VM_ARCH/busybox
	cp "$bb" "$dir/bin/busybox"
	# The root is mounted read-only: make the applet links now (the
	# host's busybox lists the same applets).
	for a in $(/bin/busybox --list); do
		[ -e "$dir/bin/$a" ] || ln -s busybox "$dir/bin/$a"
	done
	echo "this file lives on the NBD root" >"$dir/etc/nbdroot-marker"
	cat >"$dir/sbin/init" <<'INIT'
#!/bin/sh
[ -e /proc/uptime ] || mount -t proc proc /proc
[ -e /sys/block ] || mount -t sysfs sys /sys
[ -e /dev/null ] || mount -t devtmpfs dev /dev
echo "NBDROOT-INIT reached the real root's init at $(cut -d' ' -f1 /proc/uptime) s after kernel start"
grep ' / ' /proc/mounts | sed 's/^/NBDROOT-MOUNT /'
# Give what nbdc left behind time to notice the new root (it ticks each
# second), then read from the device and see it is still there.
sleep 2.5
echo 3 >/proc/sys/vm/drop_caches
cat /etc/nbdroot-marker | sed 's/^/NBDROOT-READ /'
for p in /proc/[0-9]*; do
	c=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)
	case "$c" in @*) echo "NBDC-ALIVE pid ${p#/proc/}: $c" ;; esac
done
sed 's/^/NBDROOT-RUN /' /run/nbdc/root 2>/dev/null
# With nbdc.overlay the root is writable, in RAM
if echo "written by $$" >/overlay-test 2>/dev/null && grep -q "written by $$" /overlay-test; then
	echo "NBDROOT-WRITE ok: $(grep -c ' /run/nbdc/lower ' /proc/mounts) lower, $(grep -c '^overlay / overlay' /proc/mounts) overlay root"
fi
echo "NBDROOT-OK: booted from NBD"
poweroff -f
INIT
	chmod +x "$dir/sbin/init"
	rm -f "$img"
	mkfs.ext4 -q -F -L nbdroot -d "$dir" "$img" 16M >/dev/null
}

# netroot_initramfs DIR [FILES...]: the initramfs tree (boot.sh packs it);
# extra files are copied to the same paths inside.
netroot_initramfs() {
	d=$1; shift
	rm -rf "$d"
	mkdir -p "$d/sbin" "$d/etc"
	cp "${GUEST_NBDC:-nbdc}" "$d/sbin/nbdc"
	cp contrib/busybox/init "$d/init"
	cp contrib/busybox/udhcpc.script "$d/etc/udhcpc.script"
	for f in "$@"; do
		mkdir -p "$d/$(dirname "$f")"
		cp "$f" "$d/$f"
	done
}
