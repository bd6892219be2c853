#!/bin/bash
# Our resolver against scripted name servers on 127.0.0.x:53, with
# /etc/resolv.conf and /etc/hosts bind-mounted in a private mount
# namespace: answers, the search list, /etc/hosts, NXDOMAIN, and name
# servers that never answer or answer with the wrong id, each bounded by
# --connect-timeout.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
SUITE=resolver
NBDC=${NBDC:-$PWD/nbdc}
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

if ! unshare -m true 2>/dev/null; then
	echo "unshare -m is not possible here (needs root)"; not_ok "mount namespace"; finish; exit 1
fi
port=$(free_port)
nbdkit -f -i 127.0.0.1 -p "$port" memory 1M 2>/dev/null & PIDS="$!"
wait_listen "$port" || not_ok "nbdkit did not start"

# dns ADDR MODE [NAME=IP...]: a name server on ADDR:53.
dns() {
	addr=$1; shift
	rm -f "$T/ready.$addr"
	python3 tests/fakedns.py "$addr" "$T/ready.$addr" "$@" &
	wait_file "$T/ready.$addr" || not_ok "name server on $addr did not start"
}
# in_ns RESOLV HOSTS CMD...: run CMD with those files as /etc/resolv.conf
# and /etc/hosts.
in_ns() {
	r=$1 h=$2; shift 2
	unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && shift 2 && exec "$@"' \
		sh "$r" "$h" "$@"
}
# timed NAME CODE PATTERN MAXMS CMD...
timed() {
	name=$1 code=$2 pat=$3 max=$4; shift 4
	start=$(date +%s%N)
	"$@" >"$T/out" 2>&1
	got=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	if [ $ms -gt "$max" ]; then not_ok "$name: took $ms ms, limit $max"; return; fi
	expect "$name ($ms ms)" "$code" "$got" "$pat" "$T/out"
}

dns 127.0.0.71 answer nbd.test=127.0.0.1 disk.lab.example=127.0.0.1
dns 127.0.0.72 silent
dns 127.0.0.73 wrongid nbd.test=127.0.0.1
printf '127.0.0.1 localhost\n127.0.0.1 fromhosts.example Alias\n' >"$T/hosts"
printf '127.0.0.1 fromhosts.example\n' >"$T/hosts-nolo"
printf 'nameserver 127.0.0.71\nsearch lab.example\n' >"$T/good"
printf 'nameserver 127.0.0.72\n' >"$T/silent"
printf 'nameserver 127.0.0.73\n' >"$T/wrongid"
printf 'nameserver 127.0.0.72\nnameserver 127.0.0.71\n' >"$T/one-silent"

timed "a name the name server knows" 0 "size: 1048576" 3000 \
	in_ns "$T/good" "$T/hosts" "$NBDC" --info nbd.test "$port"
timed "a short name through the search list" 0 "size: 1048576" 3000 \
	in_ns "$T/good" "$T/hosts" "$NBDC" --info disk "$port"
timed "a name from /etc/hosts, any case, no DNS asked" 0 "size: 1048576" 3000 \
	in_ns "$T/silent" "$T/hosts" "$NBDC" --connect-timeout 1 --info ALIAS "$port"
timed "localhost without an entry in /etc/hosts" 0 "size: 1048576" 3000 \
	in_ns "$T/silent" "$T/hosts-nolo" "$NBDC" --connect-timeout 1 --info localhost "$port"
timed "NXDOMAIN: no such host, exit 3" 3 \
	"cannot resolve nosuch.test: no such host: not in /etc/hosts, and name server 127.0.0.71 knows no address for it" 3000 \
	in_ns "$T/good" "$T/hosts" "$NBDC" --info nosuch.test "$port"
# The deadline holds whatever the name servers do (getaddrinfo took 5-10 s).
timed "a name server that never answers: ends by --connect-timeout 1" 3 \
	"no answer from the name server 127.0.0.72 in time" 1800 \
	in_ns "$T/silent" "$T/hosts" "$NBDC" --connect-timeout 1 --info nbd.test "$port"
timed "answers with the wrong query id are not taken" 3 \
	"no answer from the name server 127.0.0.73 in time" 1800 \
	in_ns "$T/wrongid" "$T/hosts" "$NBDC" --connect-timeout 1 --info nbd.test "$port"
timed "one silent name server of two: the other answers" 0 "size: 1048576" 3000 \
	in_ns "$T/one-silent" "$T/hosts" "$NBDC" --connect-timeout 2 --info nbd.test "$port"
# --retry-for: each attempt is bounded, one line each, then the cause.
timed "retrying through a silent name server stays within its budget" 3 \
	"attempt 1 failed; retrying in 1 s" 6500 \
	in_ns "$T/silent" "$T/hosts" "$NBDC" --connect-timeout 1 --retry-for 3 --info nbd.test "$port"
finish
