#!/bin/sh
# SPDX-License-Identifier: ISC
# backup_trust.sh: backups you can trust (issue 15): the restore drill
# (--check-backup) on a good, a foreign and a damaged file; a backup never
# overwrites the instance's own files.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

t_backup_password
t_demo "$T_TMP/demo" 120 2
C=$DEMO_CONF
B=$T_TMP/key.pem
DB=$T_TMP/demo/reportserver.db
AUDIT=$DB-audit.log
KCV=$(kcv "$C")
t_expect_exit 0 extract_good "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file "$T_TMP/pw"

# ---- the restore drill ----
SUM=$(cksum <"$DB")
t_expect_exit 0 check_good "$RSKEYMGMT" -c "$C" --check-backup -f "$B" --password-file "$T_TMP/pw"
t_grep check_good_says_what "$T_OUT" "holds the key of .*RSDEMO1: generation 1, check value $KCV, made "
t_grep check_good_same_key "$T_OUT" 'It is the key the database uses'
t_grep check_good_counts "$T_OUT" 'opens 120 of 120 encrypted values; the key in use opens 120'
t_grep check_good_changes_nothing "$T_OUT" 'Nothing was changed'
t_equal check_good_keeps_database "$(cksum <"$DB")" "$SUM"
t_grep check_audited "$AUDIT" 'op=check-backup .*outcome=ok'
t_no_grep check_audit_has_no_password "$AUDIT" 'Strong'
t_expect_exit 0 check_good_json "$RSKEYMGMT" -c "$C" --check-backup -f "$B" --password-file "$T_TMP/pw" --json
t_json check_json_is_one_object "$T_OUT"
t_grep check_json_fields "$T_OUT" "^\\{\"command\":\"check-backup\",\"ok\":true,.*\"instance\":\"RSDEMO1\",\"generation\":1,\"kcv\":\"$KCV\",\"created\":\"[0-9T:Z-]+\",.*\"matches_database\":true,\"values\":120,\"backup_opens\":120,\"current_key_known\":true,\"current_opens\":120,\"lost_values\":0"
# The password by descriptor, as for -a.
# shellcheck disable=SC2016
t_expect_exit 0 check_password_fd sh -c '"$0" -c "$1" --check-backup -f "$2" --password-fd 3 3<"$3"' \
    "$RSKEYMGMT" "$C" "$B" "$T_TMP/pw"
t_expect_exit "$EX_USAGE" check_needs_file "$RSKEYMGMT" -c "$C" --check-backup --password-file "$T_TMP/pw"

# A foreign file: it opens, but would bring back none of the values.
t_demo "$T_TMP/other" 10 1
O=$T_TMP/other.pem
t_expect_exit 0 extract_foreign "$RSKEYMGMT" -c "$DEMO_CONF" -e -f "$O" --password-file "$T_TMP/pw"
t_expect_exit "$EX_KEY_MISMATCH" check_foreign "$RSKEYMGMT" -c "$C" --check-backup -f "$O" --password-file "$T_TMP/pw"
t_grep check_foreign_not_ours "$T_OUT" 'not the key the database records'
t_grep check_foreign_other_db "$T_OUT" 'another database'
t_grep check_foreign_counts "$T_OUT" 'opens 0 of 120 encrypted values; the key in use opens 120'
t_grep check_foreign_says_loss "$T_ERR" '120 values that are readable now UNREADABLE'
t_equal check_foreign_keeps_key "$(kcv "$C")" "$KCV"
t_expect_exit "$EX_KEY_MISMATCH" check_foreign_json "$RSKEYMGMT" -c "$C" --check-backup -f "$O" --password-file "$T_TMP/pw" --json
t_json check_foreign_json_is_one_object "$T_OUT"
t_grep check_foreign_json_fields "$T_OUT" '"ok":false,"error":"different-key".*"backup_opens":0,.*"lost_values":120'
t_grep check_foreign_audited "$AUDIT" 'op=check-backup .*outcome=(failed|refused)'

