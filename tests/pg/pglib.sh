# SPDX-License-Identifier: ISC
# tests/pg/pglib.sh: a private PostgreSQL server for one test script.
#
# Sourced after tests/lib.sh.  pg_start makes a cluster with initdb in a temp
# dir, as an unprivileged user when we are root (postgres refuses to run as
# root), listening only on a Unix socket in that dir; password
# authentication (scram), the password in a pgpass file, never in a
# connection string.  The server is stopped and its dir removed on exit.
#
#   pg_require      exit 77 (SKIP) when rsconfig is built without PostgreSQL
#   pg_start        sets PG_CONNINFO (no dbname), PGPASSFILE (exported);
#                   with PG_LISTEN and PG_HBA_NET set, also on TCP
#   pg_createdb N   makes database N; pg_conn N prints its connection string
#   pg_sql N SQL    runs SQL in database N (psql, unaligned, tuples only)
#   pg_newdb        makes a fresh database, prints its connection string
#   pg_rerun S...   runs other suites' scripts S on this server, their
#                   checks reported as "pg:NAME"; 1 when any failed
# shellcheck shell=sh

pg_require() {
	if ! grep -q '^#define HAVE_POSTGRESQL 1' "$RS_BUILDDIR/config.h" 2>/dev/null; then
		echo "SKIP: $T_NAME - rsconfig was built without PostgreSQL (configure --with-postgresql)"
		exit 77
	fi
}

pg_bin() {
	for _d in /usr/lib/postgresql/*/bin; do
		[ -x "$_d/initdb" ] && PG_BIN=$_d
	done
	[ -n "${PG_BIN:-}" ]
}

# Runs a command as the server's owner.
pg_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$PG_OWNER" -- "$@"
	else
		"$@"
	fi
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] || return 0
	if [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop \
		    >/dev/null 2>&1
	fi
	rm -rf "$PG_DIR"
	PG_DIR=
}

pg_start() {
	if ! pg_bin; then
		echo "Bail out! PostgreSQL is built in but no initdb was found: apt-get install postgresql"
		exit 99
	fi
	PG_OWNER=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		PG_OWNER=postgres
		id postgres >/dev/null 2>&1 || PG_OWNER=nobody
	fi
	PG_DIR=$(mktemp -d /tmp/rs-pg.XXXXXX) || exit 99
	T_AT_EXIT="${T_AT_EXIT:+$T_AT_EXIT; }pg_stop"
	chmod 755 "$PG_DIR"
	PG_PORT=$(( 20000 + $$ % 30000 ))
	PG_USER=rsadmin
	PG_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	mkdir "$PG_DIR/data"
	printf '%s\n' "$PG_PASSWORD" >"$PG_DIR/pw"
	[ "$(id -u)" -eq 0 ] && chown -R "$PG_OWNER" "$PG_DIR"
	if ! pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_USER" \
	    --pwfile="$PG_DIR/pw" --auth=scram-sha-256 -E UTF8 --locale=C \
	    >"$PG_DIR/initdb.log" 2>&1; then
		echo "Bail out! initdb failed: $(tail -n 5 "$PG_DIR/initdb.log")"
		exit 99
	fi
	rm -f "$PG_DIR/pw"
	# TCP too when asked (tests/pg/netns.sh): PG_LISTEN, addresses joined
	# by commas; PG_HBA_NET, the network let in with the password.
	[ -n "${PG_HBA_NET:-}" ] && printf 'host all all %s scram-sha-256\n' \
	    "$PG_HBA_NET" >>"$PG_DIR/data/pg_hba.conf"
	if ! pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
	    -o "-k $PG_DIR -p $PG_PORT -c listen_addresses=${PG_LISTEN:-} -c max_connections=60" \
	    start >/dev/null 2>&1; then
		echo "Bail out! the PostgreSQL server did not start: $(tail -n 5 "$PG_DIR/log")"
		exit 99
	fi
	# The client's pgpass file: ours, 0600, outside the server's dir.
	PGPASSFILE=$T_TMP/pgpass
	printf '*:*:*:%s:%s\n' "$PG_USER" "$PG_PASSWORD" >"$PGPASSFILE"
	chmod 600 "$PGPASSFILE"
	export PGPASSFILE
	PG_CONNINFO="host=$PG_DIR port=$PG_PORT user=$PG_USER"
	RS_TEST_PSQL=$PG_BIN/psql
	export RS_TEST_PSQL
}

pg_conn() {
	echo "$PG_CONNINFO dbname=$1"
}

pg_sql() {
	"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$(pg_conn "$1")" -c "$2"
}

pg_createdb() {
	pg_sql postgres "CREATE DATABASE \"$1\"" >/dev/null
}

pg_newdb() {
	RS_TEST_PG=$PG_CONNINFO sh "$RS_SRCDIR/tests/pg/mkdb.sh"
}

# The scripts' t_demo puts every demo in a fresh database here
# (RS_TEST_PG, tests/lib.sh); their PASS lines count as ours.
pg_rerun() {
	_failed=0
	for _script in "$@"; do
		_name=$(basename "$_script" .sh)
		RS_TEST_PG=$PG_CONNINFO sh "$_script" >"$T_TMP/$_name.log" 2>&1
		_rc=$?
		sed -n 's/^\(PASS\|FAIL\|SKIP\): /\1: pg:/p' "$T_TMP/$_name.log"
		T_PASSED=$((T_PASSED + $(grep -c '^PASS: ' "$T_TMP/$_name.log")))
		if [ "$_rc" -ne 0 ] && [ "$_rc" -ne 77 ]; then
			grep -q '^FAIL: ' "$T_TMP/$_name.log" ||
			    t_fail "pg:$_name" "exit $_rc: $(tail -n 3 "$T_TMP/$_name.log" | tr '\n' ' ')"
			_failed=1
		fi
	done
	return "$_failed"
}
