#!/bin/sh
# SPDX-License-Identifier: ISC
# Change key with the members' services running: refused, naming them;
# stopped, changed, started: both decrypt with the new key.  Forced while
# they run: the local one reloads at once, the other after SIGHUP.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

svc_demo 80 3
DS=$(a_datasource "$DB")
OLD=$(kcv "$C1")

t_expect_exit 0 m1_starts "$RSKEYMGMT" -c "$C1" --start --heartbeat 1
SVC_PIDS="$SVC_PIDS $(svc_pid_of "$C1")"
t_expect_exit 0 m2_starts "$RSKEYMGMT" -c "$C2" --start --heartbeat 1
SVC_PIDS="$SVC_PIDS $(svc_pid_of "$C2")"

t_expect_exit "$EX_STATE" change_refused_while_running "$RSKEYMGMT" -c "$C1" --reencrypt --yes
t_grep refusal_names_m1 "$T_ERR" 'service is running on: .*RSDEMO1 \(pid [0-9]+\)'
t_grep refusal_names_m2 "$T_ERR" 'RSDEMO2 \(pid [0-9]+\)'
t_grep refusal_says_how "$T_ERR" 'rskeymgmt --stop'
t_equal key_unchanged_after_refusal "$(kcv "$C1")" "$OLD"

t_expect_exit 0 m1_stops "$RSKEYMGMT" -c "$C1" --stop
t_expect_exit 0 m2_stops "$RSKEYMGMT" -c "$C2" --stop
t_expect_exit 0 change_when_stopped "$RSKEYMGMT" -c "$C1" --reencrypt --yes
NEW=$(kcv "$C1")
t_differ key_changed "$OLD" "$NEW"
t_expect_exit 0 m1_starts_again "$RSKEYMGMT" -c "$C1" --start --heartbeat 1
SVC_PIDS="$SVC_PIDS $(svc_pid_of "$C1")"
# m2's heartbeat is long: a service notices a new key at its next one
# (issue 14), and this part is about the time before it does.
t_expect_exit 0 m2_starts_again "$RSKEYMGMT" -c "$C2" --start --heartbeat 30
SVC_PIDS="$SVC_PIDS $(svc_pid_of "$C2")"
t_equal m1_uses_new_key "$(svc_field "$C1" kcv)" "$NEW"
t_equal m2_uses_new_key "$(svc_field "$C2" kcv)" "$NEW"
t_expect_exit 0 m1_decrypts_after_change "$RSKEYMGMT" -c "$C1" --test-datasource "$DS"
t_expect_exit 0 m2_decrypts_after_change "$RSKEYMGMT" -c "$C2" --test-datasource "$DS"

# --force: goes ahead with a warning; the local service reloads at once,
# the other keeps the old key until told.
t_expect_exit 0 forced_change "$RSKEYMGMT" -c "$C1" --reencrypt --yes --force
FORCED=$(kcv "$C1")
t_equal m1_reloaded_by_change "$(svc_field "$C1" kcv)" "$FORCED"
t_expect_exit 0 m1_decrypts_after_forced "$RSKEYMGMT" -c "$C1" --test-datasource "$DS"
t_expect_exit "$EX_FAILED" m2_old_key_fails "$RSKEYMGMT" -c "$C2" --test-datasource "$DS"
t_grep m2_says_reload "$T_ERR" 'another key generation.*reload the service'
kill -HUP "$(svc_pid_of "$C2")"
_n=100
while [ "$(svc_field "$C2" kcv)" != "$FORCED" ] && [ "$_n" -gt 0 ]; do
	sleep 0.05
	_n=$((_n - 1))
done
t_expect_exit 0 m2_decrypts_after_sighup "$RSKEYMGMT" -c "$C2" --test-datasource "$DS"

t_expect_exit 0 m1_stops_at_end "$RSKEYMGMT" -c "$C1" --stop
t_expect_exit 0 m2_stops_at_end "$RSKEYMGMT" -c "$C2" --stop
t_done
