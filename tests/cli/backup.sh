#!/bin/sh
# SPDX-License-Identifier: ISC
# backup.sh: extract and apply: the password policy, the file's mode, the
# file opened by stock openssl, no silent overwrite, wrong passwords,
# damaged files, and a backup of another database's key.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

# The space and the symbols make sure the password is passed on literally.
t_backup_password
printf '%s\n' 'weakpass' >"$T_TMP/weak"
printf '%s\n' 'Xy1!rsdemo1zz' >"$T_TMP/instance"
printf '%s\n' 'Bkp 2026!Wrong-xY' >"$T_TMP/wrong"
t_demo "$T_TMP/demo" 200 3
C=$DEMO_CONF
B=$T_TMP/key.pem
KCV=$(kcv "$C")

# Weak passwords: exit 3, one line per broken rule, no file.
t_expect_exit "$EX_POLICY" extract_weak_password "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file "$T_TMP/weak"
t_grep weak_names_upper_case "$T_ERR" '^rskeymgmt: .*upper-case'
t_grep weak_names_digit "$T_ERR" '^rskeymgmt: .*digit'
t_grep weak_names_symbol "$T_ERR" '^rskeymgmt: .*symbol'
t_no_grep weak_keeps_met_rules_quiet "$T_ERR" 'lower-case'
t_absent weak_writes_nothing "$B"
t_expect_exit "$EX_POLICY" extract_password_with_instance "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file "$T_TMP/instance"
t_grep instance_rule_named "$T_ERR" 'instance name'
t_expect_exit "$EX_POLICY" weak_json "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file "$T_TMP/weak" --json
t_json weak_json_is_one_object "$T_OUT"
t_grep weak_json_error "$T_OUT" '"error":"password-policy"'

# No terminal and no password source: a usage error that says what to do.
t_expect_exit "$EX_USAGE" extract_no_password_source "$RSKEYMGMT" -c "$C" -e -f "$B"
t_grep no_source_says_password_file "$T_ERR" '--password-file'

t_expect_exit 0 extract_strong_password "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file "$T_TMP/pw"
t_grep extract_says_verified "$T_OUT" "$KCV.*verified"
t_equal backup_mode_0600 "$(file_mode "$B")" 600
t_no_grep backup_is_not_plain "$B" 'key:|kcv:'
t_grep backup_is_pem_cms "$B" '^-----BEGIN CMS-----'
t_expect_exit 0 status_records_backup "$RSKEYMGMT" -c "$C" --status
t_no_grep status_last_backup_not_never "$T_OUT" '^Last backup: +(never|none)'

# Stock openssl opens it with the literal password (see FIELD-NOTES.md).
if openssl cms -decrypt -inform PEM -in "$B" -pwri_password "$PW" \
    >"$T_TMP/plain" 2>"$T_TMP/openssl.err"; then
	t_ok openssl_opens_backup
else
	t_fail openssl_opens_backup "$(head -c 300 "$T_TMP/openssl.err")"
fi
t_grep openssl_backup_has_key "$T_TMP/plain" '^key: [0-9a-f]{64}$'
t_grep openssl_backup_has_kcv "$T_TMP/plain" "^kcv: $KCV\$"
if openssl cms -decrypt -inform PEM -in "$B" -pwri_password 'Bkp 2026!Wrong-xY' \
    >/dev/null 2>&1; then
	t_fail openssl_refuses_wrong_password "openssl opened it"
else
	t_ok openssl_refuses_wrong_password
fi
rm -f "$T_TMP/plain"

# No silent overwrite.
SUM=$(cksum <"$B")
t_expect_exit "$EX_EXISTS" extract_refuses_overwrite "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file "$T_TMP/pw"
t_grep refuse_overwrite_says_how "$T_ERR" '--overwrite'
t_equal refused_overwrite_keeps_file "$(cksum <"$B")" "$SUM"
t_expect_exit 0 extract_overwrite "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file "$T_TMP/pw" --overwrite
t_differ overwrite_replaces_file "$(cksum <"$B")" "$SUM"
t_equal overwritten_mode_0600 "$(file_mode "$B")" 600

# The password from a descriptor, and --json.
# shellcheck disable=SC2016
t_expect_exit 0 extract_password_fd_json sh -c '"$0" -c "$1" -e -f "$2" --password-fd 3 --json 3<"$3"' \
    "$RSKEYMGMT" "$C" "$T_TMP/fd.pem" "$T_TMP/pw"
t_json extract_json_is_one_object "$T_OUT"
t_grep extract_json_fields "$T_OUT" "^\\{\"command\":\"extract\",\"ok\":true.*\"kcv\":\"$KCV\".*\"verified\":true"
t_no_grep json_has_no_password "$T_OUT" 'Strong'

# Names with quotes and backslashes survive the JSON escaper.
ODD=$T_TMP/we\"ird\\name.pem
t_expect_exit 0 extract_odd_name_json "$RSKEYMGMT" -c "$C" -e -f "$ODD" --password-file "$T_TMP/pw" --json
t_json odd_name_json_is_one_object "$T_OUT"
if command -v jq >/dev/null 2>&1; then
	t_equal odd_name_round_trips "$(jq -r .file <"$T_OUT")" "$ODD"
fi

# The audit log records the backups, never the password.
AUDIT=$T_TMP/demo/reportserver.db-audit.log
t_grep audit_records_backup "$AUDIT" 'op=backup .*outcome=ok'
t_grep audit_records_refused_backup "$AUDIT" 'op=backup .*outcome=(failed|refused)'
t_no_grep audit_has_no_password "$AUDIT" 'Strong|weakpass'

