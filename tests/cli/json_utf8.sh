#!/bin/sh
# SPDX-License-Identifier: ISC
# JSON output is valid UTF-8 whatever the database holds: a member whose
# instance name has bytes that are not UTF-8 (put there with sqlite3, as
# another program might) is listed with U+FFFD in their place; control
# characters are escaped; well-formed UTF-8 passes unchanged.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - needs sqlite3 and python3"
	exit 77
fi
# tests/pg/cli.sh runs this on PostgreSQL, whose UTF8 database refuses
# such bytes itself.
if [ -n "${RS_TEST_PG:-}" ]; then
	echo "SKIP: $T_NAME - PostgreSQL stores only valid UTF-8"
	exit 77
fi
t_demo "$T_TMP/demo" 1 2
DB=$T_TMP/demo/reportserver.db
# Member 2 (waiting): instance "A<ff>B<c3>(<ed a0 80>C", machine "über<1b>".
sqlite3 "$DB" "update members set instance = cast(x'41ff42c328eda08043' as text),
    machine = cast(x'c3bc6265721b' as text) where instance = 'RSDEMO2'" ||
	{ echo "Bail out! sqlite3 update failed"; exit 99; }
t_expect_exit 0 list_json "$RSKEYMGMT" -c "$DEMO_CONF" -l --json
cat >"$T_TMP/check.py" <<'PY'
import json, sys
data = open(sys.argv[1], 'rb').read()
text = data.decode('utf-8')          # strict: fails on invalid UTF-8
names = [m['instance'] for m in json.loads(text.splitlines()[-1])['members']]
print('\n'.join(names))
PY
cp "$T_OUT" "$T_TMP/list.json"
t_grep invalid_bytes_replaced "$T_TMP/list.json" "$(printf '"A\357\277\275B\357\277\275[(]\357\277\275\357\277\275\357\277\275C"')"
t_grep valid_utf8_kept "$T_TMP/list.json" "$(printf '"\303\274ber')"
t_grep control_escaped "$T_TMP/list.json" 'ber\\u001b"'
t_expect_exit 0 parses_as_utf8_json python3 "$T_TMP/check.py" "$T_TMP/list.json"
t_grep parsed_name "$T_OUT" "$(printf 'A\357\277\275B')"
t_done
