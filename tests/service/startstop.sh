#!/bin/sh
# SPDX-License-Identifier: ISC
# rskeymgmt --start / --stop / --service-status for machines without
# systemd: start detaches and waits until the service answers, stop waits
# until it is gone; both say so when there is nothing to do.  Restore and
# delete tell a running service to reload.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

t_demo "$T_TMP/demo" 30 2
C=$DEMO_CONF
RUN=$T_TMP/demo/member1/keys.run
DS=$(a_datasource "$T_TMP/demo/reportserver.db")

t_expect_exit 0 status_when_stopped "$RSKEYMGMT" -c "$C" --service-status
t_grep says_stopped "$T_OUT" 'is stopped'
t_expect_exit 0 stop_when_stopped "$RSKEYMGMT" -c "$C" --stop
t_grep says_not_running "$T_OUT" 'was not running'
t_expect_exit "$EX_STATE" test_needs_service "$RSKEYMGMT" -c "$C" --test-datasource "$DS"
t_expect_exit "$EX_USAGE" heartbeat_checked "$RSKEYMGMT" -c "$C" --start --heartbeat 0

t_expect_exit 0 start "$RSKEYMGMT" -c "$C" --start --heartbeat 1 --json
PID=$(json_field "$T_OUT" pid)
SVC_PIDS="$SVC_PIDS $PID"
t_grep start_json "$T_OUT" '"running":true,"answered":true,.*"state":"activated"'
t_equal detached_own_session "$(ps -o sid= -p "$PID" | tr -d ' ')" "$PID"
t_grep log_file_written "$RUN/rsserverd.log" "started for .* heartbeat every 1 s"
t_expect_exit "$EX_STATE" start_twice_refused "$RSKEYMGMT" -c "$C" --start
t_grep start_twice_names_pid "$T_ERR" "already running \\(pid $PID\\)"

# Restore and delete make the running service reload the key.
printf '%s\n' 'Svc 2026!Strong-xY' >"$T_TMP/pw"
t_expect_exit 0 backup "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/k.pem" --password-file "$T_TMP/pw"
t_expect_exit 0 restore_tells_service "$RSKEYMGMT" -c "$C" -a -f "$T_TMP/k.pem" --password-file "$T_TMP/pw"
# The service logs once it has handled the signal: after restore returns.
t_wait_for "$RUN/rsserverd.log" 'SIGHUP: reloading the key' 10
t_grep restore_reload_logged "$RUN/rsserverd.log" 'SIGHUP: reloading the key'
# Delete checks who runs as a change does (issue 14): --force to go on.
t_expect_exit "$EX_STATE" delete_refused_while_running "$RSKEYMGMT" -c "$C" -d --yes
t_expect_exit 0 delete_tells_service "$RSKEYMGMT" -c "$C" -d --yes --force
NEW=$(kcv "$C")
_n=100
while [ "$(svc_field "$C" kcv)" != "$NEW" ] && [ "$_n" -gt 0 ]; do
	sleep 0.05
	_n=$((_n - 1))
done
t_equal service_has_fresh_key "$(svc_field "$C" kcv)" "$NEW"

t_expect_exit 0 stop "$RSKEYMGMT" -c "$C" --stop
t_grep says_stopped_it "$T_OUT" 'Stopped the report server service'
t_true gone_when_stop_returns "pid $PID still there" svc_wait_gone "$PID" 1

# A start that cannot work says why: here the database is missing, which
# the service survives ("not activated"); a bad config it does not.
printf 'nonsense = 1\n' >"$T_TMP/bad.conf"
t_expect_exit "$EX_CONFIG" start_bad_config "$RSKEYMGMT" -c "$T_TMP/bad.conf" --start
t_done
