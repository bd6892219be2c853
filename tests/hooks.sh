#!/bin/bash
# The initramfs hooks' own decisions, on the host, for many kernel command
# lines: which ones they claim for nbdc (and pass on to it) and which they
# leave to the distro.  dracut's cmdline hook (root, netroot, rootok, and
# the scheme dracut names its handler by), its systemd generator, and the
# gate of initramfs-tools' local-top script; each run with just enough of
# its environment stubbed (the VM suites boot them for real).
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=hooks
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
D=contrib/dracut/95nbdc

# dracut's getarg/getargs over $CMDLINE (as dracut-lib.sh does over
# /proc/cmdline: the last root= wins, getargs gives every value)
cat >"$T/lib.sh" <<'EOF'
getarg() { v=""; for a in $CMDLINE; do case "$a" in "$1"*) v=${a#"$1"} ;; esac; done; [ -n "$v" ] && echo "$v"; }
getargs() { for a in $CMDLINE; do case "$a" in "$1"*) echo "${a#"$1"}" ;; esac; done; }
EOF
# dracut CMDLINE [NETROOT]: what parse-nbdc.sh leaves ("root|netroot|rootok")
dracut() {
	mkdir -p "$T/hook/initqueue/finished"
	CMDLINE=$1 netroot=$2 sh -c '. "$1"; root=""; hookdir=$2; . "$3"; echo "$root|$netroot|$rootok"' \
		_ "$T/lib.sh" "$T/hook" "$D/parse-nbdc.sh"
}
check_dracut() { # CMDLINE WANT [NETROOT]
	got=$(dracut "$1" "$3")
	[ "$got" = "$2" ] && ok "dracut: '$1'${3:+ (netroot=$3)} -> $2" ||
		not_ok "dracut: '$1'${3:+ (netroot=$3)}: got '$got', expected '$2'"
}
B=block:/dev/root
check_dracut "root=nbd:srv:root:ext4 rw" "$B|nbd:srv:root:ext4|1"
check_dracut "root=nbds://srv/root" "$B|nbds://srv/root|1"
# the scheme in any case; dracut calls /sbin/<scheme>root: made lower case
check_dracut "root=NBDS://srv/Root" "$B|nbds://srv/Root|1"
check_dracut "root=Nbd+Unix:///r?socket=/S" "$B|nbd+unix:///r?socket=/S|1"
check_dracut "netroot=nBd://srv/r root=/dev/nbd0" "/dev/nbd0|nbd://srv/r|1"
check_dracut "netroot=iscsi:x netroot=nbd:srv:r root=/dev/nbd0" "/dev/nbd0|nbd:srv:r|1"
# a DHCP root-path, when netroot.sh runs the hook again with netroot set
check_dracut "root=dhcp" "dhcp|nbds://srv/r|1" "NBDS://srv/r"
# not ours
check_dracut "root=/dev/sda1" "/dev/sda1||"
check_dracut "root=http://srv/r" "http://srv/r||"
check_dracut "root=nbdx://srv/r" "nbdx://srv/r||"
check_dracut "root=NBD:srv:r" "NBD:srv:r||"
check_dracut "netroot=iscsi:x root=/dev/sda1" "/dev/sda1||"

# the generator: a sysroot.mount for an NBD root=, nothing otherwise
check_generator() { # CMDLINE yes|no
	rm -rf "$T/gen" && mkdir -p "$T/gen"
	# (systemd passes the normal, early and late directories)
	CMDLINE=$1 sh -c 'lib=$1 gen=$2; shift 2; . "$lib"; . "$gen"' _ \
		"$T/lib.sh" "$D/nbdc-generator.sh" "$T/x" "$T/gen" "$T/x"
	got=no; [ -f "$T/gen/sysroot.mount" ] && got=yes
	[ "$got" = "$2" ] && ok "dracut generator: '$1' -> $2" ||
		not_ok "dracut generator: '$1': sysroot.mount $got, expected $2"
}
check_generator "root=nbd:srv:r" yes
check_generator "root=nbds://srv/r" yes
check_generator "root=NBDS+UNIX:///r?socket=/s" yes
check_generator "root=/dev/sda1" no
check_generator "root=http://srv/r" no
check_generator "root=nbdx://srv/r" no

# initramfs-tools' local-top/nbdc: goes on to configure the network (here:
# says so and stops) or exits at once; its /proc/cmdline is a file here
L=$T/local-top
sed -e "s|\. /scripts/functions|configure_networking() { echo ours; exit 0; }|" \
	-e "s|/proc/cmdline|\$CMDLINE_FILE|g" contrib/initramfs-tools/scripts/local-top/nbdc >"$L"
grep -q "configure_networking() { echo ours" "$L" && grep -q 'CMDLINE_FILE' "$L" ||
	not_ok "local-top/nbdc: the stubs did not apply"
check_local_top() { # CMDLINE ours|no
	echo "$1" >"$T/cmdline"
	got=$(CMDLINE_FILE=$T/cmdline sh "$L" 2>&1); got=${got:-no}
	[ "$got" = "$2" ] && ok "initramfs-tools: '$1' -> $2" ||
		not_ok "initramfs-tools: '$1': got '$got', expected $2"
}
check_local_top "nbdroot=10.0.2.2:/root root=/dev/nbd0" ours
check_local_top "nbdroot=dhcp" ours
check_local_top "quiet root=nbd:srv:r:ext4" ours
check_local_top "root=nbds://srv/r nbdc.opts=cacert=/ca.pem" ours
check_local_top "root=NBDS://srv/r" ours
check_local_top "netroot=Nbd+unix:///r?socket=/s" ours
check_local_top "root=/dev/sda1 ro" no
check_local_top "root=UUID=0a1b quiet" no
check_local_top "root=http://srv/r" no
check_local_top "root=nbdx://srv/r" no
check_local_top "rootnbd=x nbdroots=y" no
finish
