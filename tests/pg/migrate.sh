#!/bin/sh
# SPDX-License-Identifier: ISC
# migrate.sh: rskeymgmt --migrate-to moves an SQLite deployment to
# PostgreSQL without decrypting anything: every value opens there, key and
# members are the same, the config points at PostgreSQL afterwards, and the
# SQLite file is byte for byte what it was.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=pglib.sh
. "$RS_SRCDIR/tests/pg/pglib.sh"
pg_require
pg_start

printf '%s\n' 'Bkp 2026!Strong-xY' >"$T_TMP/pw"
RS_TEST_PG= t_demo "$T_TMP/demo" 3000 3
C=$DEMO_CONF
M2=$T_TMP/demo/member2/rsreportserver.conf
DB=$T_TMP/demo/reportserver.db
CONN=$(pg_newdb) || exit 99
KCV=$(kcv "$C")
t_expect_exit 0 backup_before "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/before.pem" --password-file "$T_TMP/pw"
SUM=$(sha256sum "$DB" | cut -d' ' -f1)

# Refused: a password in the connection string (and nothing changes).
t_expect_exit "$EX_CONFIG" password_in_conninfo_refused "$RSKEYMGMT" -c "$C" --migrate-to "$CONN password=x"
t_grep password_refusal_says_pgpass "$T_ERR" 'pgpass'
t_grep config_still_sqlite "$C" '^database'
t_no_grep config_not_switched "$C" 'postgresql'

t_expect_exit 0 migrate "$RSKEYMGMT" -c "$C" --migrate-to "$CONN" --json
t_grep migrate_json "$T_OUT" '"command":"migrate-to","ok":true,.*"copied":true,"rows":[0-9]+,"members":3,"values":3000'
t_equal sqlite_file_untouched "$(sha256sum "$DB" | cut -d' ' -f1)" "$SUM"
t_grep config_switched "$C" '^backend += postgresql$'
t_no_grep config_has_no_password "$C" 'password'
t_expect_exit 0 status_on_postgresql "$RSKEYMGMT" -c "$C" --status
t_grep status_says_postgresql "$T_OUT" 'PostgreSQL host='
t_equal same_key_after "$(kcv "$C")" "$KCV"
t_expect_exit 0 verify_after "$RSKEYMGMT" -c "$C" --verify
t_grep all_values_open "$T_OUT" 'Checked 3000 values: 3000 readable, 0 unreadable'
t_equal rows_in_postgresql "$(pg_sql "${CONN##*dbname=}" 'SELECT count(*) FROM datasources')" \
    "$(sqlite3 "$DB" 'SELECT count(*) FROM datasources')"
# The database keeps its identity: a backup made before applies after.
t_expect_exit 0 old_backup_applies "$RSKEYMGMT" -c "$C" -a -f "$T_TMP/before.pem" --password-file "$T_TMP/pw"

# Member 2 still on SQLite until it moves too; then it finds the copy.
t_expect_exit 0 member2_migrates "$RSKEYMGMT" -c "$M2" --migrate-to "$CONN"
t_grep member2_nothing_copied "$T_OUT" 'already holds this database'
t_grep member2_counts_values "$T_OUT" 'All 3000 values open there'
t_expect_exit 0 member2_reads_all "$RSKEYMGMT" -c "$M2" --verify
t_grep member2_all_values "$T_OUT" '3000 readable, 0 unreadable'

# Operations on the new database leave the SQLite file alone.
t_expect_exit 0 change_on_postgresql "$RSKEYMGMT" -c "$C" --reencrypt --yes
t_expect_exit 0 member2_reads_new_key "$RSKEYMGMT" -c "$M2" --verify
t_equal sqlite_file_untouched_after_change "$(sha256sum "$DB" | cut -d' ' -f1)" "$SUM"

# Another deployment cannot be moved into a database in use.
RS_TEST_PG= t_demo "$T_TMP/other" 10 1
OSUM=$(sha256sum "$T_TMP/other/reportserver.db" | cut -d' ' -f1)
t_expect_exit "$EX_EXISTS" migrate_into_used_refused "$RSKEYMGMT" -c "$DEMO_CONF" --migrate-to "$CONN"
t_grep used_refusal_says_why "$T_ERR" 'already holds another report server database'
t_no_grep refused_config_unchanged "$DEMO_CONF" 'postgresql'
t_equal refused_sqlite_untouched "$(sha256sum "$T_TMP/other/reportserver.db" | cut -d' ' -f1)" "$OSUM"
t_expect_exit "$EX_STATE" migrate_twice_refused "$RSKEYMGMT" -c "$C" --migrate-to "$CONN"

# One value and one member: the report counts them in the singular.
RS_TEST_PG='' t_demo "$T_TMP/single" 1 1
CONN1=$(pg_newdb) || exit 99
t_expect_exit 0 single_migrates "$RSKEYMGMT" -c "$DEMO_CONF" --migrate-to "$CONN1"
t_grep single_rows_copied "$T_OUT" '^Copied [0-9]+ rows? to .* without decrypting'
t_grep single_member_singular "$T_OUT" '^1 member of the deployment is among them\.$'
t_grep single_value_singular "$T_OUT" '^The 1 value opens there'

t_done
