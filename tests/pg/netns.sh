#!/bin/sh
# SPDX-License-Identifier: ISC
# netns.sh: members on several "machines", simulated honestly (issue 14).
# Each member's rsserverd runs in its own network namespace (a veth pair,
# its own address) and its own UTS namespace (its own host name), reaching
# one private PostgreSQL server over TCP; the admin on the first machine
# sees, from the heartbeats alone, a join, a removal and a forced change
# reach the other machines' running services within one heartbeat (1 s),
# one of them stalled by 200 idle and slow clients.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=pglib.sh
. "$RS_SRCDIR/tests/pg/pglib.sh"
pg_require

RSSERVERD=$RS_BUILDDIR/src/rsserverd
NS=rsm$$
NET=10.$((100 + $$ % 100))
MACHINES="2 3 4"
DAEMONS=

netns_cleanup() {
	for _p in $DAEMONS; do
		kill -TERM "$_p" 2>/dev/null
	done
	sleep 0.3
	for _p in $DAEMONS; do
		kill -KILL "$_p" 2>/dev/null
	done
	for _i in $MACHINES; do
		ip netns del "$NS$_i" 2>/dev/null
		ip link del "rsh$$$_i" 2>/dev/null
	done
}

skip() {
	echo "SKIP: $T_NAME - $1"
	netns_cleanup
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
command -v ip >/dev/null 2>&1 || skip "the ip program is not installed"
command -v unshare >/dev/null 2>&1 || skip "the unshare program is not installed"
T_AT_EXIT="netns_cleanup${T_AT_EXIT:+; $T_AT_EXIT}"

# Machine i: namespace $NS$i, its end of the veth at $NET.$i.2, the
# server's end at $NET.$i.1.
for i in $MACHINES; do
	ip netns add "$NS$i" 2>/dev/null || skip "ip netns add is not usable here"
	ip link add "rsh$$$i" type veth peer name "rsn$$$i" 2>/dev/null ||
	    skip "cannot make a veth pair"
	ip link set "rsn$$$i" netns "$NS$i" || skip "cannot move a veth end"
	ip addr add "$NET.$i.1/24" dev "rsh$$$i"
	ip link set "rsh$$$i" up
	ip netns exec "$NS$i" ip addr add "$NET.$i.2/24" dev "rsn$$$i"
	ip netns exec "$NS$i" ip link set "rsn$$$i" up
	ip netns exec "$NS$i" ip link set lo up
	unshare --uts true 2>/dev/null || skip "unshare --uts is not usable here"
done
PG_LISTEN=$NET.2.1,$NET.3.1,$NET.4.1
PG_HBA_NET=$NET.0.0/16
pg_start

CONN=$(pg_newdb) || exit 99
DBNAME=$(echo "$CONN" | sed -n 's/.*dbname=\([^ ]*\).*/\1/p')
if ! "$RSDEMO" create "$T_TMP/d" --values 50 --members 4 --postgres "$CONN" \
    >"$T_TMP/demo.out" 2>&1 </dev/null; then
	echo "Bail out! rsdemo --postgres failed: $(cat "$T_TMP/demo.out")"
	exit 99
fi
A=$T_TMP/d/member1/rsreportserver.conf

# The other machines reach the server over TCP only, at their own veth.
for i in $MACHINES; do
	c=$T_TMP/d/member$i/rsreportserver.conf
	sed -i "s|^connection *=.*|connection = host=$NET.$i.1 port=$PG_PORT user=$PG_USER dbname=$DBNAME|" "$c"
done
id_of() {
	sed -n 's/^installation_id *= *//p' "$T_TMP/d/member$1/rsreportserver.conf"
}

# The heartbeats table as it was before it carried the key generation:
# the first heartbeat adds the column.
pg_sql "$DBNAME" "CREATE TABLE heartbeats (installation_id TEXT PRIMARY KEY,
    last_seen BIGINT NOT NULL, pid BIGINT NOT NULL, host TEXT NOT NULL,
    version TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL,
    beat_interval BIGINT NOT NULL)"
t_expect_exit 0 list_reads_old_heartbeats "$RSKEYMGMT" -c "$A" --list

# Machine i's service: own network, own host name "machine$i".
for i in $MACHINES; do
	ip netns exec "$NS$i" unshare --uts sh -c "hostname machine$i && exec '$RSSERVERD' -c '$T_TMP/d/member$i/rsreportserver.conf' --heartbeat 1" \
	    </dev/null >"$T_TMP/m$i.log" 2>&1 &
	DAEMONS="$DAEMONS $!"
done

ms() {
	date +%s%3N
}

# seen ID REGEX [SECONDS]: the admin's --list line of member ID matches
# REGEX within SECONDS (default 5); prints the milliseconds it took.
seen() {
	_t0=$(ms) _n=$(( ${3:-5} * 20 ))
	while [ "$_n" -gt 0 ]; do
		if "$RSKEYMGMT" -c "$A" --list </dev/null 2>/dev/null |
		    grep -F -- "$1" | grep -Eq -- "$2"; then
			echo $(( $(ms) - _t0 ))
			return 0
		fi
		sleep 0.05
		_n=$((_n - 1))
	done
	echo never
	return 1
}

