#!/bin/bash
# nbd-client compatibility, table-driven: every nbd-client spelling parses
# to the same settings as the nbdc option it stands for (--dump-options),
# nbdtab(5) entries are read, and bad entries are named by file and line.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=compat
# --dump-options is compiled into the test builds only (build/nbdc-asan)
NBDC=${NBDC:-build/nbdc-asan}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
same() { # "NBD-CLIENT ARGS" "NBDC ARGS"
	a=$(eval "$NBDC --dump-options $1" 2>&1) b=$(eval "$NBDC --dump-options $2" 2>&1)
	if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "$1  ==  $2"
	else not_ok "$1  ==  $2"; echo "     | $a"; echo "     | $b"; fi
}
B="srv 10809 /dev/nbd0"
same "srv -N disk 10809 /dev/nbd0 -swap -persist -systemd-mark" "--name disk --swap --persist --systemd-mark $B"
same "-name disk $B" "--name disk $B"
same "-block-size 4096 $B" "--block-size 4096 $B"
same "$B bs=4096" "-b 4096 $B"
same "$B timeout=30" "--timeout 30 $B"
same "-timeout 30 $B" "-t 30 $B"
same "-persist $B" "-p $B"
same "-swap $B" "-s $B"
same "-systemd-mark $B" "-m $B"
same "-nofork $B" "-n $B"
same "-nonetlink $B" "-L $B"
same "-readonly $B" "-R $B"
same "-connections 4 $B" "-C 4 $B"
same "-unix /run/nbd.sock /dev/nbd0" "-u /run/nbd.sock /dev/nbd0"
same "-list srv" "-l srv"
same "-check /dev/nbd0" "-c /dev/nbd0"
same "-check nbd0" "--check /dev/nbd0"
same "-disconnect /dev/nbd0" "-d /dev/nbd0"
same "-d nbd0" "--disconnect /dev/nbd0"
same "-certfile c.pem -keyfile k.pem -cacertfile ca.pem -tlshostname h $B" "-F c.pem -K k.pem -A ca.pem -H h $B"
same "-enable-tls -cacertfile ca.pem $B" "-x -A ca.pem $B"
same "-no-optgo $B" "-g $B"
same "-size 1048576 $B" "-B 1048576 $B"
same "-dead-timeout 30 $B" "--dead-conn-timeout 30 $B"
same "-persist $B" "-p --dead-conn-timeout 60 -t 10 --reconnect-for 60 --reconnect-delay-max 2 $B"
same "$B -N disk -b 1024" "-N disk -b 1024 $B"   # options after positionals
# accepted with a one-line notice, never a failure
for o in "-priority NORMAL" "-sdp" "-identifier x" "-preinit"; do
	"$NBDC" --dump-options $o $B >"$T/out" 2>&1
	expect "$o accepted with a notice" 0 $? "is not used by nbdc; ignored" "$T/out"
done
# nbdtab(5)
cat >"$T/nbdtab" <<'TAB'
# device host export options
nbd0 10.0.2.2 rootfs bs=4096,timeout=30,port=10810,persist,swap,_netdev
nbd2 /run/nbd.sock data unix,readonly
nbd3 10.0.2.2 tls cacertfile=/etc/ca.pem,certfile=c.pem,keyfile=k.pem,tlshostname=nbd.test,no_optgo
nbd5 10.0.2.2
nbd6 10.0.2.2 x bogus=1
TAB
export NBDTAB=$T/nbdtab
same "nbd0" "-b 4096 -t 30 -p -s --name rootfs 10.0.2.2 10810 /dev/nbd0"
same "/dev/nbd0" "-b 4096 -t 30 -p -s --name rootfs 10.0.2.2 10810 /dev/nbd0"
same "nbd2" "-R -N data -u /run/nbd.sock /dev/nbd2"
same "nbd3" "-A /etc/ca.pem -F c.pem -K k.pem -H nbd.test -g -N tls 10.0.2.2 /dev/nbd3"
"$NBDC" --dump-options nbd5 >"$T/out" 2>&1
expect "nbdtab: short entry named by file and line" 1 $? "$T/nbdtab:5: expected DEVICE HOST EXPORT" "$T/out"
"$NBDC" --dump-options nbd6 >"$T/out" 2>&1
expect "nbdtab: bad option named by file and line" 1 $? "$T/nbdtab:6: unknown or malformed option 'bogus=1'" "$T/out"
"$NBDC" --dump-options nbd9 >"$T/out" 2>&1
expect "nbdtab: no entry" 1 $? "has no entry for it" "$T/out"
finish
