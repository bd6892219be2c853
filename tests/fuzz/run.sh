#!/bin/sh
# Run the handshake fuzzer for FUZZ_SECONDS (default 60) from the committed
# seed corpus (tests/fuzz/corpus, read-only here) plus a scratch corpus in
# build/.  Any crash, leak, timeout or sanitizer report fails the run; the
# input is left in build/fuzz-crash-* — add it to tests/fuzz/corpus so it
# stays a regression test.  Prints "fuzz: N passed, N failed".
cd "$(dirname "$0")/../.." || exit 2
secs=${FUZZ_SECONDS:-60}
mkdir -p build/fuzz-work
# Replay every committed input first: a past crash must stay fixed.
if ! ./build/fuzz_nego -runs=0 tests/fuzz/corpus >build/fuzz-replay.log 2>&1; then
	tail -30 build/fuzz-replay.log
	echo "fuzz: 0 passed, 1 failed (a committed corpus input fails)"
	exit 1
fi
./build/fuzz_nego -max_total_time="$secs" -max_len=12000 -timeout=5 \
	-rss_limit_mb=1024 -artifact_prefix=build/fuzz-crash- -print_final_stats=1 \
	build/fuzz-work tests/fuzz/corpus >build/fuzz.log 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' build/fuzz.log)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' build/fuzz.log)
units=$(ls build/fuzz-work | wc -l)
echo "fuzz: ${runs:-?} executions in ${secs} s (${rate:-?}/s), corpus $(ls tests/fuzz/corpus | wc -l) seeds + $units found"
if [ $rc != 0 ]; then
	grep -E "ERROR|SUMMARY|Test unit written" build/fuzz.log | head -20
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
echo "fuzz: 2 passed, 0 failed"
