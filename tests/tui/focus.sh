#!/bin/sh
# SPDX-License-Identifier: ISC
# Visible focus (issue 18) at 80x24 and at 120x40: the terminal cursor sits
# in the focused entry of Backup, Restore and Check a backup (each opens on
# its first field, the password, hidden); a password typed right after
# opening Restore never shows; the focused button and Browse are reversed
# and bold also with NO_COLOR; the busy state shows during a backup; Check
# a backup shows what the file holds and the counts.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 100
PW='F0cus!Pass'
pw=$(tui_pwfile "$PW")
t_run "$RSKEYMGMT" -c "$DEMO_CONF" --extract -f "$T_TMP/good.rskey" --password-file "$pw"

# cursor_in NAME LABEL: the cursor is visible, on the row showing LABEL,
# right of the label (in the entry).
cursor_in() {
	_c=$(tui_tmux display -p -t 0 '#{cursor_x},#{cursor_y},#{cursor_flag}')
	_x=${_c%%,*}
	_r=${_c#*,}
	_y=${_r%%,*}
	_f=${_r#*,}
	tui_capture
	_line=$(sed -n "$((_y + 1))p" "$TUI_SCREEN")
	_lx=$(printf '%s\n' "$_line" | awk -v l="$2" '{ print index($0, l) - 1 }')
	if [ "$_f" = 1 ] && [ "$_lx" -ge 0 ] && [ "$_x" -ge $((_lx + ${#2})) ]; then
		t_ok "$1"
	else
		t_fail "$1" "cursor $_c not in the field of '$2' (line: $_line)"
	fi
}

# Waits until the cursor has settled on the row showing LABEL.
cursor_wait() {
	t_until 5 cursor_on "$1"
}

# shellcheck disable=SC2317  # run by t_until
cursor_on() {
	_y=$(tui_tmux display -p -t 0 '#{cursor_y}')
	tui_capture
	sed -n "$((_y + 1))p" "$TUI_SCREEN" | grep -Fq -- "$1"
}

at_size() {  # W H
	TUI_W=$1 TUI_H=$2
	s=${1}x$2
	tui_start -- || { t_fail "start_$s" "rsconfig did not start"; return; }
	tui_page 1

	# Backup: password, confirmation, file, each with the cursor in it.
	tui_keys Tab Enter
	tui_wait "Backup Encryption Key"
	cursor_wait "Password:"
	cursor_in "backup_opens_on_password_$s" "Password:"
	tui_type 'abc'
	cursor_wait "***"
	cursor_in "backup_cursor_follows_typing_$s" "Password:   "
	tui_keys Tab
	cursor_wait "Confirm password:"
	cursor_in "backup_confirm_focused_$s" "Confirm password:"
	tui_keys Tab
	cursor_wait "Backup file:"
	cursor_in "backup_file_focused_$s" "Backup file:"
	tui_keys Escape
	tui_wait_gone "Backup Encryption Key" 5

	# Restore: a password typed at once lands hidden.  (After a dialog
	# the focus is on the page's buttons, on the one last pressed.)
	tui_keys Right Enter
	tui_type 'Typed!At0nce'
	t_screen "restore_opens_$s" "Restore Encryption Key"
	cursor_wait "Backup password:"
	cursor_in "restore_opens_on_password_$s" "Backup password:"
	t_no_grep "restore_typed_text_hidden_$s" "$TUI_SCREEN" 'Typed!At0nce'
	t_grep "restore_typed_as_stars_$s" "$TUI_SCREEN" 'Backup password: *\*\*\*\*\*\*\*\*\*\*\*\*'
	tui_keys Tab
	cursor_wait "Backup file:"
	cursor_in "restore_file_focused_$s" "Backup file:"
	# Browse beside the file field: the selector opens in the folder of
	# the default file (the current one) and fills the field.
	tui_keys Tab Enter
	t_screen "browse_opens_selector_$s" "Choose the backup file"
	t_screen "browse_lists_backup_folder_$s" "good.rskey"
	tui_type '/good.rskey'
	tui_keys Enter
	tui_wait_gone "Choose the backup file" 5
	t_grep "browse_fills_field_$s" "$TUI_SCREEN" "Backup file: *$T_TMP/good.rskey"
	tui_keys Escape
	tui_wait_gone "Restore Encryption Key" 5

	# Check a backup: the same order; then what the file holds.
	tui_keys Right Right Right Enter
	t_screen "check_opens_$s" "Check a backup"
	cursor_wait "Backup password:"
	cursor_in "check_opens_on_password_$s" "Backup password:"
	tui_type "$PW"
	tui_keys Tab C-u
	tui_type "$T_TMP/good.rskey"
	cursor_in "check_file_focused_$s" "Backup file:"
	tui_keys Enter
	t_screen "check_shows_holds_$s" "Check a backup: what the file holds" 30
	t_screen "check_shows_counts_$s" "opens 100 of 100 encrypted"
	t_screen "check_changes_nothing_$s" "Nothing was changed."
	tui_keys Enter
	tui_wait_gone "what the file holds" 5

	# The page's own entry (Service Account) has the cursor too.
	tui_keys Escape
	sleep 0.3
	tui_keys Down
	t_screen "account_page_$s" "New account:"
	tui_keys Tab
	tui_type 'abc'
	cursor_wait "New account: abc"
	cursor_in "account_entry_cursor_$s" "New account: abc"
	tui_stop
}

at_size 80 24
at_size 120 40
TUI_W=80 TUI_H=24

# The busy state during a backup, and keys typed meanwhile go nowhere.
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_page 1
tui_keys Tab Enter
tui_wait "Backup Encryption Key"
tui_type "$PW"
tui_keys Tab
tui_type "$PW"
tui_keys Tab C-u
tui_type "$T_TMP/busy.rskey"
tui_keys Enter
t_screen busy_state_shown "Working: deriving the key from the password" 10
tui_type 'zzz'
t_screen busy_ends_in_result "Backup complete" 30
t_no_grep busy_keys_ignored "$TUI_SCREEN" 'zzz'
t_equal busy_backup_written "$(file_mode "$T_TMP/busy.rskey" 2>/dev/null)" 600
tui_keys Enter
tui_stop

# Esc while a check derives its key: the check is dropped (it changes
# nothing) and the dialog comes back.  On a quiet machine the 100-value
# check can end before the 200 ms the busy state waits for, so this one
# runs on 200,000 values: the trial decryption keeps the worker busy.
SMALL_CONF=$DEMO_CONF
t_demo "$T_TMP/big" 200000 1
t_run "$RSKEYMGMT" -c "$DEMO_CONF" --extract -f "$T_TMP/big.rskey" --password-file "$pw"
tui_start -- || { t_fail start_cancel "rsconfig did not start"; t_done; }
tui_page 1
tui_keys Tab Right Right Right Right Enter
tui_wait "Backup password:"
tui_type "$PW"
tui_keys Tab C-u
tui_type "$T_TMP/big.rskey"
tui_keys Enter
t_screen busy_check_shown "Working: deriving the key from the password" 10
tui_keys Escape
tui_wait_gone "Working:" 10
sleep 0.5
tui_capture
t_no_grep busy_esc_no_result "$TUI_SCREEN" "what the file holds"
t_grep busy_esc_back_to_dialog "$TUI_SCREEN" "Backup password:"
tui_keys Escape
t_screen busy_esc_logged "Check cancelled" 5
tui_stop
DEMO_CONF=$SMALL_CONF

# NO_COLOR: the focused Browse and the focused button are reversed and bold.
tui_start NO_COLOR=1 -- || { t_fail start_nocolor "rsconfig did not start"; t_done; }
tui_page 1
tui_keys Tab Enter
tui_wait "Backup Encryption Key"
tui_keys Tab Tab Tab
sleep 0.3
tui_tmux capture-pane -t 0 -e -p >"$T_TMP/attr"
esc=$(printf '\033')
if grep -q "${esc}\[[0-9;]*7m\[Browse\]" "$T_TMP/attr" &&
    grep "${esc}\[[0-9;]*7m\[Browse\]" "$T_TMP/attr" | grep -q "${esc}\[1;7m\[Browse\]"; then
	t_ok nocolor_browse_focus_reversed_bold
else
	t_fail nocolor_browse_focus_reversed_bold "no reverse+bold [Browse]"
	sed 's/^/# | /' "$T_TMP/attr" | cat -v
fi
t_equal nocolor_cursor_hidden_on_browse "$(tui_tmux display -p -t 0 '#{cursor_flag}')" 0
tui_keys Tab
sleep 0.3
tui_tmux capture-pane -t 0 -e -p >"$T_TMP/attr"
if grep -q "${esc}\[1;7m *OK" "$T_TMP/attr"; then
	t_ok nocolor_button_focus_reversed_bold
else
	t_fail nocolor_button_focus_reversed_bold "no reverse+bold OK button"
	sed 's/^/# | /' "$T_TMP/attr" | cat -v
fi
# A refused OK puts the button focus back on the default (first) button.
tui_keys Right
sleep 0.2
tui_tmux capture-pane -t 0 -e -p >"$T_TMP/attr"
t_grep nocolor_right_moves_to_cancel "$T_TMP/attr" "${esc}\[1;7m *Cancel"
tui_keys Escape
tui_wait_gone "Backup Encryption Key" 5
tui_keys Enter
tui_wait "Backup Encryption Key"
tui_keys Tab Tab Tab Tab
sleep 0.3
tui_tmux capture-pane -t 0 -e -p >"$T_TMP/attr"
t_grep button_focus_starts_on_first "$T_TMP/attr" "${esc}\[1;7m *OK"
tui_stop
t_done
