#!/bin/sh
# format-check.sh: every C source and header of the tree is formatted with the house style
# (.clang-format at the top). Run by `make check`; exits 77 (skipped, with the reason) where
# clang-format is not installed, 1 with the list of files that differ.
#   fix: clang-format -i FILE...
set -u
top=${srcdir:-.}/
[ -d "${top}app" ] || top=$(dirname "$0")/../
cd "$top" || exit 99
if ! command -v clang-format >/dev/null 2>&1; then
	echo "SKIP: format-check: clang-format is not installed"
	exit 77
fi
fail=0
for f in $(find app include test bench -name '*.[ch]' ! -name '*.pb-c.[ch]' | sort); do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "format-check: $f differs from .clang-format (fix: clang-format -i $f)"
		fail=1
	fi
done
exit $fail
