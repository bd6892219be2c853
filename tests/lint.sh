#!/bin/sh
# cppcheck and clang-tidy over every C file; both must be silent.
# Prints "lint: N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
pass=0 fail=0
files="*.c tests/*.c tests/fuzz/*.c"
if cppcheck --enable=warning,style,performance,portability --std=c11 \
	--error-exitcode=1 -D_GNU_SOURCE --suppress=missingIncludeSystem \
	--inline-suppr -q -I. -Ibuild/bearssl/include $files; then
	pass=$((pass + 1)); echo "ok   cppcheck"
else
	fail=$((fail + 1)); echo "FAIL cppcheck"
fi
if clang-tidy -quiet $files -- -D_GNU_SOURCE -I. -Ibuild/bearssl/include >build/clang-tidy.log 2>&1; then
	pass=$((pass + 1)); echo "ok   clang-tidy"
else
	fail=$((fail + 1)); echo "FAIL clang-tidy"; grep -E "warning:|error:" build/clang-tidy.log
fi
echo "lint: $pass passed, $fail failed"
[ $fail = 0 ]
