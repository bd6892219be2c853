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
	usr/lib/dracut/modules.d/95nbdc/nbdroot.sh \
	usr/lib/dracut/modules.d/95nbdc/nbdc-generator.sh \
	usr/lib/dracut/modules.d/95nbdc/nbdc-shutdown.sh \
	usr/share/nbdc/ktls-modules usr/lib/systemd/system-shutdown/nbdc.shutdown \
	usr/share/nbdc/nbdc-overlay usr/share/initramfs-tools/scripts/local-bottom/nbdc \
	usr/lib/dracut/modules.d/95nbdc/nbdc-overlay-hook.sh \
	usr/share/nbdc/busybox-init usr/share/nbdc/udhcpc.script; do
	if [ -x "$T/$f" ] && { [ "$f" = usr/sbin/nbdc ] || bash -n "$T/$f"; }; then
		ok "$f installed"
	else
		not_ok "$f installed, executable, parseable"
	fi
done
[ -r "$T/usr/lib/dracut/dracut.conf.d/50-nbdc.conf" ] && bash -n "$T/usr/lib/dracut/dracut.conf.d/50-nbdc.conf" &&
	ok "dracut.conf.d/50-nbdc.conf installed" || not_ok "dracut.conf.d/50-nbdc.conf installed"
# The kernel TLS modules the hooks pack, picked from each kernel we boot in
# the VM suites (which prove the choice works): tls and both AEADs' parts.
for k in build/vm/kernel/deb build/vm/kernel-aarch64/deb build/vm/kernel-armhf/deb; do
	ls "$k"/linux-image-*.deb >/dev/null 2>&1 || continue
	rm -rf "$T/k" && mkdir "$T/k" && dpkg -x "$k"/linux-image-*.deb "$T/k"
	mods=" $(sh "$T/usr/share/nbdc/ktls-modules" "$T"/k/lib/modules/* | tr '\n' ' ')"
	miss=""
	for m in tls gcm ctr gf128mul ghash-generic chacha20poly1305 chacha_generic poly1305_generic libpoly1305; do
		case "$mods" in *" $m "*) ;; *) miss="$miss $m" ;; esac
	done
	[ -z "$miss" ] && ok "ktls-modules for ${k#build/vm/}:$mods" ||
		not_ok "ktls-modules for ${k#build/vm/} misses$miss"
done
"$T/usr/sbin/nbdc" -V | grep -q "^nbdc " && ok "installed binary runs" || not_ok "installed binary runs"
rm -rf "$T/c" && make -s install DESTDIR="$T/c" NBD_CLIENT_COMPAT=1 >"$T/log" 2>&1
[ "$(readlink "$T/c/sbin/nbd-client")" = /usr/sbin/nbdc ] && ok "NBD_CLIENT_COMPAT=1: /sbin/nbd-client -> nbdc" ||
	not_ok "NBD_CLIENT_COMPAT=1: /sbin/nbd-client -> nbdc"
finish
