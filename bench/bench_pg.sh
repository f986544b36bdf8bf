# SPDX-License-Identifier: ISC
# bench/bench_pg.sh: Change on PostgreSQL against PostgreSQL's own UPDATE.
#
# Sourced by bench.sh (uses its work dir, measure, best, ratio, mib,
# repeat).  Starts a private server of its own, as tests/pg/pglib.sh does:
# initdb in the work dir, as an unprivileged user when we are root, only a
# Unix socket, fsync on (the default), password in a pgpass file.
#
# The baseline rewrites copies of the same content tables (same rows, same
# bytea sizes, primary key on id) with one UPDATE per table in one
# transaction, through psql over the same socket.  Before every timed run,
# of either kind, the tables are vacuumed and a checkpoint is taken, so
# neither pays for the other's dead rows or dirty pages.
# shellcheck shell=bash disable=SC2154 # work, build, rsdemo, ... are bench.sh's

pg_sizes=${BENCH_PG_SIZES:-"100000 300000 1000000"}

pg_bench_bin() {
	local d
	PGB_BIN=
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && PGB_BIN=$d
	done
	[ -n "$PGB_BIN" ]
}

pg_bench_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$PGB_OWNER" -- "$@"; else "$@"; fi
}

pg_bench_stop() {
	[ -n "${PGB_DIR:-}" ] || return 0
	pg_bench_as_owner "$PGB_BIN/pg_ctl" -D "$PGB_DIR/data" -m fast -w stop \
		>/dev/null 2>&1 || true
	rm -rf "$PGB_DIR"
	PGB_DIR=
}

pg_bench_start() {
	local pw
	PGB_OWNER=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		PGB_OWNER=postgres
		id postgres >/dev/null 2>&1 || PGB_OWNER=nobody
	fi
	PGB_DIR=$(mktemp -d /tmp/rsbench-pg.XXXXXX)
	chmod 755 "$PGB_DIR"
	mkdir "$PGB_DIR/data"
	pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	printf '%s\n' "$pw" >"$PGB_DIR/pw"
	[ "$(id -u)" -eq 0 ] && chown -R "$PGB_OWNER" "$PGB_DIR"
	pg_bench_as_owner "$PGB_BIN/initdb" -D "$PGB_DIR/data" -U rsadmin \
		--pwfile="$PGB_DIR/pw" --auth=scram-sha-256 -E UTF8 --locale=C \
		>"$PGB_DIR/initdb.log" 2>&1 || { tail -n 5 "$PGB_DIR/initdb.log" >&2; return 1; }
	rm -f "$PGB_DIR/pw"
	pg_bench_as_owner "$PGB_BIN/pg_ctl" -D "$PGB_DIR/data" -l "$PGB_DIR/log" -w \
		-o "-k $PGB_DIR -p 5432 -c listen_addresses= -c fsync=on -c synchronous_commit=on" \
		start >/dev/null 2>&1 || { tail -n 5 "$PGB_DIR/log" >&2; return 1; }
	PGPASSFILE=$work/pgpass
	printf '*:*:*:rsadmin:%s\n' "$pw" >"$PGPASSFILE"
	chmod 600 "$PGPASSFILE"
	export PGPASSFILE
	PGB_CONNINFO="host=$PGB_DIR port=5432 user=rsadmin"
}

pg_bench_sql() {
	"$PGB_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$PGB_CONNINFO dbname=$1" -c "$2"
}

# Same rows, same sizes, a byte of each value changed: PostgreSQL's own
# rewrite, one transaction.
pg_baseline_sql="BEGIN;
UPDATE base_datasources SET
  connection_string = overlay(connection_string placing '\\x00'::bytea from 1 for 1),
  credentials = overlay(credentials placing '\\x00'::bytea from 1 for 1)
  WHERE connection_string IS NOT NULL OR credentials IS NOT NULL;
UPDATE base_subscriptions SET
  settings = overlay(settings placing '\\x00'::bytea from 1 for 1)
  WHERE settings IS NOT NULL;
COMMIT;"

pg_bench_settle() {
	pg_bench_sql "$1" 'VACUUM ANALYZE' >/dev/null
	pg_bench_sql "$1" 'CHECKPOINT' >/dev/null
}

pg_bench_change() {
	local n=$1 db=bench_$1 demo=$work/pgdemo-$1 cfg i
	pg_bench_sql postgres "CREATE DATABASE $db" >/dev/null
	"$rsdemo" create "$demo" --values "$n" --members 2 \
		--postgres "$PGB_CONNINFO dbname=$db" >/dev/null </dev/null
	cfg=$demo/member1/rsreportserver.conf
	pg_bench_sql "$db" "CREATE TABLE base_datasources AS SELECT * FROM datasources;
		ALTER TABLE base_datasources ADD PRIMARY KEY (id);
		CREATE TABLE base_subscriptions AS SELECT * FROM subscriptions;
		ALTER TABLE base_subscriptions ADD PRIMARY KEY (id);" >/dev/null
	: >"$work/pgtool"; : >"$work/pgbase"
	for ((i = 0; i < repeat; i++)); do
		pg_bench_settle "$db"
		measure "$work/pgtool" "$rskeymgmt" -c "$cfg" --reencrypt --yes
		pg_bench_settle "$db"
		measure "$work/pgbase" "$PGB_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
			-d "$PGB_CONNINFO dbname=$db" -c "$pg_baseline_sql"
	done
	"$rskeymgmt" -c "$cfg" --verify >/dev/null \
		|| { echo "bench: values unreadable after the change on PostgreSQL" >&2; exit 1; }
	read -r ts tk <<<"$(best "$work/pgtool")"
	read -r bs _ <<<"$(best "$work/pgbase")"
	printf 'change pg %7d values: %6.2f s vs PostgreSQL UPDATE %6.2f s  ratio %sx  peak RSS %s MiB\n' \
		"$n" "$ts" "$bs" "$(ratio "$ts" "$bs")" "$(mib "$tk")"
	rm -rf "$demo"
	pg_bench_sql postgres "DROP DATABASE $db" >/dev/null
}

bench_pg() {
	local n
	if ! grep -q '^#define HAVE_POSTGRESQL 1' "$build/config.h" 2>/dev/null; then
		echo "change pg: skipped: rsconfig was built without PostgreSQL (configure --with-postgresql)"
		return 0
	fi
	if ! pg_bench_bin; then
		echo "change pg: skipped: PostgreSQL is not installed (apt-get install postgresql)"
		return 0
	fi
	pg_bench_start || { pg_bench_stop; echo "bench: the private PostgreSQL server did not start" >&2; exit 1; }
	echo "change pg: on a private PostgreSQL server started for this bench ($PGB_DIR, Unix socket, fsync on)"
	for n in $pg_sizes; do pg_bench_change "$n"; done
	pg_bench_stop
}
