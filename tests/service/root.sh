#!/bin/sh
# SPDX-License-Identifier: ISC
# As root: rsserverd started by root switches to the config's service
# account (checked in /proc/PID/status) before it touches the key store; a
# service account change restarts a running service under the new account;
# another user cannot run the service of this instance.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

t_need_root
U=rssvc$$
t_account "$U"
UID_U=$(id -u "$U")

svc_root_demo 40
DS=$(a_datasource "$D/reportserver.db")
# No hand-made chown: the account change itself gives the new account the
# database and its folder, the key store and read access to the config.
# (Only the test's own temporary folder is opened for passing through, as
# /var/lib is.)

t_expect_exit 0 start_as_root_account "$RSKEYMGMT" -c "$C" --start --heartbeat 1
P0=$(svc_pid_of "$C")
SVC_PIDS="$SVC_PIDS $P0"
t_equal runs_as_root_first "$(svc_field "$C" account)" root

t_expect_exit 0 account_change "$RSKEYMGMT" -c "$C" --service-account "$U" --backup-exists --yes
t_grep account_change_restarts "$T_OUT" "Restarted the report server service as $U"
P1=$(svc_pid_of "$C")
SVC_PIDS="$SVC_PIDS $P1"
t_differ new_process "$P0" "$P1"
t_equal runs_as_new_account "$(svc_field "$C" account)" "$U"
t_equal activated_as_new_account "$(svc_field "$C" state)" activated
t_equal uid_dropped "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$P1/status")" "$UID_U $UID_U $UID_U $UID_U"
t_equal gid_dropped "$(awk '/^Gid:/ { print $2 == $3 && $3 == $4 && $4 == $5 && $2 != 0 }' "/proc/$P1/status")" 1
t_equal no_core_dumps "$(awk '/^Limits/ { next } /core file size/ { print $5 }' "/proc/$P1/limits")" 0
t_expect_exit 0 decrypts_as_new_account "$RSKEYMGMT" -c "$C" --test-datasource "$DS"
t_equal runtime_belongs_to_account "$(stat -c %U "$D/member1/keys.run")" "$U"
t_expect_exit 0 stop_as_root "$RSKEYMGMT" -c "$C" --stop

# Run directly by root too (as systemd does): it drops the same way.
svc_start direct "$C" || t_fail direct_start "no answer"
t_equal direct_uid "$(awk '/^Uid:/ { print $2 }' "/proc/$SVC_PID/status")" "$UID_U"
kill -TERM "$SVC_PID"
svc_wait_gone "$SVC_PID" 10

# Anyone else is refused, before the key store is touched.
# (The config is made readable to all so that the refusal is about who.)
if command -v setpriv >/dev/null 2>&1; then
	chmod 0711 "$D" "$D/member1"
	chmod 0644 "$C"
	t_expect_exit 9 other_user_refused setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups "$RSSERVERD" -c "$C"
	t_grep other_user_says_why "$T_ERR" "runs as the service account $U"
else
	t_skip other_user_refused "no setpriv"
fi
t_done
