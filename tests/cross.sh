#!/bin/bash
# The embedded targets: `make release` builds static musl binaries for
# aarch64, armhf and riscv64 (with and without TLS) beside x86_64's; each
# runs under qemu-user against the real servers and the scripted hostile
# ones on 127.0.0.1 (the same suites as the host binary), and armhf checks
# the 32-bit size path (a 5 GiB export as blocks).  It also builds what the
# ARM VM suites that follow it in make check use (the counting builds).
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=cross
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if make -s release >"$T/build.log" 2>&1 &&
   make -s ARCH=aarch64 alloc >>"$T/build.log" 2>&1 &&
   make -s ARCH=armhf alloc >>"$T/build.log" 2>&1 &&
   make -s ARCH=riscv64 alloc >>"$T/build.log" 2>&1; then
	ok "make release builds every architecture"
else
	not_ok "make release"; tail -30 "$T/build.log"; finish; exit 1
fi
grep '^release:' "$T/build.log"
# An ARCH in the environment (kernel and Yocto builds export one) must not
# change what plain make does.
touch nbdc.c
if env ARCH=aarch64 make -n 2>&1 | grep -q -- "-o nbdc nbdc.c"; then
	ok "ARCH in the environment: plain make still builds ./nbdc for the host"
else
	not_ok "ARCH in the environment changed plain make"; env ARCH=aarch64 make -n 2>&1 | head -5
fi
V=$(./nbdc -V | cut -d' ' -f2)
(cd build/release && sha256sum -c --quiet SHA256SUMS) >"$T/sums" 2>&1 &&
	ok "SHA256SUMS lists bare names and verifies" || { not_ok "SHA256SUMS"; cat "$T/sums"; }
declare -A QEMU=([aarch64]=qemu-aarch64-static [armhf]=qemu-arm-static [riscv64]=qemu-riscv64-static)
declare -A MACHINE=([aarch64]="ARM aarch64" [armhf]="ARM, EABI5" [riscv64]="RISC-V")
for a in aarch64 armhf riscv64; do
	for v in "" -notls; do
		f=build/release/nbdc-$V-$a$v
		file "$f" | grep -q "${MACHINE[$a]}.*statically linked" &&
			ok "$a$v: a static ${MACHINE[$a]} binary ($(stat -c %s "$f") bytes)" ||
			not_ok "$a$v: $(file "$f")"
	done
	# The host suites, with this binary under qemu-user.
	w=$T/nbdc-$a
	printf '#!/bin/sh\nexec %s %s "$@"\n' "${QEMU[$a]}" "$PWD/build/release/nbdc-$V-$a" >"$w"
	# compat parses with --dump-options: the test build of the same source
	printf '#!/bin/sh\nexec %s %s "$@"\n' "${QEMU[$a]}" "$PWD/build/$a/nbdc-alloc" >"$w-hooks"
	chmod +x "$w" "$w-hooks"
	for s in servers hostile compat uri; do
		b=$w
		[ $s = compat ] && b=$w-hooks
		NBDC=$b DUMP=$w-hooks bash "tests/$s.sh" >"$T/$a-$s.log" 2>&1
		line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$T/$a-$s.log" | tail -1)
		if [ $? = 0 ] && grep -q ' 0 failed' <<<"$line"; then
			ok "$a: the $s suite under qemu-user (${line#*: })"
		else
			not_ok "$a: the $s suite under qemu-user"; grep -E '^FAIL' "$T/$a-$s.log" | head -10
		fi
	done
done
# The pump's thread (clone() with a thread pointer of its own, where each
# architecture puts musl's descriptor differently), under qemu-user.
declare -A XCC=([aarch64]=aarch64-linux-musl-gcc [armhf]=arm-linux-musleabihf-gcc
		[riscv64]=$PWD/build/riscv64/musl/bin/musl-gcc)
for a in aarch64 armhf riscv64; do
	if "${XCC[$a]}" -D_GNU_SOURCE -I. -O1 -Wall -Wextra -Werror -static -o "$T/test_pump-$a" \
		tests/test_pump.c pump.c status.c text.c fmt.c >"$T/cc-$a.log" 2>&1 &&
	   "${QEMU[$a]}" "$T/test_pump-$a" >"$T/pump-$a.log" 2>&1; then
		ok "$a: the pump's thread: errno its own, joined, started again ($(tail -1 "$T/pump-$a.log"))"
	else
		not_ok "$a: the pump's thread"; cat "$T/cc-$a.log" "$T/pump-$a.log" 2>/dev/null | tail -15
	fi
done
# 32-bit: the size through the ioctl interface, and the layouts for the kernel.
if arm-linux-musleabihf-gcc -D_GNU_SOURCE -I. -Wall -Wextra -Werror -static \
	-o "$T/test_size" tests/test_size.c >"$T/cc.log" 2>&1; then
	qemu-arm-static "$T/test_size" >"$T/size.log" 2>&1
	rc=$?
	sed 's/^/     | /' "$T/size.log"
	[ $rc = 0 ] && ok "armhf: a 5 GiB export goes to the ioctl interface as blocks" ||
		not_ok "armhf: the size for the ioctl interface"
else
	not_ok "armhf: test_size builds"; cat "$T/cc.log"
fi
finish