# Apply the same key.
t_expect_exit 0 apply_same_key "$RSKEYMGMT" -c "$C" -a -f "$B" --password-file "$T_TMP/pw"
t_grep apply_says_kcv "$T_OUT" "$KCV"
t_expect_exit 0 verify_after_apply "$RSKEYMGMT" -c "$C" --verify
t_grep verify_after_apply_all_read "$T_OUT" 'Checked 200 values: 200 readable, 0 unreadable'
t_expect_exit "$EX_BAD_PASSWORD" apply_wrong_password "$RSKEYMGMT" -c "$C" -a -f "$B" --password-file "$T_TMP/wrong"
t_grep wrong_password_says_so "$T_ERR" '[Ww]rong password'
t_expect_exit "$EX_NOT_FOUND" apply_missing_file "$RSKEYMGMT" -c "$C" -a -f "$T_TMP/none.pem" --password-file "$T_TMP/pw"

# A damaged file is refused.
head -c 300 "$B" >"$T_TMP/truncated.pem"
t_expect_exit "$EX_BAD_FILE" apply_truncated "$RSKEYMGMT" -c "$C" -a -f "$T_TMP/truncated.pem" --password-file "$T_TMP/pw"
echo 'not a backup' >"$T_TMP/junk.pem"
t_expect_exit "$EX_BAD_FILE" apply_junk "$RSKEYMGMT" -c "$C" -a -f "$T_TMP/junk.pem" --password-file "$T_TMP/pw"

# A backup of another database's key.
t_demo "$T_TMP/other" 20 1
O=$T_TMP/other.pem
t_expect_exit 0 extract_other "$RSKEYMGMT" -c "$DEMO_CONF" -e -f "$O" --password-file "$T_TMP/pw"
OKCV=$(kcv "$DEMO_CONF")
t_differ demos_have_different_keys "$OKCV" "$KCV"
t_expect_exit "$EX_KEY_MISMATCH" apply_other_key_refused "$RSKEYMGMT" -c "$C" -a -f "$O" --password-file "$T_TMP/pw"
t_grep other_key_says_unreadable "$T_ERR" '200'
t_grep other_key_says_counts "$T_ERR" 'opens 0 of 200 encrypted values; the key in use opens 200'
t_equal refused_keeps_key "$(kcv "$C")" "$KCV"
t_expect_exit "$EX_USAGE" apply_force_needs_yes "$RSKEYMGMT" -c "$C" -a -f "$O" --password-file "$T_TMP/pw" --force
t_grep apply_force_says_yes "$T_ERR" '--yes'
t_equal force_without_yes_keeps_key "$(kcv "$C")" "$KCV"
t_expect_exit 0 apply_other_key_forced "$RSKEYMGMT" -c "$C" -a -f "$O" --password-file "$T_TMP/pw" --force --yes
t_grep forced_says_replaced "$T_OUT" 'replaced: 200 values'
t_grep forced_offers_join "$T_OUT" 'must join again: rskeymgmt .*--join'
t_equal forced_key_in_use "$(kcv "$C")" "$OKCV"
t_expect_exit "$EX_FAILED" verify_after_force "$RSKEYMGMT" -c "$C" --verify
t_grep verify_reports_unreadable "$T_OUT" 'Checked 200 values: 0 readable, 200 unreadable'
t_expect_exit "$EX_FAILED" verify_json_after_force "$RSKEYMGMT" -c "$C" --verify --json
t_json verify_json_is_one_object "$T_OUT"
t_grep verify_json_counts "$T_OUT" '"ok":false,"error":"failed".*"unreadable":200'

# Recovery: the values are still sealed with the original key, so its
# backup is accepted without --force, judged by trial decryption.
t_expect_exit 0 apply_original_after_force "$RSKEYMGMT" -c "$C" -a -f "$B" --password-file "$T_TMP/pw"
t_grep recovery_says_counts "$T_OUT" 'opens 200 of 200 encrypted values; the key in use opens 0'
t_grep recovery_says_replaced "$T_OUT" 'all 200 values open with it'
t_no_grep recovery_no_delete_advice "$T_OUT" '--delete|unreadable'
t_equal recovery_key_in_use "$(kcv "$C")" "$KCV"
t_expect_exit 0 verify_after_recovery "$RSKEYMGMT" -c "$C" --verify
t_grep verify_after_recovery_all_read "$T_OUT" 'Checked 200 values: 200 readable, 0 unreadable'
# Forced again, then recovered in JSON.
t_expect_exit 0 apply_other_again "$RSKEYMGMT" -c "$C" -a -f "$O" --password-file "$T_TMP/pw" --force --yes
t_expect_exit 0 apply_original_json "$RSKEYMGMT" -c "$C" -a -f "$B" --password-file "$T_TMP/pw" --json
t_json recovery_json_is_one_object "$T_OUT"
t_grep recovery_json_counts "$T_OUT" '"unreadable_values":0,.*"values":200,"backup_opens":200,"current_key_known":true,"current_opens":0,"lost_values":0'
# The same key applied again loses nothing; a foreign one is still refused.
t_expect_exit 0 apply_same_after_recovery "$RSKEYMGMT" -c "$C" -a -f "$B" --password-file "$T_TMP/pw"
t_grep same_says_counts "$T_OUT" 'opens 200 of 200 encrypted values; the key in use opens 200'
t_expect_exit "$EX_KEY_MISMATCH" apply_other_refused_after_recovery "$RSKEYMGMT" -c "$C" -a -f "$O" --password-file "$T_TMP/pw"
t_grep refused_after_recovery_counts "$T_ERR" 'UNREADABLE'
t_equal refused_after_recovery_keeps_key "$(kcv "$C")" "$KCV"

t_done
