#!/bin/sh
# SPDX-License-Identifier: ISC
# change.sh: a key change on PostgreSQL that stops after the first table
# was already rewritten leaves the old key and every value as it was: a
# cancel, a database error (lock timeout) and an unreadable value, each at
# the last UPDATE of the last table.  The content is compared byte for byte.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=pglib.sh
. "$RS_SRCDIR/tests/pg/pglib.sh"
pg_require
pg_start

N=12000
DB=rs_change
pg_createdb $DB
if ! "$RSDEMO" create "$T_TMP/demo" --values $N --members 2 \
    --postgres "$(pg_conn $DB)" >"$T_TMP/demo.out" 2>&1 </dev/null; then
	echo "Bail out! rsdemo --postgres failed: $(cat "$T_TMP/demo.out")"
	exit 99
fi
CONF=$T_TMP/demo/member1/rsreportserver.conf
LAST=$(pg_sql $DB "SELECT max(id) FROM subscriptions WHERE settings IS NOT NULL")

# Every cell of every content table, in one checksum.
content() {
	pg_sql $DB "SELECT md5(string_agg(id || ':' ||
	    coalesce(encode(connection_string, 'hex'), '-') || ':' ||
	    coalesce(encode(credentials, 'hex'), '-'), ',' ORDER BY id))
	    FROM datasources" &&
	pg_sql $DB "SELECT md5(string_agg(id || ':' ||
	    coalesce(encode(settings, 'hex'), '-'), ',' ORDER BY id))
	    FROM subscriptions"
}

# unchanged NAME: the key, the content and every value as before.
unchanged() {
	t_equal "$1_keeps_key" "$(kcv "$CONF")" "$KCV"
	t_equal "$1_keeps_content" "$(content)" "$CONTENT"
	t_expect_exit 0 "$1_values_readable" "$RSKEYMGMT" -c "$CONF" --verify
	t_grep "$1_all_readable" "$T_OUT" "$N readable, 0 unreadable"
}

# hold_last_row: another session locks the last subscription's row (fd 3
# talks to its psql), so the change waits at its last UPDATE.
hold_last_row() {
	rm -f "$T_TMP/lockin"
	mkfifo "$T_TMP/lockin"
	"$PG_BIN/psql" -X -q -d "$(pg_conn $DB) application_name=rslocker" \
	    <"$T_TMP/lockin" >"$T_TMP/lockout" 2>&1 &
	LOCKPID=$!
	exec 3>"$T_TMP/lockin"
	printf 'BEGIN;\nSELECT 1 FROM subscriptions WHERE id = %s FOR UPDATE;\n' \
	    "$LAST" >&3
	wait_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name =
	    'rslocker' AND state = 'idle in transaction'"
}

release_last_row() {
	printf 'ROLLBACK;\n\\q\n' >&3
	exec 3>&-
	wait "$LOCKPID"
}

# wait_sql SQL: until SQL answers 1 (10 s at most).
wait_sql() {
	t_until 10 sql_says_1 "$1"
}

# shellcheck disable=SC2317  # run by t_until
sql_says_1() {
	[ "$(pg_sql postgres "$1")" = 1 ]
}

waiting_at_last_update() {
	wait_sql "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type =
	    'Lock' AND query LIKE 'UPDATE subscriptions%'"
}

KCV=$(kcv "$CONF")
CONTENT=$(content)

# A cancel (SIGTERM) while the change waits at the last UPDATE: the
# datasources are rewritten by then; the rollback restores them.
if hold_last_row; then
	"$RSKEYMGMT" -c "$CONF" --reencrypt --yes </dev/null >"$T_TMP/cancel.out" 2>&1 &
	pid=$!
	if waiting_at_last_update; then
		t_ok cancel_waits_at_last_update
	else
		t_fail cancel_waits_at_last_update "the change never waited for the row"
	fi
	kill -TERM "$pid"
	release_last_row
	wait "$pid"
	t_equal cancel_exit "$?" "$EX_CANCELLED"
else
	t_fail cancel_holds_row "the locking session never held the row"
	release_last_row
fi
unchanged cancelled

# The row stays locked past the change's lock timeout: a database error.
if hold_last_row; then
	t_expect_exit "$EX_BUSY" lock_timeout_fails "$RSKEYMGMT" -c "$CONF" \
	    --reencrypt --yes
	release_last_row
else
	t_fail lock_timeout_holds_row "the locking session never held the row"
	release_last_row
fi
unchanged lock_timeout

# The last value cannot be decrypted: refused after the datasources were
# rewritten; nothing changed (the damaged byte put back, all readable).
flip="UPDATE subscriptions SET settings = set_byte(settings, 20,
    get_byte(settings, 20) # 255) WHERE id = $LAST"
pg_sql $DB "$flip" >/dev/null
DAMAGED=$(content)
EX_CRYPTO=17  # core/err.h: RS_ERR_CRYPTO
t_expect_exit "$EX_CRYPTO" damaged_value_refused "$RSKEYMGMT" -c "$CONF" \
    --reencrypt --yes
t_grep damaged_value_named "$T_ERR" "subscriptions row $LAST"
t_equal damaged_content_as_it_was "$(content)" "$DAMAGED"
pg_sql $DB "$flip" >/dev/null
unchanged damaged

# And the change still works afterwards.
t_expect_exit 0 change_after_all "$RSKEYMGMT" -c "$CONF" --reencrypt --yes
t_expect_exit 0 change_after_all_readable "$RSKEYMGMT" -c "$CONF" --verify
t_grep change_after_all_counts "$T_OUT" "$N readable, 0 unreadable"

t_done
