#!/bin/sh
# SPDX-License-Identifier: ISC
# Logs once (issue 16).  Under journald (JOURNAL_STREAM names standard
# error) each line is "<N>EVENT: text" on standard error, without time or
# PID, and syslog is never used; elsewhere a line has its time and PID.
# Every line starts with a stable event keyword.  --log-file is reopened on
# SIGHUP: after logrotate moved it, new lines land in a new file.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

t_demo "$T_TMP/demo" 20 2
C=$DEMO_CONF

# run_briefly NAME [ENV...]: rsserverd on C until it answers, then SIGTERM;
# standard error in $T_TMP/NAME.err.  JOURNAL_STREAM=match is made to name
# that file, as systemd's would name its stream.
run_briefly() {
	_name=$1
	shift
	: >"$T_TMP/$_name.err"
	_env=
	for _e in "$@"; do
		[ "$_e" = JOURNAL_STREAM=match ] &&
		    _e=JOURNAL_STREAM=$(stat -c '%d:%i' "$T_TMP/$_name.err")
		_env="$_env $_e"
	done
	# shellcheck disable=SC2086
	env $_env $TRACE "$RSSERVERD" -c "$C" --heartbeat 1 </dev/null \
	    >/dev/null 2>>"$T_TMP/$_name.err" &
	_p=$!
	SVC_PIDS="$SVC_PIDS $_p"
	svc_wait "$C" || echo "# $_name did not answer: $(cat "$T_TMP/$_name.err")"
	# The service itself (under strace, $! is strace).
	_d=$(svc_pid_of "$C")
	kill -TERM "${_d:-$_p}"
	svc_wait_gone "$_p" 10
}

# ---- journald ----
TRACE=
run_briefly journal JOURNAL_STREAM=match
E=$T_TMP/journal.err
t_grep journal_started "$E" '^<6>started: started for .* heartbeat every 1 s$'
t_grep journal_activated "$E" '^<6>activated: key generation [0-9]+'
t_grep journal_stopping "$E" '^<6>stopping: '
t_equal journal_every_line_prefixed "$(grep -cEv '^<[0-7]>[a-z-]+: ' "$E")" 0
t_no_grep journal_no_timestamp_or_pid "$E" '[0-9]{4}-[0-9]{2}-[0-9]{2}T|rsserverd\['

# ---- not journald: a JOURNAL_STREAM inherited for another stream ----
run_briefly plain JOURNAL_STREAM=1:2
E=$T_TMP/plain.err
t_grep plain_has_time_and_pid "$E" '^[0-9-]{10}T[0-9:]{8}Z rsserverd\[[0-9]+\]: started: started for '
t_no_grep plain_no_prefix "$E" '^<[0-7]>'

# ---- one sink: syslog only when not under journald ----
if command -v strace >/dev/null 2>&1; then
	TRACE="strace -f -qq -e trace=connect -o $T_TMP/trace.journal"
	run_briefly traced JOURNAL_STREAM=match
	TRACE="strace -f -qq -e trace=connect -o $T_TMP/trace.plain"
	run_briefly traced_plain
	TRACE=
	# The check can see syslog: without journald it is tried.
	t_grep syslog_used_elsewhere "$T_TMP/trace.plain" '/dev/log'
	t_no_grep no_syslog_under_journald "$T_TMP/trace.journal" '/dev/log'
else
	t_skip no_syslog_under_journald "strace is not installed"
fi

# ---- --log-file and logrotate ----
L=$T_TMP/rsserverd.log
"$RSSERVERD" -c "$C" --heartbeat 1 --log-file "$L" </dev/null >/dev/null 2>&1 &
P=$!
SVC_PIDS="$SVC_PIDS $P"
t_true log_file_started "no started line" t_wait_for "$L" '^.* started: ' 15
mv "$L" "$L.1"
kill -HUP "$P"
t_true reopened_after_sighup "no new $L" t_wait_for "$L" 'reload: SIGHUP: reloading the key' 10
t_no_grep rotated_file_let_go "$L.1" 'reload:'
kill -TERM "$P"
svc_wait_gone "$P" 10
t_grep stop_in_new_file "$L" 'stopping: '
t_done
