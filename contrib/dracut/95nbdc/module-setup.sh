#!/bin/bash
# dracut module: boot from an NBD root with nbdc.  Asked for with
# add_dracutmodules+=" nbdc " or dracut --add nbdc; the kernel command line
# says root=nbd:..., netroot=nbd:..., an NBD URI (root=nbd://...,
# nbds://...) or root=dhcp with such a root-path.
check() {
	require_binaries nbdc || return 1
	return 255 # only when asked for
}
depends() {
	echo network rootfs-block
}
installkernel() {
	# nbd, and kernel TLS with its ciphers as this kernel names them; not
	# filtered by host-only (none of them is loaded while building).
	hostonly='' instmods nbd overlay squashfs $(/usr/share/nbdc/ktls-modules "$srcmods")
}
install() {
	inst_multiple nbdc udevadm tr
	inst_hook cmdline 90 "$moddir/parse-nbdc.sh"
	inst_script "$moddir/nbdroot.sh" /sbin/nbdroot
	# the netroot handlers of the URI schemes (dracut names a handler by
	# the scheme): all of them nbdroot
	local s
	for s in nbds nbd+unix nbds+unix; do
		ln_r /sbin/nbdroot "/sbin/${s}root"
	done
	if dracut_module_included "systemd-initrd"; then
		inst_script "$moddir/nbdc-generator.sh" \
			"$systemdutildir/system-generators/dracut-nbdc-generator"
	fi
	# At shutdown, back in the initramfs (dracut's shutdown module):
	# disconnect, so the server sees NBD_CMD_DISC.
	inst_hook shutdown 50 "$moddir/nbdc-shutdown.sh"
	# nbdc.overlay=tmpfs[:SIZE]: the root becomes an overlay before pivot
	inst_script /usr/share/nbdc/nbdc-overlay /usr/share/nbdc/nbdc-overlay
	inst_hook pre-pivot 50 "$moddir/nbdc-overlay-hook.sh"
	dracut_need_initqueue
	# CA, certificate and key files listed in /etc/nbdc/initramfs.conf
	if [ -r /etc/nbdc/initramfs.conf ]; then
		local f
		while read -r f; do
			f=${f%%#*}
			f=${f%"${f##*[![:space:]]}"}
			f=${f#"${f%%[![:space:]]*}"}
			[ -n "$f" ] || continue
			inst "$f" || { derror "nbdc: cannot install $f (listed in /etc/nbdc/initramfs.conf)"; return 1; }
		done </etc/nbdc/initramfs.conf
	fi
}
