/* SPDX-License-Identifier: ISC */
/* store_sqlite.c: the report server database on embedded SQLite.
 *
 * WAL with synchronous=FULL: a key change is one transaction over every
 * encrypted value, and once COMMIT returns it must survive a power cut.
 * Statements are prepared once per store and kept: content_update runs once
 * per row of a key change, a million times on a large catalogue. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include "grow.h"
#include "i18n.h"
#include "lock.h"
#include "store_internal.h"

#define BUSY_TIMEOUT_MS 5000
/* Page cache: SQLite's usual 2 MiB, so that reading 10,000 members does
 * not fault in 8 MiB of fresh pages; a rewrite (change key) holds its
 * dirty pages in 8 MiB instead of spilling them early. */
#define CACHE_KIB 2048
#define REWRITE_CACHE_KIB 8192
#define JOURNAL_LIMIT (64 * 1024 * 1024)  /* WAL size kept after checkpoint */

/* ---- the store ---- */

enum stmt_id {
	ST_META_ID, ST_KEYINFO_GET, ST_KEYINFO_PUT, ST_KEYINFO_DELETE,
	ST_MEMBER_GET, ST_MEMBER_PUT, ST_MEMBER_DELETE, ST_MEMBER_LIST,
	ST_MEMBER_COUNT, ST_META_ID_SET,
	ST_COUNT
};

#define MEMBER_COLUMNS "installation_id, machine, instance, service_account, " \
	"public_key, wrapped_key, key_generation, created, joined"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_META_ID] = "SELECT value FROM meta WHERE key = 'database_id'",
	[ST_KEYINFO_GET] = "SELECT generation, kcv, created, last_backup, "
	    "last_change FROM keyinfo WHERE id = 1",
	[ST_KEYINFO_PUT] = "INSERT OR REPLACE INTO keyinfo (id, generation, kcv, "
	    "created, last_backup, last_change) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
	[ST_KEYINFO_DELETE] = "DELETE FROM keyinfo",
	[ST_MEMBER_GET] = "SELECT " MEMBER_COLUMNS
	    " FROM members WHERE installation_id = ?1",
	[ST_MEMBER_PUT] = "INSERT INTO members (" MEMBER_COLUMNS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (installation_id) "
	    "DO UPDATE SET machine = excluded.machine, instance = "
	    "excluded.instance, service_account = excluded.service_account, "
	    "public_key = excluded.public_key, wrapped_key = excluded.wrapped_key, "
	    "key_generation = excluded.key_generation, created = excluded.created, "
	    "joined = excluded.joined",
	[ST_MEMBER_DELETE] = "DELETE FROM members WHERE installation_id = ?1",
	[ST_MEMBER_LIST] = "SELECT " MEMBER_COLUMNS " FROM members "
	    "ORDER BY machine, instance, installation_id",
	[ST_MEMBER_COUNT] = "SELECT count(wrapped_key), count(*) FROM members",
	[ST_META_ID_SET] = "UPDATE meta SET value = ?1 WHERE key = 'database_id'",
};

enum content_stmt { CS_NEXT, CS_UPDATE, CS_INSERT, CS_CLEAR, CS_COUNT_CELLS,
	CS_SCAN, CS_IMPORT, CS_SPAN, CS_COUNT };

struct rs_store_sqlite {
	rs_store base;
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	sqlite3_stmt *content[RS_TABLE_COUNT][CS_COUNT];
	rs_lock lock;
	char path[PATH_MAX];
	char description[PATH_MAX + 16];
	char database_id[RS_ID_LEN + 1];
};

typedef struct rs_store_sqlite rs_store_sqlite;

static rs_store_sqlite *sq(rs_store *s)
{
	return (rs_store_sqlite *)s;
}

/* Turns an SQLite failure into a sentence that says what to do. */
static int sql_fail(rs_store_sqlite *s, int rc, const char *what,
    rs_error *err)
{
	const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
	int sys = s->db ? sqlite3_system_errno(s->db) : 0;

	/* A full disk often shows as an I/O error (growing the WAL index or
	 * the journal); the system's errno says which. */
	if ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT))
		rc = SQLITE_FULL;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return rs_err(err, RS_ERR_BUSY, _("The report server database %s "
		    "is busy: another process is changing it. Try again in a "
		    "moment."), s->path);
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
		return rs_err(err, RS_ERR_DATABASE, _("cannot write the report "
		    "server database %s while %s: %s; check the permissions of "
		    "the file and of its folder"), s->path, what, msg);
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return rs_err(err, RS_ERR_DATABASE, _("%s is not a usable report "
		    "server database (not an SQLite database, or damaged): %s"),
		    s->path, msg);
	case SQLITE_FULL:
		return rs_err(err, RS_ERR_DATABASE, _("the disk holding %s is full "
		    "(while %s); nothing was changed"), s->path, what);
	case SQLITE_IOERR:
		return rs_err(err, RS_ERR_DATABASE, _("cannot read or write the "
		    "report server database %s while %s: %s (%s); check the disk "
		    "and the file system"), s->path, what, msg,
		    sys != 0 ? strerror(sys) : _("no system error"));
	default:
		return rs_err(err, RS_ERR_DATABASE, _("database error in %s while "
		    "%s: %s"), s->path, what, msg);
	}
}

static int exec_sql(rs_store_sqlite *s, const char *sql, const char *what,
    rs_error *err)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? RS_OK : sql_fail(s, rc, what, err);
}

static int prepare(rs_store_sqlite *s, sqlite3_stmt **slot, const char *sql,
    rs_error *err)
{
	int rc;

	if (*slot != NULL)
		return RS_OK;
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot,
	    NULL);
	if (rc != SQLITE_OK)
		return sql_fail(s, rc, _("preparing a statement"), err);
	return RS_OK;
}

static int stmt_get(rs_store_sqlite *s, enum stmt_id id, sqlite3_stmt **out,
    rs_error *err)
{
	int rc = prepare(s, &s->stmt[id], stmt_sql[id], err);

	*out = s->stmt[id];
	return rc;
}

