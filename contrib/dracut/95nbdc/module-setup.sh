#!/bin/bash
# dracut module: boot from an NBD root with nbdc
# (root=nbd:SERVER:PORT_OR_EXPORT[:FSTYPE[:ROOTFLAGS[:NBDOPTS]]]).
check() {
	require_binaries nbdc || return 1
	return 255 # only when asked for (add_dracutmodules+=" nbdc ")
}
depends() {
	echo network rootfs-block
}
installkernel() {
	instmods nbd tls
}
install() {
	inst_multiple nbdc
	inst_hook cmdline 90 "$moddir/parse-nbdc.sh"
	inst_hook initqueue/online 90 "$moddir/nbdc-connect.sh"
	# CA, certificate and key files listed in /etc/nbdc/initramfs.conf
	if [ -r /etc/nbdc/initramfs.conf ]; then
		grep -v '^#' /etc/nbdc/initramfs.conf | while read -r f; do
			[ -n "$f" ] && inst "$f"
		done
	fi
}
