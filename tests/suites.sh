# tests/suites.sh - sourced by run-all.sh and run-arch.sh: run_suite NAME
# CMD... runs one suite and counts its "N passed, N failed" line (a suite
# that exits non-zero or prints no such line counts as failed); lanes
# FUNC... runs each function's suites in order, the functions at once;
# summary LABEL prints the total and sets the exit status.
#
# Each suite's output is kept in build/suites/NAME.log.  Outside a lane it
# is shown as it comes; in a lane it is shown whole when the suite ends,
# one suite at a time, so two lanes never interleave their lines.
SUITES_DIR=build/suites
SUITES_RESULTS=$SUITES_DIR/results
mkdir -p "$SUITES_DIR"
: >"$SUITES_RESULTS"
run_suite() {
	local name=$1 log=$SUITES_DIR/$1.log rc line p f s=$SECONDS
	shift
	if [ -n "$LANE" ]; then
		"$@" >"$log" 2>&1
		rc=$?
	else
		echo "=== $name"
		"$@" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	fi
	line=$(grep -aE '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	[ -n "$line" ] || { p=0; f=1; }
	[ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
	[ -n "$LANE" ] && flock "$SUITES_DIR/.print" sh -c \
		'echo "=== $1 (lane $2, ended after $3 s)"; cat "$4"' _ "$name" "$LANE" "$((SECONDS - s))" "$log"
	# one short line, appended whole (O_APPEND) whichever lane ends first
	echo "$name $p $f $((SECONDS - s))" >>"$SUITES_RESULTS"
}
# lanes FUNC...: the functions in parallel, each running its suites in
# order; returns when all have ended.  Only for suites that share no
# files, ports or package installs with another lane's.
lanes() {
	local fn pid pids=""
	for fn in "$@"; do
		LANE=$fn "$fn" &
		pids="$pids $!"
	done
	for pid in $pids; do wait "$pid"; done
}
summary() {
	local name p f s total_pass=0 total_fail=0 failed_suites=""
	while read -r name p f s; do
		total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
		[ "$f" = 0 ] || failed_suites="$failed_suites $name"
	done <"$SUITES_RESULTS"
	echo "suite times (s): $(sort -k4,4nr "$SUITES_RESULTS" | head -n 12 | awk '{ printf "%s %s, ", $1, $4 }' | sed 's/, $//')"
	[ -z "$failed_suites" ] || echo "failed suites:$failed_suites"
	echo "$1: $total_pass passed, $total_fail failed"
	[ "$total_fail" = 0 ]
}
