#!/bin/sh
# boot.sh INITRAMFS_DIR LOG [TIMEOUT]: pack the directory as the initramfs
# (busybox, kernel modules, and tests/vm/init unless the directory has its
# own /init are added) and boot the Debian kernel in qemu (TCG) with user
# networking (VM_ARCH=aarch64: qemu-system-aarch64 -M virt, arm64 busybox); the console goes to LOG.  $APPEND is added to the kernel
# command line.  Succeeds when LOG shows ${DONE_MARK:-VMDONE}.
set -e
cd "$(dirname "$0")/../.."
dir=$1 log=$2 limit=${3:-300}
K=build/vm/kernel
BUSYBOX=/bin/busybox
[ "${VM_ARCH:-x86_64}" != x86_64 ] && K=build/vm/kernel-$VM_ARCH BUSYBOX=$K/busybox
mkdir -p "$dir/bin" "$dir/lib/modules" "$dir/proc" "$dir/sys" "$dir/dev"
cp "$BUSYBOX" "$dir/bin/busybox"
cp "$K"/modules/*.ko "$dir/lib/modules/"
[ -e "$dir/init" ] || cp tests/vm/init "$dir/init"
chmod +x "$dir/init"
(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) > "$dir.cpio.gz"
if [ "${VM_ARCH:-x86_64}" = aarch64 ]; then
	QEMU="qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on" CON=ttyAMA0
elif [ "${VM_ARCH:-x86_64}" = armhf ]; then
	QEMU="qemu-system-arm -M virt -cpu cortex-a15" CON=ttyAMA0
else
	QEMU="qemu-system-x86_64 -accel tcg -cpu max" CON=ttyS0
fi
timeout "$limit" $QEMU -m 768 -smp 1 \
	-nographic -no-reboot -monitor none \
	-kernel "$K/vmlinuz" -initrd "$dir.cpio.gz" \
	-append "console=$CON panic=-1 quiet loglevel=3 ${APPEND:-}" \
	-netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile= \
	</dev/null >"$log" 2>&1 || true
grep -q "${DONE_MARK:-VMDONE}" "$log"