/* Builds the content statements of one table from the catalogue. */
static void content_sql(int table, enum content_stmt which, char *sql,
    size_t size)
{
	const rs_content_table_info *t = rs_content_info(table);
	const char *c1 = t->columns[0];
	const char *c2 = t->ncells > 1 ? t->columns[1] : NULL;

	switch (which) {
	case CS_NEXT:
		snprintf(sql, size, "SELECT id, name, %s%s%s FROM %s WHERE id > ?1 "
		    "AND (%s IS NOT NULL%s%s%s) ORDER BY id LIMIT %d", c1,
		    c2 ? ", " : "", c2 ? c2 : "", t->table, c1,
		    c2 ? " OR " : "", c2 ? c2 : "", c2 ? " IS NOT NULL" : "",
		    RS_BATCH_ROWS);
		break;
	case CS_UPDATE:
		snprintf(sql, size, "UPDATE %s SET %s = ?2%s%s%s WHERE id = ?1",
		    t->table, c1, c2 ? ", " : "", c2 ? c2 : "", c2 ? " = ?3" : "");
		break;
	case CS_INSERT:
		snprintf(sql, size, "INSERT INTO %s (name) VALUES (?1)", t->table);
		break;
	case CS_CLEAR:
		snprintf(sql, size, "UPDATE %s SET %s = NULL%s%s%s", t->table, c1,
		    c2 ? ", " : "", c2 ? c2 : "", c2 ? " = NULL" : "");
		break;
	case CS_COUNT_CELLS:
		snprintf(sql, size, "SELECT count(%s)%s%s%s FROM %s", c1,
		    c2 ? ", count(" : "", c2 ? c2 : "", c2 ? ")" : "", t->table);
		break;
	case CS_SCAN:
		snprintf(sql, size, "SELECT id, name, %s%s%s FROM %s WHERE id > ?1 "
		    "ORDER BY id LIMIT %d", c1, c2 ? ", " : "", c2 ? c2 : "",
		    t->table, RS_BATCH_ROWS);
		break;
	case CS_IMPORT:
		snprintf(sql, size, "INSERT INTO %s (id, name, %s%s%s) VALUES (?1, "
		    "?2, ?3%s)", t->table, c1, c2 ? ", " : "", c2 ? c2 : "",
		    c2 ? ", ?4" : "");
		break;
	case CS_SPAN:
		/* One aggregate per query: SQLite reads min() or max() alone
		 * from the key, and both in one SELECT by a full scan. */
		snprintf(sql, size, "SELECT coalesce((SELECT max(id) FROM %s) - "
		    "(SELECT min(id) FROM %s) + 1, 0)", t->table, t->table);
		break;
	case CS_COUNT:
		sql[0] = '\0';
		break;
	}
}

static int content_stmt_get(rs_store_sqlite *s, int table,
    enum content_stmt which, sqlite3_stmt **out, rs_error *err)
{
	char sql[512] = "";
	int rc;

	if (table < 0 || table >= RS_TABLE_COUNT)
		return rs_err(err, RS_ERR_INTERNAL, _("no content table %d"), table);
	if (s->content[table][which] == NULL)
		content_sql(table, which, sql, sizeof sql);
	rc = prepare(s, &s->content[table][which], sql, err);
	*out = s->content[table][which];
	return rc;
}

/* ---- open, schema, close ---- */

static const char schema_sql[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE members ("
	" installation_id TEXT PRIMARY KEY,"
	" machine TEXT NOT NULL, instance TEXT NOT NULL,"
	" service_account TEXT NOT NULL,"
	" public_key BLOB NOT NULL, wrapped_key BLOB,"
	" key_generation INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL DEFAULT 0, joined INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX members_by_name ON members (machine, instance);"
	"CREATE TABLE keyinfo ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" generation INTEGER NOT NULL, kcv TEXT NOT NULL,"
	" created INTEGER NOT NULL, last_backup INTEGER NOT NULL DEFAULT 0,"
	" last_change INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE datasources (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	" connection_string BLOB, credentials BLOB);"
	"CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	" settings BLOB);";

static int query_int(rs_store_sqlite *s, const char *sql, int64_t *out,
    const char *what, rs_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? RS_OK : sql_fail(s, rc, what, err);
}

