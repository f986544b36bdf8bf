#!/bin/sh
# SPDX-License-Identifier: ISC
# reentry.sh: after a delete, --missing lists every value Delete removed
# (also in a 0600 file beside the audit log), --set-value puts one back
# from a file or a descriptor, --import many, all or nothing; --verify
# then counts them readable.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

t_demo "$T_TMP/demo" 1000
C=$DEMO_CONF

t_expect_exit 0 nothing_missing_before_delete "$RSKEYMGMT" -c "$C" --missing
t_grep every_value_readable "$T_OUT" 'Every value opens with the current key \(1000 readable\)'

t_expect_exit 0 delete "$RSKEYMGMT" -c "$C" -d --yes
DELETED=$(sed -n 's/^Deleted the key and \([0-9]*\) encrypted values.*/\1/p' "$T_OUT")
t_equal delete_reports_1000 "$DELETED" 1000
LIST=$(sed -n 's/^The [0-9]* values to re-enter are listed in \(.*\) (rskeymgmt.*/\1/p' "$T_OUT")
t_equal list_beside_audit_log "$(dirname "$LIST")" "$T_TMP/demo"
t_equal list_file_mode_600 "$(file_mode "$LIST")" 600
t_equal list_file_has_every_item "$(grep -vc '^#' "$LIST")" "$DELETED"
t_no_grep list_file_has_no_values "$LIST" 'password=|Data Source='

t_expect_exit 0 missing "$RSKEYMGMT" -c "$C" --missing
t_grep missing_header "$T_OUT" '^ITEM +KIND +REASON +NAME'
grep -E '^(datasources|subscriptions)/' "$T_OUT" >"$T_TMP/missing.txt"
t_equal missing_matches_delete "$(wc -l <"$T_TMP/missing.txt" | tr -d ' ')" "$DELETED"
t_grep missing_connection_string "$T_TMP/missing.txt" '^datasources/[0-9]+/connection_string +connection string +deleted +/Data Sources/'
t_grep missing_credentials "$T_TMP/missing.txt" '^datasources/[0-9]+/credentials +stored credentials +deleted'
t_grep missing_subscription "$T_TMP/missing.txt" '^subscriptions/[0-9]+/settings +delivery settings +deleted +Monthly'
t_grep missing_summary "$T_OUT" "^$DELETED values to re-enter \\(0 readable\\)"
t_equal missing_file_same_items "$(grep -v '^#' "$LIST" | cut -f1)" "$(cut -d' ' -f1 "$T_TMP/missing.txt")"

t_expect_exit 0 missing_json "$RSKEYMGMT" -c "$C" --missing --json
t_json missing_json_is_one_object "$T_OUT"
t_grep missing_json_fields "$T_OUT" '^\{"command":"missing","ok":true,"missing":\[\{"item":"datasources/[0-9]+/connection_string","kind":"connection_string","name":"[^"]+","reason":"deleted"\}'
t_equal missing_json_count "$(grep -o '"item":' "$T_OUT" | wc -l | tr -d ' ')" "$DELETED"
t_grep missing_json_total "$T_OUT" "\"count\":$DELETED,\"readable\":0"

# ---- one value: from a file, from a descriptor ----
ITEM1=$(sed -n '1s/ .*//p' "$T_TMP/missing.txt")
ITEM2=$(sed -n '2s/ .*//p' "$T_TMP/missing.txt")
printf 'Data Source=sql01;Initial Catalog=Sales\n' >"$T_TMP/v1"
chmod 644 "$T_TMP/v1"
t_expect_exit 9 set_refuses_readable_file "$RSKEYMGMT" -c "$C" --set-value "$ITEM1" --value-file "$T_TMP/v1"
t_grep set_refusal_says_0600 "$T_ERR" 'mode 0600'
ln -s "$T_TMP/v1" "$T_TMP/v1link"
chmod 600 "$T_TMP/v1"
t_expect_exit 9 set_refuses_symlink "$RSKEYMGMT" -c "$C" --set-value "$ITEM1" --value-file "$T_TMP/v1link"
t_expect_exit 0 set_by_file "$RSKEYMGMT" -c "$C" --set-value "$ITEM1" --value-file "$T_TMP/v1"
t_grep set_by_file_says "$T_OUT" "^Set the connection string of .*\\($ITEM1\\); it was deleted"
printf 'username=CONTOSO\\svc\npassword=Re-entered1\n' >"$T_TMP/v2"
t_expect_exit 0 set_by_fd "$RSKEYMGMT" -c "$C" --set-value "$ITEM2" --value-fd 3 3<"$T_TMP/v2"
t_grep set_by_fd_says "$T_OUT" "stored credentials .*$ITEM2"
t_expect_exit "$EX_NOT_FOUND" set_unknown_item "$RSKEYMGMT" -c "$C" --set-value datasources/99999/credentials --value-file "$T_TMP/v1"
t_expect_exit "$EX_NOT_FOUND" set_bad_item "$RSKEYMGMT" -c "$C" --set-value nonsense --value-file "$T_TMP/v1"
t_expect_exit "$EX_USAGE" set_no_terminal "$RSKEYMGMT" -c "$C" --set-value "$ITEM1"
t_grep set_no_terminal_says "$T_ERR" 'value-file'
t_expect_exit "$EX_USAGE" set_not_from_argv "$RSKEYMGMT" -c "$C" --set-value "$ITEM1" secret
t_expect_exit 0 verify_counts_set "$RSKEYMGMT" -c "$C" --verify
t_grep verify_two_readable "$T_OUT" 'Checked 2 values: 2 readable, 0 unreadable'
t_grep audit_names_item "$T_TMP/demo/reportserver.db-audit.log" "op=set-value target=\"$ITEM1 \\(/Data Sources/.*\\)\" outcome=ok"
t_no_grep audit_has_no_value "$T_TMP/demo/reportserver.db-audit.log" 'Re-entered1|sql01'
t_expect_exit 0 missing_after_set "$RSKEYMGMT" -c "$C" --missing
t_grep missing_two_fewer "$T_OUT" "^$((DELETED - 2)) values to re-enter \\(2 readable\\)"

