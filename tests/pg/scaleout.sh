#!/bin/sh
# SPDX-License-Identifier: ISC
# scaleout.sh: members on two "machines" sharing one PostgreSQL database.
# Host B is an instance with its own machine name, config and key store,
# connecting to the same server.  Two admins at once: the second is refused
# with "in use by" naming the first one's machine; a change made on one host
# reaches the other; kill -9 during a change leaves every value readable.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=pglib.sh
. "$RS_SRCDIR/tests/pg/pglib.sh"
pg_require
pg_start

N=30000
CONN=$(pg_newdb) || exit 99
if ! "$RSDEMO" create "$T_TMP/a" --values $N --members 2 --postgres "$CONN" \
    >"$T_TMP/demo.out" 2>&1 </dev/null; then
	echo "Bail out! rsdemo --postgres failed: $(cat "$T_TMP/demo.out")"
	exit 99
fi
A1=$T_TMP/a/member1/rsreportserver.conf
A2=$T_TMP/a/member2/rsreportserver.conf
HOSTA=$(sed -n 's/^machine *= *//p' "$A1")
t_grep demo_config_names_postgresql "$A1" '^backend += postgresql$'
t_no_grep demo_config_has_no_password "$A1" 'password'

# Host B: a new instance on another machine, same database.
mkdir -m 700 "$T_TMP/b"
BID=$(cat /proc/sys/kernel/random/uuid)
cat >"$T_TMP/b/rsreportserver.conf" <<CONF
installation_id = $BID
machine = hostb
instance = RSB
service_account = $(id -un)
keystore = keys
runtime = keys.run
audit_log = audit.log
backend = postgresql
connection = $CONN
CONF
chmod 640 "$T_TMP/b/rsreportserver.conf"
B=$T_TMP/b/rsreportserver.conf
t_expect_exit 0 hostb_init "$RSKEYMGMT" -c "$B" --init
t_expect_exit "$EX_NOT_ACTIVATED" hostb_waits "$RSKEYMGMT" -c "$B" --status
t_expect_exit 0 hosta_joins_hostb "$RSKEYMGMT" -c "$A1" --join "$BID"
t_expect_exit 0 hostb_lists_both_hosts "$RSKEYMGMT" -c "$B" --list
t_grep list_shows_hostb "$T_OUT" "hostb +RSB +Joined"
t_grep list_shows_hosta "$T_OUT" "$HOSTA +RSDEMO1 +Joined"
t_expect_exit 0 hostb_status "$RSKEYMGMT" -c "$B" --status
t_grep status_names_database_server "$T_OUT" 'PostgreSQL host=.* dbname=rs_'
t_no_grep status_shows_no_password "$T_OUT" 'password'
t_expect_exit 0 hostb_reads_every_value "$RSKEYMGMT" -c "$B" --verify
t_grep hostb_verify_counts "$T_OUT" "$N readable, 0 unreadable"

# Two admins on two hosts at once: a change on host A, stopped mid-way.
KCV=$(kcv "$A1")
"$RSKEYMGMT" -c "$A1" --reencrypt --yes --json </dev/null >"$T_TMP/first.out" 2>&1 &
pid=$!
T_AT_EXIT="kill -CONT $pid 2>/dev/null; $T_AT_EXIT"
if t_wait_for "$T_TMP/first.out" '"event":"progress"'; then
	kill -STOP "$pid"
	t_ok change_on_hosta_running
	t_expect_exit "$EX_BUSY" change_on_hostb_refused "$RSKEYMGMT" -c "$B" --reencrypt --yes
	t_grep busy_names_user_pid_and_host "$T_ERR" "in use by $(id -un) \\(pid $pid on $HOSTA\\) since"
	t_expect_exit "$EX_BUSY" same_host_refused "$RSKEYMGMT" -c "$A2" --verify
	t_grep same_host_names_no_host "$T_ERR" "in use by $(id -un) \\(pid $pid\\) since"
	t_expect_exit 0 hostb_status_while_busy "$RSKEYMGMT" -c "$B" --status
	kill -CONT "$pid"
else
	t_fail change_on_hosta_running "no progress: $(cat "$T_TMP/first.out")"
fi
wait "$pid"
t_equal change_on_hosta_completes "$?" 0
NEW=$(kcv "$B")
t_differ change_seen_from_hostb "$NEW" "$KCV"
t_expect_exit 0 hostb_reads_new_key "$RSKEYMGMT" -c "$B" --verify
t_grep hostb_all_readable_after "$T_OUT" "$N readable, 0 unreadable"

# A change made on host B reaches host A's members.
t_expect_exit 0 change_on_hostb "$RSKEYMGMT" -c "$B" --reencrypt --yes
t_grep change_on_hostb_counts "$T_OUT" "Re-encrypted $N values"
t_grep change_on_hostb_rewraps "$T_OUT" '2 members hold a copy of the new key'
t_expect_exit 0 hosta_reads_after_hostb_change "$RSKEYMGMT" -c "$A1" --verify
t_grep hosta_all_readable "$T_OUT" "$N readable, 0 unreadable"

# kill -9 during a change on PostgreSQL: the transaction dies with the
# connection, the lock with the session.
KCV=$(kcv "$A1")
"$RSKEYMGMT" -c "$B" --reencrypt --yes --json </dev/null >"$T_TMP/killed.out" 2>&1 &
pid=$!
if t_wait_for "$T_TMP/killed.out" '"event":"progress"'; then
	kill -KILL "$pid"
	t_ok change_killed_midway
else
	t_fail change_killed_midway "no progress: $(cat "$T_TMP/killed.out")"
fi
wait "$pid" 2>/dev/null
t_equal killed_change_kept_key "$(kcv "$A1")" "$KCV"
t_expect_exit 0 killed_change_values_readable "$RSKEYMGMT" -c "$A1" --verify
t_grep killed_change_all_readable "$T_OUT" "$N readable, 0 unreadable"
t_expect_exit 0 killed_change_hostb_reads "$RSKEYMGMT" -c "$B" --verify
t_expect_exit 0 lock_free_after_kill "$RSKEYMGMT" -c "$A1" --reencrypt --yes

t_done
