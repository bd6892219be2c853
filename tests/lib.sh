# tests/lib.sh - a tiny shell test harness. Source it; call ok/not_ok, then
# finish, which prints "N passed, N failed" and sets the exit status.
PASS=0
FAIL=0
T0=$(date +%s)
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
# expect NAME WANT_CODE GOT_CODE [PATTERN FILE]: code matches, and the
# message file contains PATTERN.
expect() {
	name=$1 want=$2 got=$3 pat=$4 file=$5
	if [ "$got" != "$want" ]; then
		not_ok "$name: exit $got, expected $want"; [ -n "$file" ] && sed 's/^/     | /' "$file"
		return
	fi
	if [ -n "$pat" ] && ! grep -q -- "$pat" "$file"; then
		not_ok "$name: output lacks '$pat'"; sed 's/^/     | /' "$file"
		return
	fi
	ok "$name"
}
finish() {
	echo "$SUITE: $PASS passed, $FAIL failed ($(( $(date +%s) - T0 )) s)"
	[ "$FAIL" = 0 ]
}
# wait_port FILE: wait (bounded) for a server to write its port to FILE.
wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$1" ]
}
# wait_listen PORT [HOST]: wait (bounded) until something listens there
# (HOST defaults to 127.0.0.1).
wait_listen() {
	i=0
	while [ $i -lt 200 ]; do
		if (exec 3<>/dev/tcp/"${2:-127.0.0.1}"/"$1") 2>/dev/null; then return 0; fi
		sleep 0.05; i=$((i + 1))
	done
	return 1
}
# free_port: a TCP port nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# vm_guest_run GUEST_DIR LOG MIN_TESTS: boot the guest tree (its /test.sh
# sources /guest-lib.sh), count its VMTEST lines as our own results, show
# VMINFO lines; the console, without CRs, is left in LOG.c.
vm_guest_run() {
	g=$1 log=$2 min=$3
	cp tests/vm/guest-lib.sh "$g/guest-lib.sh"
	if sh tests/vm/boot.sh "$g" "$log" "${VM_TIMEOUT:-400}"; then
		ok "VM booted and ran the guest tests"
	else
		not_ok "VM did not finish"; tail -30 "$log"
	fi
	tr -d '\r' <"$log" >"$log.c"
	while read -r _ verdict name; do
		if [ "$verdict" = ok ]; then ok "$name"; else not_ok "$name"; fi
	done < <(grep '^VMTEST ' "$log.c")
	grep '^VMINFO ' "$log.c"
	[ "$(grep -c '^VMTEST ' "$log.c")" -ge "$min" ] ||
		not_ok "guest ran fewer tests than expected ($min)"
}
# vm_console_if_failed LOG: the console, when anything failed.
vm_console_if_failed() {
	if [ "$FAIL" != 0 ]; then echo "--- console ---"; grep -v '^VMTEST ok' "$1.c" | tail -60; fi
}

# vm_setup: a temp dir $T, the servers listed in $PIDS stopped on exit,
# and the guest kernel fetched (once).
vm_setup() {
	T=$(mktemp -d)
	PIDS=""
	trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT
	sh tests/vm/kernel.sh || { not_ok "kernel fetch"; finish; exit 1; }
}

# wait_servers PORT...: each listens, or a failure is counted.
wait_servers() {
	for p in "$@"; do
		wait_listen "$p" || not_ok "server on $p did not start"
	done
}
# guest_tree DIR MIB: the guest's files: nbdc ($GUEST_NBDC for another
# architecture; else ./nbdc and the allocation-counting build when there
# is one), MIB MiB of random data in /data.bin with the
# checksums of its first 16 MiB (data.sha) and of all of it (data32.sha).
guest_tree() {
	mkdir -p "$1/pki"
	cp "${GUEST_NBDC:-nbdc}" "$1/nbdc"
	# the allocation-counting build, for the same architecture
	alloc=build/nbdc-alloc
	[ -n "$GUEST_NBDC" ] && alloc=$(dirname "$GUEST_NBDC")/nbdc-alloc
	if [ -x "$alloc" ]; then
		cp "$alloc" "$1/nbdc-alloc"
	fi
	head -c "$2M" /dev/urandom >"$1/data.bin"
	head -c 16M "$1/data.bin" | sha256sum | cut -d' ' -f1 >"$1/data.sha"
	sha256sum <"$1/data.bin" | cut -d' ' -f1 >"$1/data32.sha"
}
