#!/bin/sh
# SPDX-License-Identifier: ISC
# progress_tty.sh: on a terminal, rsdemo create and rskeymgmt --verify of a
# catalogue large enough to take more than a second show their progress
# while they run (issue 19: ten million values take minutes), not only at
# the end.  The terminal is script(1)'s pseudo-terminal.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

if ! script -qec true /dev/null >/dev/null 2>&1; then
	echo "SKIP: script (util-linux) is missing or cannot open a terminal"
	exit 77
fi
N=300000

# on_tty NAME CMD...: runs CMD with stdout and stderr on a terminal; what
# it drew is in $T_TMP/NAME.screen, one line per carriage return.
on_tty() {
	_name=$1
	shift
	_cmd=
	for _a in "$@"; do
		_cmd="$_cmd '$_a'"
	done
	LC_ALL=C LANGUAGE='' script -qec "$_cmd" /dev/null </dev/null \
	    >"$T_TMP/$_name.raw" 2>&1
	_rc=$?
	tr '\r' '\n' <"$T_TMP/$_name.raw" >"$T_TMP/$_name.screen"
	return $_rc
}

# 1. rsdemo create: counts below N while it works, then N at 100%, and a
# time left once the rate is known.
start=$(date +%s)
if on_tty demo "$RSDEMO" create "$T_TMP/demo" --values "$N" --members 2; then
	t_ok rsdemo_on_tty_exit_0
else
	t_fail rsdemo_on_tty_exit_0 "$(tail -c 300 "$T_TMP/demo.raw")"
fi
echo "# rsdemo create --values $N took $(($(date +%s) - start)) s"
t_grep rsdemo_progress_while_running "$T_TMP/demo.screen" \
    "^Creating demo: [0-9]+/$N values +[0-9]{1,2}%  "
t_grep rsdemo_progress_time_left "$T_TMP/demo.screen" \
    "^Creating demo: [0-9]+/$N values .* [0-9]+:[0-9]{2} left"
t_grep rsdemo_progress_complete "$T_TMP/demo.screen" \
    "^Creating demo: $N/$N values 100%"
t_grep rsdemo_on_tty_reports "$T_TMP/demo.screen" "$N encrypted values"

# 2. The values the demo wrote decrypt, and --verify shows its bar.
C=$T_TMP/demo/member1/rsreportserver.conf
if on_tty verify "$RSKEYMGMT" -c "$C" --verify; then
	t_ok verify_on_tty_exit_0
else
	t_fail verify_on_tty_exit_0 "$(tail -c 300 "$T_TMP/verify.raw")"
fi
t_grep verify_progress_while_running "$T_TMP/verify.screen" \
    "^Verifying \[[#.]+\] [0-9]+/$N +[0-9]{1,2}%  "
t_grep verify_progress_complete "$T_TMP/verify.screen" \
    "^Verifying \[#+\] $N/$N 100%"
t_grep verify_counts_all "$T_TMP/verify.screen" \
    "Checked $N values: $N readable, 0 unreadable"

t_done
