#!/bin/sh
# cross.sh ARCH: what `make ARCH=...` needs, from Debian's packages: the
# cross compiler, musl for that architecture, qemu-user to run the result.
# bookworm has no musl-dev:riscv64, so for riscv64 musl is built from
# Debian's source package into build/riscv64/musl.  `apt-get update` may
# fail for one foreign index (a mirror mid-sync): success is judged by
# whether the packages got installed.
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
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "cross: installing$missing"
	if [ -n "$debarch" ] && ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
		$SUDO dpkg --add-architecture "$debarch"
	fi
	$SUDO apt-get update -qq || echo "cross: apt-get update had errors; going on"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null || true
	for p in $missing; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			{ echo "cross: $p did not install" >&2; exit 1; }
	done
fi
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
