#!/bin/bash
# make bench: nbdc side by side with Debian's nbd-client in one VM (the
# Debian cloud kernel, qemu TCG), both against the same nbdkit on the host;
# prints one table with the ratio nbdc/nbd-client and writes it, with the
# date, kernel and qemu version, on top of bench/results.md (earlier runs
# stay below for comparison).  Goals are checked here, not in tests.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=bench
vm_setup
command -v nbd-client >/dev/null || sh tests/install-deps.sh nbd-client ||
	{ echo "bench: cannot install nbd-client"; exit 1; }
sh tests/certs.sh "$T/pki" >/dev/null || exit 1
PKI=$T/pki
make -s nbdc build/nbdbench || exit 1
make -s NBDC_OUT=build/nbdc-notls TLS=0 build/nbdc-notls >/dev/null || exit 1

P_PLAIN=$(free_port); P_TLS=$(free_port)
nbdkit -f -i 127.0.0.1 -p "$P_PLAIN" memory 64M 2>/dev/null & PIDS="$PIDS $!"
nbdkit -f -i 127.0.0.1 -p "$P_TLS" --tls=require --tls-certificates="$PKI" \
	memory 64M 2>/dev/null & PIDS="$PIDS $!"
wait_listen "$P_PLAIN" && wait_listen "$P_TLS" || { echo "bench: nbdkit"; exit 1; }

# Round trips from TCP connect to attach (--info takes the same path).
rt() { # PORT [OPTIONS...]
	./nbdc --info "${@:2}" 127.0.0.1 "$1" 2>/dev/null |
		sed -n 's/^round trips: \([0-9]*\).*/\1/p'
}
RT_PLAIN=$(rt "$P_PLAIN")
RT_TLS=$(rt "$P_TLS" --pin "$(cat "$PKI/server.pin")")

G=$T/guest
mkdir -p "$G/pki" "$G/usr/sbin" "$G/lib64"
cp nbdc "$G/nbdc"
cp build/nbdbench "$G/nbdbench"
cp "$PKI"/ca-cert.pem "$PKI"/client-cert.pem "$PKI"/client-key.pem "$G/pki/"
REF=$(command -v nbd-client)
cp "$REF" "$G/usr/sbin/nbd-client"
ref_size=$(stat -c %s "$REF")
for lib in $(ldd "$REF" | grep -o '/[^ ]*'); do
	real=$(readlink -f "$lib")
	mkdir -p "$G$(dirname "$lib")"
	cp "$real" "$G$lib"
	ref_size=$((ref_size + $(stat -c %s "$real")))
done
cp bench/guest.sh "$G/test.sh"
printf 'P_PLAIN=%s\nP_TLS=%s\n' "$P_PLAIN" "$P_TLS" >"$G/env"
VM_TIMEOUT=900 vm_guest_run "$G" "$T/console.log" 0
grep '^BENCH ' "$T/console.log.c" >"$T/bench.txt"
cp "$T/console.log.c" build/bench-console.log  # for a closer look
grep -q "BENCH kernel" "$T/bench.txt" || { tail -40 "$T/console.log.c"; exit 1; }

python3 bench/table.py "$T/bench.txt" \
	"$(stat -c %s nbdc)" "$(stat -c %s build/nbdc-notls)" "$ref_size" \
	"$RT_PLAIN" "$RT_TLS" "$(qemu-system-x86_64 --version | head -n 1)" \
	bench/results.md
