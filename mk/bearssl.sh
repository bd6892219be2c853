#!/bin/sh
# Build BearSSL 0.6 from Debian's source package with musl-gcc -Os into
# build/bearssl/{include,lib}, as fat LTO objects: nbdc's link optimises
# across it (smaller), clang's fuzzers use the plain code beside the IR.
# The source is fetched with 'apt-get source' through a private deb-src
# list (the machine may have none), and the upstream tarball is checked
# against the SHA-256 pinned below.
set -e
cd "$(dirname "$0")/.."
OUT=${BEARSSL_OUT:-build/bearssl}
FLAGS="-Os -flto -ffat-lto-objects -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables"
# Built before with other flags: again.
[ -f "$OUT/lib/libbearssl.a" ] && [ "$(cat "$OUT/flags" 2>/dev/null)" = "$FLAGS" ] && exit 0
rm -rf "$OUT"
SHA=102a625bd8f6155260867a50c508df8d8c3f796985dd744df1a68e5cd1a79004
ORIG=bearssl_0.6+dfsg.1.orig.tar.xz
CC=${CC_MUSL:-musl-gcc}
SRC=$PWD/build/bearssl-src
[ -f "$SRC/$ORIG" ] || sh mk/apt-source.sh bearssl "$SRC"
echo "$SHA  $SRC/$ORIG" | sha256sum -c --quiet - ||
	{ echo "bearssl: $ORIG does not match the pinned SHA-256" >&2; exit 1; }
rm -rf "$SRC/bearssl-0.6"
tar -C "$SRC" -xf "$SRC/$ORIG"
mkdir -p "$OUT/lib" "$OUT/include" "$OUT/obj"
for f in "$SRC"/bearssl-0.6/src/*/*.c "$SRC"/bearssl-0.6/src/*.c; do
	o="$OUT/obj/$(basename "$f" .c).o"
	$CC $FLAGS -I"$SRC/bearssl-0.6/inc" -I"$SRC/bearssl-0.6/src" -c "$f" -o "$o" &
	[ "$(jobs -p | wc -l)" -ge 4 ] && wait -n 2>/dev/null || true
done
wait
${BEARSSL_AR:-gcc-ar} rcs "$OUT/lib/libbearssl.a" "$OUT"/obj/*.o
cp "$SRC"/bearssl-0.6/inc/*.h "$OUT/include/"
rm -rf "$OUT/obj"
echo "$FLAGS" >"$OUT/flags"
echo "bearssl: built $OUT/lib/libbearssl.a"
