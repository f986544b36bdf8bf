#!/bin/sh
# SPDX-License-Identifier: ISC
# Membership reaches running services (issue 14): a join activates the
# joined member's running service, a removal makes the removed one stop
# decrypting, each within one heartbeat (1 s here); --list keeps a removed
# member while its service runs; each service's key generation is shown
# and a service left on an old key by a forced change is flagged, not
# "Activated"; delete and a restore of another key are refused while
# services run; --reencrypt --yes lists whom it gives the key, with
# 128-bit fingerprints.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

svc_demo 40 3
C3=$DEMO_WAIT
ID2=$(member_id "$C2")
ID3=$(member_id "$C3")
DS=$(a_datasource "$DB")

ms() {
	date +%s%3N
}

# wait_state CONF STATE: polls the service's state for up to 5 s; prints
# the milliseconds it took.
wait_state() {
	_t0=$(ms) _n=100
	while [ "$(svc_field "$1" state)" != "$2" ] && [ "$_n" -gt 0 ]; do
		sleep 0.05
		_n=$((_n - 1))
	done
	echo $(( $(ms) - _t0 ))
}

# A database from before heartbeats carried the key generation: the table
# as it was then.  It is read as it is, and the first heartbeat adds the
# column.
sql "$DB" "CREATE TABLE heartbeats (installation_id TEXT PRIMARY KEY, \
    last_seen INTEGER NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, \
    version TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL, \
    interval INTEGER NOT NULL); INSERT INTO heartbeats VALUES ('$ID2', \
    strftime('%s','now'), 1, 'old', '0.1', 'activated', '', 60)"
t_expect_exit 0 list_reads_old_heartbeats "$RSKEYMGMT" -c "$C1" --list
t_grep old_heartbeat_taken_at_its_word "$T_OUT" "$ID2 +Running .* Activated$"

svc_start m1 "$C1" || { t_fail m1_starts "no answer"; t_done; }
svc_start m2 "$C2" || { t_fail m2_starts "no answer"; t_done; }
svc_start m3 "$C3" || { t_fail m3_starts "no answer"; t_done; }
t_equal waiting_member_not_activated "$(svc_field "$C3" state)" not-activated
t_equal heartbeat_column_added "$(sql "$DB" "SELECT count(*) FROM \
    pragma_table_info('heartbeats') WHERE name = 'key_generation'")" 1

# Join: the waiting member's running service notices at its next heartbeat.
t_expect_exit 0 join "$RSKEYMGMT" -c "$C1" --join "$ID3" --yes
took=$(wait_state "$C3" activated)
echo "# join seen by the running service after $took ms (heartbeat 1 s)"
t_equal joined_service_activated "$(svc_field "$C3" state)" activated
t_true join_within_one_heartbeat "took $took ms" [ "$took" -le 2000 ]
t_expect_exit 0 joined_service_decrypts "$RSKEYMGMT" -c "$C3" --test-datasource "$DS"
t_grep joined_service_reloaded_logged "$T_TMP/m3.log" 'membership-changed|membership or the key changed'

# Remove: the removed member's service drops its key at its next heartbeat
# and stays in the list while it runs.
t_expect_exit 0 m2_decrypts_before "$RSKEYMGMT" -c "$C2" --test-datasource "$DS"
t_expect_exit 0 remove "$RSKEYMGMT" -c "$C1" --remove "$ID2" --yes
took=$(wait_state "$C2" not-activated)
echo "# removal seen by the running service after $took ms (heartbeat 1 s)"
t_equal removed_service_not_activated "$(svc_field "$C2" state)" not-activated
t_true remove_within_one_heartbeat "took $took ms" [ "$took" -le 2000 ]
t_run "$RSKEYMGMT" -c "$C2" --test-datasource "$DS"
t_differ removed_service_stops_decrypting "$?" 0
t_true removed_listed_while_running "no Removed line for $ID2" \
    svc_wait_list "$C1" "$ID2" 'Removed +.*Running' 5
t_expect_exit 0 list_json "$RSKEYMGMT" -c "$C1" --list --json
t_grep removed_in_json "$T_OUT" "\"installation_id\":\"$ID2\"[^}]*\"status\":\"removed-service-running\""

# Each running service's key generation is shown.
GEN=$(svc_field "$C1" generation)
t_true m1_generation_listed "no generation on the m1 line" \
    svc_wait_list "$C1" "$(member_id "$C1")" "Activated, generation $GEN" 5
t_grep json_service_generation "$T_OUT" "\"service_generation\":$GEN"

# Delete while services run: refused, naming them; the key is kept.
OLD=$(kcv "$C1")
t_expect_exit "$EX_STATE" delete_refused_while_running "$RSKEYMGMT" -c "$C1" -d --yes
t_grep delete_refusal_names_them "$T_ERR" 'service is running on: .*RSDEMO1 \(pid [0-9]+\)'
t_equal delete_refused_key_kept "$(kcv "$C1")" "$OLD"

# A restore of another key while services run: refused the same way.
printf '%s\n' 'Svc 2026!Strong-xY' >"$T_TMP/pw"
t_expect_exit 0 backup "$RSKEYMGMT" -c "$C1" -e -f "$T_TMP/k.pem" --password-file "$T_TMP/pw"

# A forced change: m3 restarted with a long heartbeat keeps the old key
# for now, and the list says so instead of "Activated".
t_expect_exit 0 m3_stops "$RSKEYMGMT" -c "$C3" --stop
"$RSSERVERD" -c "$C3" --heartbeat 30 </dev/null >"$T_TMP/m3slow.log" 2>&1 &
SVC_PIDS="$SVC_PIDS $!"
svc_wait "$C3" || t_fail m3_restarts "no answer"
t_expect_exit 0 forced_change "$RSKEYMGMT" -c "$C1" --reencrypt --yes --force
t_grep yes_lists_whom "$T_OUT" 'Members that get the new key \(2\)'
t_grep yes_lists_fingerprints "$T_OUT" 'RSDEMO3 +[0-9a-f-]{36} +([0-9a-f]{4}:){7}[0-9a-f]{4}'
NEWGEN=$((GEN + 1))
t_true m1_new_generation_listed "m1 not on generation $NEWGEN" \
    svc_wait_list "$C1" "$(member_id "$C1")" "Activated, generation $NEWGEN" 5
list_line "$C1" "$ID3" >"$T_TMP/m3line"
t_grep old_generation_flagged "$T_TMP/m3line" "OLD key, generation $GEN"
t_no_grep old_generation_not_activated "$T_TMP/m3line" 'Activated'
t_expect_exit 0 list_json_after "$RSKEYMGMT" -c "$C1" --list --json
t_grep json_old_key "$T_OUT" "\"installation_id\":\"$ID3\"[^}]*\"service_activated\":false,\"service_generation\":$GEN,\"service_old_key\":true"

# The restore of the backup (now another key) is refused while they run.
NOW=$(kcv "$C1")
t_expect_exit "$EX_STATE" restore_refused_while_running "$RSKEYMGMT" -c "$C1" -a -f "$T_TMP/k.pem" --password-file "$T_TMP/pw"
t_grep restore_refusal_names_them "$T_ERR" 'service is running on: '
t_equal restore_refused_key_kept "$(kcv "$C1")" "$NOW"

# Forced delete goes ahead and names them.
t_expect_exit 0 delete_forced "$RSKEYMGMT" -c "$C1" -d --yes --force
t_differ delete_forced_new_key "$(kcv "$C1")" "$NOW"
t_done
