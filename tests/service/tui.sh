#!/bin/sh
# SPDX-License-Identifier: ISC
# rsconfig shows which members run before a change: the status page says
# whether this instance's service runs and starts / stops it; the scale-out
# table has a Service column; the change review lists who runs, offers to
# stop the local service, and refuses while another runs unless forced
# with a warning that names it.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=../tui/tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

t_demo "$T_TMP/demo" 100 3
C2=$T_TMP/demo/member2/rsreportserver.conf
before=$(kcv "$DEMO_CONF")

svc_start m2 "$C2" || { t_fail m2_starts "no answer"; t_done; }
P2=$SVC_PID
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }

# Status page: stopped; Start Service starts it, and the page says so.
t_screen status_says_stopped "Service:         Stopped"
tui_keys Tab Right Enter
t_screen start_in_results "The report server service is running" 30
t_screen status_says_running "Service:         Running (pid"
t_true local_service_answers "no answer" svc_wait "$DEMO_CONF" 10
SVC_PIDS="$SVC_PIDS $(svc_pid_of "$DEMO_CONF")"

# Scale-out page: Running for members 1 and 2, never started for 3.
tui_keys BTab
tui_page 3
t_screen scaleout_service_column "Service"
t_screen scaleout_waiting_never_started "Never started"
tui_capture
t_equal scaleout_two_running "$(grep -c 'Running' "$TUI_SCREEN")" 2
# And what the running services hold (issue 14).
t_screen scaleout_services_activated "Services: 2 running, 2 activated (key generation 1)"

# Change: the review lists who runs and offers to stop the local service.
tui_keys Up Up
tui_keys Tab Right Right Enter
t_screen review_lists_running "The report server service is running on:"
t_screen review_names_m2 "RSDEMO2 (pid $P2)"
t_screen review_offers_stop "Stop local service"
tui_keys Enter
tui_wait_gone "RSDEMO1 (pid" 15
t_screen review_again_after_stop "review the servers"
t_equal local_stopped "$(svc_field "$DEMO_CONF" running)" false
# Another member still runs: continue meets a warning naming it.
tui_keys Left Enter
t_screen refusal_names_other "still running on: $(hostname)" 15
t_screen force_offered "Force the change"
tui_keys Right Enter
tui_wait_gone "Force the change" 10
t_equal nothing_changed "$(kcv "$DEMO_CONF")" "$before"
tui_keys F10
tui_exit_status >/dev/null
t_done
