#!/bin/bash
# make install DESTDIR=...: the binary and every hook land where
# initramfs-tools and dracut look for them, executable and parseable.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=install
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
make -s install DESTDIR="$T" >"$T/log" 2>&1 && ok "make install DESTDIR=" || { not_ok "make install"; cat "$T/log"; }
for f in usr/sbin/nbdc usr/share/initramfs-tools/hooks/nbdc \
	usr/share/initramfs-tools/scripts/local-top/nbdc \
	usr/lib/dracut/modules.d/95nbdc/module-setup.sh \
	usr/lib/dracut/modules.d/95nbdc/parse-nbdc.sh \
	usr/lib/dracut/modules.d/95nbdc/nbdc-connect.sh \
	usr/share/nbdc/busybox-init usr/share/nbdc/udhcpc.script; do
	if [ -x "$T/$f" ] && { [ "$f" = usr/sbin/nbdc ] || bash -n "$T/$f"; }; then
		ok "$f installed"
	else
		not_ok "$f installed, executable, parseable"
	fi
done
"$T/usr/sbin/nbdc" -V | grep -q "^nbdc " && ok "installed binary runs" || not_ok "installed binary runs"
rm -rf "$T/c" && make -s install DESTDIR="$T/c" NBD_CLIENT_COMPAT=1 >"$T/log" 2>&1
[ "$(readlink "$T/c/sbin/nbd-client")" = /usr/sbin/nbdc ] && ok "NBD_CLIENT_COMPAT=1: /sbin/nbd-client -> nbdc" ||
	not_ok "NBD_CLIENT_COMPAT=1: /sbin/nbd-client -> nbdc"
finish
