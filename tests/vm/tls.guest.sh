# Guest side of tests/vm_tls.sh: attach over TLS through the real kernel
# driver.  Reads ports from /env; prints "VMTEST ok|FAIL name" lines.
. /guest-lib.sh
CA=/pki/ca-cert.pem
cs() { cut -d' ' -f1 /proc/uptime | tr -d .; } # centiseconds
# speed LABEL DEV: 32 MiB sequential direct write then read, MB/s.
speed() {
	a=$(cs); dd if=/dev/zero of="$2" bs=1M count=32 oflag=direct 2>/dev/null
	b=$(cs); dd if="$2" of=/dev/null bs=1M count=32 iflag=direct 2>/dev/null
	c=$(cs)
	echo "VMINFO speed $1 write $((3200 / ($b - $a + 1))) MB/s read $((3200 / ($c - $b + 1))) MB/s"
}

# ---- nbdkit --tls=require, counting allocations in the pump ----
/nbdc-alloc -A $CA $H "$P_NBDKIT" /dev/nbd0 2>/tmp/pump0.log; rc=$?
t "nbdkit TLS: attach" [ $rc = 0 ]
t "nbdkit TLS: 16 MiB random written and read back" write_verify /dev/nbd0
pid=$(/nbdc -c /dev/nbd0)
t "nbdkit TLS: -c reports the process that pumps (2 threads)" \
	[ -n "$pid" -a "$(ls /proc/$pid/task 2>/dev/null | wc -l)" = 2 ]
grep -E '^(VmHWM|VmRSS|VmLck)' /proc/"$pid"/status | sed 's/^/VMINFO pump /'
speed tls /dev/nbd0
/nbdc -d /dev/nbd0; rc=$?
t "nbdkit TLS: -d" [ $rc = 0 -a "$(size /dev/nbd0)" = 0 ]
t "nbdkit TLS: the pump made no heap allocation" wait_log /tmp/pump0.log "pump: 0 heap allocations"
cat /tmp/pump0.log
# plain speed for comparison, same server kind
/nbdc $H "$P_PLAIN" /dev/nbd0 2>/dev/null && speed plain /dev/nbd0; /nbdc -d /dev/nbd0 >/dev/null 2>&1

# ---- qemu-nbd with x509 tls-creds ----
/nbdc --cacert $CA $H "$P_QEMU" -N qdisk /dev/nbd1; rc=$?
t "qemu-nbd TLS: attach" [ $rc = 0 ]
t "qemu-nbd TLS: 16 MiB random written and read back" write_verify /dev/nbd1
/nbdc -d /dev/nbd1; rc=$?
t "qemu-nbd TLS: -d" [ $rc = 0 -a "$(size /dev/nbd1)" = 0 ]

# ---- nbd-server with force_tls (it verifies client certificates) ----
/nbdc --cacert $CA $H "$P_NBDSRV" -N disk /dev/nbd2 2>/tmp/ns.err; rc=$?
t "nbd-server TLS: without a client certificate: 7 and a hint" \
	eval '[ $rc = 7 ] && grep -q "use --cert and --key" /tmp/ns.err'
/nbdc --cacert $CA --cert /pki/client-cert.pem --key /pki/client-key.pem \
	$H "$P_NBDSRV" -N disk /dev/nbd2; rc=$?
t "nbd-server TLS: attach with a client certificate" [ $rc = 0 ]
t "nbd-server TLS: 16 MiB random written and read back" write_verify /dev/nbd2
/nbdc -d /dev/nbd2; rc=$?
t "nbd-server TLS: -d" [ $rc = 0 -a "$(size /dev/nbd2)" = 0 ]

# ---- client certificates: nbdkit --tls-verify-peer ----
/nbdc -A $CA -F /pki/client-cert.pem -K /pki/client-key.pem $H "$P_VERIFY" /dev/nbd3; rc=$?
t "client cert: accepted" [ $rc = 0 -a "$(size /dev/nbd3)" = 67108864 ]
/nbdc -d /dev/nbd3 >/dev/null 2>&1
/nbdc -A $CA $H "$P_VERIFY" /dev/nbd3 2>/tmp/nocert.err; rc=$?
t "client cert: refused without one (7), nothing attached" [ $rc = 7 -a "$(size /dev/nbd3)" = 0 ]
cat /tmp/nocert.err

# ---- refusals: each exits 7 with a clear message, no device attached ----
refuse() { # NAME PATTERN ARGS...
	name=$1 pat=$2; shift 2
	/nbdc "$@" /dev/nbd4 2>/tmp/r.err; rc=$?
	if [ $rc = 7 ] && grep -q "$pat" /tmp/r.err && [ "$(size /dev/nbd4)" = 0 ]; then
		ok "refused: $name"
	else
		bad "refused: $name (exit $rc)"; cat /tmp/r.err
	fi
}
refuse "unknown CA" "not signed by a trusted CA" -A /pki/other-ca-cert.pem $H "$P_NBDKIT"
refuse "hostname mismatch" "does not match the expected name" -A $CA -H wrong.example $H "$P_NBDKIT"
refuse "expired certificate" "expired" -A $CA $H "$P_EXPIRED"
refuse "wrong pin" "does not match --pin" --pin "$(echo AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=)" $H "$P_NBDKIT"
refuse "server without TLS" "refused STARTTLS" -A $CA $H "$P_PLAIN"
# ---- the right pin alone is enough ----
/nbdc --pin "$(cat /pki/server.pin)" $H "$P_NBDKIT" /dev/nbd5; rc=$?
t "pin: attach with the right pin and no CA" [ $rc = 0 -a "$(size /dev/nbd5)" = 67108864 ]
/nbdc -d /dev/nbd5 >/dev/null 2>&1
# ---- the server drops: the device fails I/O, it does not hang ----
/nbdc -A $CA $H "$P_DROP" /dev/nbd6; rc=$?
t "server drop: attach" [ $rc = 0 ]
dd if=/dev/nbd6 of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null
echo "VMDROP"   # the host kills (-9) this server when it reads this line
# until the guest sees the server gone (its connection no longer
# ESTABLISHED), bounded; a fixed sleep raced a slow host
poll 300 eval '! grep -q ":$(printf %04X "$P_DROP") 01 " /proc/net/tcp'
a=$(cs)
timeout 30 dd if=/dev/nbd6 of=/dev/null bs=4k count=1 skip=1000 iflag=direct 2>/dev/null; rc=$?
b=$(cs)
echo "VMINFO drop: failed I/O took $((b - a))0 ms"
# The pump sees the server go at once; I/O then errors, or finds the device
# already released (size 0).  Either way nothing waits.
t "server drop: I/O fails instead of hanging" \
	[ \( $rc != 0 -o "$(size /dev/nbd6)" = 0 \) -a $((b - a)) -lt 1000 ]
i=0; while [ -e /sys/block/nbd6/pid ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
t "server drop: the device is released" [ ! -e /sys/block/nbd6/pid ]

# ---- HelloRequests all through a transfer, through the pump ----
# (The refusal once left a stale state that read as the kernel's end.)
/nbdc --no-ktls -A $CA $H "$P_RENEG" /dev/nbd7 2>/tmp/reneg.err; rc=$?
t "renegotiation asked: attach through the pump" [ $rc = 0 ]
t "renegotiation asked: 16 MiB random written and read back" write_verify /dev/nbd7
t "renegotiation asked: again, on the same session" write_verify /dev/nbd7
/nbdc -d /dev/nbd7 >/dev/null 2>&1
cat /tmp/reneg.err
