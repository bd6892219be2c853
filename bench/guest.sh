# Guest side of `make bench` (bench/run.sh): nbdc and nbd-client, one after
# the other, against the same nbdkit servers on the host.  Prints
# "BENCH <client> <figure> <value>" lines for the host to tabulate.
. /guest-lib.sh
CA=/pki/ca-cert.pem
CLI="-certfile /pki/client-cert.pem -keyfile /pki/client-key.pem -cacertfile $CA"
B=/nbdbench
load_ktls_modules
left_pids() { # the client's processes still running
	for p in /proc/[0-9]*; do
		case "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" in
		/nbdc*|@nbdc*|/usr/sbin/nbd-client*) echo "${p#/proc/}" ;;
		esac
	done
}
# The largest resident size (kB) among them, 0 when none: the larger of
# VmHWM and the page-exact Rss of smaps_rollup (pages that mlock() brought
# in reach VmRSS/VmHWM only when the task's counters are next synced).
peak_rss() {
	m=0
	for p in $(left_pids); do
		for v in $(awk '/^VmHWM/ { print $2 }' /proc/$p/status 2>/dev/null) \
			 $(awk '/^Rss:/ { print $2 }' /proc/$p/smaps_rollup 2>/dev/null); do
			[ "$v" -gt "$m" ] && m=$v
		done
	done
	echo $m
}
median5() { sort -n | sed -n 3p; }
detach() { # CLIENT DEV
	if [ "$1" = nbdc ]; then /nbdc -d "$2" >/dev/null 2>&1
	else /usr/sbin/nbd-client -d "$2" >/dev/null 2>&1; fi
	i=0; while [ -e /sys/block/${2#/dev/}/pid ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
}
# run CLIENT MODE DEV ARGS...: five attaches for the ready time, then
# RSS left behind, throughput and CPU of what stays.
run() {
	c=$1 mode=$2 dev=$3; shift 3
	for i in 1 2 3 4 5; do
		$B ready "$dev" "$@" 2>>/tmp/err.log
		detach "$c" "$dev"
	done | median5 | sed "s/^/BENCH $c ready_$mode /"
	"$@" 2>>/tmp/err.log || echo "BENCH $c error_$mode attach failed"
	echo "BENCH $c procs_$mode $(left_pids | wc -l)"
	echo "BENCH $c rss_$mode $(peak_rss)"
	pids=$(left_pids)
	c0=$($B cpu $pids)
	set -- $($B rw "$dev" 32)
	c1=$($B cpu $pids)
	echo "BENCH $c write_$mode $1"
	echo "BENCH $c read_$mode $2"
	echo "BENCH $c cpu_$mode $((c1 - c0))"
	detach "$c" "$dev"
}
run nbdc plain /dev/nbd0 /nbdc $H "$P_PLAIN" /dev/nbd0
run nbdc tls /dev/nbd0 /nbdc -A $CA $H "$P_TLS" /dev/nbd0
run nbdc tlspump /dev/nbd0 /nbdc --no-ktls -A $CA $H "$P_TLS" /dev/nbd0
run nbdc persist /dev/nbd0 /nbdc -p $H "$P_PLAIN" /dev/nbd0
run nbd-client plain /dev/nbd1 /usr/sbin/nbd-client $H "$P_PLAIN" /dev/nbd1
run nbd-client tls /dev/nbd1 /usr/sbin/nbd-client $CLI $H "$P_TLS" /dev/nbd1
echo "BENCH kernel version $(uname -r)"
cat /tmp/err.log
