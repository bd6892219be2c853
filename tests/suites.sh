# tests/suites.sh - sourced by run-all.sh and run-arch.sh: run_suite NAME
# CMD... runs one suite and counts its "N passed, N failed" line (a suite
# that exits non-zero or prints no such line counts as failed); summary
# LABEL prints the total and sets the exit status.
total_pass=0 total_fail=0 failed_suites=""
run_suite() {
	name=$1; shift
	echo "=== $name"
	"$@" 2>&1 | tee build/last-suite.log
	rc=${PIPESTATUS[0]}
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' build/last-suite.log | tail -n 1)
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	[ -n "$line" ] || { p=0; f=1; }
	[ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
	[ "$f" = 0 ] || failed_suites="$failed_suites $name"
}
summary() {
	[ -z "$failed_suites" ] || echo "failed suites:$failed_suites"
	echo "$1: $total_pass passed, $total_fail failed"
	[ "$total_fail" = 0 ]
}
