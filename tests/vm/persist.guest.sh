# Guest side of tests/vm_persist.sh.  Reads ports from /env; prints
# "VMTEST ok|FAIL name" lines and VMINFO figures.
. /guest-lib.sh
CA=/pki/ca-cert.pem
ctl() { echo "$*" | nc $H "$P_CTL" >/dev/null; }
cs() { cut -d' ' -f1 /proc/uptime | tr -d .; } # centiseconds
W32=$(cat /data32.sha)
sum32() { dd if="$1" bs=1M count=32 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1; }
waitgone() { i=0; while [ -e "/sys/block/$1/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; }
nbdc_procs() { ps -o pid,args | grep '[/]nbdc' | wc -l; }

# ---- netlink: attach, -c, -d; nothing stays behind ----
/nbdc -c /dev/nbd0 >/dev/null; rc=$?
t "netlink: -c before attach says not connected (1)" [ $rc = 1 ]
/nbdc $H "$P_MEM" /dev/nbd0; rc=$?
t "netlink: attach exits 0" [ $rc = 0 ]
t "netlink: no nbdc process stays behind" [ "$(nbdc_procs)" = 0 ]
t "netlink: backend identifier set" grep -q "10.0.2.2:$P_MEM/" /sys/block/nbd0/backend
t "netlink: 16 MiB random written and read back" write_verify /dev/nbd0
/nbdc -c /dev/nbd0 >/dev/null; rc=$?
t "netlink: -c after attach says connected (0)" [ $rc = 0 ]
/nbdc -d /dev/nbd0; rc=$?
t "netlink: -d exits 0, size 0" [ $rc = 0 -a "$(size /dev/nbd0)" = 0 ]
/nbdc -c /dev/nbd0 >/dev/null; rc=$?
t "netlink: -c after -d says not connected (1)" [ $rc = 1 ]
dev=$(/nbdc $H "$P_MEM" 2>/dev/null); rc=$?
t "netlink: without a device the kernel picks one and its path is printed" \
	[ $rc = 0 -a -b "$dev" -a "$(size "$dev")" = 67108864 ]
t "netlink: the picked device holds the data" [ "$(sum16 "$dev")" = "$WANT" ]
dev2=$(/nbdc $H "$P_MEM" 2>/dev/null)
t "netlink: a second one gets another device" [ -b "$dev2" -a "$dev2" != "$dev" ]
/nbdc -d "$dev" >/dev/null 2>&1; /nbdc -d "$dev2" >/dev/null 2>&1
/nbdc -L $H "$P_MEM" /dev/nbd0; rc=$?
t "-L: the ioctl path still attaches, its holder stays" \
	[ $rc = 0 -a "$(nbdc_procs)" = 1 ]
/nbdc -d /dev/nbd0 >/dev/null 2>&1

# ---- -p: the server is killed during a 32 MiB write and comes back ----
# restart_during_write NAME DEV SERVER: kill -9 the server 0.5 s into the
# write, bring it back 3 s later; a fresh read measures when I/O flows.
restart_during_write() {
	rn=$1 dev=$2 srv=$3
	dd if=/data.bin of="$dev" bs=1M oflag=direct conv=fsync 2>/tmp/dd.err &
	ddp=$!
	sleep 0.5; ctl kill "$srv"; sleep 3; ctl start "$srv"
	a=$(cs)
	timeout 60 dd if="$dev" of=/dev/null bs=4k count=1 skip=12345 iflag=direct 2>/dev/null; rc=$?
	b=$(cs)
	echo "VMINFO reconnect $rn: server back -> I/O flowing in $((b - a))0 ms"
	t "$rn: read after the server is back succeeds" [ $rc = 0 ]
	wait $ddp; rc=$?
	t "$rn: the 32 MiB write completes without an I/O error" [ $rc = 0 ]
	[ $rc = 0 ] || cat /tmp/dd.err
	sync; echo 3 >/proc/sys/vm/drop_caches
	t "$rn: data read back after a cache drop matches" [ "$(sum32 "$dev")" = "$W32" ]
}
/nbdc-alloc -p $H "$P_Q" -N q /dev/nbd1 2>/tmp/sup1.log; rc=$?
t "persist plain: attach with -p" [ $rc = 0 ]
sup=$(cat /sys/block/nbd1/pid)
t "persist plain: the supervisor is the pid the kernel shows" kill -0 "$sup"
t "persist plain: -c reports it" [ "$(/nbdc -c /dev/nbd1)" = "$sup" ]
t "persist plain: dead-connection timeout 60 s, I/O timeout 10 s" \
	[ "$(cat /sys/block/nbd1/queue/io_timeout)" = 10000 ]
t "persist plain: the supervisor is OOM-proof" [ "$(cat /proc/$sup/oom_score_adj)" = -1000 ]
t "persist plain: the supervisor's memory is locked" \
	[ "$(awk '/^VmLck/ { print $2 }' /proc/$sup/status)" -gt 100 ]
grep -E '^(VmHWM|VmRSS|VmLck)' /proc/"$sup"/status | sed 's/^/VMINFO supervisor plain /'
grep '^Rss:' /proc/"$sup"/smaps_rollup | sed 's/^/VMINFO supervisor plain (page-exact) /'
restart_during_write "persist plain" /dev/nbd1 q
cat /tmp/sup1.log
t "persist plain: the loss and the reconnect are logged" \
	grep -q "reconnected to 10.0.2.2:$P_Q export 'q' after" /tmp/sup1.log
t "persist plain: attempts logged with export, count and delay" \
	grep -q "export 'q' unreachable (attempt 1); next attempt in" /tmp/sup1.log
t "persist plain: no heap allocation while supervising" \
	grep -q "; 0 heap allocations while supervising" /tmp/sup1.log
grep '^Rss:' /proc/"$sup"/smaps_rollup | sed 's/^/VMINFO supervisor plain after the reconnect (page-exact) /'
/nbdc -d /dev/nbd1; rc=$?
waitgone nbd1
t "persist plain: -d detaches, the supervisor leaves" eval "[ $rc = 0 ] && left $sup"

/nbdc-alloc -p -A $CA $H "$P_TLS" /dev/nbd2 2>/tmp/sup2.log; rc=$?
t "persist TLS: attach with -p" [ $rc = 0 ]
sup=$(cat /sys/block/nbd2/pid)
grep -E '^(VmLck)' /proc/"$sup"/status | sed 's/^/VMINFO supervisor tls /'
grep '^Rss:' /proc/"$sup"/smaps_rollup | sed 's/^/VMINFO supervisor tls (page-exact) /'
maps0=$(wc -l </proc/"$sup"/maps)
restart_during_write "persist TLS" /dev/nbd2 tls
t "persist TLS: the reconnect mapped nothing (the pump's stack was ready)" \
	[ "$(wc -l </proc/"$sup"/maps)" = "$maps0" ]
cat /tmp/sup2.log
t "persist TLS: reconnected" grep -q "reconnected to" /tmp/sup2.log
t "persist TLS: no heap allocation while supervising" \
	grep -q "; 0 heap allocations while supervising" /tmp/sup2.log
t "persist TLS: the pumps made no heap allocation" \
	eval '! grep "heap allocations while pumping" /tmp/sup2.log | grep -vq "pump: 0 "'
/nbdc -d /dev/nbd2 >/dev/null 2>&1; waitgone nbd2

# ---- -p, the server stays away past the dead-connection timeout ----
/nbdc -p --dead-conn-timeout 4 $H "$P_GONE" /dev/nbd3 2>/tmp/sup3.log; rc=$?
t "gone: attach with -p --dead-conn-timeout 4" [ $rc = 0 ]
sup=$(cat /sys/block/nbd3/pid)
ctl kill gone
a=$(cs)
timeout 60 dd if=/dev/nbd3 of=/dev/null bs=4k count=1 skip=777 iflag=direct 2>/dev/null; rc=$?
b=$(cs)
echo "VMINFO gone: I/O failed after $((b - a))0 ms"
t "gone: I/O fails (no hang) within the timeout and a margin" [ $rc != 0 -a $((b - a)) -lt 1500 ]
t "gone: the supervisor has left" left "$sup"
cat /tmp/sup3.log
t "gone: it said why" grep -q "giving up on 10.0.2.2:$P_GONE after" /tmp/sup3.log
t "gone: the device is released" [ ! -e /sys/block/nbd3/pid ]

# ---- -p on the ioctl path: re-attached when nothing holds the device ----
/nbdc -L -p $H "$P_Q" -N q /dev/nbd6 2>/tmp/sup6.log; rc=$?
t "ioctl -p: attach" [ $rc = 0 ]
holder=$(cat /sys/block/nbd6/pid)
ctl kill q; sleep 1; ctl start q
i=0; while ! grep -q "reconnected to" /tmp/sup6.log && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
i=0; while [ ! -e /sys/block/nbd6/pid ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
t "ioctl -p: attached again by the same holder" \
	[ "$(cat /sys/block/nbd6/pid 2>/dev/null)" = "$holder" ]
t "ioctl -p: the data is there" [ "$(sum32 /dev/nbd6)" = "$W32" ]
/nbdc -d /dev/nbd6 >/dev/null 2>&1; rc=$?
t "ioctl -p: -d is not taken for a lost server; the holder leaves" \
	eval "[ $rc = 0 ] && left $holder && [ ! -e /sys/block/nbd6/pid ]"
cat /tmp/sup6.log
# ... but not while the device is held open (a mounted filesystem would
# be): the kernel keeps the dead configuration; nbdc finds the device does
# not answer, lets go and says why (what the README promises).
/nbdc -L -p $H "$P_Q" -N q /dev/nbd6 2>/tmp/sup6b.log; rc=$?
holder=$(cat /sys/block/nbd6/pid)
sleep 60 </dev/nbd6 & opener=$!
sleep 0.3
ctl kill q; sleep 1; ctl start q
poll 300 eval "! alive $holder"
cat /tmp/sup6b.log
t "ioctl -p, device held open: a message says why it cannot be revived" \
	grep -q "attached again, but the device does not answer: the kernel keeps the dead connection while the device is open elsewhere" /tmp/sup6b.log
t "ioctl -p, device held open: the holder leaves (no hang)" eval "! alive $holder"
kill $opener 2>/dev/null; wait $opener 2>/dev/null
/nbdc -d /dev/nbd6 >/dev/null 2>&1
i=0; while [ -e /sys/block/nbd6/pid ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done

# ---- -C 4 against a server that offers multi-conn ----
conns() { grep -c ":$(printf %04X "$P_MEM") 01 " /proc/net/tcp; }
/nbdc -C 4 $H "$P_MEM" /dev/nbd4; rc=$?
t "-C 4: attach" [ $rc = 0 ]
t "-C 4: four TCP connections to the server" [ "$(conns)" = 4 ]
t "-C 4: 16 MiB random written and read back" write_verify /dev/nbd4
/nbdc -d /dev/nbd4 >/dev/null 2>&1; waitgone nbd4
poll 100 eval '[ "$(conns)" = 0 ]'
t "-C 4: all four closed after -d" [ "$(conns)" = 0 ]
/nbdc -C 4 $H "$P_Q" -N q /dev/nbd5 2>/tmp/c1.err; rc=$?
t "-C 4 without multi-conn: one connection and a warning" \
	eval '[ $rc = 0 ] && grep -q "does not offer multiple connections" /tmp/c1.err'
/nbdc -d /dev/nbd5 >/dev/null 2>&1

# ---- a reconnect accepts only what the kernel was configured with ----
/nbdc -p --reconnect-for 60 $H "$P_FL" /dev/nbd8 2>/tmp/sup8.log; rc=$?
t "flags: attach writable with -p" [ $rc = 0 -a "$(blockdev --getro /dev/nbd8)" = 0 ]
sup=$(cat /sys/block/nbd8/pid)
# The release binary's supervisor, locked whole: its resident memory.
rss=$(awk '/^Rss:/ { print $2 }' /proc/"$sup"/smaps_rollup)
echo "VMINFO supervisor (release binary, page-exact) Rss: $rss kB"
t "the -p supervisor stays within 256 KiB resident ($rss kB)" [ "$rss" -le 256 ]
ctl kill fl; ctl start flro
t "flags: a server back read-only is refused, with the reason" \
	wait_log /tmp/sup8.log "not using this connection: the export is now read-only, and the device is writable"
ctl kill flro; ctl start flnozero
t "flags: a server back without WRITE_ZEROES is refused, naming it" \
	wait_log /tmp/sup8.log "no longer offers SEND_WRITE_ZEROES, which the device relies on"
t "flags: the supervisor keeps trying" kill -0 "$sup"
ctl kill flnozero; ctl start fl
t "flags: the right server back: reconnected" wait_log /tmp/sup8.log "reconnected to"
t "flags: writes work after the reconnect" write_verify /dev/nbd8
cat /tmp/sup8.log
/nbdc -d /dev/nbd8 >/dev/null 2>&1; waitgone nbd8

# -p --size N: the kernel has N, the server the export's own size; a
# reconnect compares the negotiated size (it refused every one before).
/nbdc -p --size 33554432 $H "$P_SZ" /dev/nbd9 2>/tmp/sup9.log; rc=$?
t "--size: attach with -p --size 32 MiB of a 64 MiB export" [ $rc = 0 -a "$(size /dev/nbd9)" = 33554432 ]
ctl kill sz; sleep 1; ctl start sz
t "--size: the server back is accepted" wait_log /tmp/sup9.log "reconnected to"
t "--size: I/O works after the reconnect" write_verify /dev/nbd9
cat /tmp/sup9.log
/nbdc -d /dev/nbd9 >/dev/null 2>&1; waitgone nbd9

# ---- `nbdc -d` during an outage, the device held open (as a mounted
# root would): the supervisor must not undo it with a RECONFIGURE when
# the server comes back ----
/nbdc -p $H "$P_DD" /dev/nbd11 2>/tmp/sup11.log; rc=$?
sup=$(cat /sys/block/nbd11/pid)
sleep 600 </dev/nbd11 & opener=$!
ctl kill dd
# -d while the supervisor is retrying, not before it has noticed the loss
t "-d in an outage: the supervisor is retrying" \
	wait_log /tmp/sup11.log "unreachable (attempt 1)"
/nbdc -d /dev/nbd11 >/tmp/d11.log 2>&1
ctl start dd; sleep 4
cat /tmp/sup11.log
t "-d in an outage: the supervisor did not reconnect" eval '! grep -q "reconnected to" /tmp/sup11.log'
t "-d in an outage: the supervisor has left" left "$sup"
t "-d in an outage: the device stays disconnected (I/O fails)" \
	eval '! timeout 20 dd if=/dev/nbd11 of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null'
kill $opener 2>/dev/null; wait $opener 2>/dev/null

# ---- the ioctl holder with stderr a pipe nobody reads: a message to it
# must not kill the holder (SIGPIPE) and with it the device ----
rm -f /tmp/errpipe; mkfifo /tmp/errpipe
(exec 3</tmp/errpipe; sleep 1) &
/nbdc -L -n -p $H "$P_HOLD" -N h /dev/nbd10 2>/tmp/errpipe & holder=$!
i=0; while [ ! -e /sys/block/nbd10/pid ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
sleep 1.5 # the pipe's reader has gone
ctl kill hold; sleep 1; ctl start hold
i=0; while [ "$(cat /sys/block/nbd10/pid 2>/dev/null)" != "$holder" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
t "SIGPIPE: the holder survives a message to a dead stderr pipe" alive "$holder"
t "SIGPIPE: and attached again" [ "$(cat /sys/block/nbd10/pid 2>/dev/null)" = "$holder" ]
/nbdc -d /dev/nbd10 >/dev/null 2>&1
wait $holder; rc=$?
t "SIGPIPE: -d ends it with 0, not a signal" [ $rc = 0 ]

# ---- --failover: two read-only servers (nbdkit, qemu-nbd) of one image;
# the active one is killed during a 32 MiB direct read ----
ctl start fo1; ctl start fo2
/nbdc -p -R -t 5 -N fo --failover "$H:$P_FO2" $H "$P_FO1" /dev/nbd8 2>/tmp/fo.log; rc=$?
t "failover: read-only attach with a second server" [ $rc = 0 ]
t "failover: the backend identifier names no server" grep -qx "failover/fo" /sys/block/nbd8/backend
dmesg -c >/dev/null
(dd if=/dev/nbd8 bs=1M count=32 iflag=direct 2>/tmp/fo.err | sha256sum | cut -d' ' -f1 >/tmp/fo.sum) &
rd=$!
sleep 0.3; a=$(cs); ctl kill fo1
wait $rd; b=$(cs)
t "failover: the read completes across the switch and the checksum matches" [ "$(cat /tmp/fo.sum)" = "$W32" ]
t "failover: the kernel logged no I/O error" eval '! dmesg | grep -q "I/O error"'
t "failover: the supervisor moved to the other server" grep -q "reconnected to $H:$P_FO2" /tmp/fo.log
echo "VMINFO failover: server killed -> 32 MiB read done in $((b - a))0 ms; $(grep -o 'reconnected to.*' /tmp/fo.log | head -n 1)"
/nbdc -d /dev/nbd8 >/dev/null 2>&1
/nbdc --failover "$H:$P_FO2" $H "$P_MEM" /dev/nbd9 2>/tmp/fw.log; rc=$?
t "failover: a writable export without --shared-storage is refused (exit 1)" \
	eval "[ $rc = 1 ] && grep -q 'needs --shared-storage' /tmp/fw.log && [ ! -e /sys/block/nbd9/pid ]"
/nbdc --shared-storage --failover "$H:$P_FO2" $H "$P_MEM" /dev/nbd9 2>/tmp/fw.log; rc=$?
t "failover: with --shared-storage it attaches" [ $rc = 0 ]
/nbdc -d /dev/nbd9 >/dev/null 2>&1

# ---- detached, with a log daemon running: messages go to /dev/log ----
syslogd -n -O /tmp/syslog.log & slp=$!
i=0; while [ ! -S /dev/log ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done
/nbdc -p $H "$P_MEM" /dev/nbd7 2>/tmp/sup7.log; rc=$?
t "syslog: attach with -p" [ $rc = 0 ]
# The server comes back only once the first failed attempt is logged: with
# no I/O in flight, a slow guest may notice the loss late, and a fixed
# sleep let the first attempt succeed on a busy host (no line to find).
ctl kill mem
t "syslog: the detached supervisor reports the loss to /dev/log" \
	wait_log /tmp/syslog.log "nbdc\[[0-9]*\]: /dev/nbd7: lost the connection to 10.0.2.2:$P_MEM"
t "syslog: and each attempt, with count and delay" \
	wait_log /tmp/syslog.log "unreachable (attempt 1); next attempt in"
ctl start mem
t "syslog: and the reconnect" wait_log /tmp/syslog.log "reconnected to"
cat /tmp/syslog.log
t "syslog: nothing of it on stderr" eval '! grep -q "lost the connection" /tmp/sup7.log'
/nbdc -d /dev/nbd7 >/dev/null 2>&1
kill $slp
