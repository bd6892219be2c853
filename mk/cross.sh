#!/bin/sh
# cross.sh ARCH: what `make ARCH=...` needs, from Debian's packages: the
# cross compiler, musl for that architecture, qemu-user to run the result.
# bookworm has no musl-dev:riscv64, so for riscv64 musl is built from
# Debian's source package into build/riscv64/musl.  The packages go
# through tests/install-deps.sh, like every other dependency.
set -e
cd "$(dirname "$0")/.."
arch=$1
case $arch in
aarch64) debarch=arm64; pkgs="gcc-aarch64-linux-gnu musl-dev:arm64" ;;
armhf) debarch=armhf; pkgs="gcc-arm-linux-gnueabihf musl-dev:armhf" ;;
riscv64) debarch=; pkgs="gcc-riscv64-linux-gnu" ;;
*) echo "cross: unknown ARCH $arch (aarch64, armhf, riscv64)" >&2; exit 1 ;;
esac
pkgs="$pkgs qemu-user-static"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if [ -n "$debarch" ] && ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
	$SUDO dpkg --add-architecture "$debarch"
fi
sh tests/install-deps.sh $pkgs
[ "$arch" = riscv64 ] || exit 0
# musl for riscv64, from the source of Debian's musl package.
OUT=$PWD/build/riscv64/musl
[ -x "$OUT/bin/musl-gcc" ] && exit 0
SRC=$PWD/build/musl-src
sh mk/apt-source.sh musl "$SRC"
rm -rf "$SRC/build" && mkdir -p "$SRC/build"
tar -C "$SRC/build" --strip-components=1 -xzf "$SRC"/musl_*.orig.tar.gz
(cd "$SRC/build" && ./configure --target=riscv64-linux-gnu --prefix="$OUT" \
	--disable-shared --enable-wrapper=gcc CROSS_COMPILE=riscv64-linux-gnu- >/dev/null &&
	make -s -j2 >/dev/null && make -s install >/dev/null)
echo "cross: built musl for riscv64 into $OUT"
