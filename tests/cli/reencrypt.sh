#!/bin/sh
# SPDX-License-Identifier: ISC
# reencrypt.sh: change the key: every value stays readable, the key check
# value changes, members get the new key; progress; Ctrl-C rolls back.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

t_demo "$T_TMP/demo" 200 3
C=$DEMO_CONF
DEMO_PG=${_pg:-}   # its database when tests/pg/cli.sh runs this on PostgreSQL
WID=$(sed -n 's/^installation_id *= *//p' "$DEMO_WAIT")
# Member 2 is joined: it must receive the new key too.
M2=$T_TMP/demo/member2/rsreportserver.conf
KCV=$(kcv "$C")

t_expect_exit 0 verify_before "$RSKEYMGMT" -c "$C" --verify
t_grep verify_before_all_read "$T_OUT" 'Checked 200 values: 200 readable, 0 unreadable'
t_expect_exit "$EX_USAGE" reencrypt_needs_yes "$RSKEYMGMT" -c "$C" --reencrypt
t_grep reencrypt_needs_yes_says "$T_ERR" '--yes'
t_equal unconfirmed_keeps_key "$(kcv "$C")" "$KCV"

t_expect_exit 0 reencrypt "$RSKEYMGMT" -c "$C" -s --yes
t_grep reencrypt_counts_values "$T_OUT" 'Re-encrypted 200 values'
t_grep reencrypt_shows_kcvs "$T_OUT" "check value $KCV -> [0-9a-f]{16}"
t_grep reencrypt_counts_members "$T_OUT" '2 members hold a copy of the new key; 1 wait'
# Progress goes to a terminal only: none on a pipe.
t_no_grep no_progress_on_pipe "$T_ERR" 'Re-encrypting'
NEW=$(kcv "$C")
t_differ reencrypt_changes_kcv "$NEW" "$KCV"
t_expect_exit 0 verify_after "$RSKEYMGMT" -c "$C" --verify
t_grep verify_after_all_read "$T_OUT" 'Checked 200 values: 200 readable, 0 unreadable'
t_grep verify_shows_new_kcv "$T_OUT" "check value $NEW"
t_expect_exit 0 other_member_has_new_key "$RSKEYMGMT" -c "$M2" --verify
t_grep other_member_reads_all "$T_OUT" '200 readable, 0 unreadable'
t_expect_exit "$EX_NOT_ACTIVATED" waiting_member_still_waits "$RSKEYMGMT" -c "$DEMO_WAIT" --status
t_expect_exit 0 join_after_change "$RSKEYMGMT" -c "$C" -j "$WID"
t_expect_exit 0 joined_after_change_reads_all "$RSKEYMGMT" -c "$DEMO_WAIT" --verify

# --json: progress lines, then exactly one result object.
t_expect_exit 0 reencrypt_json "$RSKEYMGMT" -c "$C" --reencrypt --yes --json
t_grep json_progress_lines "$T_OUT" '^\{"event":"progress","done":[0-9]+,"total":200\}$'
t_grep json_progress_reaches_total "$T_OUT" '"done":200,"total":200'
t_json json_result_is_one_object "$T_OUT"
t_grep json_result_fields "$T_OUT" '^\{"command":"reencrypt","ok":true,"values":200,.*"new_kcv":"[0-9a-f]{16}"'
t_equal json_only_progress_and_result "$(grep -cv '^{"event":"progress"' "$T_OUT")" 1
t_expect_exit 0 verify_json "$RSKEYMGMT" -c "$C" --verify --json
t_grep verify_json_fields "$T_OUT" '"ok":true,.*"checked":200,"readable":200,"unreadable":0'

# Ctrl-C during a change: exit 10, the old key and every value intact.
# (The background job's SIGINT is reset from "ignored", as in a terminal.)
t_demo "$T_TMP/big" 50000 1
BIG=$DEMO_CONF
BKCV=$(kcv "$BIG")
env --default-signal=INT "$RSKEYMGMT" -c "$BIG" -s --yes --json \
    </dev/null >"$T_TMP/cancel.out" 2>"$T_TMP/cancel.err" &
pid=$!
if t_wait_for "$T_TMP/cancel.out" '"event":"progress"'; then
	kill -STOP "$pid"
	kill -INT "$pid"
	kill -CONT "$pid"
fi
wait "$pid"
t_equal cancel_exit_status "$?" "$EX_CANCELLED"
t_grep cancel_json_error "$T_TMP/cancel.out" '"ok":false,"error":"cancelled"'
t_no_grep cancel_did_not_finish "$T_TMP/cancel.out" '"done":50000'
t_equal cancel_keeps_key "$(kcv "$BIG")" "$BKCV"
t_expect_exit 0 cancel_keeps_values "$RSKEYMGMT" -c "$BIG" --verify
t_grep cancel_all_readable "$T_OUT" 'Checked 50000 values: 50000 readable, 0 unreadable'

# The progress total comes from the primary keys (every row's cells), so a
# deleted value (a NULL cell) makes it an upper bound: it never falls below
# what is done, and the last event gives the exact count.
null_sql="UPDATE datasources SET credentials = NULL WHERE id = (SELECT min(id) FROM datasources)"
if [ -n "$DEMO_PG" ]; then
	"$RS_TEST_PSQL" -X -q -d "$DEMO_PG" -c "$null_sql"
else
	sqlite3 "$T_TMP/demo/reportserver.db" "$null_sql"
fi
t_expect_exit 0 reencrypt_json_after_delete "$RSKEYMGMT" -c "$C" -s --yes --json
t_grep json_first_total_from_keys "$T_OUT" '"done":0,"total":200\}'
t_grep json_last_event_exact "$T_OUT" '"done":199,"total":199\}'
t_equal json_done_never_above_total "$(sed -n 's/.*"done":\([0-9]*\),"total":\([0-9]*\)}.*/\1 \2/p' "$T_OUT" \
	| awk '$1 > $2 { bad++ } END { print bad + 0 }')" 0
t_grep json_result_counts_199 "$T_OUT" '"values":199,'

t_done
