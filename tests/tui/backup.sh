#!/bin/sh
# SPDX-License-Identifier: ISC
# Backup: a weak password is refused with its rules, a strong one writes a
# verified file (mode 600) and records the backup; a second backup asks
# before replacing the file.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 100
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_page 1
tui_keys Tab Enter
t_screen backup_dialog_opens "Backup Encryption Key"
t_screen default_file_name "RSDEMO1-$(date +%Y%m%d).rskey"

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

file=$T_TMP/RSDEMO1-$(date +%Y%m%d).rskey
t_equal backup_file_mode_600 "$(file_mode "$file" 2>/dev/null)" 600
rsk --status
t_no_grep last_backup_recorded "$T_OUT" '"last_backup":null'
t_screen results_list_steps "Wrote and verified"

# Again: the file exists, so the dialog asks first.
tui_keys Enter
t_screen backup_again "Backup Encryption Key"
tui_type 'Str0ng!Pass'
tui_keys Tab
tui_type 'Str0ng!Pass'
tui_keys Enter
t_screen asks_before_overwrite "already exists"
tui_keys Enter
t_screen keep_returns_to_dialog "Backup Encryption Key"
tui_keys Escape
tui_wait_gone "Backup Encryption Key" 5
tui_keys F10
t_equal quits "$(tui_exit_status)" 0
t_done