# within NAME MS: MS is a number of at most 2500: one heartbeat of 1 s for
# the service to notice and report, plus the admin's own --list polls (a
# process and a PostgreSQL connection each) on a machine shared by many.
within() {
	echo "# $1: $2 ms"
	case $2 in
	never) t_fail "$1" "not seen within 5 s" ;;
	*) if [ "$2" -le 2500 ]; then t_ok "$1"; else t_fail "$1" "took $2 ms"; fi ;;
	esac
}

GEN=$("$RSKEYMGMT" -c "$A" --status --json </dev/null | sed -n 's/.*"generation":\([0-9]*\).*/\1/p' | head -n 1)
took=$(seen "$(id_of 2)" "Running .*Activated, generation $GEN" 15)
within machine2_runs_activated "$took"
took=$(seen "$(id_of 4)" 'Waiting to join .*Running .*Not activated' 15)
within machine4_runs_waiting "$took"

t_equal heartbeat_column_added "$(pg_sql "$DBNAME" "SELECT count(*) FROM \
    information_schema.columns WHERE table_name = 'heartbeats' AND \
    column_name = 'key_generation'")" 1

# Honest machines: their connections come over TCP from their own
# addresses, and their heartbeats carry their own host names.
ADDRS=$(pg_sql "$DBNAME" "SELECT DISTINCT host(client_addr) FROM pg_stat_activity WHERE client_addr IS NOT NULL ORDER BY 1" | tr '\n' ' ')
t_equal machines_connect_over_tcp "$ADDRS" "$NET.2.2 $NET.3.2 $NET.4.2 "
HOSTS=$(pg_sql "$DBNAME" "SELECT host FROM heartbeats ORDER BY host" | tr '\n' ' ')
t_equal machines_have_own_host_names "$HOSTS" "machine2 machine3 machine4 "

# Join on machine 1: machine 4's service activates within a heartbeat.
t_expect_exit 0 join_machine4 "$RSKEYMGMT" -c "$A" --join "$(id_of 4)" --yes
took=$(seen "$(id_of 4)" "Joined .*Running .*Activated, generation $GEN")
within join_seen_on_machine4 "$took"

# Remove machine 3: its service drops the key within a heartbeat and stays
# listed while it runs, by the host name it reports.
t_expect_exit 0 remove_machine3 "$RSKEYMGMT" -c "$A" --remove "$(id_of 3)" --yes
took=$(seen "$(id_of 3)" 'machine3 +Removed .*Running .*Not activated')
within removal_seen_on_machine3 "$took"

# A service stalled by clients: 100 idle and 100 slow clients held on
# machine 2's socket; its heartbeat stays fresh, the other machines see it
# running, and the forced change below still reaches it within a heartbeat.
CROWD=
if command -v python3 >/dev/null 2>&1; then
	python3 "$RS_SRCDIR/tests/service/crowd.py" \
	    "$T_TMP/d/member2/keys.run/rsserverd.sock" 100 30 "$T_TMP/ready" \
	    2>"$T_TMP/crowd.err" &
	CROWD=$!
	T_AT_EXIT="kill $CROWD 2>/dev/null; $T_AT_EXIT"
	t_true crowd_on_machine2 "$(cat "$T_TMP/crowd.err")" \
	    t_until 10 test -e "$T_TMP/ready"
	sleep 3         # past the stale threshold: 3 heartbeats of 1 s
	age=$(pg_sql "$DBNAME" "SELECT extract(epoch FROM now())::bigint - last_seen FROM heartbeats WHERE installation_id = '$(id_of 2)'")
	echo "# machine 2's heartbeat age with the crowd on: ${age} s"
	t_true heartbeat_fresh_on_stalled_machine2 "age $age s" [ "${age:-99}" -le 2 ]
	took=$(seen "$(id_of 2)" "Running .*Activated, generation $GEN")
	within stalled_machine2_seen_running "$took"
else
	t_skip stalled_machine2 "python3 (the stand-in clients) is not installed"
fi

# A forced change: machines 2 and 4 take the new key within a heartbeat.
t_expect_exit 0 forced_change "$RSKEYMGMT" -c "$A" --reencrypt --yes --force
NEW=$((GEN + 1))
took=$(seen "$(id_of 2)" "Running .*Activated, generation $NEW")
within change_seen_on_machine2 "$took"
took=$(seen "$(id_of 4)" "Running .*Activated, generation $NEW")
within change_seen_on_machine4 "$took"
if [ -n "$CROWD" ]; then
	t_true crowd_still_on_machine2 "the stand-in clients ended early" kill -0 "$CROWD"
fi
t_expect_exit 0 list_json "$RSKEYMGMT" -c "$A" --list --json
t_no_grep no_member_on_an_old_key "$T_OUT" '"service_old_key":true'
t_done
