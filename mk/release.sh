#!/bin/sh
# release.sh ARCH...: build/release/nbdc-VERSION-ARCH[-notls] for x86_64
# (the host build) and each ARCH given, and SHA256SUMS with bare names.
set -e
cd "$(dirname "$0")/.."
V=$(./nbdc -V | cut -d' ' -f2)
R=build/release
rm -rf "$R" && mkdir -p "$R"
cp nbdc "$R/nbdc-$V-x86_64"
cp build/nbdc-notls "$R/nbdc-$V-x86_64-notls"
for a in "$@"; do
	cp "build/$a/nbdc" "$R/nbdc-$V-$a"
	cp "build/$a/nbdc-notls" "$R/nbdc-$V-$a-notls"
done
(cd "$R" && sha256sum nbdc-* >SHA256SUMS)
ls -l "$R" | sed 1d | awk '{ printf "release: %-32s %7d bytes\n", $9, $5 }'