static int create_schema(rs_store_sqlite *s, rs_error *err)
{
	char id[RS_ID_LEN + 1], sql[256];
	int64_t version = 0, tables = 0;
	int rc;

	rc = rs_uuid_generate(id, err);
	if (rc == RS_OK)
		rc = exec_sql(s, "BEGIN IMMEDIATE", _("creating the database"), err);
	if (rc != RS_OK)
		return rc;
	/* Another process may have made it since we looked. */
	rc = query_int(s, "PRAGMA user_version", &version, _("creating the "
	    "database"), err);
	if (rc == RS_OK)
		rc = query_int(s, "SELECT count(*) FROM sqlite_master", &tables,
		    _("creating the database"), err);
	if (rc == RS_OK && version == 0 && tables == 0) {
		snprintf(sql, sizeof sql, "INSERT INTO meta VALUES "
		    "('database_id', '%s'); PRAGMA user_version = %d;", id,
		    RS_SCHEMA_VERSION);
		rc = exec_sql(s, schema_sql, _("creating the database"), err);
		if (rc == RS_OK)
			rc = exec_sql(s, sql, _("creating the database"), err);
	}
	if (rc == RS_OK)
		return exec_sql(s, "COMMIT", _("creating the database"), err);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int no_database(const rs_store_sqlite *s, rs_error *err)
{
	return rs_err(err, RS_ERR_DATABASE, _("no report server database at %s; "
	    "run rskeymgmt --init (or rsdemo create DIR for a demo)"), s->path);
}

static int load_database_id(rs_store_sqlite *s, rs_error *err)
{
	sqlite3_stmt *st;
	const unsigned char *text;
	int rc = stmt_get(s, ST_META_ID, &st, err);

	if (rc != RS_OK)
		return rc;
	rc = sqlite3_step(st);
	text = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (text != NULL && rs_uuid_valid((const char *)text))
		snprintf(s->database_id, sizeof s->database_id, "%s", text);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_fail(s, rc, _("reading the database ID"), err);
	if (s->database_id[0] == '\0')
		return rs_err(err, RS_ERR_DATABASE, _("%s is damaged: it has no "
		    "valid database ID"), s->path);
	return RS_OK;
}

/* Makes or checks the schema: version 0 with no table is an empty file,
 * version 0 with tables is someone else's database. */
static int check_schema(rs_store_sqlite *s, bool create, int64_t version,
    rs_error *err)
{
	int64_t tables = 0;
	int rc;

	if (version == 0) {
		rc = query_int(s, "SELECT count(*) FROM sqlite_master", &tables,
		    _("reading the schema"), err);
		if (rc != RS_OK)
			return rc;
		if (tables != 0)
			return rs_err(err, RS_ERR_DATABASE, _("%s is an SQLite "
			    "database but not a report server database; refusing to "
			    "use it"), s->path);
		if (!create)
			return no_database(s, err);
		rc = create_schema(s, err);
		if (rc != RS_OK)
			return rc;
	}
	return load_database_id(s, err);
}

static int set_pragmas(rs_store_sqlite *s, rs_error *err)
{
	char sql[256];
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		mode = sqlite3_column_text(st, 0);
		rc = mode && strcmp((const char *)mode, "wal") == 0 ? SQLITE_OK
		    : SQLITE_ERROR;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return rs_err(err, RS_ERR_DATABASE, _("cannot switch %s to WAL "
		    "journaling: %s; the folder must be writable and on a local "
		    "file system"), s->path, sqlite3_errmsg(s->db));
	snprintf(sql, sizeof sql, "PRAGMA synchronous = FULL; "
	    "PRAGMA foreign_keys = ON; PRAGMA cache_size = -%d; "
	    "PRAGMA journal_size_limit = %d; PRAGMA trusted_schema = OFF;",
	    CACHE_KIB, JOURNAL_LIMIT);
	return exec_sql(s, sql, _("setting up the connection"), err);
}

/* A missing file is an uninitialized instance, not an SQLite error. */
static int check_file(rs_store_sqlite *s, bool create, rs_error *err)
{
	struct stat st;

	if (stat(s->path, &st) != 0) {
		if (errno == ENOENT && create)
			return RS_OK;
		if (errno == ENOENT)
			return no_database(s, err);
		return rs_err(err, RS_ERR_DATABASE, _("cannot use the report server "
		    "database %s: %s"), s->path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return rs_err(err, RS_ERR_DATABASE, _("%s is not a regular file"),
		    s->path);
	if (st.st_size == 0 && !create)
		return no_database(s, err);
	return RS_OK;
}

/* A statement journal (the pages one statement of a longer transaction
 * changed, kept to undo just that statement) stays in memory up to this
 * size, then spills to a temp file.  SQLite's 64 KiB sent every range of a
 * key change's rewrite (REWRITE_ROWS rows, about 1.6 MiB) to /var/tmp:
 * half of the change's page writes.  Bounded, so a statement over the
 * whole of a 10M-value table still spills instead of holding it in RAM. */
#define STMT_JOURNAL_SPILL (4 << 20)

static void sqlite_configure(void)
{
	/* Only before SQLite initializes; afterwards it says MISUSE, and the
	 * default stays: slower, never wrong. */
	(void)sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, STMT_JOURNAL_SPILL);
	/* No allocation statistics: they take a global mutex per malloc,
	 * which the key change's two threads fight over. */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int open_connection(rs_store_sqlite *s, bool create, rs_error *err)
{
	static pthread_once_t configured = PTHREAD_ONCE_INIT;
	/* NOFOLLOW: the database folder belongs to a service account, which
	 * must not swap the file for a link after fsmodel.c checked it. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_NOFOLLOW | (create ? SQLITE_OPEN_CREATE : 0);
	int rc;

	pthread_once(&configured, sqlite_configure);
	rc = sqlite3_open_v2(s->path, &s->db, flags, NULL);

	if (rc != SQLITE_OK)
		return sql_fail(s, rc, _("opening it"), err);
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return rs_err(err, RS_ERR_DATABASE, _("the report server database "
		    "%s is read-only for this user; run as the service account or "
		    "root, or check the permissions of the file and its folder"),
		    s->path);
	return RS_OK;
}

static int open_database(rs_store_sqlite *s, bool create, rs_error *err)
{
	int64_t version = 0;
	int rc;

	rc = check_file(s, create, err);
	if (rc == RS_OK)
		rc = open_connection(s, create, err);
	/* user_version is the first read: a file that is not a database
	 * fails here, before anything is written to it. */
	if (rc == RS_OK)
		rc = query_int(s, "PRAGMA user_version", &version,
		    _("reading the schema version"), err);
	if (rc == RS_OK && version > RS_SCHEMA_VERSION)
		rc = rs_err(err, RS_ERR_DATABASE, _("the report server database %s "
		    "was made by a newer rsconfig (schema %lld); upgrade rsconfig"),
		    s->path, (long long)version);
	if (rc == RS_OK && version < 0)
		rc = rs_err(err, RS_ERR_DATABASE, _("%s is not a report server "
		    "database (schema %lld)"), s->path, (long long)version);
	if (rc == RS_OK)
		rc = set_pragmas(s, err);
	if (rc == RS_OK)
		rc = check_schema(s, create, version, err);
	return rc;
}

static void sqlite_close(rs_store *base)
{
	rs_store_sqlite *s = sq(base);
	int i, j;

	if (s == NULL)
		return;
	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	for (i = 0; i < RS_TABLE_COUNT; i++)
		for (j = 0; j < CS_COUNT; j++)
			sqlite3_finalize(s->content[i][j]);
	sqlite3_close(s->db);
	rs_lock_release(&s->lock);
	free(s);
}

/* ---- transactions and the admin lock ---- */

static int sqlite_begin(rs_store *base, rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	int rc;

	if (!sqlite3_get_autocommit(s->db))
		return rs_err(err, RS_ERR_INTERNAL, _("a transaction is already "
		    "open on %s"), s->path);
	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if ((rc & 0xff) == SQLITE_BUSY)
		return rs_err(err, RS_ERR_BUSY, _("The report server database %s is "
		    "being changed by another process; wait for it to finish, or "
		    "try again later."), s->path);
	return rc == SQLITE_OK ? RS_OK : sql_fail(s, rc, _("starting a "
	    "transaction"), err);
}

static int sqlite_commit(rs_store *base, rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		return RS_OK;
	/* All or nothing: a commit that fails leaves nothing behind. */
	rc = sql_fail(s, rc, _("committing"), err);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void sqlite_rollback(rs_store *base)
{
	rs_store_sqlite *s = sq(base);

	/* After some errors SQLite has already rolled back by itself. */
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int sqlite_admin_lock(rs_store *base, const char *operation,
    rs_error *err)
{
	rs_store_sqlite *s = sq(base);

	/* Where the lock lives depends on who asks (lock.h, issue 14). */
	return rs_lock_acquire_store(&s->lock, s->path, operation, err);
}

static void sqlite_admin_unlock(rs_store *base)
{
	rs_lock_release(&sq(base)->lock);
}

/* ---- metadata ---- */

static int sqlite_database_id(rs_store *base, char out[RS_ID_LEN + 1],
    rs_error *err)
{
	(void)err;
	memcpy(out, sq(base)->database_id, RS_ID_LEN + 1);
	return RS_OK;
}

/* Cut to size like snprintf, without its cost: a key change copies a name
 * per row. */
static void copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;

	if (n >= size)
		n = size - 1;
	if (n > 0)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

static int sqlite_keyinfo_get(rs_store *base, rs_keyinfo *out, rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int rc = stmt_get(s, ST_KEYINFO_GET, &st, err);

	memset(out, 0, sizeof *out);
	if (rc != RS_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->present = true;
		out->generation = (uint32_t)sqlite3_column_int64(st, 0);
		copy_text(out->kcv, sizeof out->kcv, st, 1);
		out->created = sqlite3_column_int64(st, 2);
		out->last_backup = sqlite3_column_int64(st, 3);
		out->last_change = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_fail(s, rc, _("reading the key information"), err);
	return RS_OK;
}

static int step_done(rs_store_sqlite *s, sqlite3_stmt *st, const char *what,
    rs_error *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? RS_OK : sql_fail(s, rc, what, err);
}

/* present=false removes the row: the state before initialization. */
static int sqlite_keyinfo_put(rs_store *base, const rs_keyinfo *info,
    rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int rc;

	if (!info->present) {
		rc = stmt_get(s, ST_KEYINFO_DELETE, &st, err);
		return rc != RS_OK ? rc : step_done(s, st,
		    _("writing the key information"), err);
	}
	rc = stmt_get(s, ST_KEYINFO_PUT, &st, err);
	if (rc != RS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, info->generation);
	sqlite3_bind_text(st, 2, info->kcv, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, info->created);
	sqlite3_bind_int64(st, 4, info->last_backup);
	sqlite3_bind_int64(st, 5, info->last_change);
	return step_done(s, st, _("writing the key information"), err);
}

/* A migration's target takes the identity of its source. */
static int sqlite_database_id_set(rs_store *base, const char *id,
    rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int rc;

	if (!rs_uuid_valid(id))
		return rs_err(err, RS_ERR_INTERNAL, _("\"%s\" is not a database ID"),
		    id);
	rc = stmt_get(s, ST_META_ID_SET, &st, err);
	if (rc != RS_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = step_done(s, st, _("writing the database ID"), err);
	if (rc == RS_OK)
		snprintf(s->database_id, sizeof s->database_id, "%s", id);
	return rc;
}

/* ---- members ---- */

static unsigned char *copy_blob(sqlite3_stmt *st, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	unsigned char *copy;

	*len = 0;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	copy = malloc(n ? n : 1);
	if (copy != NULL && n > 0)
		memcpy(copy, p, n);
	if (copy != NULL)
		*len = n;
	return copy;
}

static int member_from_row(sqlite3_stmt *st, rs_member *m)
{
	memset(m, 0, sizeof *m);
	copy_text(m->installation_id, sizeof m->installation_id, st, 0);
	copy_text(m->machine, sizeof m->machine, st, 1);
	copy_text(m->instance, sizeof m->instance, st, 2);
	copy_text(m->service_account, sizeof m->service_account, st, 3);
	m->public_key = copy_blob(st, 4, &m->public_key_len);
	m->wrapped_key = copy_blob(st, 5, &m->wrapped_key_len);
	m->key_generation = (uint32_t)sqlite3_column_int64(st, 6);
	m->created = sqlite3_column_int64(st, 7);
	m->joined = sqlite3_column_int64(st, 8);
	if (m->public_key == NULL ||
	    (m->wrapped_key == NULL && sqlite3_column_type(st, 5) != SQLITE_NULL)) {
		rs_member_clear(m);
		return -1;
	}
	return 0;
}

static int sqlite_member_get(rs_store *base, const char *id, rs_member *out,
    rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int rc = stmt_get(s, ST_MEMBER_GET, &st, err), fail = 0;

	memset(out, 0, sizeof *out);
	if (rc != RS_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fail = member_from_row(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return rs_err(err, RS_ERR_NOT_FOUND, _("no member with installation "
		    "ID %s in %s"), id, s->path);
	if (rc != SQLITE_ROW)
		return sql_fail(s, rc, _("reading a member"), err);
	if (fail)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	return RS_OK;
}

static void bind_blob(sqlite3_stmt *st, int i, const unsigned char *p,
    size_t len)
{
	if (p == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_blob64(st, i, p, len, SQLITE_STATIC);
}

static void bind_cell(sqlite3_stmt *st, int i, const unsigned char *p,
    size_t len)
{
	/* A non-NULL empty cell must stay non-NULL. */
	if (p != NULL && len == 0)
		sqlite3_bind_zeroblob(st, i, 0);
	else
		bind_blob(st, i, p, len);
}

static int sqlite_member_put(rs_store *base, const rs_member *m,
    rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int rc;

	if (m->public_key == NULL || m->public_key_len == 0)
		return rs_err(err, RS_ERR_INTERNAL, _("member %s has no public key"),
		    m->installation_id);
	rc = stmt_get(s, ST_MEMBER_PUT, &st, err);
	if (rc != RS_OK)
		return rc;
	sqlite3_bind_text(st, 1, m->installation_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->machine, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->instance, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, m->service_account, -1, SQLITE_STATIC);
	bind_blob(st, 5, m->public_key, m->public_key_len);
	bind_blob(st, 6, m->wrapped_key, m->wrapped_key_len);
	sqlite3_bind_int64(st, 7, m->key_generation);
	sqlite3_bind_int64(st, 8, m->created);
	sqlite3_bind_int64(st, 9, m->joined);
	return step_done(s, st, _("writing a member"), err);
}

static int sqlite_member_delete(rs_store *base, const char *id, rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int rc = stmt_get(s, ST_MEMBER_DELETE, &st, err);

	if (rc != RS_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = step_done(s, st, _("removing a member"), err);
	if (rc == RS_OK && sqlite3_changes(s->db) == 0)
		return rs_err(err, RS_ERR_NOT_FOUND, _("no member with installation "
		    "ID %s in %s"), id, s->path);
	return rc;
}

/* Listing 10,000 members must stay well under 100 ms: no copies. */
static int sqlite_member_each(rs_store *base,
    int (*fn)(void *arg, const rs_member *m), void *arg, rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	rs_member m;
	int rc = stmt_get(s, ST_MEMBER_LIST, &st, err), step;

	if (rc != RS_OK)
		return rc;
	while (rc == RS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&m, 0, sizeof m);
		copy_text(m.installation_id, sizeof m.installation_id, st, 0);
		copy_text(m.machine, sizeof m.machine, st, 1);
		copy_text(m.instance, sizeof m.instance, st, 2);
		copy_text(m.service_account, sizeof m.service_account, st, 3);
		m.public_key = (unsigned char *)sqlite3_column_blob(st, 4);
		m.public_key_len = (size_t)sqlite3_column_bytes(st, 4);
		m.wrapped_key = (unsigned char *)sqlite3_column_blob(st, 5);
		m.wrapped_key_len = (size_t)sqlite3_column_bytes(st, 5);
		m.key_generation = (uint32_t)sqlite3_column_int64(st, 6);
		m.created = sqlite3_column_int64(st, 7);
		m.joined = sqlite3_column_int64(st, 8);
		rc = fn(arg, &m);
	}
	if (rc == RS_OK && step != SQLITE_DONE)
		rc = sql_fail(s, step, _("listing the members"), err);
	sqlite3_reset(st);
	return rc;
}

static int sqlite_member_count(rs_store *base, uint64_t *with_copy,
    uint64_t *without_copy, rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int rc = stmt_get(s, ST_MEMBER_COUNT, &st, err), step;

	if (rc != RS_OK)
		return rc;
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*with_copy = (uint64_t)sqlite3_column_int64(st, 0);
		*without_copy = (uint64_t)sqlite3_column_int64(st, 1) - *with_copy;
	} else {
		rc = sql_fail(s, step, _("counting the members"), err);
	}
	sqlite3_reset(st);
	return rc;
}

static int sqlite_member_list(rs_store *base, rs_member **out, size_t *n,
    rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	rs_member *list = NULL;
	size_t count = 0, cap = 0;
	sqlite3_stmt *st;
	int rc = stmt_get(s, ST_MEMBER_LIST, &st, err), oom = 0;

	*out = NULL;
	*n = 0;
	if (rc != RS_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rs_grow(&list, count, &cap, sizeof *list, 64) != 0 ||
		    member_from_row(st, &list[count]) != 0) {
			oom = 1;
			break;
		}
		count++;
	}
	sqlite3_reset(st);
	if (oom || rc != SQLITE_DONE) {
		rs_members_free(list, count);
		return oom ? rs_err(err, RS_ERR_INTERNAL, _("out of memory"))
		    : sql_fail(s, rc, _("listing the members"), err);
	}
	*out = list;
	*n = count;
	return RS_OK;
}

/* ---- encrypted content ---- */

static int sqlite_content_count(rs_store *base,
    uint64_t counts[RS_TABLE_COUNT][RS_MAX_CELLS], rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int t, c, rc;

	memset(counts, 0, sizeof(uint64_t) * RS_TABLE_COUNT * RS_MAX_CELLS);
	for (t = 0; t < RS_TABLE_COUNT; t++) {
		rc = content_stmt_get(s, t, CS_COUNT_CELLS, &st, err);
		if (rc != RS_OK)
			return rc;
		rc = sqlite3_step(st);
		for (c = 0; rc == SQLITE_ROW && c < rs_content_info(t)->ncells; c++)
			counts[t][c] = (uint64_t)sqlite3_column_int64(st, c);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return sql_fail(s, rc, _("counting the encrypted values"),
			    err);
	}
	return RS_OK;
}

static int sqlite_content_span(rs_store *base, uint64_t rows[RS_TABLE_COUNT],
    rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int rc;

	for (int t = 0; t < RS_TABLE_COUNT; t++) {
		rc = content_stmt_get(s, t, CS_SPAN, &st, err);
		if (rc != RS_OK)
			return rc;
		rc = sqlite3_step(st);
		rows[t] = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0)
		    : 0;
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return sql_fail(s, rc, _("counting the encrypted values"),
			    err);
	}
	return RS_OK;
}

#define NO_CELL ((size_t)-1)

static int batch_add_row(rs_content_batch *b, sqlite3_stmt *st, int ncells,
    size_t offsets[RS_MAX_CELLS])
{
	rs_content_row *row = &b->rows[b->count];
	const void *p;
	size_t len;
	int c;

	memset(row, 0, sizeof *row);
	row->id = sqlite3_column_int64(st, 0);
	copy_text(row->name, sizeof row->name, st, 1);
	for (c = 0; c < ncells; c++) {
		offsets[c] = NO_CELL;
		if (sqlite3_column_type(st, 2 + c) == SQLITE_NULL)
			continue;
		p = sqlite3_column_blob(st, 2 + c);
		len = (size_t)sqlite3_column_bytes(st, 2 + c);
		if (rs_batch_reserve(b, len + 1) != 0)
			return -1;
		if (len > 0)
			memcpy(b->arena + b->arena_len, p, len);
		offsets[c] = b->arena_len;
		row->cell_len[c] = len;
		b->arena_len += len;
	}
	b->count++;
	return 0;
}

static void batch_fix_pointers(rs_content_batch *b,
    size_t offsets[][RS_MAX_CELLS])
{
	size_t i;
	int c;

	for (i = 0; i < b->count; i++)
		for (c = 0; c < RS_MAX_CELLS; c++)
			b->rows[i].cell[c] = offsets[i][c] == NO_CELL ? NULL
			    : b->arena + offsets[i][c];
}

static int content_read(rs_store *base, enum content_stmt which, int table,
    int64_t after_id, rs_content_batch *batch, rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	size_t offsets[RS_BATCH_ROWS][RS_MAX_CELLS];
	sqlite3_stmt *st;
	int rc, oom = 0, ncells;

	batch->count = 0;
	batch->arena_len = 0;
	rc = content_stmt_get(s, table, which, &st, err);
	if (rc != RS_OK)
		return rc;
	ncells = rs_content_info(table)->ncells;
	for (int i = 0; i < RS_BATCH_ROWS; i++)
		offsets[i][0] = offsets[i][1] = NO_CELL;
	sqlite3_bind_int64(st, 1, after_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && batch->count < RS_BATCH_ROWS)
		if (batch_add_row(batch, st, ncells, offsets[batch->count]) != 0) {
			oom = 1;
			break;
		}
	/* Reset at once: no read cursor stays open while the caller updates. */
	sqlite3_reset(st);
	batch_fix_pointers(batch, offsets);
	if (oom || (rc != SQLITE_DONE && rc != SQLITE_ROW)) {
		batch->count = 0;
		return oom ? rs_err(err, RS_ERR_INTERNAL, _("out of memory"))
		    : sql_fail(s, rc, _("reading encrypted values"), err);
	}
	return RS_OK;
}

static int sqlite_content_next(rs_store *base, int table, int64_t after_id,
    rs_content_batch *batch, rs_error *err)
{
	return content_read(base, CS_NEXT, table, after_id, batch, err);
}

/* Every row, also those without a cell: the source of a migration. */
static int sqlite_content_scan(rs_store *base, int table, int64_t after_id,
    rs_content_batch *batch, rs_error *err)
{
	return content_read(base, CS_SCAN, table, after_id, batch, err);
}

static int sqlite_content_update(rs_store *base, int table,
    const rs_content_row *row, rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int rc = content_stmt_get(s, table, CS_UPDATE, &st, err), c;

	if (rc != RS_OK)
		return rc;
	sqlite3_bind_int64(st, 1, row->id);
	for (c = 0; c < rs_content_info(table)->ncells; c++)
		bind_cell(st, 2 + c, row->cell[c], row->cell_len[c]);
	rc = step_done(s, st, _("writing an encrypted value"), err);
	if (rc == RS_OK && sqlite3_changes(s->db) == 0)
		return rs_err(err, RS_ERR_NOT_FOUND, _("row %lld of %s is gone from "
		    "%s"), (long long)row->id, rs_content_info(table)->table, s->path);
	return rc;
}

static int sqlite_content_insert(rs_store *base, int table, const char *name,
    int64_t *id, rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int rc = content_stmt_get(s, table, CS_INSERT, &st, err);

	if (rc != RS_OK)
		return rc;
	sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_STATIC);
	rc = step_done(s, st, _("adding a row"), err);
	if (rc == RS_OK && id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

/* The target of a migration: rows keep their ids, which are part of every
 * value's AEAD place. */
static int sqlite_content_import(rs_store *base, int table,
    const rs_content_batch *batch, rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int rc = content_stmt_get(s, table, CS_IMPORT, &st, err);

	for (size_t i = 0; rc == RS_OK && i < batch->count; i++) {
		const rs_content_row *row = &batch->rows[i];

		sqlite3_bind_int64(st, 1, row->id);
		sqlite3_bind_text(st, 2, row->name, -1, SQLITE_STATIC);
		for (int c = 0; c < rs_content_info(table)->ncells; c++)
			bind_cell(st, 3 + c, row->cell[c], row->cell_len[c]);
		rc = step_done(s, st, _("copying encrypted values"), err);
	}
	return rc;
}

static int sqlite_content_clear(rs_store *base, int table, rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st;
	int rc = content_stmt_get(s, table, CS_CLEAR, &st, err);

	return rc != RS_OK ? rc : step_done(s, st,
	    _("removing encrypted values"), err);
}

/* ---- content_rewrite: a key change at SQLite's own speed ----
 *
 * Two threads overlap the work.  A worker reads a range of rows through a
 * second, read-only connection and asks fn for every cell's replacement (the
 * crypto); meanwhile this thread runs one UPDATE over the previous range, in
 * which an SQL function hands SQLite the replacements computed for it.  The
 * worker sees the last committed state, which is the state of every range
 * not yet rewritten: we hold the write transaction, nobody else writes.  Each
 * replacement is matched to its row, cell and input bytes before use.
 * Memory: two ranges of REWRITE_ROWS rows. */
#define REWRITE_ROWS 4096

typedef struct rewrite_entry {
	int64_t id;
	int cell;
	size_t in_off, in_len, out_off, out_len;
} rewrite_entry;

enum slot_state { SLOT_FREE, SLOT_READY };

typedef struct rewrite_slot {
	enum slot_state state;
	bool last;                /* no rows left: the worker has stopped */
	int rc;                   /* fn's or the reader's failure */
	rs_error err;
	int64_t lo, hi;           /* the range (lo, hi] */
	rewrite_entry *entries;
	size_t count, cap, used;  /* used: entries the UPDATE consumed */
	size_t row_start;
	unsigned char *arena;
	size_t arena_len, arena_cap;
} rewrite_slot;

typedef struct rewrite_job {
	rs_store_sqlite *s;
	int table;
	rs_cell_rewrite_fn fn;
	void *arg;
	sqlite3 *reader;
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	bool stop;
	rewrite_slot slot[2];
} rewrite_job;

static int slot_put(rewrite_slot *sl, const void *data, size_t len,
    size_t *off)
{
	if (rs_arena_reserve(&sl->arena, &sl->arena_cap, sl->arena_len, len) != 0)
		return -1;
	memcpy(sl->arena + sl->arena_len, data, len);
	*off = sl->arena_len;
	sl->arena_len += len;
	return 0;
}

/* Worker: one cell through fn, input and output kept in the slot. */
static int slot_add_cell(rewrite_job *job, rewrite_slot *sl, int64_t id,
    const char *name, int cell, const unsigned char *in, size_t in_len)
{
	const unsigned char *out = NULL;
	size_t out_len = 0;
	rewrite_entry *e;
	int rc;

	if (sl->count == sl->cap) {
		size_t cap = sl->cap ? sl->cap * 2 : 1024;
		rewrite_entry *p = realloc(sl->entries, cap * sizeof *p);

		if (p == NULL)
			return rs_err(&sl->err, RS_ERR_INTERNAL, _("out of memory"));
		sl->entries = p;
		sl->cap = cap;
	}
	e = &sl->entries[sl->count];
	rc = job->fn(job->arg, job->table, id, name, cell, in, in_len, &out,
	    &out_len, &sl->err);
	if (rc != RS_OK)
		return rc;
	e->id = id;
	e->cell = cell;
	e->in_len = in_len;
	e->out_len = out_len;
	if (slot_put(sl, in, in_len, &e->in_off) != 0 ||
	    slot_put(sl, out ? out : (const unsigned char *)"", out_len,
	    &e->out_off) != 0)
		return rs_err(&sl->err, RS_ERR_INTERNAL, _("out of memory"));
	sl->count++;
	return RS_OK;
}

static int slot_fill(rewrite_job *job, rewrite_slot *sl, sqlite3_stmt *st,
    int64_t lo)
{
	int ncells = rs_content_info(job->table)->ncells, step, rc = RS_OK;

	sl->count = sl->used = sl->row_start = sl->arena_len = 0;
	sl->lo = sl->hi = lo;
	sqlite3_bind_int64(st, 1, lo);
	while (rc == RS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		char name[RS_NAME_MAX];

		copy_text(name, sizeof name, st, 1 + ncells);
		for (int c = 0; rc == RS_OK && c < ncells; c++) {
			const unsigned char *in;

			if (sqlite3_column_type(st, 1 + c) == SQLITE_NULL)
				continue;
			in = sqlite3_column_blob(st, 1 + c);
			rc = slot_add_cell(job, sl, id, name, c,
			    in ? in : (const unsigned char *)"",
			    (size_t)sqlite3_column_bytes(st, 1 + c));
		}
		sl->hi = id;
	}
	if (rc == RS_OK && step != SQLITE_DONE)
		rc = rs_err(&sl->err, RS_ERR_DATABASE, _("cannot read %s: %s"),
		    job->s->path, sqlite3_errmsg(job->reader));
	sqlite3_reset(st);
	sl->last = rc == RS_OK && sl->hi == lo;
	return rc;
}

static void *rewrite_worker(void *p)
{
	rewrite_job *job = p;
	const rs_content_table_info *t = rs_content_info(job->table);
	char sql[256];
	sqlite3_stmt *st = NULL;
	int64_t lo = INT64_MIN;
	int rc;

	snprintf(sql, sizeof sql, "SELECT id, %s%s%s, name FROM %s "
	    "WHERE id > ?1 ORDER BY id LIMIT %d", t->columns[0], t->ncells > 1 ? ", " : "",
	    t->ncells > 1 ? t->columns[1] : "", t->table, REWRITE_ROWS);
	rc = sqlite3_prepare_v2(job->reader, sql, -1, &st, NULL);
	for (unsigned k = 0;; k++) {
		rewrite_slot *sl = &job->slot[k % 2];

		pthread_mutex_lock(&job->mutex);
		while (sl->state != SLOT_FREE && !job->stop)
			pthread_cond_wait(&job->cond, &job->mutex);
		pthread_mutex_unlock(&job->mutex);
		if (job->stop)
			break;
		if (rc != SQLITE_OK)
			sl->rc = rs_err(&sl->err, RS_ERR_DATABASE, _("cannot read "
			    "%s: %s"), job->s->path, sqlite3_errmsg(job->reader));
		else
			sl->rc = slot_fill(job, sl, st, lo);
		lo = sl->hi;
		pthread_mutex_lock(&job->mutex);
		sl->state = SLOT_READY;
		pthread_cond_broadcast(&job->cond);
		pthread_mutex_unlock(&job->mutex);
		if (sl->rc != RS_OK || sl->last)
			break;
	}
	sqlite3_finalize(st);
	return NULL;
}

/* In the UPDATE: the replacement the worker computed for this cell. */
static void rewrite_sql_fn(sqlite3_context *ctx, int argc,
    sqlite3_value **argv)
{
	rewrite_slot *sl = sqlite3_user_data(ctx);
	int64_t id = sqlite3_value_int64(argv[0]);
	int cell = sqlite3_value_int(argv[1]);
	const void *in = sqlite3_value_blob(argv[2]);
	size_t in_len = (size_t)sqlite3_value_bytes(argv[2]);

	(void)argc;
	if (sqlite3_value_type(argv[2]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	while (sl->row_start < sl->count && sl->entries[sl->row_start].id < id)
		sl->row_start++;
	for (size_t i = sl->row_start; i < sl->count &&
	    sl->entries[i].id == id; i++) {
		rewrite_entry *e = &sl->entries[i];

		if (e->cell != cell)
			continue;
		if (e->in_len != in_len || (in_len > 0 &&
		    memcmp(sl->arena + e->in_off, in, in_len) != 0))
			break;
		sl->used++;
		sqlite3_result_blob64(ctx, sl->arena + e->out_off, e->out_len,
		    SQLITE_STATIC);
		return;
	}
	sqlite3_result_error(ctx, "rsconfig: a value changed under the rewrite",
	    -1);
}

static void rewrite_sql(int table, char *sql, size_t size)
{
	const rs_content_table_info *t = rs_content_info(table);
	size_t used = (size_t)snprintf(sql, size, "UPDATE %s SET ", t->table);

	for (int c = 0; c < t->ncells; c++)
		used += (size_t)snprintf(sql + used, size - used,
		    "%s%s = rs_rewrite(id, %d, %s)", c ? ", " : "",
		    t->columns[c], c, t->columns[c]);
	snprintf(sql + used, size - used, " WHERE id > ?1 AND id <= ?2");
}

/* Writes one ready range; the slot is then given back to the worker. */
static int rewrite_apply(rs_store_sqlite *s, int table, rewrite_slot *sl,
    rs_error *err)
{
	sqlite3_stmt *st = NULL;
	char sql[512];
	int rc, step;

	/* The function's user data is this slot: register it per range. */
	if (sqlite3_create_function_v2(s->db, "rs_rewrite", 3,
	    SQLITE_UTF8 | SQLITE_DIRECTONLY, sl, rewrite_sql_fn, NULL, NULL,
	    NULL) != SQLITE_OK)
		return sql_fail(s, sqlite3_errcode(s->db),
		    _("preparing the rewrite"), err);
	rewrite_sql(table, sql, sizeof sql);
	rc = prepare(s, &st, sql, err);
	if (rc == RS_OK) {
		sqlite3_bind_int64(st, 1, sl->lo);
		sqlite3_bind_int64(st, 2, sl->hi);
		step = sqlite3_step(st);
		if (step != SQLITE_DONE)
			rc = sql_fail(s, step, _("rewriting encrypted values"), err);
		else if (sl->used != sl->count)
			rc = rs_err(err, RS_ERR_INTERNAL, _("the rewrite of %s lost "
			    "track of %zu values; nothing was changed"),
			    rs_content_info(table)->table, sl->count - sl->used);
	}
	sqlite3_finalize(st);
	sqlite3_create_function_v2(s->db, "rs_rewrite", 3, SQLITE_UTF8, NULL,
	    NULL, NULL, NULL, NULL);
	return rc;
}

/* Best effort: a cache size is only a hint. */
static void cache_size(rs_store_sqlite *s, int kib)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", kib);
	(void)sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

static int rewrite_job_start(rewrite_job *job, pthread_t *thread,
    rs_error *err)
{
	rs_store_sqlite *s = job->s;

	/* NOMUTEX: only the worker uses this connection. */
	if (sqlite3_open_v2(s->path, &job->reader, SQLITE_OPEN_READONLY
	    | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL)
	    != SQLITE_OK) {
		rs_err(err, RS_ERR_DATABASE, _("cannot open %s for reading: %s"),
		    s->path, job->reader ? sqlite3_errmsg(job->reader) : "");
		sqlite3_close(job->reader);
		return RS_ERR_DATABASE;
	}
	sqlite3_busy_timeout(job->reader, BUSY_TIMEOUT_MS);
	pthread_mutex_init(&job->mutex, NULL);
	pthread_cond_init(&job->cond, NULL);
	if (pthread_create(thread, NULL, rewrite_worker, job) != 0) {
		pthread_mutex_destroy(&job->mutex);
		pthread_cond_destroy(&job->cond);
		sqlite3_close(job->reader);
		return rs_err(err, RS_ERR_INTERNAL, _("cannot start a thread"));
	}
	return RS_OK;
}

static void rewrite_job_end(rewrite_job *job, pthread_t thread)
{
	pthread_mutex_lock(&job->mutex);
	job->stop = true;
	pthread_cond_broadcast(&job->cond);
	pthread_mutex_unlock(&job->mutex);
	pthread_join(thread, NULL);
	pthread_mutex_destroy(&job->mutex);
	pthread_cond_destroy(&job->cond);
	sqlite3_close(job->reader);
	for (int i = 0; i < 2; i++) {
		free(job->slot[i].entries);
		free(job->slot[i].arena);
	}
}

static int sqlite_content_rewrite(rs_store *base, int table,
    rs_cell_rewrite_fn fn, rs_rewrite_batch_fn batch_done, void *arg,
    rs_error *err)
{
	rewrite_job job = { .s = sq(base), .table = table, .fn = fn, .arg = arg };
	pthread_t thread;
	int rc;

	cache_size(job.s, REWRITE_CACHE_KIB);
	rc = rewrite_job_start(&job, &thread, err);

	for (unsigned k = 0; rc == RS_OK; k++) {
		rewrite_slot *sl = &job.slot[k % 2];
		size_t cells;

		pthread_mutex_lock(&job.mutex);
		while (sl->state != SLOT_READY)
			pthread_cond_wait(&job.cond, &job.mutex);
		pthread_mutex_unlock(&job.mutex);
		if (sl->rc != RS_OK) {
			rc = rs_err(err, sl->rc, "%s", sl->err.message);
			break;
		}
		if (sl->last)
			break;
		rc = rewrite_apply(job.s, table, sl, err);
		cells = sl->count;
		pthread_mutex_lock(&job.mutex);
		sl->state = SLOT_FREE;
		pthread_cond_broadcast(&job.cond);
		pthread_mutex_unlock(&job.mutex);
		if (rc == RS_OK && batch_done)
			rc = batch_done(arg, cells, err);
	}
	if (job.reader)
		rewrite_job_end(&job, thread);
	cache_size(job.s, CACHE_KIB);
	return rc;
}

static const char *sqlite_describe(rs_store *base)
{
	return sq(base)->description;
}

/* ---- service heartbeats (rsserverd, issue 5) ----
 * The table is made on the first heartbeat rather than in the schema, so
 * databases made before the service existed need no migration; the key
 * generation column (issue 14) is added to a table made before it. */

#define HEARTBEAT_COLUMNS "installation_id, last_seen, pid, host, version, " \
	"state, reason, interval"
#define HEARTBEAT_GEN_COLUMN "key_generation"

/* Whether the heartbeats table has the key generation column yet. */
static int heartbeat_has_gen(rs_store_sqlite *s, int64_t *has, rs_error *err)
{
	return query_int(s, "SELECT count(*) FROM pragma_table_info('heartbeats')"
	    " WHERE name = '" HEARTBEAT_GEN_COLUMN "'", has,
	    _("reading the heartbeats"), err);
}

static int sqlite_heartbeat_put(rs_store *base, const rs_heartbeat *hb,
    rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc = exec_sql(s, "CREATE TABLE IF NOT EXISTS heartbeats ("
	    " installation_id TEXT PRIMARY KEY, last_seen INTEGER NOT NULL,"
	    " pid INTEGER NOT NULL, host TEXT NOT NULL, version TEXT NOT NULL,"
	    " state TEXT NOT NULL, reason TEXT NOT NULL,"
	    " interval INTEGER NOT NULL, " HEARTBEAT_GEN_COLUMN " INTEGER NOT NULL"
	    " DEFAULT 0)", _("recording a heartbeat"), err);
	int64_t has = 0;

	if (rc == RS_OK)
		rc = heartbeat_has_gen(s, &has, err);
	if (rc == RS_OK && !has)
		rc = exec_sql(s, "ALTER TABLE heartbeats ADD COLUMN "
		    HEARTBEAT_GEN_COLUMN " INTEGER NOT NULL DEFAULT 0",
		    _("recording a heartbeat"), err);
	if (rc != RS_OK)
		return rc;
	rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO heartbeats ("
	    HEARTBEAT_COLUMNS ", " HEARTBEAT_GEN_COLUMN ") VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, hb->installation_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, hb->last_seen);
		sqlite3_bind_int64(st, 3, hb->pid);
		sqlite3_bind_text(st, 4, hb->host, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, hb->version, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, hb->state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, hb->reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, hb->interval);
		sqlite3_bind_int64(st, 9, hb->key_generation);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? RS_OK
	    : sql_fail(s, rc, _("recording a heartbeat"), err);
}

static void heartbeat_from_row(sqlite3_stmt *st, rs_heartbeat *hb)
{
	memset(hb, 0, sizeof *hb);
	copy_text(hb->installation_id, sizeof hb->installation_id, st, 0);
	hb->last_seen = sqlite3_column_int64(st, 1);
	hb->pid = sqlite3_column_int64(st, 2);
	copy_text(hb->host, sizeof hb->host, st, 3);
	copy_text(hb->version, sizeof hb->version, st, 4);
	copy_text(hb->state, sizeof hb->state, st, 5);
	copy_text(hb->reason, sizeof hb->reason, st, 6);
	hb->interval = sqlite3_column_int64(st, 7);
	hb->key_generation = sqlite3_column_int64(st, 8);
}

static int heartbeat_rows(sqlite3_stmt *st, rs_heartbeat **out, size_t *n)
{
	size_t cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rs_grow(out, *n, &cap, sizeof **out, 8) != 0)
			return SQLITE_NOMEM;
		heartbeat_from_row(st, &(*out)[(*n)++]);
	}
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int sqlite_heartbeat_list(rs_store *base, rs_heartbeat **out,
    size_t *n, rs_error *err)
{
	rs_store_sqlite *s = sq(base);
	sqlite3_stmt *st = NULL;
	int64_t tables = 0, has = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = "
	    "'table' AND name = 'heartbeats'", &tables,
	    _("reading the heartbeats"), err);
	if (rc != RS_OK || tables == 0)
		return rc;
	/* A table no service of this version wrote to yet: generation 0. */
	rc = heartbeat_has_gen(s, &has, err);
	if (rc != RS_OK)
		return rc;
	rc = sqlite3_prepare_v2(s->db, has ? "SELECT " HEARTBEAT_COLUMNS ", "
	    HEARTBEAT_GEN_COLUMN " FROM heartbeats" : "SELECT "
	    HEARTBEAT_COLUMNS ", 0 FROM heartbeats", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = heartbeat_rows(st, out, n);
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		return RS_OK;
	free(*out);
	*out = NULL;
	*n = 0;
	if (rc == SQLITE_NOMEM)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	return sql_fail(s, rc, _("reading the heartbeats"), err);
}

static const rs_store_ops sqlite_ops = {
	.close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.admin_lock = sqlite_admin_lock,
	.admin_unlock = sqlite_admin_unlock,
	.database_id = sqlite_database_id,
	.keyinfo_get = sqlite_keyinfo_get,
	.keyinfo_put = sqlite_keyinfo_put,
	.member_get = sqlite_member_get,
	.member_put = sqlite_member_put,
	.member_delete = sqlite_member_delete,
	.member_each = sqlite_member_each,
	.member_list = sqlite_member_list,
	.member_count = sqlite_member_count,
	.content_count = sqlite_content_count,
	.content_span = sqlite_content_span,
	.content_next = sqlite_content_next,
	.content_update = sqlite_content_update,
	.content_insert = sqlite_content_insert,
	.content_rewrite = sqlite_content_rewrite,
	.content_clear = sqlite_content_clear,
	.describe = sqlite_describe,
	.content_scan = sqlite_content_scan,
	.content_import = sqlite_content_import,
	.database_id_set = sqlite_database_id_set,
	.heartbeat_put = sqlite_heartbeat_put,
	.heartbeat_list = sqlite_heartbeat_list,
};

int rs_store_sqlite_open(const rs_config *cfg, bool create, rs_store **out,
    rs_error *err)
{
	rs_store_sqlite *s;
	mode_t old_mask;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	s->base.ops = &sqlite_ops;
	s->lock = (rs_lock)RS_LOCK_INIT;
	snprintf(s->path, sizeof s->path, "%s", cfg->database);
	snprintf(s->description, sizeof s->description, "SQLite %s",
	    cfg->database);
	/* Database, WAL and shared-memory files: never readable by others.
	 * Only ever tightens the admin's own umask. */
	old_mask = umask(0);
	umask(old_mask | 027);
	rc = open_database(s, create, err);
	umask(old_mask);
	if (rc != RS_OK) {
		sqlite_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return RS_OK;
}
