# Guest side of tests/vm_ktls.sh.  Reads ports from /env.
. /guest-lib.sh
CA=/pki/ca-cert.pem
ctl() { echo "$*" | nc $H "$P_CTL" >/dev/null; }
W32=$(cat /data32.sha)
sum32() { dd if="$1" bs=1M count=32 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1; }
stat_of() { awk -v k="$1" '$1 == k { print $2 }' /proc/net/tls_stat; }
nbdc_procs() { ps -o pid,args | grep -c '[/]nbdc'; }
# verify32 DEV: 32 MiB random written (direct), read back after a cache drop
verify32() {
	dd if=/data.bin of="$1" bs=1M oflag=direct conv=fsync 2>/dev/null || return 1
	sync; echo 3 >/proc/sys/vm/drop_caches
	[ "$(sum32 "$1")" = "$W32" ]
}

# ---- without tls.ko: the pump, and one line saying why ----
/nbdc -A $CA $H "$P_KIT" /dev/nbd0 2>/tmp/fb.err; rc=$?
t "no tls module: attach still works (pump)" [ $rc = 0 -a "$(nbdc_procs)" = 1 ]
t "no tls module: one line says why kernel TLS is not used" \
	grep -q "kernel TLS not used (setsockopt TCP_ULP: .*tls module" /tmp/fb.err
