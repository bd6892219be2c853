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
run_suite fuzz sh tests/fuzz/run.sh
run_suite vm-attach bash tests/vm_attach.sh
run_suite vm-tls bash tests/vm_tls.sh
run_suite vm-persist bash tests/vm_persist.sh
run_suite vm-ktls bash tests/vm_ktls.sh
run_suite vm-boot bash tests/vm_boot.sh
run_suite vm-compat bash tests/vm_compat.sh
run_suite vm-distro bash tests/vm_distro.sh
run_suite tls0 bash tests/tls0.sh
run_suite install bash tests/install.sh
run_suite cross bash tests/cross.sh
# The real kernel driver on ARM, with the binaries the cross suite built.
for a in aarch64 armhf; do
	for s in attach tls ktls persist boot; do
		run_suite "vm-$s-$a" env VM_ARCH=$a GUEST_NBDC=build/$a/nbdc bash "tests/vm_$s.sh"
	done
done
summary check
