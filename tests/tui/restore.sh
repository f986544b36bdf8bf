#!/bin/sh
# SPDX-License-Identifier: ISC
# Restore: the dialog shows what the file holds before applying; the same
# key applies at once, a different key only after a second confirmation
# that says how many values become unreadable; the key the values are
# still sealed with applies at once (recovery after a forced restore);
# one unreadable value and one other member are counted in the singular.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 100
pw=$(tui_pwfile 'Rest0re!Pass')
t_run "$RSKEYMGMT" -c "$DEMO_CONF" --extract -f "$T_TMP/old.rskey" --password-file "$pw"
old_kcv=$(kcv "$DEMO_CONF")

restore_file() {
	tui_start -- || return 1
	tui_page 1
	tui_keys Tab Right Enter
	tui_wait "Restore Encryption Key" || return 1
	tui_type 'Rest0re!Pass'
	tui_keys Tab C-u
	tui_type "$1"
	tui_keys Enter
}

restore_file "$T_TMP/old.rskey"
t_screen shows_file_contents "Restore: what the file holds"
t_screen same_key_recognised "This is the key the database uses."
tui_keys Left Enter
t_screen same_key_restored "Restore complete"
tui_keys Enter
t_equal same_key_kept "$(kcv "$DEMO_CONF")" "$old_kcv"
tui_keys F10
tui_exit_status >/dev/null

# A new key in the database; the old backup now holds a different key.
t_run "$RSKEYMGMT" -c "$DEMO_CONF" --reencrypt --yes
new_kcv=$(kcv "$DEMO_CONF")
t_run "$RSKEYMGMT" -c "$DEMO_CONF" --extract -f "$T_TMP/new.rskey" --password-file "$pw"
t_differ key_changed_by_cli "$old_kcv" "$new_kcv"

restore_file "$T_TMP/old.rskey"
t_screen different_key_flagged "This is NOT the key the database uses."
tui_keys Left Enter
t_screen second_confirmation "Apply a DIFFERENT key?"
t_screen says_how_many_unreadable "100 encrypted values"
tui_keys Enter
t_screen cancel_keeps_dialog "Restore Encryption Key"
t_equal cancel_keeps_key "$(kcv "$DEMO_CONF")" "$new_kcv"
t_grep cancel_audited "$T_TMP/demo/reportserver.db-audit.log" \
    "op=restore target=\"?$T_TMP/old.rskey\"? .*outcome=cancelled"
tui_keys Enter
t_screen shows_again "This is NOT the key"
tui_keys Left Enter
tui_wait "Apply a DIFFERENT key?"
tui_keys Left Enter
t_screen different_key_restored "Restore complete"
t_screen forced_offers_backup_now "Back up now"
t_equal different_key_applied "$(kcv "$DEMO_CONF")" "$old_kcv"
tui_keys Enter
tui_keys F10
tui_exit_status >/dev/null

# Recovery: the values are still sealed with the new key; its backup is
# judged by trial decryption and applied without the second confirmation.
restore_file "$T_TMP/new.rskey"
t_screen recovery_counts "opens 100 of 100 encrypted"
t_screen recovery_loses_nothing "applying it loses no"
tui_keys Left Enter
t_screen recovery_restored "Restore complete"
t_screen recovery_no_delete_advice "applied to this instance"
t_no_grep recovery_no_delete_words "$TUI_SCREEN" "[Dd]elete|re-enter|UNREADABLE"
t_equal recovery_key_applied "$(kcv "$DEMO_CONF")" "$new_kcv"
tui_stop

# Counts in the singular (issue 18): a forced restore that leaves one
# value unreadable and one other member to join again says so, never
# "1 values" or "1 other members".
t_demo "$T_TMP/one" 1 2
ID2=$(sed -n 's/^installation_id *= *//p' "$DEMO_WAIT")
t_run "$RSKEYMGMT" -c "$DEMO_CONF" --join "$ID2"
t_run "$RSKEYMGMT" -c "$DEMO_CONF" --extract -f "$T_TMP/one-old.rskey" --password-file "$pw"
t_run "$RSKEYMGMT" -c "$DEMO_CONF" --reencrypt --yes
t_run "$RSKEYMGMT" -c "$DEMO_CONF" --join "$ID2"
TUI_H=40
restore_file "$T_TMP/one-old.rskey"
tui_wait "This is NOT the key the database uses."
tui_keys Left Enter
tui_wait "Apply a DIFFERENT key?"
tui_keys Left Enter
t_screen one_restored "Restore complete"
tui_keys Enter
t_screen one_value_singular "1 value is unreadable with this key"
t_screen one_member_singular "1 other member must be joined again"
tui_capture
t_no_grep one_no_plural_for_one "$TUI_SCREEN" '(^|[^0-9])1 (values|other members)'
# Encrypted Content at 80 columns: the reason whole in its short form, the
# name beside it, all inside the box (it was cut to "sealed with").
# Joining the reset member again names it with the fingerprint its own
# rskeymgmt --status prints, and logs the join (issue 18; it joined every
# waiting server unnamed, and said "initialized again").
t_expect_exit "$EX_NOT_ACTIVATED" one_m2_waits "$RSKEYMGMT" -c "$DEMO_WAIT" --status --json
FP2=$(json_field "$T_OUT" fingerprint)
t_screen join_offer_wording "1 other server must join again"
t_screen join_offer_names "RSDEMO2  $FP2"
t_screen join_offer_how "Compare each key fingerprint"
tui_keys Left Enter
t_screen join_logged "RSDEMO2 joined the scale-out deployment"
t_expect_exit 0 one_m2_joined "$RSKEYMGMT" -c "$DEMO_WAIT" --status
tui_wait "Go there"
tui_keys Enter
t_screen content_lists_item "subscriptions/1/settings"
tui_capture
t_grep content_reason_whole "$TUI_SCREEN" 'settings +other key +Monthly'
t_no_grep content_reason_not_cut "$TUI_SCREEN" 'sealed with  '
tui_nothing_cut content_fits_80
tui_stop
t_done
