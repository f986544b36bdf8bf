# SPDX-License-Identifier: ISC
# bench/bench_startup.sh: start-up against its floor (issue 19).
#
# Sourced by bench.sh (uses its work dir, build, rsdemo, rskeymgmt,
# loop_seconds, ratio); run alone, `bash bench/bench_startup.sh BUILD_DIR`
# runs bench.sh with BENCH_PARTS=startup.
#
# The floor is bench/startup_floor (startup_floor.c): the irreducible work
# of rskeymgmt --status with libcrypto and libsqlite3 alone (load the
# private key, one select, unwrap the key copy).  The TUI's first frame is
# timed by bench/first_frame, which starts rsconfig on a pseudo terminal
# and reads its output until the last text of the first frame ("No action
# yet." in the results box) has been written.  Each of the three runs
# BENCH_STARTUP_REPEAT times (default 15), alternating, and the fastest
# of each is kept; the ratios come from the same run.
# shellcheck shell=bash disable=SC2154 # work, build, rsdemo, ... are bench.sh's

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	BENCH_PARTS=startup exec bash "$(dirname "$0")/bench.sh" "$@"
fi

# once CMD...: seconds of one run of CMD (bash's clock: no fork to read it).
once() {
	local t0=$EPOCHREALTIME t1
	"$@" >/dev/null || return 1
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }'
}

ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }

bench_startup() {
	local demo=$work/demo-start cfg id db key i n=${BENCH_STARTUP_REPEAT:-15}
	local tf=9e9 ts=9e9 tt=9e9 t
	local floor=$build/bench/startup_floor frame=$build/bench/first_frame
	for p in "$floor" "$frame"; do
		[ -x "$p" ] || { echo "bench: $p is missing (make bench builds it)" >&2; return 1; }
	done
	"$rsdemo" create "$demo" --values 1000 --members 3 >/dev/null
	cfg=$demo/member1/rsreportserver.conf
	id=$(sed -n 's/^installation_id *= *//p' "$cfg")
	db=$demo/reportserver.db
	key=$demo/member1/keys/$id.key
	"$floor" "$key" "$db" "$id" >/dev/null \
		|| { echo "bench: the start-up floor cannot unwrap the demo's key" >&2; return 1; }
	for ((i = 0; i < n; i++)); do
		t=$(once "$floor" "$key" "$db" "$id") && tf=$(min_of "$tf" "$t")
		t=$(once "$rskeymgmt" -c "$cfg" --status) && ts=$(min_of "$ts" "$t")
		t=$(LC_ALL=C "$frame" "No action yet." "$build/src/rsconfig" -c "$cfg") \
			&& tt=$(min_of "$tt" "$t")
	done
	printf 'start-up floor (key, select, unwrap): %6.1f ms\n' "$(ms "$tf")"
	printf 'start-up rskeymgmt --status        : %6.1f ms  --status / floor %sx  (target <= 1.5)\n' \
		"$(ms "$ts")" "$(ratio "$ts" "$tf")"
	printf 'start-up rsconfig first frame      : %6.1f ms  frame / --status %sx  (target <= 2)\n' \
		"$(ms "$tt")" "$(ratio "$tt" "$ts")"
	# The old figures, against the sqlite3 shell, 100 runs each.
	for cmd in --status --list; do
		t=$(loop_seconds 100 "$rskeymgmt" -c "$cfg" "$cmd")
		b=$(loop_seconds 100 sqlite3 "$db" 'select 1')
		printf 'start-up rskeymgmt %-8s: %6.1f ms vs sqlite3 select 1 %6.1f ms  ratio %sx\n' \
			"$cmd" "$(ms "$t")" "$(ms "$b")" "$(ratio "$t" "$b")"
	done
	rm -rf "$demo"
}
