# tests/vm/guest-lib.sh - helpers for the guest test scripts (copied into
# the initramfs as /guest-lib.sh by vm_guest_run).  Results are lines
# "VMTEST ok|FAIL name" that the host side counts; /env holds the ports.
. /env
H=10.0.2.2
ok() { echo "VMTEST ok $*"; }
bad() { echo "VMTEST FAIL $*"; }
t() { name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
# poll TENTHS CMD...: until CMD succeeds, for at most TENTHS tenths of a
# second (a TCG guest on a busy host is slow: poll, never a fixed sleep)
poll() { n=$1; shift; i=0; until "$@"; do [ $i -ge "$n" ] && return 1; sleep 0.1; i=$((i+1)); done; }
# alive PID: the process runs (a zombie has ended); left PID: it ends
# within 15 s; wait_log FILE PATTERN: PATTERN in FILE within 15 s
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
left() { poll 150 eval "! alive $1"; }
wait_log() { poll 150 grep -q "$2" "$1"; }
size() { blockdev --getsize64 "$1" 2>/dev/null; }
sum16() { dd if="$1" bs=1M count=16 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1; }
[ -f /data.sha ] && WANT=$(cat /data.sha)

# write_verify DEV: 16 MiB of random data with direct I/O, read back after
# a cache drop, compare checksums.
write_verify() {
	dd if=/data.bin of="$1" bs=1M oflag=direct conv=fsync 2>/tmp/dd.err ||
		{ cat /tmp/dd.err; return 1; }
	sync; echo 3 >/proc/sys/vm/drop_caches
	[ "$(sum16 "$1")" = "$WANT" ]
}

# Kernel TLS: tls.ko and the AEAD ciphers, whatever this architecture
# calls them (kernel.sh put them in /lib/modules; no modprobe or
# modules.dep in the guest: three passes settle the order).
load_ktls_modules() {
	for pass in 1 2 3; do
		for f in /lib/modules/*.ko; do
			m=$(basename "$f" .ko)
			grep -q "^$(echo "$m" | tr - _) " /proc/modules || insmod "$f" 2>/dev/null
		done
	done
}
