#!/bin/bash
# make demo: boot a VM whose root filesystem comes from NBD through nbdc.
# Builds the root image and the initramfs, serves the root with nbdkit on
# 127.0.0.1, boots the Debian cloud kernel in qemu (TCG) with
# root=nbd:10.0.2.2:PORT/root, and succeeds when the real root's init says
# so.  DEMO_TLS=1: the same over TLS with certificates made for the run.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
. tests/vm/netroot.sh
B=build/demo
mkdir -p "$B"
t0=$(date +%s%N)
stage() { printf '[%5.1f s] %s\n' "$(( ($(date +%s%N) - t0) / 1000000 ))e-3" "$*"; }
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null' EXIT

stage "kernel: Debian linux-image-cloud-amd64 (cached in build/vm/kernel)"
sh tests/vm/kernel.sh >/dev/null || { echo "demo: cannot get the kernel" >&2; exit 1; }
stage "root filesystem: 16 MiB ext4 image with busybox and an init that reports back"
netroot_rootfs "$B/root.img" || exit 1
PORT=$(free_port)
EXTRA=()
OPTS=""
if [ "${DEMO_TLS:-0}" = 1 ]; then
	stage "TLS: making a CA and a server certificate for 10.0.2.2"
	sh tests/certs.sh "$B/pki" || exit 1
	mkdir -p "$B/etc/nbdc" && cp "$B/pki/ca-cert.pem" "$B/etc/nbdc/ca.pem"
	TLSARGS="--tls=require --tls-certificates=$B/pki"
	OPTS=":ext4::tls,cacert=/etc/nbdc/ca.pem"
fi
stage "server: nbdkit ${TLSARGS:+(TLS required) }serving the image on 127.0.0.1:$PORT"
nbdkit -f -i 127.0.0.1 -p "$PORT" ${TLSARGS:-} file "$B/root.img" 2>"$B/nbdkit.log" &
SERVER=$!
wait_listen "$PORT" || { echo "demo: nbdkit did not start" >&2; exit 1; }
stage "initramfs: busybox + nbdc ($(stat -c %s nbdc) bytes) + modules + contrib/busybox/init"
netroot_initramfs "$B/initramfs"
if [ "${DEMO_TLS:-0}" = 1 ]; then
	mkdir -p "$B/initramfs/etc/nbdc" && cp "$B/etc/nbdc/ca.pem" "$B/initramfs/etc/nbdc/"
fi
CMDLINE="root=nbd:10.0.2.2:$PORT/root$OPTS nbdc.rescue=poweroff"
stage "boot: qemu (TCG) with $CMDLINE"
APPEND="$CMDLINE" DONE_MARK=NBDROOT-OK sh tests/vm/boot.sh "$B/initramfs" "$B/console.log" 120
rc=$?
tr -d '\r' <"$B/console.log" | grep -E '^(nbdc|nbdroot|NBDROOT|NBDC)' | sed 's/^/    | /'
if [ $rc = 0 ]; then
	stage "success: the VM booted its root filesystem from NBD"
else
	stage "FAILED: the guest did not reach the success line (console: $B/console.log)"
fi
exit $rc
