#!/bin/sh
# SPDX-License-Identifier: ISC
# A service killed with SIGKILL says nothing: after three heartbeats of
# silence its member is shown as stale, with the time it was last seen,
# and it no longer blocks a key change.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

svc_demo 20 3
ID2=$(member_id "$C2")

svc_start m2 "$C2" || { t_fail m2_starts "no answer"; t_done; }
t_true running_before_kill "$(list_line "$C1" "$ID2")" \
    svc_wait_list "$C1" "$ID2" ' Running ' 10
t_expect_exit "$EX_STATE" running_member_blocks_change "$RSKEYMGMT" -c "$C1" --reencrypt --yes

kill -KILL "$SVC_PID"
svc_wait_gone "$SVC_PID" 5
t_expect_exit 0 lock_free_after_kill "$RSKEYMGMT" -c "$C2" --service-status --json
t_grep not_running_after_kill "$T_OUT" '"running":false'
# Until the threshold (3 x 1 s) the heartbeat still looks fresh; then stale.
t_true stale_with_time "$(list_line "$C1" "$ID2")" \
    svc_wait_list "$C1" "$ID2" ' Stale +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}' 15
t_expect_exit 0 list_json "$RSKEYMGMT" -c "$C1" --list --json
t_grep stale_json "$T_OUT" "\"installation_id\":\"$ID2\"[^}]*\"service\":\"stale\",\"running\":false,\"stale\":true,\"last_seen\":\"[0-9T:-]+Z\""
t_expect_exit 0 stale_member_does_not_block "$RSKEYMGMT" -c "$C1" --reencrypt --yes

# Started again, it is running again (and its stale lock file is reused).
svc_start m2b "$C2" || t_fail restart_after_kill "no answer"
t_true running_after_restart "$(list_line "$C1" "$ID2")" \
    svc_wait_list "$C1" "$ID2" ' Running ' 10
t_done
