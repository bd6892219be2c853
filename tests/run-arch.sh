#!/bin/bash
# make check ARCH=aarch64|armhf|riscv64: the suites for that architecture.
# The host-side suites (unit, hostile, servers, cmdline, compat) run its
# binaries under qemu-user; for aarch64 and armhf the VM suites (attach,
# TLS, kernel TLS, persist, boot) run them on Debian's kernel for it.  The
# last line sums them up, as tests/run-all.sh does.
cd "$(dirname "$0")/.." || exit 2
a=$1
declare -A QEMU=([aarch64]=qemu-aarch64-static [armhf]=qemu-arm-static [riscv64]=qemu-riscv64-static)
declare -A XCC=([aarch64]=aarch64-linux-musl-gcc [armhf]=arm-linux-musleabihf-gcc [riscv64]=$PWD/build/riscv64/musl/bin/musl-gcc)
[ -n "${QEMU[$a]}" ] || { echo "run-arch: ARCH is aarch64, armhf or riscv64"; exit 2; }
make -s ARCH="$a" && make -s ARCH="$a" alloc || exit 1
mkdir -p "build/$a"
"${XCC[$a]}" -D_GNU_SOURCE -O1 -I. -static -o "build/$a/test_nego" tests/test_nego.c nego.c text.c fmt.c &&
"${XCC[$a]}" -D_GNU_SOURCE -O1 -I. -static -o "build/$a/test_size" tests/test_size.c || exit 1
printf '#!/bin/sh\nexec %s %s "$@"\n' "${QEMU[$a]}" "$PWD/build/$a/nbdc" >"build/$a/run-nbdc"
chmod +x "build/$a/run-nbdc"
. tests/suites.sh
run_suite "unit-$a" "${QEMU[$a]}" "build/$a/test_nego"
run_suite "size-$a" "${QEMU[$a]}" "build/$a/test_size"
for s in hostile servers cmdline compat; do
	run_suite "$s-$a" env NBDC="$PWD/build/$a/run-nbdc" bash "tests/$s.sh"
done
if [ "$a" != riscv64 ]; then
	for s in attach tls ktls persist boot; do
		run_suite "vm-$s-$a" env VM_ARCH="$a" GUEST_NBDC="build/$a/nbdc" bash "tests/vm_$s.sh"
	done
fi
summary "check ARCH=$a"