t "no tls module: data verified through the pump" write_verify /dev/nbd0
/nbdc -d /dev/nbd0 >/dev/null 2>&1
# The pump's process notices the detach within its one-second tick.
i=0; while [ "$(nbdc_procs)" != 0 ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done
t "no tls module: the pump's process leaves after -d" [ "$(nbdc_procs)" = 0 ]

# A server that takes one client (qemu-nbd without -t): the fallback keeps
# the connection it negotiated (it once closed it and connected again).
/nbdc -A $CA -N q $H "$P_SINGLE" /dev/nbd7 2>/tmp/fb1.err; rc=$?
cat /tmp/fb1.err
t "no tls module, single-client server: attach on the one connection" [ $rc = 0 ]
t "no tls module, single-client server: data verified" write_verify /dev/nbd7
/nbdc -d /dev/nbd7 >/dev/null 2>&1
i=0; while [ "$(nbdc_procs)" != 0 ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done

load_ktls_modules
t "tls module loaded" grep -q '^tls ' /proc/modules

# ---- kTLS against each server and cipher ----
ktls_case() { # NAME PORT DEV SUITE EXPORT-ARGS...
	kn=$1 port=$2 dev=$3 suite=$4; shift 4
	tx0=$(stat_of TlsTxSw) rx0=$(stat_of TlsRxSw)
	/nbdc -A $CA "$@" $H "$port" "$dev" 2>/tmp/k.err; rc=$?
	t "$kn: attach" [ $rc = 0 ]
	t "$kn: nothing stays behind (no pump)" [ "$(nbdc_procs)" = 0 ]
	t "$kn: no fallback message" eval '! grep -q "kernel TLS not used" /tmp/k.err'
	t "$kn: $suite, in the kernel" grep -q "$suite.*, in the kernel)" /tmp/k.err
	t "$kn: the kernel holds a TLS socket each way" \
		[ "$(stat_of TlsCurrTxSw)" -ge 1 -a "$(stat_of TlsCurrRxSw)" -ge 1 ]
	t "$kn: tls_stat TX and RX counters rose" \
		[ "$(stat_of TlsTxSw)" -gt "$tx0" -a "$(stat_of TlsRxSw)" -gt "$rx0" ]
	t "$kn: 32 MiB random written and read back" verify32 "$dev"
	/nbdc -d "$dev" >/dev/null 2>&1; rc=$?
	t "$kn: -d" [ $rc = 0 -a "$(size "$dev")" = 0 ]
}
ktls_case "kTLS nbdkit" "$P_KIT" /dev/nbd1 GCM
ktls_case "kTLS qemu-nbd ChaCha20-Poly1305" "$P_CHACHA" /dev/nbd2 CHACHA20-POLY1305 -N q
ktls_case "kTLS qemu-nbd AES-256-GCM" "$P_AES256" /dev/nbd3 AES256-GCM -N q

# ---- --no-ktls forces the pump ----
/nbdc --no-ktls -A $CA $H "$P_KIT" /dev/nbd4; rc=$?
t "--no-ktls: the pump carries it" [ $rc = 0 -a "$(nbdc_procs)" = 1 ]
/nbdc -d /dev/nbd4 >/dev/null 2>&1
i=0; while [ "$(nbdc_procs)" != 0 ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done

# ---- -C 4 over kernel TLS: four TLS sockets in the kernel ----
cur0=$(stat_of TlsCurrTxSw)
/nbdc -C 4 -A $CA $H "$P_KIT" /dev/nbd5; rc=$?
t "kTLS -C 4: attach" [ $rc = 0 ]
t "kTLS -C 4: four kernel TLS sockets" [ $(( $(stat_of TlsCurrTxSw) - cur0 )) = 4 ]
t "kTLS -C 4: data verified" write_verify /dev/nbd5
/nbdc -d /dev/nbd5 >/dev/null 2>&1

# ---- -p over kernel TLS: server killed mid-write, back 3 s later ----
/nbdc -p -A $CA $H "$P_RESTART" /dev/nbd6 2>/tmp/p.log; rc=$?
t "kTLS -p: attach" [ $rc = 0 ]
dd if=/data.bin of=/dev/nbd6 bs=1M oflag=direct conv=fsync 2>/tmp/dd.err &
ddp=$!
sleep 0.5; ctl kill restart; sleep 3; ctl start restart
wait $ddp; rc=$?
t "kTLS -p: the 32 MiB write completes without an I/O error" [ $rc = 0 ]
sync; echo 3 >/proc/sys/vm/drop_caches
t "kTLS -p: data read back matches" [ "$(sum32 /dev/nbd6)" = "$W32" ]
cat /tmp/p.log
t "kTLS -p: reconnected, still in the kernel (no fallback)" \
	eval 'grep -q "reconnected to" /tmp/p.log && ! grep -q "kernel TLS not used" /tmp/p.log'
/nbdc -d /dev/nbd6 >/dev/null 2>&1

# ---- -p -C 2 over kernel TLS; the server back with a cipher the kernel
# lacks: that reconnect is refused (one pump cannot carry one slot among
# kernel-TLS ones) and retried until the kernel can take it ----
for m in chacha20poly1305 chacha_generic poly1305_generic libchacha libpoly1305; do
	rmmod $m 2>/dev/null
done
t "-C 2 flapping: no ChaCha20-Poly1305 in the kernel now" \
	eval '! grep -q "^chacha20poly1305 " /proc/modules'
/nbdc -p -C 2 -R -A $CA -N q $H "$P_MC" /dev/nbd8 2>/tmp/mc.log; rc=$?
t "-C 2 flapping: attach, two connections in the kernel" \
	eval '[ $rc = 0 ] && grep -q "2 connections, .*AES256-GCM, in the kernel" /tmp/mc.log'
ctl kill mcaes; ctl start mcchacha
i=0; while ! grep -q "kernel TLS cannot take it" /tmp/mc.log && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done
t "-C 2 flapping: a ChaCha20 reconnect is refused, saying why" \
	grep -q "kernel TLS cannot take it, and the other 1 connections are in the kernel" /tmp/mc.log
t "-C 2 flapping: and nothing went through a pump" eval '! grep -q "reconnected to" /tmp/mc.log'
ctl kill mcchacha; ctl start mcaes
i=0; while ! grep -q "reconnected to" /tmp/mc.log && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done
t "-C 2 flapping: reconnected once the kernel can take it" grep -q "reconnected to" /tmp/mc.log
t "-C 2 flapping: I/O flows" eval 'dd if=/dev/nbd8 of=/dev/null bs=4k count=16 iflag=direct 2>/dev/null'
cat /tmp/mc.log
/nbdc -d /dev/nbd8 >/dev/null 2>&1
