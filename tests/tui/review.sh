#!/bin/sh
# SPDX-License-Identifier: ISC
# The change review is not a snapshot (issue 14): Refresh reads who runs
# again; Continue checks again, so a service stopped after the review no
# longer stops the change; a member row planted after the review is not
# taken on trust: Continue says the list changed and shows it again, with
# the key fingerprints of the servers that get the new key.  Delete checks
# who runs the same way: named, and nothing changes unless forced.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - the sqlite3 program is not installed"
	exit 77
fi

t_demo "$T_TMP/demo" 100 3
C2=$T_TMP/demo/member2/rsreportserver.conf
ID3=$(sed -n 's/^installation_id *= *//p' "$DEMO_WAIT")
DB=$T_TMP/demo/reportserver.db
AUDIT=$T_TMP/demo/reportserver.db-audit.log
before=$(kcv "$DEMO_CONF")
TUI_H=40
T_AT_EXIT="'$RSKEYMGMT' -c '$C2' --stop >/dev/null 2>&1; $T_AT_EXIT"

# A failed t_true shows the screen.
T_ON_FAIL=tui_dump

open_change() {
	tui_start -- || return 1
	tui_page 1
	tui_keys Tab Right Right Enter
	tui_wait "review the servers"
}

# candidate_shown N: the screen lists RSDEMO<N> among those that get the key,
# with a 128-bit fingerprint.
candidate_shown() {
	tui_capture
	grep -Eq "RSDEMO$1 +([0-9a-f]{4}:){7}[0-9a-f]{4}" "$TUI_SCREEN"
}

open_change
t_screen review_lists_who_gets_the_key "These servers get the new key"
t_true member1_with_fingerprint "no fingerprint line for RSDEMO1" candidate_shown 1
t_true waiting_member_not_a_candidate "RSDEMO3 listed" eval '! candidate_shown 3'

# Refresh: a service started after the review was drawn shows up.
t_expect_exit 0 m2_starts "$RSKEYMGMT" -c "$C2" --start --heartbeat 1
tui_keys Right Enter
t_screen refresh_shows_running "The report server service is running on:"
t_screen refresh_names_m2 "RSDEMO2 (pid"
t_screen refresh_shows_generation "Activated, generation"

# Stopped after the review: Continue checks again and does not warn.
t_expect_exit 0 m2_stops "$RSKEYMGMT" -c "$C2" --stop
tui_keys Left Enter
t_screen continue_rechecks_who_runs "re-encrypt all 100 encrypted values"
tui_capture
t_no_grep no_force_for_a_stopped_service "$TUI_SCREEN" 'Force the change'
tui_keys Enter
tui_wait_gone "re-encrypt all" 5
t_equal cancelled_key_unchanged "$(kcv "$DEMO_CONF")" "$before"
# The declined confirmation is audited as the CLI's "no" is (issue 14).
t_grep change_cancel_audited "$AUDIT" 'op=change .*outcome=cancelled error="not confirmed'
tui_stop

# A row planted after the review (member 3 made to look joined): Continue
# refuses to go on with the list the admin did not see.
open_change
t_true planted_not_yet_shown "RSDEMO3 listed" eval '! candidate_shown 3'
sqlite3 -cmd '.timeout 10000' "$DB" "UPDATE members SET wrapped_key = \
    (SELECT wrapped_key FROM members WHERE wrapped_key IS NOT NULL LIMIT 1), \
    key_generation = (SELECT key_generation FROM members WHERE wrapped_key \
    IS NOT NULL LIMIT 1) WHERE installation_id = '$ID3'"
tui_keys Left Enter
t_screen continue_sees_the_planted_row "changed since the review"
tui_keys Enter
tui_wait "review the servers"
t_true planted_row_shown_for_review "RSDEMO3 not listed" candidate_shown 3
tui_keys Enter
tui_wait_gone "review the servers" 5
t_equal planted_cancelled_key_unchanged "$(kcv "$DEMO_CONF")" "$before"
tui_stop

# Delete checks who runs as Change does: it names the running service and
# changes nothing unless the admin forces it.
t_expect_exit 0 m2_starts_for_delete "$RSKEYMGMT" -c "$C2" --start --heartbeat 1
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_page 1
tui_keys Tab Right Right Right Enter
tui_wait "Back up first"
tui_keys Left Enter
tui_wait "Type DELETE:"
tui_type 'DELETE'
tui_keys Enter
t_screen delete_offers_force "Delete anyway"
tui_capture
t_grep delete_names_the_service "$TUI_SCREEN" 'RSDEMO2 \(pid'
tui_keys Enter
t_screen delete_cancelled "Delete cancelled; nothing was changed"
t_equal delete_not_forced_key_kept "$(kcv "$DEMO_CONF")" "$before"
t_grep delete_cancel_audited "$AUDIT" 'op=delete .*outcome=cancelled error="not confirmed'
tui_stop
t_done
