#!/bin/sh
# SPDX-License-Identifier: ISC
# Change: members for review, confirmation, progress, summary; and a change
# cancelled with Esc in the middle leaves the key and every value as they
# were.  One value is counted in the singular (ngettext).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 200000
before=$(kcv "$DEMO_CONF")

open_change() {
	tui_start -- || return 1
	tui_page 1
	tui_keys Tab Right Right Enter
}

open_change
t_screen review_lists_servers "review the servers"
t_screen review_shows_waiting "Waiting to join"
tui_keys Left Enter
t_screen confirmation "re-encrypt all 200000 encrypted values"
# Esc typed right after the confirmation lands in the first progress call.
tui_keys Left Enter Escape
t_screen esc_asks_to_cancel "Cancel the change?" 30
t_screen progress_shown_under "Changing the encryption key"
tui_keys Left Enter
t_screen cancel_rolled_back "Change cancelled" 60
tui_keys Enter
t_equal cancel_keeps_key "$(kcv "$DEMO_CONF")" "$before"
rsk --verify
t_grep cancel_values_readable "$T_OUT" '"unreadable":0'
tui_keys F10
tui_exit_status >/dev/null

open_change
tui_wait "review the servers"
tui_keys Left Enter
tui_wait "Change key"
tui_keys Left Enter
t_screen progress_bar "values   time left:" 30
t_screen progress_counts_plural " of 200000 values"
t_screen change_summary "Change complete" 120
t_screen summary_counts "Values re-encrypted:   200000"
t_screen change_offers_backup_now "Back up now"
tui_keys Enter
after=$(kcv "$DEMO_CONF")
t_differ change_made_new_key "$before" "$after"
rsk --verify
t_grep change_values_readable "$T_OUT" '"unreadable":0'
t_screen results_steps "Re-encrypted 200000 values"
t_screen results_one_member "Replaced the key copy of 1 member"
tui_stop

# A deployment with one value: the confirmation says "the 1 encrypted value".
t_demo "$T_TMP/one" 1
open_change
tui_wait "review the servers"
tui_keys Left Enter
t_screen confirmation_singular "re-encrypt the 1 encrypted value now?"
t_no_grep confirmation_no_all_1 "$TUI_SCREEN" "all 1 encrypted"
tui_keys Escape
tui_wait_gone "re-encrypt the 1" 5
tui_stop
t_done
