#!/bin/sh
# SPDX-License-Identifier: ISC
# The frame at 80x24: every page shows whole, F1 helps on each page (the
# general help names r for the Results viewer and Ctrl-L), ESC + digit
# works as an F-key, F10 quits with the terminal restored; at 120x40 the
# Status page's counts stand in one column, and times name their zone.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 100
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }

t_screen title_names_instance 'RSDEMO1  |  Activated'
t_screen hints_shown_whole 'F10 Quit   (Esc 1: F1, Esc 0: F10)'
tui_capture
tui_nothing_cut fits_80x24

check_page() {
	# $1 name in the page title, $2 help title, $3 text on the page
	t_screen "page_$4" "$3"
	tui_keys F1
	t_screen "help_$4" "$2"
	tui_keys Enter
	tui_wait_gone "$2" 5 || t_fail "help_closes_$4" "help stayed open"
}

check_page "Report Server Status" "Help: Report Server Status" "Installation ID:" status
# The general help names the Results viewer's key and Ctrl-L (at its end).
tui_keys F1
tui_wait "Help: Report Server Status"
tui_keys NPage NPage NPage NPage
t_screen help_names_results_key "r opens the"
t_screen help_names_ctrl_l "Ctrl-L"
tui_keys Enter
tui_wait_gone "Help: Report Server Status" 5 || t_fail help_closes_again "help stayed open"
tui_keys Down
check_page "Encryption Keys" "Help: Encryption Keys" "Copies the symmetric key" keys
tui_keys Down
check_page "Service Account" "Help: Service Account" "Current service account:" account
tui_keys Down
check_page "Scale-out Deployment" "Help: Scale-out Deployment" "Waiting to join" scaleout
tui_keys Down
check_page "Audit Log" "Help: Audit Log" "newest first" audit

# ESC then 1 is F1; ESC then 0 is F10.
tui_keys Escape 1
t_screen esc_1_is_f1 "Help: Audit Log"
tui_keys Enter
tui_wait_gone "Help: Audit Log" 5
tui_keys Escape 0
t_equal f10_quits_with_0 "$(tui_exit_status)" 0
t_screen terminal_restored RSCONFIG-DONE
tui_capture
t_no_grep no_frame_left_after_exit "$TUI_SCREEN" 'Report Server Configuration Manager'

# The Status page's counts per kind stand in one column (the longest
# label, "subscription delivery settings", pushed its count out of line).
# Times name their zone (issue 18): the local one, here TZ=Europe/Berlin.
TUI_W=120 TUI_H=40
tui_start TZ=Europe/Berlin -- || { t_fail start_120 "rsconfig did not start"; t_done; }
t_screen counts_shown "subscription delivery settings"
tui_capture
t_grep key_created_zone "$TUI_SCREEN" 'Key created: +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} CES?T '
t_grep key_changed_zone "$TUI_SCREEN" 'Last key change: +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} CES?T '
cols=$(awk '/ (connection strings|stored credentials|subscription delivery settings) +[0-9]/ {
	print match($0, /[0-9]+ +x$/) }' "$TUI_SCREEN" | sort -u)
t_equal counts_in_one_column "$(printf '%s\n' "$cols" | grep -c .)" 1
tui_keys Down Down Down Down
t_screen audit_page "newest first"
tui_capture
t_grep audit_time_zone "$TUI_SCREEN" 'x[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} CES?T init'
tui_stop
t_done
