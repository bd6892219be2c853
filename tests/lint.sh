#!/bin/sh
# cppcheck and clang-tidy over every C file; both must be silent.
# Prints "lint: N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
pass=0 fail=0
files="*.c tests/test_nego.c tests/fuzz/fuzz_nego.c"
if cppcheck --enable=warning,style,performance,portability --std=c11 \
	--error-exitcode=1 -D_GNU_SOURCE --suppress=missingIncludeSystem \
	--inline-suppr -q -I. $files; then
	pass=$((pass + 1)); echo "ok   cppcheck"
else
	fail=$((fail + 1)); echo "FAIL cppcheck"
fi
if clang-tidy -quiet $files -- -D_GNU_SOURCE -I. 2>build/clang-tidy.log; then
	pass=$((pass + 1)); echo "ok   clang-tidy"
else
	fail=$((fail + 1)); echo "FAIL clang-tidy"; grep -E "warning:|error:" build/clang-tidy.log
fi
echo "lint: $pass passed, $fail failed"
[ $fail = 0 ]
