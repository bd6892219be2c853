#!/bin/sh
# Fetch the Debian kernel and the modules the guest needs into
# build/vm/kernel (VM_ARCH=aarch64 or armhf: build/vm/kernel-ARCH, with
# that architecture's busybox, and ext4, a module there), once; cached.  Prints nothing when
# already there.
set -e
cd "$(dirname "$0")/../.."
arch=${VM_ARCH:-x86_64}
if [ "$arch" = armhf ]; then
	K=build/vm/kernel-armhf meta=linux-image-armmp-lpae:armhf suffix=:armhf
elif [ "$arch" = aarch64 ]; then
	K=build/vm/kernel-aarch64 meta=linux-image-arm64:arm64 suffix=:arm64
else
	K=build/vm/kernel meta=linux-image-cloud-amd64 suffix=
fi
[ -f "$K/vmlinuz" ] && [ -f "$K/modules/nbd.ko" ] && [ -f "$K/modules/gcm.ko" ] && [ -f "$K/modules/aes_ti.ko" ] &&
	[ -f "$K/modules/overlay.ko" ] &&
	{ [ "$arch" = x86_64 ] || [ -f "$K/modules/ext4.ko" ]; } &&
	{ [ "$arch" = x86_64 ] || [ -x "$K/busybox" ]; } && exit 0
mkdir -p "$K/deb" "$K/modules"
top=$PWD
cd "$K/deb"
deps() { apt-cache depends "$meta" 2>/dev/null |
	sed -n 's/.*Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n 1; }
pkg=$(deps)
[ -n "$pkg" ] || { apt-get update -qq || true; pkg=$(deps); }
[ -n "$pkg" ] || { echo "cannot find $meta" >&2; exit 1; }
ls "$pkg"_*.deb >/dev/null 2>&1 || apt-get download "$pkg$suffix" 2>/dev/null
rm -rf x && dpkg -x "$pkg"_*.deb x
# Kernel TLS: tls.ko and the AEAD ciphers, picked by the same script the
# initramfs hooks use (so the VM suites prove its choice on each arch).
KTLS_MODULES=$(sh "$top/contrib/common/ktls-modules" x/lib/modules/*)
cp x/boot/vmlinuz-* ../vmlinuz
for m in virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev \
	virtio_pci failover net_failover virtio_net nbd $KTLS_MODULES \
	crc16 crc32c_generic mbcache jbd2 ext4 overlay squashfs; do
	f=$(find x/lib/modules -name "$m.ko" | head -n 1)
	[ -n "$f" ] && cp "$f" ../modules/
done
rm -rf x
if [ "$arch" != x86_64 ]; then
	d=${suffix#:}
	ls busybox-static_*_$d.deb >/dev/null 2>&1 ||
		apt-get download busybox-static$suffix 2>/dev/null
	rm -rf x && dpkg -x busybox-static_*_$d.deb x
	cp x/bin/busybox ../busybox
	rm -rf x
fi
echo "kernel: $pkg"
