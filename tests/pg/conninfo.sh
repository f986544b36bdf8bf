#!/bin/sh
# SPDX-License-Identifier: ISC
# conninfo.sh: a password in the PostgreSQL connection string is refused
# as a config error in every form libpq reads one (judged by libpq's own
# PQconninfoParse), and no message prints the string: they name host,
# database and user.  A passfile is the recommended way and is accepted.
# Needs no server.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=pglib.sh
. "$RS_SRCDIR/tests/pg/pglib.sh"
pg_require

t_demo "$T_TMP/demo" 10
C=$(dirname "$DEMO_CONF")/pg.conf

# pg_conf CONNINFO: the demo's config on PostgreSQL with that connection.
pg_conf() {
	grep -v '^database\|^backend\|^connection' "$DEMO_CONF" >"$C"
	printf 'backend = postgresql\nconnection = %s\n' "$1" >>"$C"
}

# refused NAME CONNINFO: exit 8 (config), says pgpass, never the secret.
refused() {
	pg_conf "$2"
	t_expect_exit "$EX_CONFIG" "password_${1}_refused" "$RSKEYMGMT" -c "$C" --status
	t_grep "password_${1}_says_pgpass" "$T_ERR" 'holds a password.*pgpass'
	t_grep "password_${1}_names_host" "$T_ERR" 'host=db01'
	t_no_grep "password_${1}_not_printed" "$T_ERR" 'S3cret|%53%33|cretPw'
}

refused keyword 'host=db01 dbname=rs user=rsvc password=S3cretPw'
refused keyword_blanks 'host=db01 dbname=rs user=rsvc password =   S3cretPw'
refused quoted_spaces "host=db01 dbname=rs user=rsvc password='S3cret Pw here'"
refused uri_userinfo 'postgresql://rsvc:S3cretPw@db01/rs'
refused uri_short_scheme 'postgres://rsvc:S3cretPw@db01/rs'
refused uri_multihost 'postgresql://rsvc:S3cretPw@db01:5432,db02:5433/rs'
refused uri_query 'postgresql://rsvc@db01/rs?password=S3cretPw'
refused uri_encoded_value 'postgresql://rsvc:%53%33cretPw@db01/rs'
refused uri_encoded_key 'postgresql://rsvc@db01/rs?pass%77ord=S3cretPw'
refused uri_query_encoded_value 'postgresql://rsvc@db01/rs?password=%53%33cretPw'

# The user part without a password, an empty password and a passfile
# are fine: the config loads, and the connection (to no server) fails
# without printing the string.
for ok in 'postgresql://rsvc@db01/rs' "host=db01 dbname=rs user=rsvc password=''" \
    'host=db01 dbname=rs user=rsvc passfile=/etc/rsconfig/S3cretPw.pgpass'; do
	pg_conf "$ok connect_timeout=1"
	"$RSKEYMGMT" -c "$C" --status >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
	name=$(printf '%s' "$ok" | tr -c '[:lower:]' _ | cut -c1-30)
	t_equal "accepted_${name}_not_config_error" "$([ "$rc" -ne "$EX_CONFIG" ] && echo yes)" yes
	t_no_grep "accepted_${name}_no_refusal" "$T_TMP/err" 'holds a password'
done

# A connection that fails names host, database and user, never the
# whole string (application_name is in the string only).
pg_conf 'host=127.0.0.1 port=1 dbname=rs user=rsvc connect_timeout=2 application_name=MarkerNotShown'
t_expect_exit 15 connect_failure "$RSKEYMGMT" -c "$C" --status
t_grep connect_failure_names_where "$T_ERR" 'host=127.0.0.1 dbname=rs user=rsvc'
t_no_grep connect_failure_no_string "$T_ERR" 'MarkerNotShown'

t_done