# ---- many: 1,000 lines, one bad in the middle; then fixed ----
R=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
cut -d' ' -f1 "$T_TMP/missing.txt" |
    awk -v r="$R" '{ printf "{\"item\":\"%s\",\"value\":\"imp-%s-%d\\nline \\u00e9\"}\n", $1, r, NR }' \
    >"$T_TMP/import.jsonl"
chmod 600 "$T_TMP/import.jsonl"
sed '500s/.*/{"item":"datasources\/1\/credentials","value":"x"/' "$T_TMP/import.jsonl" >"$T_TMP/bad.jsonl"
chmod 600 "$T_TMP/bad.jsonl"
t_expect_exit "$EX_FAILED" import_bad_line "$RSKEYMGMT" -c "$C" --import "$T_TMP/bad.jsonl"
t_grep import_names_line "$T_OUT" '^line 500: refused -: '
t_grep import_nothing_changed "$T_ERR" '1 of 1000 lines refused; nothing was changed'
t_equal import_reports_only_refused "$(wc -l <"$T_OUT" | tr -d ' ')" 1
t_expect_exit 0 verify_after_bad_import "$RSKEYMGMT" -c "$C" --verify
t_grep bad_import_changed_nothing "$T_OUT" 'Checked 2 values: 2 readable'

chmod 640 "$T_TMP/import.jsonl"
t_expect_exit 9 import_refuses_group_readable "$RSKEYMGMT" -c "$C" --import "$T_TMP/import.jsonl"
chmod 600 "$T_TMP/import.jsonl"
t_expect_exit 0 import "$RSKEYMGMT" -c "$C" --import "$T_TMP/import.jsonl"
t_grep import_skips_readable "$T_OUT" "^line 1: skipped $ITEM1 \\(already readable"
t_grep import_sets "$T_OUT" '^line 3: set '
t_grep import_summary "$T_OUT" '^Set 998 values, skipped 2, in one transaction\.'
t_equal import_one_audited_transaction "$(grep -c 'op=import .*outcome=ok' "$T_TMP/demo/reportserver.db-audit.log")" 1
t_expect_exit 0 verify_after_import "$RSKEYMGMT" -c "$C" --verify
t_grep import_all_readable "$T_OUT" 'Checked 1000 values: 1000 readable, 0 unreadable'
t_expect_exit 0 nothing_missing_after_import "$RSKEYMGMT" -c "$C" --missing --json
t_grep missing_empty_json "$T_OUT" '"missing":\[\],"count":0,"readable":1000'

t_expect_exit 0 import_replace_json "$RSKEYMGMT" -c "$C" --import "$T_TMP/import.jsonl" --replace --json
t_json import_json_is_one_object "$T_OUT"
t_grep import_json_fields "$T_OUT" '"results":\[\{"line":1,"item":"[^"]+","outcome":"set","reason":""\}.*"lines":1000,"set":1000,"skipped":0,"refused":0,"applied":true'

# The strict parser: each of these lines is refused, with its number.
{
	echo '{"item":"datasources/1/credentials","value":"a","extra":"b"}'
	echo '{"item":"datasources/1/credentials","value":1}'
	echo '{"value":"a"}'
	echo '{"item":"datasources/1/credentials","value":"bad \q escape"}'
	echo '{"item":"datasources/1/credentials","value":"nul \u0000"}'
	echo '{"item":"datasources/1/credentials","value":""}'
	echo '{"item":"datasources/1/nosuchcolumn","value":"a"}'
	echo '{"item":"subscriptions/1/settings","value":"a"} x'
	echo '{"item":"subscriptions/1/settings","value":"a"}'
	echo '{"item":"subscriptions/1/settings","value":"b"}'
} >"$T_TMP/strict.jsonl"
chmod 600 "$T_TMP/strict.jsonl"
t_expect_exit "$EX_FAILED" import_strict "$RSKEYMGMT" -c "$C" --import "$T_TMP/strict.jsonl" --replace
for n in 1 2 3 4 5 6 7 8 10; do
	t_grep "strict_refuses_line_$n" "$T_OUT" "^line $n: refused"
done
t_no_grep strict_accepts_line_9 "$T_OUT" '^line 9:'
t_grep strict_says_twice "$T_OUT" '^line 10: refused subscriptions/1/settings: the item is given on an earlier line'

t_done
