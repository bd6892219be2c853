#!/bin/bash
# Network root boot in a VM: the kernel command-line syntaxes of dracut and
# initramfs-tools and NBD URIs, plain and TLS, reach the real root's init through nbdc
# and contrib/busybox/init; nbdc survives switch_root (-m); a wrong export
# fails clearly without hanging; a server that starts late is waited for.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
. tests/vm/netroot.sh
SUITE=vm-boot${VM_ARCH:+-$VM_ARCH}
vm_setup
sh tests/certs.sh "$T/pki" || { not_ok "certificates"; finish; exit 1; }
netroot_rootfs "$T/root.img" || { not_ok "root image"; finish; exit 1; }

P_PLAIN=$(free_port)
nbdkit -f -r -i 127.0.0.1 -p "$P_PLAIN" file "$T/root.img" 2>>"$T/servers.log" & PIDS="$PIDS $!"
P_TLS=$(free_port)
nbdkit -f -r -i 127.0.0.1 -p "$P_TLS" --tls=require --tls-certificates="$T/pki" \
	file "$T/root.img" 2>>"$T/servers.log" & PIDS="$PIDS $!"
P_NAMED=$(free_port)   # qemu-nbd knows only the export "root"
qemu-nbd -f raw -r -b 127.0.0.1 -p "$P_NAMED" -x root -t "$T/root.img" 2>>"$T/servers.log" & PIDS="$PIDS $!"
for p in $P_PLAIN $P_TLS $P_NAMED; do wait_listen "$p" || not_ok "server on $p did not start"; done
H=10.0.2.2

# boot NAME "CMDLINE" -> console in $T/NAME.log; true if the root's init ran
boot() {
	name=$1 cmdline=$2
	netroot_initramfs "$T/i-$name"
	mkdir -p "$T/i-$name/etc/nbdc" && cp "$T/pki/ca-cert.pem" "$T/i-$name/etc/nbdc/ca.pem"
	APPEND="$cmdline nbdc.rescue=poweroff" DONE_MARK=NBDROOT-OK \
		sh tests/vm/boot.sh "$T/i-$name" "$T/$name.raw" 120
	r=$?
	tr -d '\r' <"$T/$name.raw" >"$T/$name.log"
	return $r
}
# expect_root NAME "CMDLINE" DEVICE: booted, / is DEVICE, nbdc alive, I/O ok
# (MOUNT: the root's line in /proc/mounts, default "DEVICE / ext4")
expect_root() {
	name=$1 cmdline=$2 dev=$3 mnt=${4:-$3 / ext4}
	if boot "$name" "$cmdline" &&
	   grep -q "^NBDROOT-MOUNT $mnt" "$T/$name.log" &&
	   grep -q "^NBDROOT-READ this file lives on the NBD root" "$T/$name.log"; then
		ok "$name: $cmdline"
	else
		not_ok "$name: $cmdline"; grep -E '^(nbdc|nbdroot|NBD)' "$T/$name.log" | sed 's/^/     | /'
	fi
	grep -q "^NBDC-ALIVE .*@nbdc --cmdline -m" "$T/$name.log" &&
		ok "$name: nbdc survived switch_root, marked '@'" ||
		not_ok "$name: nbdc survived switch_root, marked '@'"
	grep -h "^NBDROOT-INIT" "$T/$name.log" | sed "s/^/VMINFO $name: /"
}

expect_root dracut-port-export "root=nbd:$H:$P_PLAIN/root" /dev/nbd0
expect_root dracut-fstype-flags "root=nbd:$H:$P_PLAIN:ext4:ro,noatime" /dev/nbd0
grep -q "^NBDROOT-MOUNT /dev/nbd0 / ext4 ro,noatime" "$T/dracut-fstype-flags.log" &&
	ok "dracut-fstype-flags: the FSTYPE and ROOTFLAGS fields reach the mount" ||
	{ not_ok "dracut-fstype-flags: ROOTFLAGS not applied"; grep NBDROOT-MOUNT "$T/dracut-fstype-flags.log"; }
