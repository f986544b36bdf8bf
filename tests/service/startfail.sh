#!/bin/sh
# SPDX-License-Identifier: ISC
# A service that cannot start says why, in both faces: the config names a
# service account that does not exist; rskeymgmt --start and the TUI's
# Start Service both show rsserverd's own reason (not just "failed"), the
# TUI in its message box and in the Results pane, and nothing is left
# running.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=../tui/tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

t_demo "$T_TMP/demo" 20 2
C=$DEMO_CONF
sed -i 's/^service_account *=.*/service_account = rsnosuchacct/' "$C"
t_grep config_names_missing_account "$C" '^service_account = rsnosuchacct'

# The key pair is there; only the account is wrong: the status says so,
# not "no key pair" (whose advice, Initialize, would be wrong here).
t_expect_exit "$EX_NOT_ACTIVATED" cli_status_not_activated "$RSKEYMGMT" -c "$C" --status --json
t_grep cli_status_unusable "$T_OUT" '"activation":"private-key-unusable"'
t_grep cli_status_reason "$T_OUT" 'no such user \\"rsnosuchacct\\"'

t_expect_exit "$EX_FAILED" cli_start_fails "$RSKEYMGMT" -c "$C" --start
t_grep cli_says_did_not_start "$T_ERR" 'did not start'
t_grep cli_gives_reason "$T_ERR" 'service account rsnosuchacct .* does not exist'
t_expect_exit 0 cli_nothing_running "$RSKEYMGMT" -c "$C" --service-status
t_grep cli_status_stopped "$T_OUT" 'is stopped'

tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
t_screen status_says_stopped "Service:         Stopped"
t_screen status_says_unusable "no such user \"rsnosuchacct\""
if tui_shows "Choose Initialize"; then
	t_fail status_no_initialize_advice "the status page advises Initialize"
else
	t_ok status_no_initialize_advice
fi
tui_keys Tab Right Enter
t_screen tui_box_says_did_not_start "did not start" 30
t_screen tui_box_gives_reason "start-failed: the service"
tui_keys Enter
if tui_wait_gone "The operation did not complete."; then
	t_ok tui_box_closed
else
	t_fail tui_box_closed "the message box stayed"
fi
t_screen tui_results_keep_reason "start-failed: the service"
t_screen tui_status_still_stopped "Service:         Stopped"
tui_stop
t_done
