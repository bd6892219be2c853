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
	KTLS_MODULES="gf128mul ghash-generic ghash-arm-ce ctr gcm aes-arm \
		aes-arm-bs aes-arm-ce libchacha chacha_generic chacha-neon \
		libpoly1305 poly1305_generic poly1305-arm chacha20poly1305"
elif [ "$arch" = aarch64 ]; then
	K=build/vm/kernel-aarch64 meta=linux-image-arm64:arm64 suffix=:arm64
	# The kernel TLS ciphers on arm64 (the CE/NEON versions, and generic).
	KTLS_MODULES="gf128mul ghash-generic ghash-ce ctr gcm aes-ce-cipher \
		aes-ce-blk aes-neon-blk libchacha chacha_generic chacha-neon \
		libpoly1305 poly1305_generic poly1305-neon chacha20poly1305"
else
	K=build/vm/kernel meta=linux-image-cloud-amd64 suffix=
	# Kernel TLS needs tls.ko and the AEAD ciphers, which this kernel
	# builds as modules (a real system's modprobe loads them on demand).
	KTLS_MODULES="gf128mul ghash-generic ctr gcm cryptd crypto_simd aesni-intel \
		ghash-clmulni-intel libchacha chacha_generic libpoly1305 poly1305_generic \
		chacha20poly1305"
fi
[ -f "$K/vmlinuz" ] && [ -f "$K/modules/nbd.ko" ] && [ -f "$K/modules/gcm.ko" ] &&
	{ [ "$arch" = x86_64 ] || [ -f "$K/modules/ext4.ko" ]; } &&
	{ [ "$arch" = x86_64 ] || [ -x "$K/busybox" ]; } && exit 0
mkdir -p "$K/deb" "$K/modules"
cd "$K/deb"
deps() { apt-cache depends "$meta" 2>/dev/null |
	sed -n 's/.*Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n 1; }
pkg=$(deps)
[ -n "$pkg" ] || { apt-get update -qq || true; pkg=$(deps); }
[ -n "$pkg" ] || { echo "cannot find $meta" >&2; exit 1; }
ls "$pkg"_*.deb >/dev/null 2>&1 || apt-get download "$pkg$suffix" 2>/dev/null
rm -rf x && dpkg -x "$pkg"_*.deb x
cp x/boot/vmlinuz-* ../vmlinuz
for m in virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev \
	virtio_pci failover net_failover virtio_net nbd tls $KTLS_MODULES \
	crc16 crc32c_generic mbcache jbd2 ext4; do
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
