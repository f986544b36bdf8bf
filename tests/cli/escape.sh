#!/bin/sh
# SPDX-License-Identifier: ISC
# escape.sh: names from the database reach the terminal escaped: a member
# name with an escape sequence or a newline cannot recolour the terminal
# or forge a line in rskeymgmt -l (the JSON keeps the exact name, escaped
# its own way).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

t_demo "$T_TMP/demo" 10 2
C=$DEMO_CONF
DB=$T_TMP/demo/reportserver.db
if ! command -v sqlite3 >/dev/null 2>&1 || [ -n "${RS_TEST_PG:-}" ]; then
	t_skip member_name_escaped "needs sqlite3 and the SQLite demo"
	t_done
fi
# The second member's row, as any member's service account could write it.
sqlite3 "$DB" "UPDATE members SET machine = 'evil' || char(27) || '[31mRED' || char(10) || '* FORGED  INST  Joined', instance = 'in' || char(13) || 'st' || char(127) || CAST(x'ff' AS TEXT) WHERE installation_id = (SELECT installation_id FROM members ORDER BY rowid DESC LIMIT 1)"

t_expect_exit 0 list "$RSKEYMGMT" -c "$C" -l
t_no_grep list_no_escape_byte "$T_OUT" "$(printf '\033')"
t_no_grep list_no_carriage_return "$T_OUT" "$(printf '\r')"
t_no_grep list_no_forged_line "$T_OUT" '^\* FORGED'
t_grep list_shows_escaped "$T_OUT" 'evil\\x1b\[31mRED\\x0a\* FORGED'
t_grep list_shows_escaped_instance "$T_OUT" 'in\\x0dst\\x7f\\xff'
t_equal list_line_count "$(wc -l <"$T_OUT")" 4   # header, 2 members, legend

t_expect_exit 0 list_json "$RSKEYMGMT" -c "$C" -l --json
t_grep json_keeps_name "$T_OUT" 'evil\\u001b\[31mRED\\n\* FORGED'

t_done
