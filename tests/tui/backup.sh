#!/bin/sh
# SPDX-License-Identifier: ISC
# Backup: a weak password is refused with its rules, a strong one writes a
# verified file (mode 600) and records the backup.  The default name holds
# the UTC time as the rsbackup timer's files do (INSTANCE-YYYYMMDDTHHMMSSZ),
# so a second backup a second later gets a file of its own; a name typed by
# hand that exists is replaced only after asking, the instance's database
# is never offered for replacing.  Restore offers the newest
# backup of the instance in the folder.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 100
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_page 1
tui_keys Tab Enter
t_screen backup_dialog_opens "Backup Encryption Key"
t_screen default_file_name "RSDEMO1-$(date -u +%Y%m%d)T"
tui_capture
t_grep default_file_name_has_time "$TUI_SCREEN" 'RSDEMO1-[0-9]{8}T[0-9]{6}Z\.rskey'

tui_type 'weakpw'
t_screen checklist_lower_met '[x] a lower-case letter'
t_screen checklist_upper_unmet '[ ] an upper-case letter'
tui_keys Tab
tui_type 'weakpw'
tui_keys Enter
t_screen weak_password_refused "Password refused"
t_screen weak_password_names_rule "must contain a digit"
tui_keys Enter
tui_wait_gone "Password refused" 5

tui_keys BTab C-u
tui_type 'Str0ng!Pass'
tui_keys Tab C-u
tui_type 'Str0ng!Pass'
t_screen checklist_all_met '[x] password and confirmation match'
tui_keys Enter
t_screen backup_complete "Backup complete" 30
t_screen backup_verified "yes, read back and opened to the same key"
tui_keys Enter

backups() { ls "$T_TMP"/RSDEMO1-*Z.rskey 2>/dev/null; }
t_equal one_backup_file "$(backups | wc -l)" 1
file=$(backups | head -n 1)
t_equal backup_file_mode_600 "$(file_mode "$file" 2>/dev/null)" 600
# The name's time is now (UTC), within a minute.
stamp=$(basename "$file" .rskey | sed 's/^RSDEMO1-//')
made=$(date -u -d "$(echo "$stamp" | sed 's/^\(....\)\(..\)\(..\)T\(..\)\(..\)\(..\)Z$/\1-\2-\3 \4:\5:\6Z/')" +%s 2>/dev/null || echo 0)
age=$(( $(date -u +%s) - made ))
if [ "$age" -ge 0 ] && [ "$age" -le 60 ]; then
	t_ok name_time_is_now
else
	t_fail name_time_is_now "stamp $stamp is $age s old"
fi
rsk --status
t_no_grep last_backup_recorded "$T_OUT" '"last_backup":null'
t_screen results_list_steps "Wrote and verified"

# Again a second later with the default name: a new file, no question.
sleep 1
tui_keys Enter
t_screen backup_again "Backup Encryption Key"
tui_type 'Str0ng!Pass'
tui_keys Tab
tui_type 'Str0ng!Pass'
tui_keys Enter
t_screen second_backup_complete "Backup complete" 30
t_no_grep second_backup_not_asked "$TUI_SCREEN" "already exists"
tui_keys Enter
t_equal two_backup_files "$(backups | wc -l)" 2
newest=$(backups | tail -n 1)
t_differ second_is_another_file "$newest" "$file"

# The first file's name typed by hand: the dialog asks first, and Keep it
# leaves the file as it was.
sum=$(cksum <"$file")
tui_keys Enter
t_screen backup_third "Backup Encryption Key"
tui_type 'Str0ng!Pass'
tui_keys Tab
tui_type 'Str0ng!Pass'
tui_keys Tab C-u
tui_type "$file"
tui_keys Enter
t_screen asks_before_overwrite "already exists"
tui_keys Enter
t_screen keep_returns_to_dialog "Backup Encryption Key"
t_equal kept_file_unchanged "$(cksum <"$file")" "$sum"
tui_keys Escape
tui_wait_gone "Backup Encryption Key" 5

# The report server database: no "Replace?", refused, audited, unchanged.
db=$T_TMP/demo/reportserver.db
dbsum=$(cksum <"$db")
tui_keys Enter
t_screen backup_onto_db_dialog "Backup Encryption Key"
tui_type 'Str0ng!Pass'
tui_keys Tab
tui_type 'Str0ng!Pass'
tui_keys Tab C-u
tui_type "$db"
tui_keys Enter
t_screen backup_onto_db_refused "belongs to this instance"
t_no_grep backup_onto_db_not_asked "$TUI_SCREEN" "already exists|Replace"
t_no_grep backup_onto_db_no_cli_words "$TUI_SCREEN" "--overwrite"
t_equal backup_onto_db_unchanged "$(cksum <"$db")" "$dbsum"
t_grep backup_onto_db_audited "$db-audit.log" "op=backup target=\"?$db\"? .*outcome=(failed|refused)"
tui_keys Enter
tui_keys Escape
tui_wait_gone "Backup Encryption Key" 5
t_equal still_two_files "$(backups | wc -l)" 2
tui_keys F10
t_equal quits "$(tui_exit_status)" 0

# Restore opens on the newest backup of the instance in the folder.
tui_start -- || { t_fail restart "rsconfig did not start"; t_done; }
tui_page 1
tui_keys Tab Right Enter
t_screen restore_dialog_opens "Restore Encryption Key"
t_screen restore_offers_newest "$(basename "$newest")"
tui_keys Escape
tui_wait_gone "Restore Encryption Key" 5
tui_keys F10
t_equal quits_again "$(tui_exit_status)" 0
t_done
