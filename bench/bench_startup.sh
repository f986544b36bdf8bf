# SPDX-License-Identifier: ISC
# bench/bench_startup.sh: start-up against its floor (issue 19).
#
# Sourced by bench.sh (uses its work dir, build, rsdemo, rskeymgmt,
# loop_seconds, ratio); run alone, `bash bench/bench_startup.sh BUILD_DIR`
# runs bench.sh with BENCH_PARTS=startup.
#
# The floor is bench/startup_floor (startup_floor.c): the irreducible work
# of rskeymgmt --status with libcrypto and libsqlite3 alone (load the
# private key, one select, unwrap the key copy).  All three are timed by
# bench/first_frame on a pseudo terminal: the floor and --status until
# they exit, rsconfig until the last text of its first frame ("No action
# yet." in the results box) has been written.  Each runs
# BENCH_STARTUP_REPEAT times (default 15), alternating, and the fastest of
# each is kept, wall time and CPU time (user + system, from wait4: on a
# machine loaded by other work the wall time measures them too) apart;
# the ratios come from the same run.
# shellcheck shell=bash disable=SC2154 # work, build, rsdemo, ... are bench.sh's

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	BENCH_PARTS=startup exec bash "$(dirname "$0")/bench.sh" "$@"
fi

ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }

bench_startup() {
	local demo=$work/demo-start cfg id db key i n=${BENCH_STARTUP_REPEAT:-15}
	local w c t b k p
	local floor=$build/bench/startup_floor frame=$build/bench/first_frame
	local -A wall cpu
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
	wall=([floor]=9e9 [status]=9e9 [frame]=9e9)
	cpu=([floor]=9e9 [status]=9e9 [frame]=9e9)
	# All three on the same pseudo terminal harness (first_frame), so that
	# each pays the same fork, exec and terminal.
	for ((i = 0; i < n; i++)); do
		for k in floor status frame; do
			case $k in
			floor) t=$("$frame" "" "$floor" "$key" "$db" "$id") ;;
			status) t=$("$frame" "" "$rskeymgmt" -c "$cfg" --status) ;;
			frame) t=$(LC_ALL=C "$frame" "No action yet." "$build/src/rsconfig" -c "$cfg") ;;
			esac || return 1
			read -r w c <<<"$t"
			wall[$k]=$(min_of "${wall[$k]}" "$w")
			cpu[$k]=$(min_of "${cpu[$k]}" "$c")
		done
	done
	printf 'start-up (fastest of %d, wall / CPU):\n' "$n"
	printf '  floor (key, select, unwrap)   : %6.1f ms / %6.1f ms\n' \
		"$(ms "${wall[floor]}")" "$(ms "${cpu[floor]}")"
	printf '  rskeymgmt --status            : %6.1f ms / %6.1f ms  --status / floor %sx / %sx  (target <= 1.5)\n' \
		"$(ms "${wall[status]}")" "$(ms "${cpu[status]}")" \
		"$(ratio "${wall[status]}" "${wall[floor]}")" "$(ratio "${cpu[status]}" "${cpu[floor]}")"
	printf '  rsconfig first frame          : %6.1f ms / %6.1f ms  frame / --status %sx / %sx  (target <= 2)\n' \
		"$(ms "${wall[frame]}")" "$(ms "${cpu[frame]}")" \
		"$(ratio "${wall[frame]}" "${wall[status]}")" "$(ratio "${cpu[frame]}" "${cpu[status]}")"
	# The old figures, against the sqlite3 shell, 100 runs each.
	for cmd in --status --list; do
		t=$(loop_seconds 100 "$rskeymgmt" -c "$cfg" "$cmd")
		b=$(loop_seconds 100 sqlite3 "$db" 'select 1')
		printf 'start-up rskeymgmt %-8s: %6.1f ms vs sqlite3 select 1 %6.1f ms  ratio %sx\n' \
			"$cmd" "$(ms "$t")" "$(ms "$b")" "$(ratio "$t" "$b")"
	done
	rm -rf "$demo"
}