expect_root dracut-netroot "netroot=nbd:$H:$P_NAMED/root:ext4" /dev/nbd0
# nbdc.overlay: one read-only image, the writes in RAM; ext4 and squashfs
sum_before=$(sha256sum <"$T/root.img")
mksquashfs "$T/root.img.d" "$T/root.sqfs" -noappend -quiet -comp xz >/dev/null 2>&1
sq_before=$(sha256sum <"$T/root.sqfs")
P_SQ=$(free_port)
nbdkit -f -r -i 127.0.0.1 -p "$P_SQ" file "$T/root.sqfs" 2>>"$T/servers.log" & PIDS="$PIDS $!"
wait_listen "$P_SQ" || not_ok "squashfs server did not start"
expect_overlay() { # NAME "CMDLINE" FSTYPE PORT
	expect_root "$1" "$2" /dev/nbd0 "overlay / overlay"
	grep -q "^NBDROOT-WRITE ok: 1 lower, 1 overlay root" "$T/$name.log" &&
		ok "$name: $3 image read-only under a tmpfs overlay; the guest wrote into / and read it back" ||
		not_ok "$name: no write into the overlay root"
	grep -q "^NBDROOT-RUN server=$H:$4/root" "$T/$name.log" &&
		grep -q "^NBDROOT-RUN overlay=tmpfs" "$T/$name.log" &&
		grep -q "^NBDROOT-RUN device=/dev/nbd0" "$T/$name.log" &&
		ok "$name: /run/nbdc/root names the device, the server and the overlay" ||
		{ not_ok "$name: /run/nbdc/root"; grep NBDROOT-RUN "$T/$name.log"; }
}
expect_overlay overlay-ext4 "root=nbd:$H:$P_PLAIN/root:ext4 nbdc.overlay=tmpfs:32m" ext4 "$P_PLAIN"
expect_overlay overlay-squashfs "root=nbd:$H:$P_SQ/root:squashfs nbdc.overlay=tmpfs" squashfs "$P_SQ"
[ "$(sha256sum <"$T/root.img")" = "$sum_before" ] && [ "$(sha256sum <"$T/root.sqfs")" = "$sq_before" ] &&
	ok "overlay: both images unchanged on the host (checksums)" ||
	not_ok "overlay: an image changed on the host"

# failover: the primary is down at boot; the root comes from the second
P_DOWN=$(free_port)
expect_root failover-primary-down "root=nbd:$H:$P_DOWN/root:ext4:ro:failover=$H:$P_PLAIN" /dev/nbd0
grep -q "cannot connect to $H port $P_DOWN" "$T/failover-primary-down.log" &&
	grep -q "attached $H:$P_PLAIN" "$T/failover-primary-down.log" &&
	ok "failover-primary-down: the down primary named, attached from the second" ||
	{ not_ok "failover-primary-down: the messages"; grep nbdc "$T/failover-primary-down.log"; }
expect_root dracut-tls "root=nbd:$H:$P_TLS/root:ext4:ro:tls,cacert=/etc/nbdc/ca.pem,timeout=30" /dev/nbd0
expect_root dracut-netroot-tls "netroot=nbd:$H:$P_TLS/root:ext4::tls,cacert=/etc/nbdc/ca.pem" /dev/nbd0
expect_root debian-port-export "nbdroot=$H:$P_NAMED/root root=/dev/nbd0" /dev/nbd0
expect_root debian-comma-device "nbdroot=$H,$P_PLAIN,nbd2" /dev/nbd2
expect_root debian-nbddev "nbdroot=$H:$P_NAMED/root nbddev=nbd1" /dev/nbd1
# nbdroot=dhcp: the root-path arrives as ROOTPATH, the way a DHCP client
# hands it on (qemu's DHCP server cannot send option 17; the kernel passes
# ROOTPATH= from its command line to /init's environment).
expect_root debian-dhcp-rootpath "nbdroot=dhcp ROOTPATH=$H:$P_NAMED/root" /dev/nbd0
# NBD URIs: TLS with its options from nbdc.opts= and the type from
# rootfstype=, and a URI as the DHCP root-path
expect_root uri-tls "root=nbds://$H:$P_TLS/root nbdc.opts=cacert=/etc/nbdc/ca.pem rootfstype=ext4" /dev/nbd0
expect_root uri-dhcp-rootpath "nbdroot=dhcp ROOTPATH=nbd://$H:$P_NAMED/root" /dev/nbd0

# A wrong export name: the console names host and export; no hang.
start=$(date +%s)
boot wrong-export "root=nbd:$H:$P_NAMED/nosuch"
took=$(( $(date +%s) - start ))
if grep -q "$H:$P_NAMED: export 'nosuch': no such export" "$T/wrong-export.log" &&
   grep -q "nbdroot: nbdc could not attach the NBD root" "$T/wrong-export.log" &&
   grep -q "powering off" "$T/wrong-export.log" && [ $took -lt 60 ]; then
	ok "wrong export: clear message naming host and export, rescue path taken (${took} s)"
else
	not_ok "wrong export (${took} s)"; grep -E '^(nbdc|nbdroot)' "$T/wrong-export.log" | sed 's/^/     | /'
fi

# The server appears only once the guest's first attempt has failed (and
# 2 s more): the retry loop waits.  (It once started 10 s after the boot
# began; an armhf guest on a busy host reached nbdc later than that.)
P_LATE=$(free_port)
( i=0
  until grep -q "attempt 1 failed" "$T/late-server.raw" 2>/dev/null || [ $i -ge 600 ]; do
	sleep 0.2; i=$((i + 1))
  done
  sleep 2
  exec nbdkit -f -r -i 127.0.0.1 -p "$P_LATE" file "$T/root.img" ) 2>>"$T/servers.log" &
PIDS="$PIDS $!"
if boot late-server "root=nbd:$H:$P_LATE/root" &&
   grep -q "attempt 1 failed; retrying" "$T/late-server.log"; then
	ok "late server: retried ($(grep -c 'failed; retrying' "$T/late-server.log") attempts) and booted"
else
	not_ok "late server"; grep -E '^(nbdc|nbdroot|NBD)' "$T/late-server.log" | sed 's/^/     | /'
fi
finish
