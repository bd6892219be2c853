#!/bin/bash
# --cmdline and --retry-for on the host (no kernel driver here): errors are
# reported with the offending text; the retry loop prints one line per
# attempt and gives up on time; a server that appears late is found.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=cmdline
NBDC=${NBDC:-./nbdc}
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT

echo "quiet root=/dev/sda1" >"$T/c1"
"$NBDC" --cmdline "$T/c1" >"$T/out" 2>&1
expect "no NBD root on the line" 1 $? "names no NBD root" "$T/out"
echo "root=nbd:10.0.2.2" >"$T/c2"
"$NBDC" --cmdline "$T/c2" >"$T/out" 2>&1
expect "malformed root=nbd: quoted with what was expected" 1 $? "malformed root='10.0.2.2': expected nbd:SERVER:PORT_OR_EXPORT" "$T/out"
echo "nbdroot=srv:abc/x" >"$T/c3"
"$NBDC" --cmdline "$T/c3" >"$T/out" 2>&1
expect "malformed nbdroot=" 1 $? "malformed nbdroot='srv:abc/x'" "$T/out"
echo "root=nbd:srv:exp:ext4::bogus=1" >"$T/c4"
"$NBDC" --cmdline "$T/c4" >"$T/out" 2>&1
expect "unknown NBDOPTS item" 1 $? "NBDOPTS: cannot use 'bogus=1'" "$T/out"
echo "nbdroot=dhcp" >"$T/c5"
env -u ROOTPATH "$NBDC" --cmdline "$T/c5" >"$T/out" 2>&1
expect "nbdroot=dhcp without a root-path" 1 $? "no DHCP root-path was found" "$T/out"

# Values that cannot work are usage errors at once, not 120 s of retries.
echo "root=nbd:10.0.2.2:99999" >"$T/c6"
timeout 10 "$NBDC" --cmdline "$T/c6" >"$T/out" 2>&1
expect "root=nbd: with port 99999: usage error at once" 1 $? "bad port '99999'" "$T/out"
echo "nbdroot=10.0.2.2:70000/root" >"$T/c7"
timeout 10 "$NBDC" --cmdline "$T/c7" >"$T/out" 2>&1
expect "nbdroot= with port 70000: usage error at once" 1 $? "bad port '70000'" "$T/out"
echo "root=nbd:10.0.2.2:root:ext4::tls-hostname=,pin=x" >"$T/c8"
"$NBDC" --cmdline "$T/c8" >"$T/out" 2>&1
expect "NBDOPTS tls-hostname= (empty) refused" 1 $? "cannot use 'tls-hostname='" "$T/out"
# A line longer than the 1400 bytes once read, NBDOPTS at its end: whole.
name=$(printf 'x%.0s' $(seq 2000))
echo "root=nbd:127.0.0.1:99999/$name:ext4::tls,cacert=/nonexistent.pem" >"$T/c9"
"$NBDC" --cmdline "$T/c9" >"$T/out" 2>&1
expect "a 2 KB root=nbd: value is read whole (its port is seen)" 1 $? "bad port '99999'" "$T/out"
head -c 5000 /dev/zero | tr '\0' x | sed 's/^/nbdroot=srv:\//' >"$T/c10"
"$NBDC" --cmdline "$T/c10" >"$T/out" 2>&1
expect "a command line too long for any kernel is refused, not cut" 1 $? "longer than a kernel command line can be" "$T/out"
# A DHCP root-path is outside text: printed escaped.
echo "nbdroot=dhcp" >"$T/c11"
ROOTPATH="$(printf 'evil\033[2J\233x')" "$NBDC" --cmdline "$T/c11" >"$T/out" 2>&1
expect "a DHCP root-path with ESC and CSI is printed escaped" 1 $? 'evil\\x1b\[2J\\x9bx' "$T/out"

# Retry: nothing listens; 4 s budget (attempts at 0, 1 and 3 s, then the
# next delay would pass it); one line per attempt, then the cause.
port=$(free_port)
start=$(date +%s)
"$NBDC" --info --retry-for 4 127.0.0.1 "$port" >"$T/out" 2>&1; rc=$?
took=$(( $(date +%s) - start ))
expect "retry gives up with the connect error" 3 $rc "attempt 2 failed; retrying in 2 s" "$T/out"
grep -q "attempt 3 failed" "$T/out" && not_ok "retry went past its budget" || ok "no attempt past the budget"
[ $took -le 6 ] && ok "retry stops within its budget (${took} s)" || not_ok "retry took ${took} s"
# A server that starts 2 s late is found.
port=$(free_port)
( sleep 2; exec nbdkit -f -i 127.0.0.1 -p "$port" memory 1M ) 2>/dev/null &
"$NBDC" --info --retry-for 20 127.0.0.1 "$port" >"$T/out" 2>&1
expect "a late server is found by the retry loop" 0 $? "size: 1048576" "$T/out"

# -m: the '@' mark (as "@nbdc", whatever the path) only in an initramfs,
# i.e. with the root on ramfs or tmpfs, as systemd's contract for root
# storage daemons asks.  A server that refuses keeps nbdc retrying, alive.
dead=$(free_port)
cmdline_of() { # PATTERN: the first process whose command line matches
	for i in $(seq 50); do
		p=$(pgrep -f -- "$1" | head -n 1)
		[ -n "$p" ] && { tr '\0' ' ' </proc/"$p"/cmdline; kill "$p"; return; }
		sleep 0.1
	done
}
"$NBDC" -m --info --retry-for 20 127.0.0.1 "$dead" >/dev/null 2>&1 &
c=$(cmdline_of "^[^ ]*nbdc -m --info --retry-for 20 127.0.0.1 $dead")
case "$c" in
@*) not_ok "-m outside an initramfs: marked ($c)" ;;
?*) ok "-m outside an initramfs: not marked ($c)" ;;
*) not_ok "-m outside an initramfs: process not found" ;;
esac
if unshare -m true 2>/dev/null; then
	mkdir -p "$T/ir"
	unshare -m sh -c 'mount -t tmpfs tmpfs "$1" && mkdir -p "$1/proc" "$1/usr/sbin" &&
		cp "$2" "$1/usr/sbin/nbdc" && mount -t proc proc "$1/proc" &&
		exec chroot "$1" /usr/sbin/nbdc -m --info --retry-for 20 127.0.0.1 "$3"' \
		sh "$T/ir" "$NBDC" "$dead" >/dev/null 2>&1 &
	c=$(cmdline_of "^@nbdc -m --info --retry-for 20 127.0.0.1 $dead")
	[ "${c%% *}" = @nbdc ] && ok "-m in an initramfs (root on tmpfs): started again as '$c'" ||
		not_ok "-m in an initramfs: not '@nbdc' ($c)"
else
	not_ok "unshare -m is not possible here (needs root)"
fi

# --help: the text's tabs expand to its two columns (27, 46).
"$NBDC" --help >"$T/help" 2>&1
if ! grep -q "$(printf '\t')" "$T/help" && [ "$(awk 'length > 80' "$T/help" | wc -l)" = 0 ] &&
   grep -qx "  -N, --name EXPORT        export name (default: the server's default)" "$T/help" &&
   grep -qx "                           120 with --cmdline), one line per attempt" "$T/help" &&
   grep -qx "       nbdc -l|--list HOST \[PORT\]             list exports" "$T/help" &&
   grep -qx "                                              and its path is printed)" "$T/help"; then
	ok "--help: aligned at columns 27 and 46, no tabs, 80 columns at most"
else
	not_ok "--help layout"; cat -A "$T/help" | head -20
fi
finish