# A damaged file, and a wrong password.
head -c 400 "$B" >"$T_TMP/damaged.pem"
t_expect_exit "$EX_BAD_FILE" check_damaged "$RSKEYMGMT" -c "$C" --check-backup -f "$T_TMP/damaged.pem" --password-file "$T_TMP/pw"
t_no_grep check_damaged_says_nothing_held "$T_OUT" 'holds the key'
printf '%s\n' 'Bkp 2026!Wrong-xY' >"$T_TMP/wrong"
t_expect_exit "$EX_BAD_PASSWORD" check_wrong_password "$RSKEYMGMT" -c "$C" --check-backup -f "$B" --password-file "$T_TMP/wrong"
t_equal checks_keep_database "$(cksum <"$DB")" "$SUM"

# ---- never overwrite our own files, with --overwrite or not ----
KEYDIR=$(dirname "$C")/keys
mkfifo "$T_TMP/fifo"
KEYFILE=$(ls "$KEYDIR"/*.key)
KEYSUM=$(cksum <"$KEYFILE")
CONFSUM=$(cksum <"$C")
# On PostgreSQL (tests/pg/cli.sh) the demo's SQLite file is not the
# instance's database any more: nothing to protect there.
if [ -z "${RS_TEST_PG:-}" ]; then
	t_expect_exit "$EX_USAGE" backup_onto_database "$RSKEYMGMT" -c "$C" -e -f "$DB" --password-file "$T_TMP/pw" --overwrite
	t_grep backup_onto_database_says_why "$T_ERR" 'report server database'
	t_equal database_unchanged "$(cksum <"$DB")" "$SUM"
	t_expect_exit "$EX_USAGE" backup_onto_database_no_overwrite "$RSKEYMGMT" -c "$C" -e -f "$DB" --password-file "$T_TMP/pw"
	t_expect_exit "$EX_USAGE" backup_onto_wal "$RSKEYMGMT" -c "$C" -e -f "$DB-wal" --password-file "$T_TMP/pw" --overwrite
	ln "$DB" "$T_TMP/hardlink.db" 2>/dev/null || cp "$DB" "$T_TMP/hardlink.db"
	if [ "$(stat -c %i "$DB")" = "$(stat -c %i "$T_TMP/hardlink.db")" ]; then
		t_expect_exit "$EX_USAGE" backup_onto_database_by_inode "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/hardlink.db" --password-file "$T_TMP/pw" --overwrite
	fi
	rm -f "$T_TMP/hardlink.db"
	# the admin lock, wherever lock.h puts it (root's own folder)
	LOCK=$(t_lock_path "$DB")
	[ -e "$LOCK" ] || "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/mklock.pem" --password-file "$T_TMP/pw" >/dev/null 2>&1
	t_expect_exit "$EX_USAGE" backup_onto_admin_lock "$RSKEYMGMT" -c "$C" -e -f "$LOCK" --password-file "$T_TMP/pw" --overwrite
	t_grep backup_onto_admin_lock_says_why "$T_ERR" 'report server database'
	t_equal admin_lock_not_replaced "$(stat -c '%U %s' "$LOCK")" "$(id -un) 0"
else
	t_skip backup_onto_database "the database is on PostgreSQL"
fi
t_expect_exit "$EX_USAGE" backup_onto_private_key "$RSKEYMGMT" -c "$C" -e -f "$KEYFILE" --password-file "$T_TMP/pw" --overwrite
t_grep backup_onto_key_says_why "$T_ERR" 'key store'
t_equal private_key_unchanged "$(cksum <"$KEYFILE")" "$KEYSUM"
t_expect_exit "$EX_USAGE" backup_into_key_store "$RSKEYMGMT" -c "$C" -e -f "$KEYDIR/new.pem" --password-file "$T_TMP/pw"
t_absent backup_into_key_store_writes_nothing "$KEYDIR/new.pem"
t_expect_exit "$EX_USAGE" backup_onto_config "$RSKEYMGMT" -c "$C" -e -f "$C" --password-file "$T_TMP/pw" --overwrite
t_equal config_unchanged "$(cksum <"$C")" "$CONFSUM"
# Another member's config and key on this machine, or any other file that
# is not an earlier backup: not replaced either.
C2=$(dirname "$(dirname "$C")")/member2/rsreportserver.conf
C2SUM=$(cksum <"$C2")
t_expect_exit "$EX_USAGE" backup_onto_other_member_config "$RSKEYMGMT" -c "$C" -e -f "$C2" --password-file "$T_TMP/pw" --overwrite
t_grep other_member_config_says_why "$T_ERR" 'is not a key backup; a backup replaces only an earlier backup or an empty file'
t_equal other_member_config_unchanged "$(cksum <"$C2")" "$C2SUM"
KEY2=$(ls "$(dirname "$C2")"/keys/*.key)
KEY2SUM=$(cksum <"$KEY2")
t_expect_exit "$EX_USAGE" backup_onto_other_member_key "$RSKEYMGMT" -c "$C" -e -f "$KEY2" --password-file "$T_TMP/pw" --overwrite
t_equal other_member_key_unchanged "$(cksum <"$KEY2")" "$KEY2SUM"
t_expect_exit "$EX_USAGE" backup_over_fifo "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/fifo" --password-file "$T_TMP/pw" --overwrite
t_expect_exit "$EX_USAGE" backup_onto_audit_log "$RSKEYMGMT" -c "$C" -e -f "$AUDIT" --password-file "$T_TMP/pw" --overwrite
t_grep refusals_audited "$AUDIT" 'op=backup .*outcome=(failed|refused)'
[ -n "${RS_TEST_PG:-}" ] ||
    t_equal database_still_unchanged "$(cksum <"$DB")" "$SUM"
t_expect_exit 0 still_activated "$RSKEYMGMT" -c "$C" --verify

# ---- freshness: is there a backup of the key in use? ----
t_expect_exit 0 status_fresh_json "$RSKEYMGMT" -c "$C" --status --json
t_grep backup_current_after_extract "$T_OUT" '"backup_current":true'
t_expect_exit 0 backup_age_fresh "$RSKEYMGMT" -c "$C" --status --check-backup-age 1
t_expect_exit "$EX_USAGE" backup_age_not_a_number "$RSKEYMGMT" -c "$C" --status --check-backup-age soon
t_expect_exit 0 reencrypt "$RSKEYMGMT" -c "$C" -s --yes
t_expect_exit 0 status_after_reencrypt_json "$RSKEYMGMT" -c "$C" --status --json
t_grep backup_not_current_after_reencrypt "$T_OUT" '"backup_current":false'
t_expect_exit 0 status_after_reencrypt "$RSKEYMGMT" -c "$C" --status
t_grep status_says_no_backup "$T_OUT" '^Last backup: +none of this key \(generation 2\) yet'
t_no_grep status_not_never_after_change "$T_OUT" 'never'
t_expect_exit "$EX_BACKUP_REQUIRED" backup_age_after_reencrypt "$RSKEYMGMT" -c "$C" --status --check-backup-age 30
t_grep backup_age_says_generation "$T_ERR" 'No backup of the key in use \(generation 2\)'
t_expect_exit "$EX_BACKUP_REQUIRED" backup_age_json "$RSKEYMGMT" -c "$C" --status --check-backup-age 30 --json
t_grep backup_age_json_error "$T_OUT" '"ok":false,"error":"backup-required".*"backup_current":false'
t_expect_exit 0 extract_after_reencrypt "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/gen2.pem" --password-file "$T_TMP/pw"
t_expect_exit 0 status_after_extract_json "$RSKEYMGMT" -c "$C" --status --json
t_grep backup_current_after_new_extract "$T_OUT" '"backup_current":true'
t_expect_exit 0 backup_age_after_extract "$RSKEYMGMT" -c "$C" --status --check-backup-age 1

t_done
