#!/bin/bash
# Every test suite, in order; the last line sums them up.
cd "$(dirname "$0")/.." || exit 2
total_pass=0 total_fail=0 failed_suites=""
run_suite() {
	name=$1; shift
	echo "=== $name"
	"$@" 2>&1 | tee build/last-suite.log
	rc=${PIPESTATUS[0]}
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' build/last-suite.log | tail -n 1)
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	[ -n "$line" ] || { p=0; f=1; }
	[ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
	[ "$f" = 0 ] || failed_suites="$failed_suites $name"
}
mkdir -p build
run_suite unit ./build/test_nego
run_suite unit-asan ./build/test_nego_asan
run_suite x509 sh tests/x509.sh
run_suite pem sh tests/pem.sh
run_suite bootargs ./build/test_bootargs
run_suite genl ./build/test_genl
run_suite size ./build/test_size
run_suite cmdline bash tests/cmdline.sh
run_suite compat bash tests/compat.sh
run_suite lint sh tests/lint.sh
run_suite hostile bash tests/hostile.sh
run_suite hostile-asan env NBDC=build/nbdc-asan bash tests/hostile.sh
run_suite resolve-unit ./build/test_resolve
run_suite resolver bash tests/resolve.sh
run_suite resolver-asan env NBDC="$PWD/build/nbdc-asan" bash tests/resolve.sh
run_suite servers bash tests/servers.sh
run_suite servers-asan env NBDC=build/nbdc-asan bash tests/servers.sh
run_suite fuzz sh tests/fuzz/run.sh
run_suite vm-attach bash tests/vm_attach.sh
run_suite vm-tls bash tests/vm_tls.sh
run_suite vm-persist bash tests/vm_persist.sh
run_suite vm-ktls bash tests/vm_ktls.sh
run_suite vm-boot bash tests/vm_boot.sh
run_suite vm-compat bash tests/vm_compat.sh
run_suite tls0 bash tests/tls0.sh
run_suite install bash tests/install.sh
run_suite cross bash tests/cross.sh
# The real kernel driver on ARM, with the binaries the cross suite built.
run_suite vm-attach-aarch64 env VM_ARCH=aarch64 GUEST_NBDC=build/aarch64/nbdc bash tests/vm_attach.sh
run_suite vm-attach-armhf env VM_ARCH=armhf GUEST_NBDC=build/armhf/nbdc bash tests/vm_attach.sh
run_suite vm-ktls-aarch64 env VM_ARCH=aarch64 GUEST_NBDC=build/aarch64/nbdc bash tests/vm_ktls.sh
run_suite vm-ktls-armhf env VM_ARCH=armhf GUEST_NBDC=build/armhf/nbdc bash tests/vm_ktls.sh
[ -z "$failed_suites" ] || echo "failed suites:$failed_suites"
echo "check: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
