#!/bin/sh
# SPDX-License-Identifier: ISC
# Service account: Apply first prompts for a key backup; with one made in
# the dialog the account changes and the key is re-wrapped; without one,
# nothing changes unless the admin states a backup exists.  The Results
# history logs the key store's ownership step once (issue 18).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	t_skip account "needs root and the account nobody"
	t_done
fi
t_demo "$T_TMP/demo" 100

apply_account() {
	tui_start -- || return 1
	tui_page 2
	tui_keys Tab
	tui_type "$1"
	tui_keys Tab Enter
}

apply_account nobody
t_screen prompts_for_backup "Back up the encryption key"
tui_keys Right Right Enter
t_screen cancel_changes_nothing "No backup made or stated"
rsk --status
t_grep account_unchanged "$T_OUT" '"service_account":"root"'
t_grep cancel_audited "$T_TMP/demo/reportserver.db-audit.log" \
    'op=service-account target="?nobody"? .*outcome=cancelled'
tui_stop

apply_account nobody
tui_wait "Back up the encryption key"
tui_keys Enter
t_screen backup_dialog_first "Backup before the service account change"
tui_type 'Acc0unt!Pass'
tui_keys Tab
tui_type 'Acc0unt!Pass'
tui_keys Enter
t_screen backup_made "Backup complete" 30
tui_keys Enter
t_screen account_changed "Service account is now nobody" 30
# The whole Results history (r, saved with s): the key store's ownership
# step is logged once, not again as a warning (issue 18).
tui_keys r
tui_wait "Results history (lines:"
tui_keys s
tui_wait "Save to file:"
tui_keys C-u
tui_type "$T_TMP/history.txt"
tui_keys Enter
t_screen history_saved "Saved to"
tui_keys Escape
tui_wait_gone "Results history" 5
t_grep ownership_step_logged "$T_TMP/history.txt" 'The key store .* now'
sed 's/^\[[^]]*\] *//' "$T_TMP/history.txt" | grep . | sort | uniq -d >"$T_TMP/repeated"
if [ -s "$T_TMP/repeated" ]; then
	t_fail no_step_repeated "repeated: $(head -1 "$T_TMP/repeated")"
else
	t_ok no_step_repeated
fi
rsk --status
t_grep status_shows_new_account "$T_OUT" '"service_account":"nobody"'
t_grep still_activated "$T_OUT" '"activated":true'
tui_stop

apply_account root
tui_wait "Back up the encryption key"
tui_keys Right Enter
t_screen asks_to_state_backup "Do you have a current backup"
tui_keys Left Enter
t_screen stated_backup_changes "Service account is now root" 30
rsk --status
t_grep account_back_to_root "$T_OUT" '"service_account":"root"'
tui_stop
t_done
