#!/bin/sh
# SPDX-License-Identifier: ISC
# busy.sh: one admin at a time.  While a change holds the lock (stopped
# mid-way), a second key operation fails at once with "in use by", and
# read-only commands still answer.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

printf '%s\n' 'Bkp 2026!Strong-xY' >"$T_TMP/pw"
t_demo "$T_TMP/demo" 50000
C=$DEMO_CONF
WID=$(sed -n 's/^installation_id *= *//p' "$DEMO_WAIT")
KCV=$(kcv "$C")

"$RSKEYMGMT" -c "$C" --reencrypt --yes --json </dev/null >"$T_TMP/first.out" 2>"$T_TMP/first.err" &
pid=$!
T_AT_EXIT="kill -CONT $pid 2>/dev/null"
if t_wait_for "$T_TMP/first.out" '"event":"progress"'; then
	kill -STOP "$pid"
	t_ok first_change_running
	t_expect_exit "$EX_BUSY" second_change_busy "$RSKEYMGMT" -c "$C" --reencrypt --yes
	t_grep busy_says_in_use_by "$T_ERR" "in use by $(id -un) \\(pid $pid\\) since"
	t_expect_exit "$EX_BUSY" join_busy "$RSKEYMGMT" -c "$C" --join "$WID"
	t_expect_exit "$EX_BUSY" backup_busy "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/b.pem" \
	    --password-file "$T_TMP/pw"
	t_absent busy_backup_writes_nothing "$T_TMP/b.pem"
	t_expect_exit "$EX_BUSY" busy_json "$RSKEYMGMT" -c "$C" --delete --yes --json
	t_grep busy_json_error "$T_OUT" '"ok":false,"error":"busy","message":"[^"]*in use by'
	t_expect_exit 0 status_while_busy "$RSKEYMGMT" -c "$C" --status
	t_expect_exit 0 list_while_busy "$RSKEYMGMT" -c "$C" --list
	kill -CONT "$pid"
else
	t_fail first_change_running "no progress from the first change: $(cat "$T_TMP/first.err")"
fi
wait "$pid"
t_equal first_change_completes "$?" 0
t_differ first_change_made_new_key "$(kcv "$C")" "$KCV"
t_expect_exit 0 lock_released_after "$RSKEYMGMT" -c "$C" --join "$WID"
t_expect_exit 0 all_values_after "$RSKEYMGMT" -c "$C" --verify
t_grep all_values_readable_after "$T_OUT" '50000 readable, 0 unreadable'

# A lock left by a killed process is taken over, not a hang.
"$RSKEYMGMT" -c "$C" --reencrypt --yes --json </dev/null >"$T_TMP/killed.out" 2>&1 &
pid=$!
if t_wait_for "$T_TMP/killed.out" '"event":"progress"'; then
	kill -KILL "$pid"
fi
wait "$pid" 2>/dev/null
t_expect_exit 0 lock_of_killed_process_taken_over "$RSKEYMGMT" -c "$C" \
    -e -f "$T_TMP/after-kill.pem" --password-file "$T_TMP/pw"
t_expect_exit 0 killed_change_left_values_readable "$RSKEYMGMT" -c "$C" --verify
t_grep killed_change_all_readable "$T_OUT" '50000 readable, 0 unreadable'

t_done
