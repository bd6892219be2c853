#!/bin/bash
# Root on NBD in real Debian 12 systems (debootstrap, systemd as PID 1, the
# cloud kernel), their initramfs generated in the chroot by the distro's
# own tool from the hooks `make install` put there, as the README says:
# initramfs-tools plain and TLS, dracut with systemd in the initrd (plain,
# TLS) and without; kernel TLS at boot; the server restarted while a
# service writes; poweroff within a bound, a clean file system and no
# journal recovery on the next boot; the supervisor alive to the end of the
# shutdown and NBD_CMD_DISC seen by the server; dracut with dbus installed.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=vm-distro
T=$(mktemp -d)
SRV="" QPID=""
trap '[ -n "$SRV" ] && kill $SRV 2>/dev/null; [ -n "$QPID" ] && kill $QPID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
sh tests/certs.sh "$T/pki" >/dev/null || { not_ok "certificates"; finish; exit 1; }
H=10.0.2.2

# serve IMG NAME [tls]: nbdkit -v (it logs NBD_CMD_DISC) on $PORT, writable
serve() {
	tls=""
	[ "$3" = tls ] && tls="--tls=require --tls-certificates=$T/pki"
	nbdkit -f -v -i 127.0.0.1 -p "$PORT" $tls file "$1" 2>>"$T/nbdkit-$2.log" &
	SRV=$!
	wait_listen "$PORT" || not_ok "$2: nbdkit did not start"
}
# stop_server [SIGNAL]
stop_server() { [ -n "$SRV" ] && kill -"${1:-TERM}" "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; SRV=""; }
# mark NAME PATTERN LIMIT: wait (bounded) for PATTERN on the console, or
# for the VM to end; prints the seconds since the boot started.
mark() {
	while [ "$(date +%s)" -lt $((BOOT0 + $3)) ]; do
		grep -q "$2" "$T/$1.raw" 2>/dev/null && { echo $(($(date +%s) - BOOT0)); return 0; }
		kill -0 "$QPID" 2>/dev/null || break
		sleep 0.5
	done
	return 1
}
# boot NAME DIR INITRD "CMDLINE": start the VM in the background
boot() {
	BOOT0=$(date +%s)
	timeout 400 qemu-system-x86_64 -accel tcg -cpu max -m 2048 -smp 1 \
		-nographic -no-reboot -monitor none \
		-kernel "$2/vmlinuz" -initrd "$3" \
		-append "console=ttyS0 panic=5 rd.shell=0 rd.emergency=poweroff modprobe.blacklist=kvm,kvm_intel,kvm_amd $4" \
		-netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile= \
		</dev/null >"$T/$1.raw" 2>&1 &
	QPID=$!
}
# vm_end NAME: wait (bounded) for qemu to exit; the console in NAME.log
vm_end() {
	i=0
	while kill -0 "$QPID" 2>/dev/null && [ $i -lt "${2:-240}" ]; do sleep 0.5; i=$((i + 1)); done
	kill "$QPID" 2>/dev/null
	wait "$QPID" 2>/dev/null
	QPID=""
	tr -d '\r' <"$T/$1.raw" >"$T/$1.log"
}
show() { grep -aE "NBDCTEST|nbdc|nbdroot|EXT4|I/O error|dracut|Emergency|emergency" "$T/$1.log" | tail -40 | sed 's/^/     | /'; }
# line NAME WHAT: the guest's NBDCTEST-WHAT line (getty may share its line)
line() { grep -ao "NBDCTEST-$2.*" "$T/$1.log" | head -n 1; }

# run NAME DIR INITRD "CMDLINE" [tls] [restart]: one boot to multi-user
# and poweroff, checked; sets UP (s to multi-user) and OFF (s to power off)
run() {
	name=$1 dir=$2 initrd=$3 cmdline=$4 tls=$5 restart=$6
	PORT=$(free_port)
	serve "$dir/root.img" "$name" "$tls"
	cmdline=${cmdline//@PORT@/$PORT}
	boot "$name" "$dir" "$initrd" "$cmdline"
	UP=$(mark "$name" 'NBDCTEST-UP' 300)
	if [ -n "$restart" ] && mark "$name" 'NBDCTEST-WRITING' 330 >/dev/null; then
		# killed, as by a crash: on SIGTERM nbdkit would answer the
		# requests in flight with NBD_ESHUTDOWN, which the kernel's
		# driver fails as I/O errors instead of resending them
		sleep 2
		stop_server KILL
		echo "VMINFO $name: server killed (-9) while the guest writes; restarted 3 s later"
		sleep 3
		serve "$dir/root.img" "$name" "$tls"
		mark "$name" 'NBDCTEST-DATA' 420 >/dev/null
	fi
	OFF="" t=""
	t=$(mark "$name" 'NBDCTEST-POWEROFF' 450)
	vm_end "$name" 240
	[ -n "$t" ] && OFF=$(($(date +%s) - BOOT0 - t))
	stop_server
	if [ -n "$UP" ] && grep -q "NBDCTEST-UP .* running" "$T/$name.log"; then
		ok "$name: systemd reached 'running' ($cmdline)"
	else
		not_ok "$name: boot to multi-user ($cmdline)"; show "$name"
	fi
	grep -q "NBDCTEST-MARKED [0-9]* @nbdc --cmdline" "$T/$name.log" &&
		ok "$name: nbdc kept the root, '@nbdc' through switch_root" ||
		{ not_ok "$name: no '@nbdc' process in the booted system"; grep MARKED "$T/$name.log"; }
	want="/dev/nbd0 ext4"
	case "$cmdline" in *nbdc.overlay=*) want="overlay overlay" ;; esac
	grep -q "NBDCTEST-ROOT $want" "$T/$name.log" &&
		ok "$name: / is $want: $(line "$name" ROOT | cut -d' ' -f2-)" ||
		{ not_ok "$name: / is $want"; line "$name" ROOT; }
	if [ -n "$OFF" ] && [ "$OFF" -le 120 ]; then
		ok "$name: poweroff completed in $OFF s"
	else
		not_ok "$name: poweroff did not complete within 120 s"; show "$name"
	fi
	echo "VMINFO $name: multi-user after ${UP:-?} s, poweroff took ${OFF:-?} s; $(line "$name" ANALYZE | cut -d' ' -f2-)"
	e2fsck -fn "$dir/root.img" >"$T/$name.fsck" 2>&1 &&
		ok "$name: e2fsck -fn clean after poweroff" ||
		{ not_ok "$name: e2fsck -fn after poweroff"; tail -5 "$T/$name.fsck"; }
}
expect_no_recovery() {
	[ "$(line "$1" RECOVERY | cut -d' ' -f2)" = 0 ] &&
		ok "$1: no journal recovery after the previous poweroff" ||
		{ not_ok "$1: journal recovery on boot"; grep EXT4 "$T/$1.log"; }
}
expect_ktls() {
	if grep -q "nbdc: /dev/nbd0: attached .*, in the kernel)" "$T/$1.log" &&
	   line "$1" TLS | grep -qE "TlsCurrTxSw=[1-9]"; then
		ok "$1: kernel TLS at boot: $(grep -m1 -o 'nbdc: /dev/nbd0: attached.*in the kernel)' "$T/$1.log")"
		echo "VMINFO $1: $(line "$1" TLS)"
	else
		not_ok "$1: kernel TLS at boot"; grep -E "TLS|tls" "$T/$1.log" | head
	fi
}
# expect_disc NAME: the supervisor lived through systemd's kill rounds (the
# shutdown hook names it), and the server saw a clean NBD_CMD_DISC
expect_disc() {
	k=$(grep -ao "nbdc shutdown: /dev/nbd0: kept by pid [0-9]*: @nbdc.*" "$T/$1.log" | head -n 1)
	[ -n "$k" ] && ok "$1: the supervisor survived the kill rounds (${k#nbdc shutdown: })" ||
		{ not_ok "$1: no @nbdc supervisor at the end of the shutdown"; grep -a "nbdc" "$T/$1.log" | tail -5; }
	grep -q "client sent NBD_CMD_DISC" "$T/nbdkit-$1.log" &&
		ok "$1: the server saw NBD_CMD_DISC at shutdown" ||
		{ not_ok "$1: no NBD_CMD_DISC at shutdown"; grep -iE "disc|clos" "$T/nbdkit-$1.log" | tail -3; }
}

for flavor in initramfs-tools dracut; do
	mkdir -p "$T/$flavor"
	s=$(date +%s)
	if sh tests/distro/image.sh "$flavor" "$T/$flavor" "$T/pki" >"$T/$flavor.build" 2>&1; then
		ok "$flavor: Debian 12 image, hooks from make install, initramfs by the distro's tool ($(($(date +%s) - s)) s)"
	else
		not_ok "$flavor: image"; tail -20 "$T/$flavor.build"
	fi
done
grep -h "nbdc" "$T"/dracut/initramfs.log | head -5 | sed 's/^/     | /'
# With dbus, dracut's network would pick systemd-networkd: nbdc's
# dracut.conf.d file keeps network-legacy there too (built, not booted:
# the image is then the one booted below).
mkdir -p "$T/dbus"
if m=$(sh tests/distro/dbus-check.sh "$T/dbus" 2>"$T/dbus.err"); then
	ok "dracut with dbus installed: network-legacy and nbdc, no systemd-networkd"
	echo "VMINFO dracut-dbus modules: $m"
else
	not_ok "dracut with dbus installed"; tail -10 "$T/dbus.err"
fi

I=$T/initramfs-tools
# nbdroot= writable, the server killed and restarted while a service
# writes (every check a plain boot makes, and that)
run it-restart "$I" "$I/initrd" \
	"ip=dhcp nbdroot=$H:@PORT@/root root=/dev/nbd0 rw nbdctest=write,poweroff" "" restart
data=$(line it-restart DATA)
if echo "$data" | grep -q "failed=0 bad=0" && [ "$(line it-restart IOERR | cut -d' ' -f2)" = 0 ]; then
	ok "it-restart: server restarted during writes: 0 I/O errors, data checks out ($data)"
else
	not_ok "it-restart: writes through a server restart: $data, $(line it-restart IOERR)"; show it-restart
fi
grep -ao "nbdc: /dev/nbd0: reconnected.*" "$T/it-restart.log" | head -n 1 | sed 's/^/VMINFO it-restart: /'
sum=$(line it-restart WRITING | cut -d' ' -f2)
[ -n "$sum" ] && [ "$(debugfs -R 'cat /var/tmp/w.0' "$I/root.img" 2>/dev/null | sha256sum | cut -d' ' -f1)" = "$sum" ] &&
	ok "it-restart: the written file checks out on the host" ||
	not_ok "it-restart: the written file differs on the host"
expect_disc it-restart
# the next boot finds the journal clean after that poweroff
run it-tls "$I" "$I/initrd" \
	"ip=dhcp root=nbd:$H:@PORT@/root:ext4:rw,noatime:tls,cacert=/etc/nbdc/ca.pem nbdctest=poweroff" tls
expect_ktls it-tls
expect_no_recovery it-tls
expect_disc it-tls
grep -q "NBDCTEST-ROOT .*noatime" "$T/it-tls.log" &&
	ok "it-tls: root=nbd:'s FSTYPE and ROOTFLAGS applied" ||
	not_ok "it-tls: root=nbd:'s ROOTFLAGS (noatime) not applied"

# nbdc.overlay: the image read-only, the writes in RAM; /run/nbdc/root
expect_overlay() { # NAME IMAGE SUM-BEFORE
	grep -q "NBDCTEST-OVERLAY written and read back" "$T/$1.log" &&
		grep -q "NBDCTEST-RUNROOT overlay=tmpfs:256m" "$T/$1.log" &&
		grep -q "NBDCTEST-RUNROOT server=$H:[0-9]*/root" "$T/$1.log" &&
		grep -q "NBDCTEST-RUNROOT device=/dev/nbd0" "$T/$1.log" &&
		ok "$1: wrote into / (RAM); /run/nbdc/root: $(grep -ao 'NBDCTEST-RUNROOT.*' "$T/$1.log" | cut -d' ' -f2 | tr '\n' ' ')" ||
		{ not_ok "$1: overlay root"; grep -a "NBDCTEST-\(OVERLAY\|RUNROOT\)" "$T/$1.log"; }
	[ "$(sha256sum <"$2")" = "$3" ] && ok "$1: the image is unchanged on the host" ||
		not_ok "$1: the image changed on the host"
}
sum=$(sha256sum <"$I/root.img")
run it-overlay "$I" "$I/initrd" \
	"ip=dhcp nbdroot=$H:@PORT@/root root=/dev/nbd0 nbdc.overlay=tmpfs:256m nbdctest=overlay,poweroff"
expect_overlay it-overlay "$I/root.img" "$sum"

D=$T/dracut
run dracut-plain "$D" "$D/initrd" "ip=dhcp root=nbd:$H:@PORT@/root:ext4 rw nbdctest=poweroff"
expect_disc dracut-plain
run dracut-tls "$D" "$D/initrd" \
	"ip=dhcp netroot=nbd:$H:@PORT@/root:ext4::tls,cacert=/etc/nbdc/ca.pem root=/dev/nbd0 rw nbdctest=poweroff" tls
expect_ktls dracut-tls
expect_no_recovery dracut-tls
expect_disc dracut-tls
sum=$(sha256sum <"$D/root.img")
run dracut-overlay "$D" "$D/initrd" \
	"ip=dhcp root=nbd:$H:@PORT@/root:ext4 nbdc.overlay=tmpfs:256m nbdctest=overlay,poweroff"
expect_overlay dracut-overlay "$D/root.img" "$sum"
# an NBD URI, its scheme in mixed case (RFC 3986): dracut runs the handler
# /sbin/nbdsroot for it (nbdc's hook makes the scheme lower case); options
# from nbdc.opts=
run dracut-uri "$D" "$D/initrd" \
	"ip=dhcp root=Nbds://$H:@PORT@/root nbdc.opts=cacert=/etc/nbdc/ca.pem rootfstype=ext4 rw nbdctest=poweroff" tls
expect_disc dracut-uri
run dracut-nosd "$D" "$D/initrd-nosd" "ip=dhcp root=nbd:$H:@PORT@/root:ext4:rw nbdctest=poweroff"
expect_disc dracut-nosd
finish
