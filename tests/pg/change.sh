#!/bin/sh
# SPDX-License-Identifier: ISC
# change.sh: a key change on PostgreSQL that stops after the first table
# was already rewritten leaves the old key and every value as it was: a
# cancel, a database error (lock timeout) and an unreadable value, each at
# the last table.  The content is compared byte for byte.  Then which way
# the rows are rewritten: a table as rsconfig made it has its rows deleted
# and copied back (one COPY); a table an admin added a trigger, a foreign
# key or a column to is rewritten by UPDATE, so that what they hold stays;
# so is a table the connecting role may update but not delete from.
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
	    'Lock' AND (query LIKE 'UPDATE subscriptions%' OR
	    query LIKE 'DELETE FROM subscriptions%')"
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

# pg_counter COUNTER TABLE: the server's statistics counter (n_tup_del, ...) of
# TABLE.  They arrive once the change's connection has closed.
pg_counter() {
	pg_sql "$DB" "SELECT $1 FROM pg_stat_user_tables WHERE relname = '$2'"
}

# shellcheck disable=SC2317  # run by t_until
stat_above() {
	[ "$(pg_counter "$1" "$2")" -gt "$3" ]
}

# t_stat_grew NAME COUNTER TABLE BEFORE WHY: a check that the counter of
# TABLE grew past BEFORE within 10 s.
t_stat_grew() {
	if t_until 10 stat_above "$2" "$3" "$4"; then
		t_ok "$1"
	else
		t_fail "$1" "$5"
	fi
}

# And the change still works afterwards.
DELETED=$(pg_counter n_tup_del datasources)
t_expect_exit 0 change_after_all "$RSKEYMGMT" -c "$CONF" --reencrypt --yes
t_expect_exit 0 change_after_all_readable "$RSKEYMGMT" -c "$CONF" --verify
t_grep change_after_all_counts "$T_OUT" "$N readable, 0 unreadable"

t_stat_grew direct_rows_copied_back n_tup_del datasources "$DELETED" \
    "no datasources row was deleted and copied back"

# A role that may update the content but not delete from it (nor own
# it): the change still works, by UPDATE.
pg_sql $DB "CREATE ROLE rsupdater LOGIN PASSWORD 'Upd4ter-Pw';
    GRANT ALL ON ALL TABLES IN SCHEMA public TO rsupdater;
    REVOKE DELETE ON datasources, subscriptions FROM rsupdater;" >/dev/null
printf '*:*:*:rsupdater:Upd4ter-Pw\n' >>"$PGPASSFILE"
cp "$CONF" "$T_TMP/conf.rsadmin"
sed -i "s/^\(connection *=.*\)user=[^ ]*/\1user=rsupdater/" "$CONF"
t_grep updater_in_config "$CONF" "user=rsupdater"
UPDATED=$(pg_counter n_tup_upd subscriptions)
t_expect_exit 0 change_without_delete_right "$RSKEYMGMT" -c "$CONF" --reencrypt --yes
t_expect_exit 0 without_delete_right_readable "$RSKEYMGMT" -c "$CONF" --verify
t_grep without_delete_right_counts "$T_OUT" "$N readable, 0 unreadable"
t_stat_grew without_delete_right_updates n_tup_upd subscriptions "$UPDATED" \
    "the subscriptions were not updated"
cp "$T_TMP/conf.rsadmin" "$CONF"

# What an admin added: a table whose rows point at data sources (deleted
# with them), a trigger that logs every change, a column of their own.
pg_sql $DB "CREATE TABLE ds_usage (ds_id bigint REFERENCES datasources (id)
    ON DELETE CASCADE);
    INSERT INTO ds_usage SELECT id FROM datasources ORDER BY id LIMIT 10;
    CREATE TABLE ds_log (op text);
    CREATE FUNCTION ds_log_fn() RETURNS trigger LANGUAGE plpgsql AS
    \$\$BEGIN INSERT INTO ds_log VALUES (TG_OP); RETURN NULL; END\$\$;
    CREATE TRIGGER ds_log_t AFTER INSERT OR UPDATE OR DELETE ON datasources
    FOR EACH ROW EXECUTE FUNCTION ds_log_fn();
    ALTER TABLE subscriptions ADD COLUMN note text;
    UPDATE subscriptions SET note = 'note ' || id;" >/dev/null
ROWS=$(pg_sql $DB "SELECT count(*) FROM datasources WHERE
    connection_string IS NOT NULL OR credentials IS NOT NULL")
NOTES=$(pg_sql $DB "SELECT md5(string_agg(id || note, ',' ORDER BY id)) FROM subscriptions")
t_expect_exit 0 change_with_admin_objects "$RSKEYMGMT" -c "$CONF" --reencrypt --yes
t_expect_exit 0 admin_objects_readable "$RSKEYMGMT" -c "$CONF" --verify
t_grep admin_objects_counts "$T_OUT" "$N readable, 0 unreadable"
t_equal foreign_rows_kept "$(pg_sql $DB "SELECT count(*) FROM ds_usage")" 10
t_equal trigger_saw_updates "$(pg_sql $DB "SELECT string_agg(DISTINCT op, ',')
    || ' ' || count(*) FROM ds_log")" "UPDATE $ROWS"
t_equal own_column_kept "$(pg_sql $DB "SELECT md5(string_agg(id || note, ','
    ORDER BY id)) FROM subscriptions")" "$NOTES"

t_done
