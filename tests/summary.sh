#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# summary.sh BUILD_DIR: counts the checks of a finished `make check` and
# prints "N passed, N failed".  Check binaries report "Checks: N, Failures:
# F, Errors: E"; shell tests print one "PASS: name" or "FAIL: name" line per
# check.  A test program that died without saying counts as one failure.
# "SKIP: name - why" lines (t_skip, tu_skip: a part that cannot run here)
# are counted as skipped, never as failures; so is a skipped program.
set -u
build=$1
passed=0 failed=0 skipped=0
while IFS= read -r trs; do
	log=${trs%.trs}.log
	result=$(sed -n 's/^:test-result: //p' "$trs" | head -n1)
	p=0 f=0
	if line=$(grep -Eo 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" | tail -n1) && [ -n "$line" ]; then
		read -r n fl er <<<"$(echo "$line" | tr -dc '0-9 ,' | tr ',' ' ')"
		f=$((fl + er)); p=$((n - f))
	else
		p=$(grep -c '^PASS: ' "$log" || true)
		f=$(grep -c '^FAIL: ' "$log" || true)
	fi
	case $result in
	SKIP) skipped=$((skipped + 1)); continue ;;
	FAIL|ERROR) [ "$f" -eq 0 ] && f=1
		echo "failed: ${log#"$build"/}" >&2
		grep -E '^FAIL: |:[0-9]+:[EF]:' "$log" | head -n 20 >&2 ;;
	esac
	passed=$((passed + p)); failed=$((failed + f))
	skipped=$((skipped + $(grep -c '^SKIP: ' "$log" || true)))
done < <(find "$build" -name '*.trs' -newer "$build/config.status" | sort)
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
