#!/bin/sh
# SPDX-License-Identifier: ISC
# rsserverd: activated members answer status and test-datasource; a waiting
# member and one with a damaged copy stay up "not activated" and say why;
# one run per instance; answers and logs never carry a secret; SIGTERM
# stops cleanly.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

svc_demo 60 3
C3=$DEMO_WAIT
DS=$(a_datasource "$DB")
RUN1=$T_TMP/demo/member1/keys.run

svc_start m1 "$C1" || { t_fail m1_starts "no answer"; t_done; }
P1=$SVC_PID
t_ok m1_starts
t_equal socket_mode "$(file_mode "$RUN1/rsserverd.sock")" 660
t_equal lock_holds_pid "$(tr -d '\n' <"$RUN1/rsserverd.lock")" "$P1"
t_equal m1_activated "$(svc_field "$C1" state)" activated
t_equal m1_generation "$(svc_field "$C1" generation)" 1
t_equal m1_kcv_is_database_kcv "$(svc_field "$C1" kcv)" "$(kcv "$C1")"

t_expect_exit 0 m1_decrypts "$RSKEYMGMT" -c "$C1" --test-datasource "$DS"
t_expect_exit 0 m1_decrypts_json "$RSKEYMGMT" -c "$C1" --test-datasource "$DS" --json
t_grep answer_is_ok "$T_OUT" '"answer":"ok"'
t_expect_exit "$EX_FAILED" unknown_datasource "$RSKEYMGMT" -c "$C1" --test-datasource "/Data Sources/none"
t_grep unknown_says_so "$T_ERR" 'failed: no data source named'

# Two copies of one instance: the second is refused and leaves the first.
t_expect_exit "$EX_BUSY" second_copy_refused "$RSSERVERD" -c "$C1" --heartbeat 1
t_grep second_copy_names_pid "$T_ERR" "already running \\(pid $P1\\)"
t_equal first_copy_still_answers "$(svc_field "$C1" state)" activated

# Heartbeat rows: running and activated.
t_true list_shows_running "$(list_line "$C1" "$(member_id "$C1")")" \
    svc_wait_list "$C1" "$(member_id "$C1")" ' Running ' 10
t_equal heartbeat_row "$(sql "$DB" "SELECT state || ' ' || pid || ' ' || interval FROM heartbeats WHERE installation_id = '$(member_id "$C1")'")" "activated $P1 1"

# A waiting member runs, not activated, and says why.
svc_start m3 "$C3" || t_fail m3_starts "no answer"
t_equal waiting_not_activated "$(svc_field "$C3" state)" not-activated
t_grep waiting_reason "$T_TMP/svc.json" '"reason":"This instance is waiting to join'
t_expect_exit "$EX_FAILED" waiting_cannot_decrypt "$RSKEYMGMT" -c "$C3" --test-datasource "$DS"
t_grep waiting_says_not_activated "$T_ERR" 'failed: not activated'
t_grep waiting_logged "$T_TMP/m3.log" 'not activated \(RSReportServerNotActivated, waiting-to-join\)'

# A damaged copy of the key: not activated, and why.
svc_start m2 "$C2" || t_fail m2_starts "no answer"
t_equal m2_activated_first "$(svc_field "$C2" state)" activated
sql "$DB" "UPDATE members SET wrapped_key = randomblob(384) WHERE installation_id = '$(member_id "$C2")'"
kill -HUP "$SVC_PID"
_n=100
while [ "$(svc_field "$C2" state)" != not-activated ] && [ "$_n" -gt 0 ]; do
	sleep 0.05
	_n=$((_n - 1))
done
t_equal damaged_copy_not_activated "$(svc_field "$C2" state)" not-activated
t_grep damaged_copy_reason "$T_TMP/svc.json" 'cannot be decrypted with its private key'
t_grep damaged_copy_logged "$T_TMP/m2.log" 'not activated \(RSReportServerNotActivated, unwrap-failed\)'

# No secret anywhere: answers are exactly ok or failed: ..., logs hold no
# connection string or password.
for c in "$C1" "$C2" "$C3"; do
	"$RSKEYMGMT" -c "$c" --test-datasource "$DS" --json </dev/null >>"$T_TMP/answers" 2>/dev/null
done
t_no_grep answers_only_ok_or_failed "$T_TMP/answers" '"answer":"([^of]|o[^k]|f[^a])'
cat "$T_TMP"/m*.log "$T_TMP/answers" >"$T_TMP/everything"
t_no_grep no_connection_string_leaks "$T_TMP/everything" 'Data Source=|Initial Catalog|password=|username='

# SIGTERM: gone, socket removed, lock cleared, heartbeat says stopped.
kill -TERM "$P1"
t_true sigterm_stops "still running" \
    svc_wait_gone "$P1" 10
t_absent socket_removed "$RUN1/rsserverd.sock"
t_equal lock_cleared "$(cat "$RUN1/rsserverd.lock")" ""
t_grep stop_logged "$T_TMP/m1.log" 'stopping'
t_true list_shows_stopped "$(list_line "$C1" "$(member_id "$C1")")" \
    svc_wait_list "$C1" "$(member_id "$C1")" ' Stopped ' 5
t_done
