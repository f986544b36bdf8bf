#!/bin/sh
# cli.sh: the whole CLI suite (tests/cli/*.sh) again, on PostgreSQL: every
# demo the scripts make gets a fresh database on a private server (the hook
# in t_demo of tests/lib.sh).  Each check is reported as "pg:NAME".
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=pglib.sh
. "$RS_SRCDIR/tests/pg/pglib.sh"
pg_require
pg_start

RS_TEST_PG=$PG_CONNINFO
export RS_TEST_PG
failed=0
for script in "$RS_SRCDIR"/tests/cli/*.sh; do
	name=$(basename "$script" .sh)
	sh "$script" >"$T_TMP/$name.log" 2>&1
	rc=$?
	sed -n 's/^\(PASS\|FAIL\|SKIP\): /\1: pg:/p' "$T_TMP/$name.log"
	T_PASSED=$((T_PASSED + $(grep -c '^PASS: ' "$T_TMP/$name.log")))
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		grep -q '^FAIL: ' "$T_TMP/$name.log" ||
		    t_fail "pg:$name" "exit $rc: $(tail -n 3 "$T_TMP/$name.log" | tr '\n' ' ')"
		failed=1
	fi
done
echo "# $T_NAME: PostgreSQL run of tests/cli"
[ "$failed" -eq 0 ] || exit 1
exit 0
