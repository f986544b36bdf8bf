#!/bin/sh
# SPDX-License-Identifier: ISC
# change_yes.sh: a Change without the interactive review (-s --yes) lists
# the members that get the new key, with their keys' fingerprints, before
# it starts, so a member row planted in the database (issue 14: every
# member's service account can write it) is visible in the output and the
# log; --json has the same list.  A row at an old key generation is not
# listed and gets nothing.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

if [ -n "${RS_TEST_PG:-}" ] || ! command -v sqlite3 >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - plants rows with the sqlite3 shell"
	exit 77
fi
t_demo "$T_TMP/demo" 30 3
C=$DEMO_CONF
DB=$T_TMP/demo/reportserver.db
ID2=$(sed -n 's/^installation_id *= *//p' "$T_TMP/demo/member2/rsreportserver.conf")
ID3=$(sed -n 's/^installation_id *= *//p' "$DEMO_WAIT")
GEN=$(sqlite3 "$DB" 'SELECT generation FROM keyinfo')
# fingerprint ID: the fingerprint --list --json gives the member's key.
fingerprint() {
	"$RSKEYMGMT" -c "$C" --list --json </dev/null |
	    grep -o "\"installation_id\":\"$1\"[^}]*" |
	    sed -n 's/.*"fingerprint":"\([^"]*\)".*/\1/p'
}
FP3=$(fingerprint "$ID3")
if [ -n "$FP3" ]; then t_ok waiting_member_has_fingerprint
else t_fail waiting_member_has_fingerprint "none for $ID3"; fi

# A planter copies member 2's wrapped key into a row with member 3's public
# key (the planter's own, as far as the change can tell), at the current
# generation; and a second row at the generation before.
PLANT=aaaaaaaa-1111-4111-8111-000000000001
OLD=aaaaaaaa-1111-4111-8111-000000000002
sqlite3 "$DB" "INSERT INTO members (installation_id, machine, instance,
    service_account, public_key, wrapped_key, key_generation, created, joined)
    SELECT '$PLANT', 'PLANTED', 'MSSQLSERVER', service_account,
    (SELECT public_key FROM members WHERE installation_id = '$ID3'),
    wrapped_key, key_generation, created, joined
    FROM members WHERE installation_id = '$ID2';
    INSERT INTO members (installation_id, machine, instance,
    service_account, public_key, wrapped_key, key_generation, created, joined)
    SELECT '$OLD', 'OLDGEN', 'MSSQLSERVER', service_account, public_key,
    wrapped_key, $GEN - 1, created, joined
    FROM members WHERE installation_id = '$ID2';" ||
    { echo "Bail out! cannot plant rows"; exit 99; }
OLDWRAP=$(sqlite3 "$DB" "SELECT hex(wrapped_key) FROM members WHERE installation_id = '$OLD'")

t_expect_exit 0 change_yes "$RSKEYMGMT" -c "$C" -s --yes
t_grep yes_lists_count "$T_OUT" 'Members that get the new key \(3\)'
t_grep yes_lists_planted_with_fingerprint "$T_OUT" \
    "^  PLANTED\\\\MSSQLSERVER  $PLANT  $FP3\$"
t_no_grep yes_omits_old_generation "$T_OUT" "OLDGEN|$OLD"
# The list comes before the result: it was printed before the change ran.
if [ "$(grep -n 'Members that get' "$T_OUT" | cut -d: -f1)" -lt \
    "$(grep -n 'Re-encrypted' "$T_OUT" | cut -d: -f1)" ]; then
	t_ok list_before_result
else
	t_fail list_before_result "list after the result"
fi
t_equal planted_got_new_generation \
    "$(sqlite3 "$DB" "SELECT key_generation FROM members WHERE installation_id = '$PLANT'")" \
    "$((GEN + 1))"
t_equal old_generation_row_untouched \
    "$(sqlite3 "$DB" "SELECT key_generation || ' ' || hex(wrapped_key) FROM members WHERE installation_id = '$OLD'")" \
    "$((GEN - 1)) $OLDWRAP"

# A change that cannot start (another process holds the database) still
# printed whom it was meant for; its --json result carries the list too.
if db_hold "$DB"; then
	# Printed while the change still waits for the database, not at its end.
	"$RSKEYMGMT" -c "$C" -s --yes </dev/null >"$T_TMP/busy.out" 2>"$T_TMP/busy.err" &
	busy=$!
	if t_wait_for "$T_TMP/busy.out" "^  PLANTED" 10 && kill -0 "$busy" 2>/dev/null; then
		t_ok listed_while_waiting
	else
		t_fail listed_while_waiting "no list before the change ended"
	fi
	wait "$busy"
	t_differ busy_change_fails "$?" 0
	t_grep busy_change_listed "$T_TMP/busy.out" "^  PLANTED\\\\MSSQLSERVER  $PLANT  $FP3\$"
	t_run "$RSKEYMGMT" -c "$C" -s --yes --json
	t_grep busy_json_lists "$T_OUT" "\"ok\":false.*\"reviewed\":\\[.*\"installation_id\":\"$PLANT\""
	db_release
else
	t_fail busy_change_fails "cannot hold the database"
fi
t_expect_exit 0 change_json "$RSKEYMGMT" -c "$C" -s --yes --json
t_grep json_lists_planted "$T_OUT" \
    "\"reviewed\":\\[.*\\{\"installation_id\":\"$PLANT\",\"machine\":\"PLANTED\",\"instance\":\"MSSQLSERVER\",\"fingerprint\":\"$FP3\"\\}"
t_no_grep json_omits_old_generation "$T_OUT" "\"installation_id\":\"$OLD\""
t_done
