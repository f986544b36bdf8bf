#!/bin/sh
# service.sh: the rsserverd tests (heartbeats, running/stale members, the
# change refusal) again, on PostgreSQL: every demo gets a fresh database on
# a private server (the t_demo hook).  Checks are reported as "pg:NAME".
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=pglib.sh
. "$RS_SRCDIR/tests/pg/pglib.sh"
pg_require
pg_start

RS_TEST_PG=$PG_CONNINFO
export RS_TEST_PG
failed=0
# These two use the database only through the programs: heartbeats,
# Running / Stale in --list, a running member blocking a change, start,
# stop and reload.  The others read or tamper with the SQLite file directly
# (daemon.sh, change.sh) or drop to an account without a pgpass (root.sh).
for name in stale startstop; do
	sh "$RS_SRCDIR/tests/service/$name.sh" >"$T_TMP/$name.log" 2>&1
	rc=$?
	sed -n 's/^\(PASS\|FAIL\|SKIP\): /\1: pg:/p' "$T_TMP/$name.log"
	T_PASSED=$((T_PASSED + $(grep -c '^PASS: ' "$T_TMP/$name.log")))
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		grep -q '^FAIL: ' "$T_TMP/$name.log" ||
		    t_fail "pg:$name" "exit $rc: $(tail -n 3 "$T_TMP/$name.log" | tr '\n' ' ')"
		failed=1
	fi
done
echo "# $T_NAME: PostgreSQL run of tests/service"
[ "$failed" -eq 0 ] || exit 1
exit 0
