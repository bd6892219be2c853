#!/bin/bash
# Every test suite, in order; the last line sums them up.
cd "$(dirname "$0")/.." || exit 2
. tests/suites.sh
mkdir -p build
run_suite unit ./build/test_nego
run_suite unit-asan ./build/test_nego_asan
run_suite x509 sh tests/x509.sh
run_suite pem sh tests/pem.sh
run_suite bootargs ./build/test_bootargs
run_suite uri-unit ./build/test_uri
run_suite genl ./build/test_genl
run_suite size ./build/test_size
run_suite pump ./build/test_pump
run_suite cmdline bash tests/cmdline.sh
run_suite compat bash tests/compat.sh
run_suite lint sh tests/lint.sh
run_suite hostile bash tests/hostile.sh
run_suite hostile-asan env NBDC=build/nbdc-asan bash tests/hostile.sh
run_suite resolve-unit ./build/test_resolve
run_suite resolver bash tests/resolve.sh
run_suite resolver-asan env NBDC="$PWD/build/nbdc-asan" bash tests/resolve.sh
run_suite servers bash tests/servers.sh
run_suite failover bash tests/failover.sh
run_suite failover-asan env NBDC=build/nbdc-asan bash tests/failover.sh
run_suite uri bash tests/uri.sh
run_suite uri-asan env NBDC=build/nbdc-asan SUITE=uri-asan bash tests/uri.sh
run_suite servers-asan env NBDC=build/nbdc-asan bash tests/servers.sh
run_suite tls0 bash tests/tls0.sh
run_suite install bash tests/install.sh
run_suite hooks bash tests/hooks.sh
# cross builds what the ARM VM suites boot; every kernel is fetched before
# the lanes split, so that no two apt-get runs meet.
run_suite cross bash tests/cross.sh
for a in x86_64 aarch64 armhf; do VM_ARCH=$a sh tests/vm/kernel.sh; done
# The VM suites in two lanes, one qemu each: a TCG guest keeps one core
# busy, and this machine has two.  The lanes share no files (each suite
# has its own temp dir; build/vm/kernel* is only read) and pick free
# ports; they are balanced by time (vm-distro alone is about a third of
# all).  The fuzzers (CPU only, no timing checks) fill the second lane's
# start.
lane1() {
	for s in attach tls persist ktls distro; do
		run_suite "vm-$s" bash "tests/vm_$s.sh"
	done
}
lane2() {
	run_suite fuzz sh tests/fuzz/run.sh
	run_suite vm-boot bash tests/vm_boot.sh
	run_suite vm-compat bash tests/vm_compat.sh
	# the real kernel driver on ARM, with the binaries cross built
	for a in aarch64 armhf; do
		for s in attach tls ktls persist boot; do
			run_suite "vm-$s-$a" env VM_ARCH=$a GUEST_NBDC=build/$a/nbdc bash "tests/vm_$s.sh"
		done
	done
}
lanes lane1 lane2
summary check
