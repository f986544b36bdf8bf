#!/bin/sh
# SPDX-License-Identifier: ISC
# Type=notify without systemd: a stand-in notify socket (notify_listen, a
# path and an abstract name) hears READY=1 once the service answers, STATUS=
# saying whether it is activated, RELOADING=1 and READY=1 again on SIGHUP,
# WATCHDOG=1 at half of WATCHDOG_USEC, and STOPPING=1 on SIGTERM.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

LISTEN=$RS_BUILDDIR/tests/service/notify_listen
t_demo "$T_TMP/demo" 20 2
ACTIVE=$DEMO_CONF
WAITING=$DEMO_WAIT

# listen NAME SOCKET: the stand-in, its datagrams in $T_TMP/NAME.notify.
listen() {
	"$LISTEN" "$2" 120 >"$T_TMP/$1.notify" 2>&1 &
	SVC_PIDS="$SVC_PIDS $!"
	t_wait_for "$T_TMP/$1.notify" '^ready$' 10 ||
	    { echo "Bail out! notify_listen: $(cat "$T_TMP/$1.notify")"; exit 99; }
}

# ---- activated, on a socket path, with a watchdog ----
listen active "$T_TMP/notify.sock"
NOTIFY_SOCKET=$T_TMP/notify.sock WATCHDOG_USEC=1000000
export NOTIFY_SOCKET WATCHDOG_USEC
"$RSSERVERD" -c "$ACTIVE" --heartbeat 1 </dev/null >"$T_TMP/active.log" 2>&1 &
P=$!
SVC_PIDS="$SVC_PIDS $P"
unset NOTIFY_SOCKET WATCHDOG_USEC
N=$T_TMP/active.notify
t_true ready_sent "no READY=1: $(cat "$N")" t_wait_for "$N" '^READY=1$' 15
t_true answers_when_ready "READY=1 before the socket answers" svc_answered "$ACTIVE"
t_grep status_activated "$N" '^STATUS=activated, key generation [0-9]+$'
t_true watchdog_pinged "no WATCHDOG=1 in 5 s" t_wait_for "$N" '^WATCHDOG=1$' 5
kill -HUP "$P"
t_true reloading_sent "no RELOADING=1" t_wait_for "$N" '^RELOADING=1$' 10
t_grep reloading_has_monotonic_usec "$N" '^MONOTONIC_USEC=[0-9]+$'
t_true ready_after_reload "no second READY=1" \
    t_wait_for "$N" '^READY=1$' 10
t_equal ready_twice "$(sed -n '/^RELOADING=1$/,$p' "$N" | grep -c '^READY=1$')" 1
kill -TERM "$P"
t_true stopped "still running" svc_wait_gone "$P" 10
t_grep stopping_sent "$N" '^STOPPING=1$'
grep -Ev '^(ready|--|READY=1|STATUS=.*|WATCHDOG=1|RELOADING=1|MONOTONIC_USEC=[0-9]+|STOPPING=1)$' \
    "$N" >"$T_TMP/unknown"
t_equal only_known_assignments "$(cat "$T_TMP/unknown")" ""

# ---- not activated, on an abstract socket, no watchdog ----
ABSTRACT=@rsconfig-notify-test-$$
listen waiting "$ABSTRACT"
NOTIFY_SOCKET=$ABSTRACT
export NOTIFY_SOCKET
"$RSSERVERD" -c "$WAITING" --heartbeat 1 </dev/null >"$T_TMP/waiting.log" 2>&1 &
P=$!
SVC_PIDS="$SVC_PIDS $P"
unset NOTIFY_SOCKET
N=$T_TMP/waiting.notify
t_true ready_when_not_activated "no READY=1: $(cat "$N")" t_wait_for "$N" '^READY=1$' 15
t_grep status_not_activated "$N" '^STATUS=NOT ACTIVATED: .+'
sleep 1.5
t_no_grep no_watchdog_unasked "$N" '^WATCHDOG=1$'
kill -TERM "$P"
svc_wait_gone "$P" 10

# ---- a reason with a line break cannot add an assignment ----
# (the status of a config that cannot be read names the file)
mkdir "$T_TMP/bad
WATCHDOG=1"
cp "$ACTIVE" "$T_TMP/bad
WATCHDOG=1/x.conf"
chmod 0666 "$T_TMP/bad
WATCHDOG=1/x.conf"
listen bad "$T_TMP/bad.sock"
NOTIFY_SOCKET=$T_TMP/bad.sock "$RSSERVERD" -c "$T_TMP/bad
WATCHDOG=1/x.conf" </dev/null >"$T_TMP/bad.log" 2>&1
t_equal unsafe_config_exit "$?" 9
N=$T_TMP/bad.notify
t_true failure_status_sent "no STATUS=" t_wait_for "$N" '^STATUS=' 5
t_grep line_break_escaped "$N" '\\x0aWATCHDOG=1'
t_no_grep no_injected_assignment "$N" '^WATCHDOG=1'
t_done
