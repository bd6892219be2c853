#!/bin/sh
# boot.sh INITRAMFS_DIR LOG [TIMEOUT]: pack the directory as the initramfs
# (busybox, kernel modules, and tests/vm/init unless the directory has its
# own /init are added) and boot the cloud kernel in qemu (TCG) with user
# networking; the console goes to LOG.  $APPEND is added to the kernel
# command line.  Succeeds when LOG shows ${DONE_MARK:-VMDONE}.
set -e
cd "$(dirname "$0")/../.."
dir=$1 log=$2 limit=${3:-300}
K=build/vm/kernel
mkdir -p "$dir/bin" "$dir/lib/modules" "$dir/proc" "$dir/sys" "$dir/dev"
cp /bin/busybox "$dir/bin/busybox"
cp "$K"/modules/*.ko "$dir/lib/modules/"
[ -e "$dir/init" ] || cp tests/vm/init "$dir/init"
chmod +x "$dir/init"
(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) > "$dir.cpio.gz"
timeout "$limit" qemu-system-x86_64 -accel tcg -cpu max -m 768 -smp 1 \
	-nographic -no-reboot -monitor none \
	-kernel "$K/vmlinuz" -initrd "$dir.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 ${APPEND:-}" \
	-netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile= \
	</dev/null >"$log" 2>&1 || true
grep -q "${DONE_MARK:-VMDONE}" "$log"
