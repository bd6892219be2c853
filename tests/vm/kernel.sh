#!/bin/sh
# Fetch the Debian cloud kernel and the modules the guest needs into
# build/vm/kernel (once; cached). Prints nothing when already there.
set -e
cd "$(dirname "$0")/../.."
K=build/vm/kernel
# Kernel TLS needs tls.ko and the AEAD ciphers, which this kernel builds
# as modules (a real system's modprobe loads them on demand).
KTLS_MODULES="gf128mul ghash-generic ctr gcm cryptd crypto_simd aesni-intel \
	ghash-clmulni-intel libchacha chacha_generic libpoly1305 poly1305_generic \
	chacha20poly1305"
[ -f "$K/vmlinuz" ] && [ -f "$K/modules/nbd.ko" ] && [ -f "$K/modules/gcm.ko" ] && exit 0
mkdir -p "$K/deb" "$K/modules"
cd "$K/deb"
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
	sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -n 1)
[ -n "$pkg" ] || { apt-get update -qq && pkg=$(apt-cache depends linux-image-cloud-amd64 |
	sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -n 1); }
[ -n "$pkg" ] || { echo "cannot find linux-image-cloud-amd64" >&2; exit 1; }
ls "$pkg"_*.deb >/dev/null 2>&1 || apt-get download "$pkg" 2>/dev/null
rm -rf x && dpkg -x "$pkg"_*.deb x
cp x/boot/vmlinuz-* ../vmlinuz
for m in virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev \
	virtio_pci failover net_failover virtio_net nbd tls $KTLS_MODULES; do
	f=$(find x/lib/modules -name "$m.ko" | head -n 1)
	[ -n "$f" ] && cp "$f" ../modules/
done
rm -rf x
echo "kernel: $pkg"
