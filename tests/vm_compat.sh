#!/bin/bash
# nbdc as a drop-in nbd-client in a VM: Debian's own initramfs-tools script
# (local-top/nbd from the nbd-client package) and dracut's nbd module
# scripts (from dracut-network), both unmodified, attach and the root
# filesystem mounts; the nbdtab form; -d; -c's exit codes.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
. tests/vm/netroot.sh
SUITE=vm-compat
vm_setup
D=build/vm/nbd-client
if [ ! -f "$D/local-top-nbd" ]; then
	mkdir -p "$D" && (cd "$D" && apt-get download nbd-client >/dev/null 2>&1) &&
		dpkg -x "$D"/nbd-client_*.deb "$D/x" &&
		cp "$D/x/usr/share/initramfs-tools/scripts/local-top/nbd" "$D/local-top-nbd" &&
		rm -rf "$D/x"
fi
[ -f "$D/local-top-nbd" ] || { not_ok "Debian's nbd-client package"; finish; exit 1; }
R=build/vm/dracut-network
if [ ! -f "$R/nbdroot.sh" ]; then
	mkdir -p "$R" && (cd "$R" && apt-get download dracut-network >/dev/null 2>&1) &&
		dpkg -x "$R"/dracut-network_*.deb "$R/x" &&
		cp "$R/x/usr/lib/dracut/modules.d/95nbd/nbdroot.sh" \
		   "$R/x/usr/lib/dracut/modules.d/95nbd/parse-nbdroot.sh" "$R/" &&
		rm -rf "$R/x"
fi
[ -f "$R/nbdroot.sh" ] || { not_ok "Debian's dracut-network package"; finish; exit 1; }
netroot_rootfs "$T/root.img" || { not_ok "root image"; finish; exit 1; }
P_ROOT=$(free_port)
qemu-nbd -f raw -r -b 127.0.0.1 -p "$P_ROOT" -x root -t "$T/root.img" 2>"$T/q.log" & PIDS="$PIDS $!"
wait_listen "$P_ROOT" || not_ok "qemu-nbd did not start"
P_ANY=$(free_port)     # nbdkit: the default export too, for dracut's PORT form
nbdkit -f -r -i 127.0.0.1 -p "$P_ANY" file "$T/root.img" 2>"$T/k.log" & PIDS="$PIDS $!"
wait_listen "$P_ANY" || not_ok "nbdkit did not start"
G=$T/guest
mkdir -p "$G"
cp nbdc "$G/nbdc"
cp "$D/local-top-nbd" "$G/debian-local-top-nbd"
cp tests/vm/functions.stub "$G/functions.stub"
cp tests/vm/dracut-lib.stub "$G/dracut-lib.stub"
cp "$R/nbdroot.sh" "$G/dracut-nbdroot.sh"
cp "$R/parse-nbdroot.sh" "$G/dracut-parse-nbdroot.sh"
cp tests/vm/compat.guest.sh "$G/test.sh"
printf 'P_ROOT=%s\nP_ANY=%s\n' "$P_ROOT" "$P_ANY" >"$G/env"
# Debian's script reads nbdroot= and nbddev=; dracut's reads root=nbd:.
APPEND="nbdroot=10.0.2.2:$P_ROOT/root nbddev=/dev/nbd0 root=nbd:10.0.2.2:$P_ANY:ext4:ro" \
	VM_TIMEOUT=120 vm_guest_run "$G" "$T/console.log" 14
vm_console_if_failed "$T/console.log"
finish
