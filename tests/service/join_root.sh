#!/bin/sh
# SPDX-License-Identifier: ISC
# Membership reaches a running service on this machine at once (issue 14),
# not at its next heartbeat (60 s here): the admin's --join makes the
# joined member's running service answer "activated" within 3 s, and
# --remove makes a removed member's running service (as a real service
# account) refuse to decrypt within 3 s; the removed member stays listed
# while its service runs.  Root signals only the pid of our rsserverd
# running as the member's account: a root process planted as a member's
# heartbeat pid survives, and so does another account's real rsserverd;
# the output says the member will notice at its next heartbeat (within
# 60 s), as it says for a member whose heartbeat names another host.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - needs root and useradd"
	exit 77
fi
U=rsjoin$$
T_AT_EXIT="userdel $U 2>/dev/null; $T_AT_EXIT"
useradd -r -M -s /usr/sbin/nologin "$U" || { echo "Bail out! useradd failed"; exit 99; }

t_demo "$T_TMP/demo" 20 6
D=$T_TMP/demo
C1=$DEMO_CONF C2=$D/member2/rsreportserver.conf
C3=$D/member3/rsreportserver.conf C4=$D/member4/rsreportserver.conf
C5=$D/member5/rsreportserver.conf C6=$DEMO_WAIT
ID2=$(member_id "$C2") ID3=$(member_id "$C3") ID4=$(member_id "$C4")
ID5=$(member_id "$C5") ID6=$(member_id "$C6")
DB=$D/reportserver.db
DS=$(a_datasource "$DB")

ms() {
	date +%s%3N
}

# wait_state CONF STATE: polls the service's state for up to 5 s.
wait_state() {
	_n=100
	while [ "$(svc_field "$1" state)" != "$2" ] && [ "$_n" -gt 0 ]; do
		sleep 0.05
		_n=$((_n - 1))
	done
}

# slow_start NAME CONF: rsserverd with a 60 s heartbeat, so that only the
# admin's signal can explain a change seen within seconds.
slow_start() {
	"$RSSERVERD" -c "$2" --heartbeat 60 </dev/null >"$T_TMP/$1.log" 2>&1 &
	SVC_PIDS="$SVC_PIDS $!"
	svc_wait "$2" || { t_fail "$1_starts" "no answer: $(cat "$T_TMP/$1.log")"; t_done; }
}

# Members 2 and 5 belong to a real service account (the account change
# gives it the instance; no hand-made chown); member 2 runs.
t_expect_exit 0 m2_account_change "$RSKEYMGMT" -c "$C2" --service-account "$U" --backup-exists --yes
t_expect_exit 0 m5_account_change "$RSKEYMGMT" -c "$C5" --service-account "$U" --backup-exists --yes
slow_start m1 "$C1"
slow_start m2 "$C2"
slow_start m6 "$C6"
t_equal m2_runs_as_account "$(svc_field "$C2" account)" "$U"
t_equal m6_waits "$(svc_field "$C6" state)" not-activated
GEN=$(svc_field "$C1" generation)

# ---- join: the joined member's running service activates at once ----
t0=$(ms)
t_expect_exit 0 join "$RSKEYMGMT" -c "$C1" --join "$ID6" --yes
wait_state "$C6" activated
took=$(( $(ms) - t0 ))
echo "# join seen by the running service after $took ms (heartbeat 60 s)"
t_equal joined_service_activated "$(svc_field "$C6" state)" activated
t_true join_within_3s "took $took ms" [ "$took" -le 3000 ]
t_grep join_says_loaded "$T_OUT" "The report server service of [^ ]*RSDEMO6 \(pid [0-9]+\) loaded the key at once: activated, key generation $GEN"
t_expect_exit 0 joined_service_decrypts "$RSKEYMGMT" -c "$C6" --test-datasource "$DS"
t_grep joined_service_logged "$T_TMP/m6.log" 'membership-changed'

# ---- remove: the removed member's running service stops decrypting ----
t_expect_exit 0 m2_decrypts_before "$RSKEYMGMT" -c "$C2" --test-datasource "$DS"
t0=$(ms)
t_expect_exit 0 remove "$RSKEYMGMT" -c "$C1" --remove "$ID2" --yes --json
wait_state "$C2" not-activated
took=$(( $(ms) - t0 ))
echo "# removal seen by the running service after $took ms (heartbeat 60 s)"
t_grep remove_json_confirmed "$T_OUT" '"service_reach":"confirmed"'
t_grep remove_json_says_dropped "$T_OUT" 'RSDEMO2 \(pid [0-9]+\) dropped the key at once: it no longer decrypts'
t_equal removed_service_not_activated "$(svc_field "$C2" state)" not-activated
t_true remove_within_3s "took $took ms" [ "$took" -le 3000 ]
t_run "$RSKEYMGMT" -c "$C2" --test-datasource "$DS"
t_differ removed_service_refuses "$?" 0
t_true removed_listed_while_running "no Removed line for $ID2" \
    svc_wait_list "$C1" "$ID2" 'Removed +.*Running' 5

# ---- a planted heartbeat pid is never signalled ----
# Member 3 does not run; its row (which any member's account can write)
# names root's own process on this host.
sleep 300 &
S=$!
T_AT_EXIT="kill $S 2>/dev/null; $T_AT_EXIT"
plant() { # ID HOST [PID]
	sql "$DB" "INSERT OR REPLACE INTO heartbeats (installation_id, \
	    last_seen, pid, host, version, state, reason, interval, \
	    key_generation) VALUES ('$1', strftime('%s','now'), ${3:-$S}, '$2', \
	    '0', 'activated', '', 60, $GEN)"
}
plant "$ID3" "$(hostname)"
t_expect_exit 0 remove_planted "$RSKEYMGMT" -c "$C1" --remove "$ID3" --yes
t_true planted_pid_survives "sleep $S was signalled" kill -0 "$S"
t_grep planted_not_told "$T_OUT" "RSDEMO3 was not told \(pid $S is not the report server service \(rsserverd running as root\)\); it will notice at its next heartbeat \(within 60 s\)"

# Member 5's row names a real rsserverd (member 1's, root's) that is not
# its account's: not signalled either.
P1=$(svc_pid_of "$C1")
plant "$ID5" "$(hostname)" "$P1"
t_expect_exit 0 remove_planted_other "$RSKEYMGMT" -c "$C1" --remove "$ID5" --yes
t_grep other_not_told "$T_OUT" "RSDEMO5 was not told \(pid $P1 is not the report server service \(rsserverd running as $U\)\)"
t_no_grep other_service_not_signalled "$T_TMP/m1.log" 'SIGHUP'

# ---- another host: its next heartbeat ----
plant "$ID4" elsewhere.invalid
t_expect_exit 0 remove_remote "$RSKEYMGMT" -c "$C1" --remove "$ID4" --yes --json
t_grep remote_next_heartbeat "$T_OUT" '"service_reach":"next-heartbeat","service_reach_text":"[^"]*runs on elsewhere.invalid, not here: it will notice at its next heartbeat \(within 60 s\)\.","service_within_seconds":60'
t_true remote_pid_survives "sleep $S was signalled" kill -0 "$S"
t_done
