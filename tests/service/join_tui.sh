#!/bin/sh
# SPDX-License-Identifier: ISC
# The TUI's Add Server reaches the joined member's running service at once
# (issue 14), in the core's words as rskeymgmt --join prints them: with a
# 60 s heartbeat, the results say it loaded the key and the service
# answers "activated" right after.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=../tui/tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

t_demo "$T_TMP/demo" 100 2
"$RSSERVERD" -c "$DEMO_WAIT" --heartbeat 60 </dev/null >"$T_TMP/m2.log" 2>&1 &
SVC_PIDS="$SVC_PIDS $!"
svc_wait "$DEMO_WAIT" || { t_fail m2_starts "no answer"; t_done; }
t_equal m2_waits "$(svc_field "$DEMO_WAIT" state)" not-activated

TUI_W=160 TUI_H=40
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_page 3
t_screen waiting_member "Waiting to join"
tui_keys Tab Down Tab Enter
t_screen add_confirms "Key fingerprint:"
t0=$(date +%s%3N)
tui_keys Left Enter
t_screen reach_in_results 'loaded the key at once: activated, key generation 1' 10
t_screen reach_names_member 'RSDEMO2 (pid ' 1
took=$(( $(date +%s%3N) - t0 ))
echo "# Add Server to the running service's confirmation: $took ms (heartbeat 60 s)"
t_screen joined_in_results "joined the scale-out deployment" 5
t_equal joined_service_activated "$(svc_field "$DEMO_WAIT" state)" activated
t_true within_3s "took $took ms" [ "$took" -le 3000 ]
tui_stop
t_done
