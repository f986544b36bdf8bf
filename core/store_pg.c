/* SPDX-License-Identifier: ISC */
/* store_pg.c: the report server database on PostgreSQL, through libpq
 * (loaded when a PostgreSQL store is first opened, see "libpq" below).
 *
 * The same tables as the SQLite backend, blobs as BYTEA, so that members on
 * several machines share one database.  Everything that matches SQLite's
 * behaviour on purpose:
 *   - begin takes the write lock at once (a table lock with a 5 s timeout,
 *     like BEGIN IMMEDIATE with its busy timeout), readers go on;
 *   - the admin lock is a session advisory lock: the server drops it when
 *     the holder's connection dies, so a killed admin never leaves it behind;
 *     a row records who holds it for the "in use by" message;
 *   - row ids are chosen as max(id) + 1, like SQLite's rowid, and are kept
 *     by a migration, because every value's AEAD place names its row.
 * Parameters and results travel in binary (no hex text for BYTEA), and
 * statements are prepared once per connection. */
#include <config.h>

#include <dlfcn.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>
#include "i18n.h"
#include "store_internal.h"
#include "users.h"

#define LOCK_TIMEOUT "5s"          /* as SQLite's busy timeout */
#define CONNECT_TIMEOUT "10"
#define LOCK_CLASS 1920164711      /* "rscg": advisory lock namespace */
#define LOCK_ADMIN 1               /* the one-admin-at-a-time lock */
#define LOCK_SCHEMA 2              /* creating the schema */
#define REWRITE_APPLY_ROWS 32768   /* rows per UPDATE or progress report */
#define MAX_PARAMS 10

/* pg_type OIDs of the parameters we send in binary. */
#define OID_INT8 20
#define OID_TEXT 25
#define OID_BYTEA 17
#define OID_INT8_ARRAY 1016
#define OID_TEXT_ARRAY 1009
#define OID_BYTEA_ARRAY 1001

#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- libpq, loaded on first use ----
 * Linked, libpq would bring some twenty more libraries (Kerberos, LDAP,
 * GnuTLS, ...) into every start of every program, though most instances
 * run on SQLite.  So it is opened when a PostgreSQL store is, and called
 * through this table; the types come from <libpq-fe.h>, so a signature
 * cannot drift from the library's. */

#define LIBPQ "libpq.so.5"         /* libpq's soname */

#define PQ_FUNCTIONS(X) \
	X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectdbParams) \
	X(PQconsumeInput) X(PQisBusy) X(PQsendQuery) X(PQsocket) \
	X(PQconninfoFree) X(PQconninfoParse) X(PQfreemem) \
	X(PQconnectionNeedsPassword) X(PQdb) X(PQerrorMessage) X(PQexec) \
	X(PQexecParams) X(PQexecPrepared) X(PQfinish) X(PQgetisnull) \
	X(PQgetlength) X(PQgetCopyData) X(PQgetResult) X(PQputCopyData) \
	X(PQputCopyEnd) X(PQsetnonblocking) X(PQflush) \
	X(PQgetvalue) X(PQhost) X(PQntuples) X(PQport) \
	X(PQprepare) X(PQresultErrorField) X(PQresultStatus) \
	X(PQserverVersion) X(PQstatus) X(PQtransactionStatus) X(PQuser)

static struct {
#define PQ_POINTER(name) __typeof__(name) *name;
	PQ_FUNCTIONS(PQ_POINTER)
#undef PQ_POINTER
} pq;

static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static bool pq_loaded;
static char pq_error[512];         /* why it could not be loaded */

static const char *dl_reason(void)
{
	const char *why = dlerror();

	return why != NULL ? why : "dlopen failed";
}

/* Once per process; the handle stays open for the process's life. */
static void pq_load(void)
{
	void *lib = dlopen(LIBPQ, RTLD_NOW | RTLD_LOCAL);
	const char *why = lib == NULL ? dl_reason() : NULL;

#define PQ_RESOLVE(name) \
	if (why == NULL && (pq.name = (__typeof__(pq.name))dlsym(lib, \
	    #name)) == NULL) \
		why = dl_reason();
	PQ_FUNCTIONS(PQ_RESOLVE)
#undef PQ_RESOLVE
	if (why == NULL) {
		pq_loaded = true;
		return;
	}
	snprintf(pq_error, sizeof pq_error, "%s", why);
	memset(&pq, 0, sizeof pq);
	if (lib != NULL)
		dlclose(lib);
}

static int pq_require(const rs_config *cfg, rs_error *err)
{
	pthread_once(&pq_once, pq_load);
	if (pq_loaded)
		return RS_OK;
	return rs_err(err, RS_ERR_DATABASE, _("%s says backend = postgresql, "
	    "which needs the PostgreSQL client library %s: apt-get install "
	    "libpq5 (%s)"), cfg->path, LIBPQ, pq_error);
}

/* ---- the connection string, judged by libpq's own parser ---- */

static const char *opt_value(const PQconninfoOption *o, const char *key)
{
	for (; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, key) == 0 && o->val != NULL)
			return o->val;
	return NULL;
}

/* "host=H dbname=D user=U": what a message may show of a connection
 * string, never the string itself (nor what libpq says about it, which
 * may quote it). */
static void conninfo_where(const PQconninfoOption *o, char *out, size_t size)
{
	const char *host = opt_value(o, "host"), *db = opt_value(o, "dbname"),
	    *user = opt_value(o, "user");

	snprintf(out, size, "host=%s dbname=%s user=%s",
	    host && *host ? host : "(default)", db && *db ? db : "(default)",
	    user && *user ? user : "(default)");
}

int rs_pg_conninfo_check(const char *conninfo, bool *judged, rs_error *err)
{
	char where[RS_ERROR_MESSAGE_MAX / 2], *why = NULL;
	PQconninfoOption *o;
	const char *password;
	bool has_password;

	*judged = false;
	pthread_once(&pq_once, pq_load);
	if (!pq_loaded)
		return RS_OK;   /* the caller's own check stands in */
	*judged = true;
	o = pq.PQconninfoParse(conninfo, &why);
	if (why != NULL)
		pq.PQfreemem(why);
	if (o == NULL)
		return rs_err(err, RS_ERR_CONFIG, _("the PostgreSQL connection is "
		    "not a connection string libpq accepts (keyword=value pairs or "
		    "a postgresql:// URI)"));
	conninfo_where(o, where, sizeof where);
	password = opt_value(o, "password");
	has_password = password != NULL && *password != '\0';
	pq.PQconninfoFree(o);
	if (has_password)
		return rs_err(err, RS_ERR_CONFIG, _("the PostgreSQL connection "
		    "(%s) holds a password; remove it and put the password in a "
		    "pgpass file (pgpassfile = PATH in the config, PGPASSFILE or "
		    "~/.pgpass, mode 0600) or in the service file"), where);
	return RS_OK;
}

/* ---- statements ---- */

enum pg_stmt {
	PS_KEYINFO_GET, PS_KEYINFO_PUT, PS_KEYINFO_DELETE,
	PS_MEMBER_GET, PS_MEMBER_PUT, PS_MEMBER_DELETE, PS_MEMBER_LIST,
	PS_MEMBER_COUNT,
	PS_LOCK_RECORD, PS_LOCK_HOLDER, PS_ID_SET,
	PS_COUNT
};

#define MEMBER_COLUMNS "installation_id, machine, instance, service_account, " \
	"public_key, wrapped_key, key_generation, created, joined"

/* types: one letter per parameter: i int8, t text, b bytea. */
static const struct { const char *sql, *types; } stmt_def[PS_COUNT] = {
	[PS_KEYINFO_GET] = { "SELECT generation, kcv, created, last_backup, "
	    "last_change FROM keyinfo WHERE id = 1", "" },
	[PS_KEYINFO_PUT] = { "INSERT INTO keyinfo (id, generation, kcv, created, "
	    "last_backup, last_change) VALUES (1, $1, $2, $3, $4, $5) ON CONFLICT "
	    "(id) DO UPDATE SET generation = excluded.generation, kcv = "
	    "excluded.kcv, created = excluded.created, last_backup = "
	    "excluded.last_backup, last_change = excluded.last_change", "itiii" },
	[PS_KEYINFO_DELETE] = { "DELETE FROM keyinfo", "" },
	[PS_MEMBER_GET] = { "SELECT " MEMBER_COLUMNS
	    " FROM members WHERE installation_id = $1", "t" },
	[PS_MEMBER_PUT] = { "INSERT INTO members (" MEMBER_COLUMNS ") VALUES "
	    "($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (installation_id) "
	    "DO UPDATE SET machine = excluded.machine, instance = "
	    "excluded.instance, service_account = excluded.service_account, "
	    "public_key = excluded.public_key, wrapped_key = excluded.wrapped_key, "
	    "key_generation = excluded.key_generation, created = excluded.created, "
	    "joined = excluded.joined", "ttttbbiii" },
	[PS_MEMBER_DELETE] = { "DELETE FROM members WHERE installation_id = $1",
	    "t" },
	[PS_MEMBER_LIST] = { "SELECT " MEMBER_COLUMNS " FROM members "
	    "ORDER BY machine, instance, installation_id", "" },
	[PS_MEMBER_COUNT] = { "SELECT count(wrapped_key), count(*) FROM members",
	    "" },
	[PS_LOCK_RECORD] = { "INSERT INTO admin_lock (id, username, pid, host, "
	    "since, operation, backend_pid) VALUES (1, $1, $2, $3, $4, $5, "
	    "pg_backend_pid()) ON CONFLICT (id) DO UPDATE SET username = "
	    "excluded.username, pid = excluded.pid, host = excluded.host, since = "
	    "excluded.since, operation = excluded.operation, backend_pid = "
	    "excluded.backend_pid", "titit" },
	/* The row counts only while its session holds the advisory lock: a
	 * row left by a dead holder names nobody. */
	[PS_LOCK_HOLDER] = { "SELECT username, pid, host, since, operation FROM "
	    "admin_lock a WHERE id = 1 AND EXISTS (SELECT 1 FROM pg_locks l WHERE "
	    "l.locktype = 'advisory' AND l.granted AND l.pid = a.backend_pid AND "
	    "l.classid = " STR(LOCK_CLASS) " AND l.objid = " STR(LOCK_ADMIN)
	    " AND l.database = (SELECT oid FROM pg_database WHERE datname = "
	    "current_database()))", "" },
	[PS_ID_SET] = { "UPDATE meta SET value = $1 WHERE key = 'database_id'",
	    "t" },
};

/* Per content table: statements built from the catalogue. */
enum content_stmt { CS_NEXT, CS_SCAN, CS_UPDATE, CS_INSERT, CS_CLEAR,
	CS_COUNT_CELLS, CS_IMPORT, CS_SPAN, CS_COUNT };

struct rs_store_pg {
	rs_store base;
	PGconn *conn;
	bool prepared[PS_COUNT];
	bool content_prepared[RS_TABLE_COUNT][CS_COUNT];
	bool admin_locked;
	char machine[RS_NAME_MAX];
	char description[1024];
	char database_id[RS_ID_LEN + 1];
	rs_config *cfg;            /* a copy: a key change's second connection */
};

typedef struct rs_store_pg rs_store_pg;

static rs_store_pg *pg(rs_store *s)
{
	return (rs_store_pg *)s;
}

/* ---- errors ---- */

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* Turns a PostgreSQL failure into a sentence that says what to do, with
 * the same codes as the SQLite backend. */
static int pg_fail(rs_store_pg *s, const PGresult *res, const char *what,
    rs_error *err)
{
	const char *state = res ? pq.PQresultErrorField(res, PG_DIAG_SQLSTATE)
	    : NULL;
	char msg[512];

	snprintf(msg, sizeof msg, "%s", res && pq.PQresultErrorField(res,
	    PG_DIAG_MESSAGE_PRIMARY) ? pq.PQresultErrorField(res,
	    PG_DIAG_MESSAGE_PRIMARY) : pq.PQerrorMessage(s->conn));
	chomp(msg);
	if (state == NULL)
		state = "";
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "23505") == 0)
		return rs_err(err, RS_ERR_BUSY, _("The report server database %s "
		    "is busy: another process is changing it. Try again in a "
		    "moment."), s->description);
	if (pq.PQstatus(s->conn) != CONNECTION_OK || strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0)
		return rs_err(err, RS_ERR_DATABASE, _("lost the connection to the "
		    "report server database %s while %s: %s; nothing was changed. "
		    "Check that the database server is running."), s->description,
		    what, msg);
	if (strcmp(state, "42501") == 0)
		return rs_err(err, RS_ERR_DATABASE, _("cannot write the report "
		    "server database %s while %s: %s; grant the PostgreSQL user the "
		    "rights on the report server tables"), s->description, what,
		    msg);
	if (strcmp(state, "53100") == 0)
		return rs_err(err, RS_ERR_DATABASE, _("the disk of the database "
		    "server holding %s is full (while %s); nothing was changed"),
		    s->description, what);
	return rs_err(err, RS_ERR_DATABASE, _("database error in %s while %s: "
	    "%s"), s->description, what, msg);
}

/* ---- parameters ---- */

typedef struct pg_args {
	int n;
	const char *value[MAX_PARAMS];
	int length[MAX_PARAMS];
	int format[MAX_PARAMS];
	uint64_t number[MAX_PARAMS];
} pg_args;

static void arg_i64(pg_args *a, int64_t v)
{
	a->number[a->n] = htobe64((uint64_t)v);
	a->value[a->n] = (const char *)&a->number[a->n];
	a->length[a->n] = 8;
	a->format[a->n++] = 1;
}

static void arg_text(pg_args *a, const char *text)
{
	a->value[a->n] = text;
	a->length[a->n] = 0;
	a->format[a->n++] = 0;
}

/* NULL is SQL NULL; an empty non-NULL blob stays an empty BYTEA. */
static void arg_blob(pg_args *a, const unsigned char *p, size_t len)
{
	a->value[a->n] = p ? (len ? (const char *)p : "") : NULL;
	a->length[a->n] = (int)len;
	a->format[a->n++] = 1;
}

static void param_types(const char *letters, Oid *types)
{
	for (size_t i = 0; letters[i] != '\0'; i++)
		types[i] = letters[i] == 'i' ? OID_INT8 : letters[i] == 't'
		    ? OID_TEXT : letters[i] == 'b' ? OID_BYTEA : letters[i] == 'I'
		    ? OID_INT8_ARRAY : letters[i] == 'T' ? OID_TEXT_ARRAY
		    : OID_BYTEA_ARRAY;
}

static int prepare(rs_store_pg *s, bool *done, const char *name,
    const char *sql, const char *types, rs_error *err)
{
	Oid oids[MAX_PARAMS];
	PGresult *res;
	int rc = RS_OK;

	if (*done)
		return RS_OK;
	param_types(types, oids);
	res = pq.PQprepare(s->conn, name, sql, (int)strlen(types), oids);
	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(s, res, _("preparing a statement"), err);
	else
		*done = true;
	pq.PQclear(res);
	return rc;
}

/* Runs a prepared statement; binary results.  *out is NULL on failure. */
static int run(rs_store_pg *s, const char *name, const pg_args *a,
    const char *what, PGresult **out, rs_error *err)
{
	PGresult *res = pq.PQexecPrepared(s->conn, name, a ? a->n : 0,
	    a ? a->value : NULL, a ? a->length : NULL, a ? a->format : NULL, 1);
	ExecStatusType st = pq.PQresultStatus(res);

	*out = NULL;
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		int rc = pg_fail(s, res, what, err);

		pq.PQclear(res);
		return rc;
	}
	*out = res;
	return RS_OK;
}

static int run_stmt(rs_store_pg *s, enum pg_stmt id, const pg_args *a,
    const char *what, PGresult **out, rs_error *err)
{
	char name[16];
	int rc;

	snprintf(name, sizeof name, "rs_s%d", (int)id);
	rc = prepare(s, &s->prepared[id], name, stmt_def[id].sql,
	    stmt_def[id].types, err);
	if (rc != RS_OK) {
		*out = NULL;
		return rc;
	}
	return run(s, name, a, what, out, err);
}

/* Commands without parameters or results worth keeping. */
static int exec_sql(rs_store_pg *s, const char *sql, const char *what,
    rs_error *err)
{
	PGresult *res = pq.PQexec(s->conn, sql);
	int rc = RS_OK;

	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK &&
	    pq.PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_fail(s, res, what, err);
	pq.PQclear(res);
	return rc;
}

/* ---- results ---- */

static int64_t get_i64(const PGresult *r, int row, int col)
{
	uint64_t v;

	if (pq.PQgetisnull(r, row, col) || pq.PQgetlength(r, row, col) != 8)
		return 0;
	memcpy(&v, pq.PQgetvalue(r, row, col), 8);
	return (int64_t)be64toh(v);
}

static void get_text(char *dst, size_t size, const PGresult *r, int row,
    int col)
{
	snprintf(dst, size, "%s", pq.PQgetisnull(r, row, col) ? ""
	    : pq.PQgetvalue(r, row, col));
}

static unsigned char *get_blob(const PGresult *r, int row, int col,
    size_t *len)
{
	size_t n = (size_t)pq.PQgetlength(r, row, col);
	unsigned char *copy;

	*len = 0;
	if (pq.PQgetisnull(r, row, col))
		return NULL;
	copy = malloc(n ? n : 1);
	if (copy != NULL && n > 0)
		memcpy(copy, pq.PQgetvalue(r, row, col), n);
	if (copy != NULL)
		*len = n;
	return copy;
}

static bool changed_rows(const PGresult *res)
{
	const char *n = pq.PQcmdTuples((PGresult *)res);

	return n[0] != '\0' && strcmp(n, "0") != 0;
}

/* ---- content statements ---- */

/* "(c1 IS NOT NULL OR c2 IS NOT NULL)": the rows that have a cell.  The
 * key change's reader and its DELETE must select the same rows. */
static void cells_present(const rs_content_table_info *t, char *out,
    size_t size)
{
	const char *c2 = t->ncells > 1 ? t->columns[1] : NULL;

	snprintf(out, size, "(%s IS NOT NULL%s%s%s)", t->columns[0],
	    c2 ? " OR " : "", c2 ? c2 : "", c2 ? " IS NOT NULL" : "");
}

static void content_sql(int table, enum content_stmt which, char *sql,
    size_t size, const char **types)
{
	const rs_content_table_info *t = rs_content_info(table);
	const char *c1 = t->columns[0];
	const char *c2 = t->ncells > 1 ? t->columns[1] : NULL;
	const char *sep = c2 ? ", " : "", *c2s = c2 ? c2 : "";
	char any[128];

	cells_present(t, any, sizeof any);
	*types = "";
	switch (which) {
	case CS_NEXT:
	case CS_SCAN:
		snprintf(sql, size, "SELECT id, name, %s%s%s FROM %s WHERE id > $1 "
		    "%s%s ORDER BY id LIMIT %d", c1, sep, c2s, t->table,
		    which == CS_NEXT ? "AND " : "", which == CS_NEXT ? any : "",
		    RS_BATCH_ROWS);
		*types = "i";
		break;
	case CS_UPDATE:
		snprintf(sql, size, "UPDATE %s SET %s = $2%s%s%s WHERE id = $1",
		    t->table, c1, sep, c2s, c2 ? " = $3" : "");
		*types = c2 ? "ibb" : "ib";
		break;
	case CS_INSERT:
		/* SQLite's rowid rule; begin's table lock serializes writers. */
		snprintf(sql, size, "INSERT INTO %s (id, name) SELECT "
		    "coalesce(max(id), 0) + 1, $1 FROM %s RETURNING id", t->table,
		    t->table);
		*types = "t";
		break;
	case CS_CLEAR:
		snprintf(sql, size, "UPDATE %s SET %s = NULL%s%s%s WHERE %s",
		    t->table, c1, sep, c2s, c2 ? " = NULL" : "", any);
		break;
	case CS_COUNT_CELLS:
		snprintf(sql, size, "SELECT count(%s)%s%s%s FROM %s", c1,
		    c2 ? ", count(" : "", c2s, c2 ? ")" : "", t->table);
		break;
	case CS_IMPORT:
		snprintf(sql, size, "INSERT INTO %s (id, name, %s%s%s) SELECT * "
		    "FROM unnest($1::int8[], $2::text[], $3::bytea[]%s)", t->table,
		    c1, sep, c2s, c2 ? ", $4::bytea[]" : "");
		*types = c2 ? "ITBB" : "ITB";
		break;
	case CS_SPAN:
		/* The same SQL as on SQLite (which needs one aggregate per
		 * query to read them from the key); PostgreSQL reads both from
		 * the primary key either way. */
		snprintf(sql, size, "SELECT coalesce((SELECT max(id) FROM %s) - "
		    "(SELECT min(id) FROM %s) + 1, 0)", t->table, t->table);
		break;
	case CS_COUNT:
		sql[0] = '\0';
		break;
	}
}

static int run_content(rs_store_pg *s, int table, enum content_stmt which,
    const pg_args *a, const char *what, PGresult **out, rs_error *err)
{
	char name[24], sql[768];
	const char *types;
	int rc;

	*out = NULL;
	if (table < 0 || table >= RS_TABLE_COUNT)
		return rs_err(err, RS_ERR_INTERNAL, _("no content table %d"), table);
	snprintf(name, sizeof name, "rs_c%d_%d", table, (int)which);
	content_sql(table, which, sql, sizeof sql, &types);
	rc = prepare(s, &s->content_prepared[table][which], name, sql, types,
	    err);
	return rc != RS_OK ? rc : run(s, name, a, what, out, err);
}

/* ---- open, schema, close ---- */

static const char schema_sql[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	/* COLLATE "C": members list in byte order, as on SQLite. */
	"CREATE TABLE members ("
	" installation_id TEXT COLLATE \"C\" PRIMARY KEY,"
	" machine TEXT COLLATE \"C\" NOT NULL, instance TEXT COLLATE \"C\" NOT NULL,"
	" service_account TEXT NOT NULL,"
	" public_key BYTEA NOT NULL, wrapped_key BYTEA,"
	" key_generation BIGINT NOT NULL DEFAULT 0,"
	" created BIGINT NOT NULL DEFAULT 0, joined BIGINT NOT NULL DEFAULT 0);"
	"CREATE INDEX members_by_name ON members (machine, instance);"
	"CREATE TABLE keyinfo ("
	" id BIGINT PRIMARY KEY CHECK (id = 1),"
	" generation BIGINT NOT NULL, kcv TEXT NOT NULL,"
	" created BIGINT NOT NULL, last_backup BIGINT NOT NULL DEFAULT 0,"
	" last_change BIGINT NOT NULL DEFAULT 0);"
	"CREATE TABLE datasources (id BIGINT PRIMARY KEY, name TEXT NOT NULL,"
	" connection_string BYTEA, credentials BYTEA);"
	"CREATE TABLE subscriptions (id BIGINT PRIMARY KEY, name TEXT NOT NULL,"
	" settings BYTEA);"
	"CREATE TABLE admin_lock ("
	" id BIGINT PRIMARY KEY CHECK (id = 1), username TEXT NOT NULL,"
	" pid BIGINT NOT NULL, host TEXT NOT NULL, since BIGINT NOT NULL,"
	" operation TEXT NOT NULL, backend_pid BIGINT NOT NULL);";

/* A text-format query for the few reads of opening. *value is "" for no
 * row or NULL. */
static int query_value(rs_store_pg *s, const char *sql, const char *param,
    char *value, size_t size, const char *what, rs_error *err)
{
	PGresult *res = pq.PQexecParams(s->conn, sql, param ? 1 : 0, NULL,
	    param ? &param : NULL, NULL, NULL, 0);
	int rc = RS_OK;

	value[0] = '\0';
	if (pq.PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_fail(s, res, what, err);
	else if (pq.PQntuples(res) > 0 && !pq.PQgetisnull(res, 0, 0))
		snprintf(value, size, "%s", pq.PQgetvalue(res, 0, 0));
	pq.PQclear(res);
	return rc;
}

static int no_database(const rs_store_pg *s, rs_error *err)
{
	return rs_err(err, RS_ERR_DATABASE, _("no report server database in %s; "
	    "run rskeymgmt --init (or rsdemo create DIR --postgres CONNINFO for "
	    "a demo)"), s->description);
}

static int create_schema(rs_store_pg *s, rs_error *err)
{
	char id[RS_ID_LEN + 1], exists[8];
	const char *values[2];
	PGresult *res;
	int rc = rs_uuid_generate(id, err);

	if (rc == RS_OK)
		rc = exec_sql(s, "BEGIN; SELECT pg_advisory_xact_lock("
		    STR(LOCK_CLASS) ", " STR(LOCK_SCHEMA) ")",
		    _("creating the database"), err);
	/* Another instance may have made it while we waited. */
	if (rc == RS_OK)
		rc = query_value(s, "SELECT to_regclass('meta') IS NOT NULL", NULL,
		    exists, sizeof exists, _("creating the database"), err);
	if (rc == RS_OK && strcmp(exists, "f") == 0)
		rc = exec_sql(s, schema_sql, _("creating the database"), err);
	if (rc == RS_OK && strcmp(exists, "f") == 0) {
		values[0] = id;
		values[1] = STR(RS_SCHEMA_VERSION);
		res = pq.PQexecParams(s->conn, "INSERT INTO meta VALUES "
		    "('database_id', $1), ('schema_version', $2)", 2, NULL, values,
		    NULL, NULL, 0);
		if (pq.PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(s, res, _("creating the database"), err);
		pq.PQclear(res);
	}
	if (rc == RS_OK)
		return exec_sql(s, "COMMIT", _("creating the database"), err);
	pq.PQclear(pq.PQexec(s->conn, "ROLLBACK"));
	return rc;
}

static int load_database_id(rs_store_pg *s, rs_error *err)
{
	char id[64];
	int rc = query_value(s, "SELECT value FROM meta WHERE key = "
	    "'database_id'", NULL, id, sizeof id, _("reading the database ID"),
	    err);

	if (rc != RS_OK)
		return rc;
	if (!rs_uuid_valid(id))
		return rs_err(err, RS_ERR_DATABASE, _("%s is damaged: it has no "
		    "valid database ID"), s->description);
	memcpy(s->database_id, id, RS_ID_LEN + 1);
	return RS_OK;
}

static int check_version(rs_store_pg *s, rs_error *err)
{
	char text[32], *end;
	long long version;
	int rc = query_value(s, "SELECT value FROM meta WHERE key = "
	    "'schema_version'", NULL, text, sizeof text,
	    _("reading the schema version"), err);

	if (rc != RS_OK)
		return rc;
	version = strtoll(text, &end, 10);
	if (text[0] == '\0' || *end != '\0' || version < 1)
		return rs_err(err, RS_ERR_DATABASE, _("%s is not a report server "
		    "database (schema \"%s\")"), s->description, text);
	if (version > RS_SCHEMA_VERSION)
		return rs_err(err, RS_ERR_DATABASE, _("the report server database %s "
		    "was made by a newer rsconfig (schema %lld); upgrade rsconfig"),
		    s->description, version);
	return RS_OK;
}

/* No meta table: an empty database is made (create) or refused; one with
 * other tables is someone else's. */
static int check_schema(rs_store_pg *s, bool create, rs_error *err)
{
	char exists[8], tables[32];
	int rc = query_value(s, "SELECT to_regclass('meta') IS NOT NULL", NULL,
	    exists, sizeof exists, _("reading the schema"), err);

	if (rc == RS_OK && strcmp(exists, "f") == 0) {
		rc = query_value(s, "SELECT count(*) FROM pg_tables WHERE "
		    "schemaname = current_schema()", NULL, tables, sizeof tables,
		    _("reading the schema"), err);
		if (rc == RS_OK && strcmp(tables, "0") != 0)
			return rs_err(err, RS_ERR_DATABASE, _("%s is a PostgreSQL "
			    "database but not a report server database; refusing to "
			    "use it"), s->description);
		if (rc == RS_OK && !create)
			return no_database(s, err);
		if (rc == RS_OK)
			rc = create_schema(s, err);
	}
	if (rc == RS_OK)
		rc = check_version(s, err);
	if (rc == RS_OK)
		rc = load_database_id(s, err);
	return rc;
}

/* "PostgreSQL host=... port=... dbname=... user=...": what the connection
 * reached, never its password. */
static void describe_connection(rs_store_pg *s)
{
	const char *host = pq.PQhost(s->conn);

	snprintf(s->description, sizeof s->description,
	    "PostgreSQL host=%s port=%s dbname=%s user=%s",
	    host && *host ? host : "localhost", pq.PQport(s->conn),
	    pq.PQdb(s->conn), pq.PQuser(s->conn));
}

static int connect_failed(rs_store_pg *s, const rs_config *cfg,
    rs_error *err)
{
	char msg[512], where[256];
	PQconninfoOption *o = pq.PQconninfoParse(cfg->connection, NULL);

	snprintf(msg, sizeof msg, "%s", s->conn ? pq.PQerrorMessage(s->conn)
	    : _("out of memory"));
	chomp(msg);
	conninfo_where(o, where, sizeof where);
	if (o != NULL)
		pq.PQconninfoFree(o);
	if (s->conn && pq.PQconnectionNeedsPassword(s->conn))
		return rs_err(err, RS_ERR_DATABASE, _("cannot connect to the report "
		    "server database (PostgreSQL %s): the server asks for a password "
		    "and none was found; put it in the pgpass file (%s, mode 0600)"),
		    where, cfg->pgpassfile[0] ? cfg->pgpassfile
		    : _("PGPASSFILE or ~/.pgpass"));
	return rs_err(err, RS_ERR_DATABASE, _("cannot connect to the report "
	    "server database (PostgreSQL %s): %s"), where, msg);
}

static int pg_connect(rs_store_pg *s, const rs_config *cfg, rs_error *err)
{
	/* Our defaults first, the admin's connection string over them, the
	 * config's pgpass file last. */
	const char *keys[] = { "connect_timeout", "fallback_application_name",
	    "client_encoding", "dbname", "passfile", NULL };
	const char *values[] = { CONNECT_TIMEOUT, "rsconfig", "UTF8",
	    cfg->connection, cfg->pgpassfile[0] ? cfg->pgpassfile : NULL, NULL };
	int rc = rs_config_check_connection(cfg->connection, err);

	if (rc != RS_OK)
		return rc;
	s->conn = pq.PQconnectdbParams(keys, values, 1);
	if (s->conn == NULL || pq.PQstatus(s->conn) != CONNECTION_OK)
		return connect_failed(s, cfg, err);
	describe_connection(s);
	/* Quiet: NOTICEs would go to stderr, and the core never prints. */
	rc = exec_sql(s, "SET client_min_messages = warning",
	    _("setting up the connection"), err);
	/* A plan made for the first batch's arrays would hash the table;
	 * the generic one walks the primary key (PostgreSQL 12 and later). */
	if (rc == RS_OK && pq.PQserverVersion(s->conn) >= 120000)
		rc = exec_sql(s, "SET plan_cache_mode = force_generic_plan",
		    _("setting up the connection"), err);
	return rc;
}

static void pg_admin_unlock(rs_store *base);

static void pg_close(rs_store *base)
{
	rs_store_pg *s = pg(base);

	if (s == NULL)
		return;
	if (s->conn != NULL && pq.PQstatus(s->conn) == CONNECTION_OK) {
		if (pq.PQtransactionStatus(s->conn) != PQTRANS_IDLE)
			pq.PQclear(pq.PQexec(s->conn, "ROLLBACK"));
		pg_admin_unlock(base);
	}
	pq.PQfinish(s->conn);
	free(s->cfg);
	free(s);
}

/* ---- transactions and the admin lock ---- */

static int pg_begin(rs_store *base, rs_error *err)
{
	rs_store_pg *s = pg(base);
	PGresult *res;
	const char *state;
	int rc = RS_OK;

	if (pq.PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		return rs_err(err, RS_ERR_INTERNAL, _("a transaction is already "
		    "open on %s"), s->description);
	/* EXCLUSIVE blocks every other writer's begin, not readers: SQLite's
	 * BEGIN IMMEDIATE in WAL mode. */
	res = pq.PQexec(s->conn, "BEGIN; SET LOCAL lock_timeout = '" LOCK_TIMEOUT
	    "'; LOCK TABLE meta IN EXCLUSIVE MODE");
	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK) {
		state = pq.PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (state != NULL && strcmp(state, "55P03") == 0)
			rc = rs_err(err, RS_ERR_BUSY, _("The report server database %s "
			    "is being changed by another process; wait for it to "
			    "finish, or try again later."), s->description);
		else
			rc = pg_fail(s, res, _("starting a transaction"), err);
		pq.PQclear(pq.PQexec(s->conn, "ROLLBACK"));
	}
	pq.PQclear(res);
	return rc;
}

static int pg_commit(rs_store *base, rs_error *err)
{
	rs_store_pg *s = pg(base);
	PGresult *res = pq.PQexec(s->conn, "COMMIT");
	int rc = RS_OK;

	/* COMMIT of a failed transaction "succeeds" as a ROLLBACK. */
	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(s, res, _("committing"), err);
	else if (strcmp(pq.PQcmdStatus(res), "COMMIT") != 0)
		rc = rs_err(err, RS_ERR_DATABASE, _("the report server database %s "
		    "rolled the transaction back after an earlier error; nothing "
		    "was changed"), s->description);
	pq.PQclear(res);
	if (rc != RS_OK && pq.PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		pq.PQclear(pq.PQexec(s->conn, "ROLLBACK"));
	return rc;
}

static void pg_rollback(rs_store *base)
{
	rs_store_pg *s = pg(base);

	if (pq.PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		pq.PQclear(pq.PQexec(s->conn, "ROLLBACK"));
}

/* The holder records itself just after it takes the lock: look again for
 * a moment before giving up on naming it. */
static int read_holder(rs_store_pg *s, PGresult **out)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	rs_error ignored = { 0 };

	for (int tries = 0; tries < 20; tries++) {
		if (run_stmt(s, PS_LOCK_HOLDER, NULL, "", out, &ignored) != RS_OK)
			return -1;
		if (pq.PQntuples(*out) == 1)
			return 0;
		pq.PQclear(*out);
		*out = NULL;
		nanosleep(&pause, NULL);
	}
	return -1;
}

static int busy_error(rs_store_pg *s, rs_error *err)
{
	PGresult *res = NULL;
	char user[128], host[RS_NAME_MAX], op[128], when[32], where[RS_NAME_MAX + 8];
	struct tm tm;
	time_t t;
	long pid;

	if (read_holder(s, &res) != 0)
		return rs_err(err, RS_ERR_BUSY, _("The report server database is "
		    "in use by another process. Wait for it to finish, or try "
		    "again later."));
	get_text(user, sizeof user, res, 0, 0);
	pid = (long)get_i64(res, 0, 1);
	get_text(host, sizeof host, res, 0, 2);
	t = (time_t)get_i64(res, 0, 3);
	get_text(op, sizeof op, res, 0, 4);
	pq.PQclear(res);
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(when, sizeof when, "%lld", (long long)t);
	/* A pid means something only with its machine, unless it is ours. */
	where[0] = '\0';
	if (strcmp(host, s->machine) != 0)
		snprintf(where, sizeof where, _(" on %s"), host);
	return rs_err(err, RS_ERR_BUSY, _("The report server database is in use "
	    "by %s (pid %ld%s) since %s (%s). Wait for it to finish, or try "
	    "again later."), user, pid, where, when, op);
}

static void sanitize(char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static int record_holder(rs_store_pg *s, const char *operation,
    rs_error *err)
{
	char user[128], op[128];
	pg_args a = { 0 };
	PGresult *res;
	int rc;

	rs_user_name(geteuid(), user, sizeof user, RS_USER_RECORD);
	snprintf(op, sizeof op, "%s", operation && *operation ? operation : "-");
	sanitize(user);
	sanitize(op);
	arg_text(&a, user);
	arg_i64(&a, (int64_t)getpid());
	arg_text(&a, s->machine);
	arg_i64(&a, (int64_t)time(NULL));
	arg_text(&a, op);
	rc = run_stmt(s, PS_LOCK_RECORD, &a, _("recording the lock holder"), &res,
	    err);
	pq.PQclear(res);
	return rc;
}

static int pg_admin_lock(rs_store *base, const char *operation,
    rs_error *err)
{
	rs_store_pg *s = pg(base);
	PGresult *res;
	bool got;
	int rc;

	if (s->admin_locked)
		return rs_err(err, RS_ERR_INTERNAL, _("the admin lock of %s is "
		    "already held by this process"), s->description);
	res = pq.PQexecParams(s->conn, "SELECT pg_try_advisory_lock("
	    STR(LOCK_CLASS) ", " STR(LOCK_ADMIN) ")", 0, NULL, NULL, NULL, NULL,
	    0);
	if (pq.PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_fail(s, res, _("taking the admin lock"), err);
		pq.PQclear(res);
		return rc;
	}
	got = strcmp(pq.PQgetvalue(res, 0, 0), "t") == 0;
	pq.PQclear(res);
	if (!got)
		return busy_error(s, err);
	s->admin_locked = true;
	rc = record_holder(s, operation, err);
	if (rc != RS_OK)
		pg_admin_unlock(base);
	return rc;
}

static void pg_admin_unlock(rs_store *base)
{
	rs_store_pg *s = pg(base);

	if (!s->admin_locked)
		return;
	/* The row only names the holder; the advisory lock is the lock. */
	if (pq.PQtransactionStatus(s->conn) == PQTRANS_IDLE)
		pq.PQclear(pq.PQexec(s->conn, "DELETE FROM admin_lock WHERE "
		    "backend_pid = pg_backend_pid()"));
	pq.PQclear(pq.PQexec(s->conn, "SELECT pg_advisory_unlock("
	    STR(LOCK_CLASS) ", " STR(LOCK_ADMIN) ")"));
	s->admin_locked = false;
}

/* ---- metadata ---- */

static int pg_database_id(rs_store *base, char out[RS_ID_LEN + 1],
    rs_error *err)
{
	(void)err;
	memcpy(out, pg(base)->database_id, RS_ID_LEN + 1);
	return RS_OK;
}

static int pg_database_id_set(rs_store *base, const char *id, rs_error *err)
{
	rs_store_pg *s = pg(base);
	pg_args a = { 0 };
	PGresult *res;
	int rc;

	if (!rs_uuid_valid(id))
		return rs_err(err, RS_ERR_INTERNAL, _("\"%s\" is not a database ID"),
		    id);
	arg_text(&a, id);
	rc = run_stmt(s, PS_ID_SET, &a, _("writing the database ID"), &res, err);
	pq.PQclear(res);
	if (rc == RS_OK)
		snprintf(s->database_id, sizeof s->database_id, "%s", id);
	return rc;
}

static int pg_keyinfo_get(rs_store *base, rs_keyinfo *out, rs_error *err)
{
	rs_store_pg *s = pg(base);
	PGresult *res;
	int rc = run_stmt(s, PS_KEYINFO_GET, NULL,
	    _("reading the key information"), &res, err);

	memset(out, 0, sizeof *out);
	if (rc != RS_OK)
		return rc;
	if (pq.PQntuples(res) == 1) {
		out->present = true;
		out->generation = (uint32_t)get_i64(res, 0, 0);
		get_text(out->kcv, sizeof out->kcv, res, 0, 1);
		out->created = get_i64(res, 0, 2);
		out->last_backup = get_i64(res, 0, 3);
		out->last_change = get_i64(res, 0, 4);
	}
	pq.PQclear(res);
	return RS_OK;
}

/* present=false removes the row: the state before initialization. */
static int pg_keyinfo_put(rs_store *base, const rs_keyinfo *info,
    rs_error *err)
{
	rs_store_pg *s = pg(base);
	pg_args a = { 0 };
	PGresult *res;
	int rc;

	if (info->present) {
		arg_i64(&a, info->generation);
		arg_text(&a, info->kcv);
		arg_i64(&a, info->created);
		arg_i64(&a, info->last_backup);
		arg_i64(&a, info->last_change);
	}
	rc = run_stmt(s, info->present ? PS_KEYINFO_PUT : PS_KEYINFO_DELETE, &a,
	    _("writing the key information"), &res, err);
	pq.PQclear(res);
	return rc;
}

/* ---- members ---- */

static int member_from_row(const PGresult *r, int row, rs_member *m)
{
	memset(m, 0, sizeof *m);
	get_text(m->installation_id, sizeof m->installation_id, r, row, 0);
	get_text(m->machine, sizeof m->machine, r, row, 1);
	get_text(m->instance, sizeof m->instance, r, row, 2);
	get_text(m->service_account, sizeof m->service_account, r, row, 3);
	m->public_key = get_blob(r, row, 4, &m->public_key_len);
	m->wrapped_key = get_blob(r, row, 5, &m->wrapped_key_len);
	m->key_generation = (uint32_t)get_i64(r, row, 6);
	m->created = get_i64(r, row, 7);
	m->joined = get_i64(r, row, 8);
	if (m->public_key == NULL ||
	    (m->wrapped_key == NULL && !pq.PQgetisnull(r, row, 5))) {
		rs_member_clear(m);
		return -1;
	}
	return 0;
}

static int pg_member_get(rs_store *base, const char *id, rs_member *out,
    rs_error *err)
{
	rs_store_pg *s = pg(base);
	pg_args a = { 0 };
	PGresult *res;
	int rc, fail = 0;

	memset(out, 0, sizeof *out);
	arg_text(&a, id);
	rc = run_stmt(s, PS_MEMBER_GET, &a, _("reading a member"), &res, err);
	if (rc != RS_OK)
		return rc;
	if (pq.PQntuples(res) == 0)
		rc = rs_err(err, RS_ERR_NOT_FOUND, _("no member with installation "
		    "ID %s in %s"), id, s->description);
	else
		fail = member_from_row(res, 0, out);
	pq.PQclear(res);
	if (fail)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	return rc;
}

static int pg_member_put(rs_store *base, const rs_member *m, rs_error *err)
{
	rs_store_pg *s = pg(base);
	pg_args a = { 0 };
	PGresult *res;
	int rc;

	if (m->public_key == NULL || m->public_key_len == 0)
		return rs_err(err, RS_ERR_INTERNAL, _("member %s has no public key"),
		    m->installation_id);
	arg_text(&a, m->installation_id);
	arg_text(&a, m->machine);
	arg_text(&a, m->instance);
	arg_text(&a, m->service_account);
	arg_blob(&a, m->public_key, m->public_key_len);
	arg_blob(&a, m->wrapped_key, m->wrapped_key_len);
	arg_i64(&a, m->key_generation);
	arg_i64(&a, m->created);
	arg_i64(&a, m->joined);
	rc = run_stmt(s, PS_MEMBER_PUT, &a, _("writing a member"), &res, err);
	pq.PQclear(res);
	return rc;
}

static int pg_member_delete(rs_store *base, const char *id, rs_error *err)
{
	rs_store_pg *s = pg(base);
	pg_args a = { 0 };
	PGresult *res;
	int rc;

	arg_text(&a, id);
	rc = run_stmt(s, PS_MEMBER_DELETE, &a, _("removing a member"), &res, err);
	if (rc == RS_OK && !changed_rows(res))
		rc = rs_err(err, RS_ERR_NOT_FOUND, _("no member with installation "
		    "ID %s in %s"), id, s->description);
	pq.PQclear(res);
	return rc;
}

static int pg_member_list(rs_store *base, rs_member **out, size_t *n,
    rs_error *err)
{
	rs_store_pg *s = pg(base);
	rs_member *list;
	PGresult *res;
	int rc, rows, i;

	*out = NULL;
	*n = 0;
	rc = run_stmt(s, PS_MEMBER_LIST, NULL, _("listing the members"), &res,
	    err);
	if (rc != RS_OK)
		return rc;
	rows = pq.PQntuples(res);
	list = calloc(rows ? (size_t)rows : 1, sizeof *list);
	for (i = 0; list != NULL && i < rows; i++)
		if (member_from_row(res, i, &list[i]) != 0)
			break;
	pq.PQclear(res);
	if (list == NULL || i < rows) {
		rs_members_free(list, (size_t)i);
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	}
	*out = list;
	*n = (size_t)rows;
	return RS_OK;
}

/* The rows in binary format point straight into the result: no copies. */
static int pg_member_each(rs_store *base,
    int (*fn)(void *arg, const rs_member *m), void *arg, rs_error *err)
{
	rs_store_pg *s = pg(base);
	PGresult *res;
	rs_member m;
	int rc = run_stmt(s, PS_MEMBER_LIST, NULL, _("listing the members"), &res,
	    err);

	for (int i = 0; rc == RS_OK && i < pq.PQntuples(res); i++) {
		memset(&m, 0, sizeof m);
		get_text(m.installation_id, sizeof m.installation_id, res, i, 0);
		get_text(m.machine, sizeof m.machine, res, i, 1);
		get_text(m.instance, sizeof m.instance, res, i, 2);
		get_text(m.service_account, sizeof m.service_account, res, i, 3);
		m.public_key = (unsigned char *)pq.PQgetvalue(res, i, 4);
		m.public_key_len = (size_t)pq.PQgetlength(res, i, 4);
		if (!pq.PQgetisnull(res, i, 5)) {
			m.wrapped_key = (unsigned char *)pq.PQgetvalue(res, i, 5);
			m.wrapped_key_len = (size_t)pq.PQgetlength(res, i, 5);
		}
		m.key_generation = (uint32_t)get_i64(res, i, 6);
		m.created = get_i64(res, i, 7);
		m.joined = get_i64(res, i, 8);
		rc = fn(arg, &m);
	}
	pq.PQclear(res);
	return rc;
}

static int pg_member_count(rs_store *base, uint64_t *with_copy,
    uint64_t *without_copy, rs_error *err)
{
	rs_store_pg *s = pg(base);
	PGresult *res;
	int rc = run_stmt(s, PS_MEMBER_COUNT, NULL, _("counting the members"),
	    &res, err);

	if (rc != RS_OK)
		return rc;
	*with_copy = (uint64_t)get_i64(res, 0, 0);
	*without_copy = (uint64_t)get_i64(res, 0, 1) - *with_copy;
	pq.PQclear(res);
	return RS_OK;
}

/* ---- encrypted content ---- */

static int pg_content_count(rs_store *base,
    uint64_t counts[RS_TABLE_COUNT][RS_MAX_CELLS], rs_error *err)
{
	rs_store_pg *s = pg(base);
	PGresult *res;
	int t, c, rc;

	memset(counts, 0, sizeof(uint64_t) * RS_TABLE_COUNT * RS_MAX_CELLS);
	for (t = 0; t < RS_TABLE_COUNT; t++) {
		rc = run_content(s, t, CS_COUNT_CELLS, NULL,
		    _("counting the encrypted values"), &res, err);
		if (rc != RS_OK)
			return rc;
		for (c = 0; c < rs_content_info(t)->ncells; c++)
			counts[t][c] = (uint64_t)get_i64(res, 0, c);
		pq.PQclear(res);
	}
	return RS_OK;
}

static int pg_content_span(rs_store *base, uint64_t rows[RS_TABLE_COUNT],
    rs_error *err)
{
	rs_store_pg *s = pg(base);
	PGresult *res;
	int rc;

	for (int t = 0; t < RS_TABLE_COUNT; t++) {
		rc = run_content(s, t, CS_SPAN, NULL,
		    _("counting the encrypted values"), &res, err);
		if (rc != RS_OK)
			return rc;
		rows[t] = (uint64_t)get_i64(res, 0, 0);
		pq.PQclear(res);
	}
	return RS_OK;
}

#define NO_CELL ((size_t)-1)

/* Copies the result into the batch: cells into the arena (offsets first,
 * pointers once the arena stops moving). */
static int batch_fill(rs_content_batch *b, const PGresult *res, int ncells)
{
	size_t offsets[RS_BATCH_ROWS][RS_MAX_CELLS];
	int rows = pq.PQntuples(res);

	for (int i = 0; i < rows && i < RS_BATCH_ROWS; i++) {
		rs_content_row *row = &b->rows[i];

		memset(row, 0, sizeof *row);
		row->id = get_i64(res, i, 0);
		get_text(row->name, sizeof row->name, res, i, 1);
		offsets[i][0] = offsets[i][1] = NO_CELL;
		for (int c = 0; c < ncells; c++) {
			size_t len = (size_t)pq.PQgetlength(res, i, 2 + c);

			if (pq.PQgetisnull(res, i, 2 + c))
				continue;
			if (rs_batch_reserve(b, len + 1) != 0)
				return -1;
			memcpy(b->arena + b->arena_len, pq.PQgetvalue(res, i, 2 + c), len);
			offsets[i][c] = b->arena_len;
			row->cell_len[c] = len;
			b->arena_len += len;
		}
		b->count++;
	}
	for (size_t i = 0; i < b->count; i++)
		for (int c = 0; c < RS_MAX_CELLS; c++)
			b->rows[i].cell[c] = c < ncells && offsets[i][c] != NO_CELL
			    ? b->arena + offsets[i][c] : NULL;
	return 0;
}

static int content_read(rs_store *base, enum content_stmt which, int table,
    int64_t after_id, rs_content_batch *batch, rs_error *err)
{
	rs_store_pg *s = pg(base);
	pg_args a = { 0 };
	PGresult *res;
	int rc;

	batch->count = 0;
	batch->arena_len = 0;
	arg_i64(&a, after_id);
	rc = run_content(s, table, which, &a, _("reading encrypted values"), &res,
	    err);
	if (rc != RS_OK)
		return rc;
	if (batch_fill(batch, res, rs_content_info(table)->ncells) != 0) {
		batch->count = 0;
		rc = rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	}
	pq.PQclear(res);
	return rc;
}

static int pg_content_next(rs_store *base, int table, int64_t after_id,
    rs_content_batch *batch, rs_error *err)
{
	return content_read(base, CS_NEXT, table, after_id, batch, err);
}

static int pg_content_scan(rs_store *base, int table, int64_t after_id,
    rs_content_batch *batch, rs_error *err)
{
	return content_read(base, CS_SCAN, table, after_id, batch, err);
}

static int pg_content_update(rs_store *base, int table,
    const rs_content_row *row, rs_error *err)
{
	rs_store_pg *s = pg(base);
	pg_args a = { 0 };
	PGresult *res;
	int rc;

	if (table < 0 || table >= RS_TABLE_COUNT)
		return rs_err(err, RS_ERR_INTERNAL, _("no content table %d"), table);
	arg_i64(&a, row->id);
	for (int c = 0; c < rs_content_info(table)->ncells; c++)
		arg_blob(&a, row->cell[c], row->cell_len[c]);
	rc = run_content(s, table, CS_UPDATE, &a,
	    _("writing an encrypted value"), &res, err);
	if (rc == RS_OK && !changed_rows(res))
		rc = rs_err(err, RS_ERR_NOT_FOUND, _("row %lld of %s is gone from "
		    "%s"), (long long)row->id, rs_content_info(table)->table,
		    s->description);
	pq.PQclear(res);
	return rc;
}

static int pg_content_insert(rs_store *base, int table, const char *name,
    int64_t *id, rs_error *err)
{
	rs_store_pg *s = pg(base);
	pg_args a = { 0 };
	PGresult *res;
	int rc;

	arg_text(&a, name ? name : "");
	rc = run_content(s, table, CS_INSERT, &a, _("adding a row"), &res, err);
	if (rc == RS_OK && id != NULL)
		*id = get_i64(res, 0, 0);
	pq.PQclear(res);
	return rc;
}

static int pg_content_clear(rs_store *base, int table, rs_error *err)
{
	rs_store_pg *s = pg(base);
	PGresult *res;
	int rc = run_content(s, table, CS_CLEAR, NULL,
	    _("removing encrypted values"), &res, err);

	pq.PQclear(res);
	return rc;
}

/* ---- binary arrays: one parameter carries a whole batch ---- */

typedef struct pg_array {
	unsigned char *data;
	size_t len, cap;
	size_t count_at;       /* offset of the element count */
	int32_t count;
} pg_array;

static int array_put(pg_array *a, const void *p, size_t n)
{
	if (a->len + n > a->cap) {
		size_t cap = a->cap ? a->cap : 4096;
		unsigned char *q;

		while (cap < a->len + n)
			cap *= 2;
		q = realloc(a->data, cap);
		if (q == NULL)
			return -1;
		a->data = q;
		a->cap = cap;
	}
	memcpy(a->data + a->len, p, n);
	a->len += n;
	return 0;
}

static int array_put_i32(pg_array *a, int32_t v)
{
	uint32_t be = htobe32((uint32_t)v);

	return array_put(a, &be, 4);
}

/* Header of a one-dimensional array: ndim, has-null flag (the server
 * works it out), element type, length (patched at the end), lower bound. */
static int array_start(pg_array *a, Oid element)
{
	a->len = 0;
	a->count = 0;
	if (array_put_i32(a, 1) || array_put_i32(a, 0) ||
	    array_put_i32(a, (int32_t)element))
		return -1;
	a->count_at = a->len;
	return array_put_i32(a, 0) || array_put_i32(a, 1) ? -1 : 0;
}

static int array_add(pg_array *a, const void *p, size_t n, bool null)
{
	a->count++;
	if (null)
		return array_put_i32(a, -1);
	return array_put_i32(a, (int32_t)n) || array_put(a, p, n) ? -1 : 0;
}

static int array_add_i64(pg_array *a, int64_t v)
{
	uint64_t be = htobe64((uint64_t)v);

	return array_add(a, &be, 8, false);
}

static void array_finish(pg_array *a)
{
	uint32_t be = htobe32((uint32_t)a->count);

	memcpy(a->data + a->count_at, &be, 4);
}

static void arrays_free(pg_array *arrays, int n)
{
	for (int i = 0; i < n; i++) {
		free(arrays[i].data);
		memset(&arrays[i], 0, sizeof arrays[i]);
	}
}

static void arg_array(pg_args *a, pg_array *arr)
{
	array_finish(arr);
	a->value[a->n] = (const char *)arr->data;
	a->length[a->n] = (int)arr->len;
	a->format[a->n++] = 1;
}

/* ---- content_import: a batch of rows with their own ids ---- */

static int import_arrays(const rs_content_batch *b, int ncells,
    pg_array arr[2 + RS_MAX_CELLS])
{
	int bad = array_start(&arr[0], OID_INT8) ||
	    array_start(&arr[1], OID_TEXT);

	for (int c = 0; c < ncells; c++)
		bad = bad || array_start(&arr[2 + c], OID_BYTEA);
	for (size_t i = 0; !bad && i < b->count; i++) {
		const rs_content_row *r = &b->rows[i];

		bad = array_add_i64(&arr[0], r->id) ||
		    array_add(&arr[1], r->name, strlen(r->name), false);
		for (int c = 0; !bad && c < ncells; c++)
			bad = array_add(&arr[2 + c], r->cell[c], r->cell_len[c],
			    r->cell[c] == NULL);
	}
	return bad ? -1 : 0;
}

static int pg_content_import(rs_store *base, int table,
    const rs_content_batch *batch, rs_error *err)
{
	rs_store_pg *s = pg(base);
	pg_array arr[2 + RS_MAX_CELLS];
	pg_args a = { 0 };
	PGresult *res = NULL;
	int ncells, rc;

	if (table < 0 || table >= RS_TABLE_COUNT)
		return rs_err(err, RS_ERR_INTERNAL, _("no content table %d"), table);
	if (batch->count == 0)
		return RS_OK;
	ncells = rs_content_info(table)->ncells;
	memset(arr, 0, sizeof arr);
	if (import_arrays(batch, ncells, arr) != 0) {
		arrays_free(arr, 2 + RS_MAX_CELLS);
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	}
	for (int i = 0; i < 2 + ncells; i++)
		arg_array(&a, &arr[i]);
	rc = run_content(s, table, CS_IMPORT, &a, _("copying encrypted values"),
	    &res, err);
	pq.PQclear(res);
	arrays_free(arr, 2 + RS_MAX_CELLS);
	return rc;
}

/* ---- content_rewrite: a key change ----
 *
 * Two ways.  A table as rsconfig made it is rewritten directly: its rows
 * deleted and copied back resealed with one COPY (see "the direct
 * rewrite" below; 1.13x PostgreSQL's own UPDATE at 1M values).  A table
 * an admin added to (a trigger, a foreign key, a column...) is rewritten
 * by UPDATE, as follows.
 *
 * A pipeline with few round trips.  A second connection streams the table
 * out in id order with one binary COPY ... TO STDOUT (it sees the committed
 * state, which is the state of every row not yet rewritten: we hold the
 * write lock, nobody else writes); each row's new cells go on at once into
 * a binary COPY ... FROM STDIN on our connection, into a temporary table;
 * every REWRITE_APPLY_ROWS rows that COPY ends and one UPDATE ... FROM the
 * temporary table, over that id range, rewrites the rows, in the caller's
 * transaction (a rollback drops the table too).  While that UPDATE runs,
 * the next batch is read and resealed into memory.  So the server that
 * reads and the one that writes work at the same time, there are no
 * per-row parameters, and two round trips per REWRITE_APPLY_ROWS rows.
 * The UPDATE must count every row, or the change fails: a row that moved
 * or went is never lost.  Memory: one batch on our side (read ahead), one
 * on the server's.  What each design gave against PostgreSQL's own UPDATE:
 * bench/NOTES-pg.md. */

#define REWRITE_FLUSH (256 * 1024)  /* bytes per COPY message we send */

typedef struct rewrite_run {
	rs_store_pg *s;
	PGconn *reader;          /* the second connection, streaming out */
	int table, ncells;
	rs_cell_rewrite_fn fn;
	rs_rewrite_batch_fn batch_done;
	void *arg;
	uint64_t cells;          /* cells in the current batch */
	uint64_t rows;           /* rows of the current batch */
	int64_t first, last;     /* their lowest and highest id */
	uint64_t applied;        /* cells of the batch last applied */
	bool header;             /* the COPY OUT header was read */
	bool end;                /* the COPY OUT trailer was read */
	bool done;               /* libpq says the COPY OUT is over */
	bool direct;             /* rows deleted and copied back, no UPDATE */
	uint64_t total;          /* rows copied back (direct) */
	char temp[32];           /* its name */
	pg_array copy;           /* rows in COPY's format, not yet sent */
} rewrite_run;

/* COPY's binary format: signature, flags, header extension length. */
static const unsigned char copy_header[19] = { 'P', 'G', 'C', 'O', 'P', 'Y',
	'\n', 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0 };

static int copy_put_i16(pg_array *a, int16_t v)
{
	uint16_t be = htobe16((uint16_t)v);

	return array_put(a, &be, 2);
}

/* NULL is SQL NULL. */
static int copy_put_field(pg_array *a, const void *p, size_t n)
{
	if (p == NULL)
		return array_put_i32(a, -1);
	return array_put_i32(a, (int32_t)n) || array_put(a, p, n) ? -1 : 0;
}

static int copy_put_i64(pg_array *a, int64_t v)
{
	uint64_t be = htobe64((uint64_t)v);

	return copy_put_field(a, &be, 8);
}

/* ---- reading COPY's binary format ---- */

typedef struct copy_in {
	const unsigned char *p;
	size_t left;
} copy_in;

static bool copy_take(copy_in *in, void *out, size_t n)
{
	if (in->left < n)
		return false;
	memcpy(out, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

static bool copy_get_i16(copy_in *in, int16_t *v)
{
	uint16_t be;

	if (!copy_take(in, &be, 2))
		return false;
	*v = (int16_t)be16toh(be);
	return true;
}

static bool copy_get_i32(copy_in *in, int32_t *v)
{
	uint32_t be;

	if (!copy_take(in, &be, 4))
		return false;
	*v = (int32_t)be32toh(be);
	return true;
}

/* One field: *p is NULL for SQL NULL, else points into the message. */
static bool copy_get_field(copy_in *in, const unsigned char **p, size_t *n)
{
	int32_t len;

	*p = NULL;
	*n = 0;
	if (!copy_get_i32(in, &len) || len < -1 || (size_t)(len < 0 ? 0 : len)
	    > in->left)
		return false;
	if (len == -1)
		return true;
	*p = in->p;
	*n = (size_t)len;
	in->p += len;
	in->left -= (size_t)len;
	return true;
}

static bool copy_skip_header(copy_in *in)
{
	unsigned char sig[11];
	int32_t flags, ext;

	if (!copy_take(in, sig, sizeof sig) || memcmp(sig, copy_header,
	    sizeof sig) != 0 || !copy_get_i32(in, &flags) ||
	    !copy_get_i32(in, &ext) || ext < 0 || (size_t)ext > in->left)
		return false;
	in->p += ext;
	in->left -= (size_t)ext;
	return true;
}

/* ---- the pipeline ---- */

/* One row read (id, the cells, name) resealed into the outgoing COPY. */
static int rewrite_row(rewrite_run *w, copy_in *in, bool *bad,
    rs_error *err)
{
	const unsigned char *f[2 + RS_MAX_CELLS], *out;
	size_t n[2 + RS_MAX_CELLS], out_len;
	char name[RS_NAME_MAX];
	uint64_t be;
	int64_t id;
	int rc;

	for (int i = 0; i < 2 + w->ncells; i++)
		if (!copy_get_field(in, &f[i], &n[i]))
			return *bad = true, RS_ERR_DATABASE;
	if (f[0] == NULL || n[0] != 8 || f[1 + w->ncells] == NULL ||
	    n[1 + w->ncells] >= sizeof name)
		return *bad = true, RS_ERR_DATABASE;
	memcpy(&be, f[0], 8);
	id = (int64_t)be64toh(be);
	memcpy(name, f[1 + w->ncells], n[1 + w->ncells]);
	name[n[1 + w->ncells]] = '\0';
	if (copy_put_i16(&w->copy, (int16_t)(1 + w->ncells + w->direct)) ||
	    copy_put_i64(&w->copy, id))
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	for (int c = 0; c < w->ncells; c++) {
		out = NULL;
		out_len = 0;
		if (f[1 + c] != NULL) {
			rc = w->fn(w->arg, w->table, id, name, c,
			    n[1 + c] ? f[1 + c] : (const unsigned char *)"",
			    n[1 + c], &out, &out_len, err);
			if (rc != RS_OK)
				return rc;
			if (out == NULL)
				out = (const unsigned char *)"";
			w->cells++;
		}
		if (copy_put_field(&w->copy, out, out_len) != 0)
			return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	}
	if (w->direct && copy_put_field(&w->copy, f[1 + w->ncells],
	    n[1 + w->ncells]) != 0)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	if (w->rows == 0 || id < w->first)
		w->first = id;
	if (w->rows == 0 || id > w->last)
		w->last = id;
	w->rows++;
	return RS_OK;
}

/* One COPY message of the reader: the header first, then tuples, the
 * trailer last. */
static int rewrite_message(rewrite_run *w, const char *msg, int len,
    rs_error *err)
{
	copy_in in = { (const unsigned char *)msg, (size_t)len };
	int rc = RS_OK;
	bool bad = false;
	int16_t fields;

	if (!w->header && !(w->header = copy_skip_header(&in)))
		bad = true;
	while (!bad && rc == RS_OK && in.left > 0 && !w->end) {
		if (!copy_get_i16(&in, &fields) || (fields != -1 &&
		    fields != 2 + w->ncells))
			bad = true;
		else if (fields == -1)
			w->end = true;
		else
			rc = rewrite_row(w, &in, &bad, err);
	}
	if (bad)
		rc = rs_err(err, RS_ERR_DATABASE, _("%s sent values in a form "
		    "rsconfig does not know; nothing was changed"),
		    w->s->description);
	return rc;
}

static int copy_send(rewrite_run *w, rs_error *err)
{
	if (w->copy.len > 0 && pq.PQputCopyData(w->s->conn,
	    (const char *)w->copy.data, (int)w->copy.len) != 1)
		return pg_fail(w->s, NULL, _("rewriting encrypted values"),
		    err);
	w->copy.len = 0;
	return RS_OK;
}

/* Drains what libpq still holds of a command; the first failure wins.
 * rows (may be NULL) gets the rows the command says it affected. */
static int copy_finish(rs_store_pg *s, int rc, const char *what,
    uint64_t *rows, rs_error *err)
{
	PGresult *res;

	while ((res = pq.PQgetResult(s->conn)) != NULL) {
		if (rc == RS_OK && pq.PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(s, res, what, err);
		else if (rc == RS_OK && rows != NULL)
			*rows = strtoull(pq.PQcmdTuples(res), NULL, 10);
		pq.PQclear(res);
	}
	return rc;
}

/* Sends the trailer and ends the COPY: with a failure, aborted.  Its
 * result is still to be read. */
static int copy_close(rewrite_run *w, int rc, rs_error *err)
{
	if (rc == RS_OK && copy_put_i16(&w->copy, -1) != 0)
		rc = rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	if (rc == RS_OK)
		rc = copy_send(w, err);
	if (pq.PQputCopyEnd(w->s->conn, rc == RS_OK ? NULL : "stopped") != 1 &&
	    rc == RS_OK)
		rc = pg_fail(w->s, NULL, _("rewriting encrypted values"), err);
	return rc;
}

/* Ends the COPY into the temporary table. */
static int copy_end(rewrite_run *w, int rc, rs_error *err)
{
	return copy_finish(w->s, copy_close(w, rc, err),
	    _("rewriting encrypted values"), NULL, err);
}

static int copy_begin(rewrite_run *w, rs_error *err)
{
	const rs_content_table_info *t = rs_content_info(w->table);
	const char *what = _("rewriting encrypted values");
	const char *c2 = t->ncells > 1 ? t->columns[1] : NULL;
	char sql[256];
	PGresult *res;
	int rc;

	if (w->direct)
		snprintf(sql, sizeof sql, "COPY %s (id, %s%s%s, name) FROM "
		    "STDIN WITH (FORMAT binary)", t->table, t->columns[0],
		    c2 ? ", " : "", c2 ? c2 : "");
	else
		snprintf(sql, sizeof sql, "COPY %s FROM STDIN WITH (FORMAT "
		    "binary)", w->temp);
	res = pq.PQexec(w->s->conn, sql);
	if (pq.PQresultStatus(res) != PGRES_COPY_IN) {
		rc = pg_fail(w->s, res, what, err);
		pq.PQclear(res);
		return copy_finish(w->s, rc, what, NULL, err);
	}
	pq.PQclear(res);
	return RS_OK;
}

/* The buffer starts the next COPY: its header. */
static int copy_reset(rewrite_run *w, rs_error *err)
{
	w->copy.len = 0;
	if (array_put(&w->copy, copy_header, sizeof copy_header) != 0)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	return RS_OK;
}

/* Reads ahead while our connection is busy: the reader's messages libpq
 * holds already, into the next batch until it is full; then waits for
 * either socket.  A socket is read only when poll says it has data: a
 * read of our connection at every message cost a failed recv per row.
 * The reader's socket is read only when libpq holds no whole message:
 * reading it at every turn would grow libpq's buffer (and its copying)
 * without bound. */
static int read_ahead(rewrite_run *w, rs_error *err)
{
	struct pollfd fd[2] = {
		{ .fd = pq.PQsocket(w->s->conn), .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
	};
	int rc = RS_OK, len = 0;
	bool want;
	char *msg;

	if (pq.PQconsumeInput(w->s->conn) != 1)
		return pg_fail(w->s, NULL, _("rewriting encrypted values"), err);
	while (rc == RS_OK && pq.PQisBusy(w->s->conn)) {
		while ((want = !w->done && w->rows < REWRITE_APPLY_ROWS) &&
		    (len = pq.PQgetCopyData(w->reader, &msg, 1)) > 0) {
			rc = rewrite_message(w, msg, len, err);
			pq.PQfreemem(msg);
			if (rc != RS_OK)
				return rc;
		}
		if (want && len < 0)
			w->done = true;
		want = want && len == 0;
		fd[0].revents = 0;
		fd[1].fd = want ? pq.PQsocket(w->reader) : -1;
		fd[1].revents = 0;
		if (poll(fd, 2, -1) < 0 && errno != EINTR)
			return rs_err(err, RS_ERR_INTERNAL,
			    _("cannot wait for %s: %s"), w->s->description,
			    strerror(errno));
		if (fd[0].revents != 0 && pq.PQconsumeInput(w->s->conn) != 1)
			return pg_fail(w->s, NULL,
			    _("rewriting encrypted values"), err);
		if (want && fd[1].revents != 0 &&
		    pq.PQconsumeInput(w->reader) != 1)
			w->done = true;
	}
	return rc;
}

/* The batch in the temporary table into the content table, then empties
 * it; the id range lets the planner reach the content table through its
 * primary key.  Meanwhile the next batch is read. */
static int temp_apply(rewrite_run *w, rs_error *err)
{
	const rs_content_table_info *t = rs_content_info(w->table);
	const char *c2 = t->ncells > 1 ? t->columns[1] : NULL;
	const char *what = _("rewriting encrypted values");
	char sql[512], count[32];
	PGresult *res;
	int rc = RS_OK, n = 0;

	snprintf(sql, sizeof sql, "UPDATE %s AS t SET %s = r.%s%s%s%s%s FROM %s "
	    "AS r WHERE t.id = r.id AND t.id BETWEEN %" PRId64 " AND %" PRId64
	    "; TRUNCATE %s", t->table, t->columns[0], t->columns[0],
	    c2 ? ", " : "", c2 ? c2 : "", c2 ? " = r." : "", c2 ? c2 : "",
	    w->temp, w->first, w->last, w->temp);
	snprintf(count, sizeof count, "%" PRIu64, w->rows);
	w->applied = w->cells;
	w->rows = w->cells = 0;
	if (pq.PQsendQuery(w->s->conn, sql) != 1)
		return pg_fail(w->s, NULL, what, err);
	rc = copy_reset(w, err);
	if (rc == RS_OK)
		rc = read_ahead(w, err);
	while ((res = pq.PQgetResult(w->s->conn)) != NULL) {
		if (rc == RS_OK && pq.PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(w->s, res, what, err);
		else if (rc == RS_OK && n == 0 && strcmp(pq.PQcmdTuples(res),
		    count) != 0)
			rc = rs_err(err, RS_ERR_NOT_FOUND, _("rows of %s are gone "
			    "from %s during the key change"), t->table,
			    w->s->description);
		n++;
		pq.PQclear(res);
	}
	return rc;
}

/* One batch: what was read ahead and rows from the reader into the
 * temporary table until REWRITE_APPLY_ROWS or the end, then applied. */
static int rewrite_batch(rewrite_run *w, rs_error *err)
{
	int rc = copy_begin(w, err), len;
	char *msg;

	while (rc == RS_OK && !w->done && w->rows < REWRITE_APPLY_ROWS) {
		len = pq.PQgetCopyData(w->reader, &msg, 0);
		if (len < 0) {
			w->done = true;
			break;
		}
		rc = rewrite_message(w, msg, len, err);
		pq.PQfreemem(msg);
		if (rc == RS_OK && w->copy.len >= REWRITE_FLUSH)
			rc = copy_send(w, err);
	}
	rc = copy_end(w, rc, err);
	w->applied = 0;
	if (rc == RS_OK && w->rows > 0)
		return temp_apply(w, err);
	return rc == RS_OK ? copy_reset(w, err) : rc;
}

/* The reader: a connection of its own to the same database, streaming the
 * rows that have cells. */
static int reader_open(rewrite_run *w, const rs_config *cfg, rs_error *err)
{
	const rs_content_table_info *t = rs_content_info(w->table);
	const char *c2 = t->ncells > 1 ? t->columns[1] : NULL;
	rs_store_pg *r = calloc(1, sizeof *r);
	char sql[512], any[128];
	PGresult *res;
	int rc;

	if (r == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	rc = pg_connect(r, cfg, err);
	if (rc == RS_OK)
		rc = load_database_id(r, err);
	if (rc == RS_OK && strcmp(r->database_id, w->s->database_id) != 0)
		rc = rs_err(err, RS_ERR_DATABASE, _("a second connection to %s "
		    "reached another database; nothing was changed"),
		    w->s->description);
	/* As our own connection: a table lock held elsewhere is an error. */
	if (rc == RS_OK)
		rc = exec_sql(r, "SET lock_timeout = '" LOCK_TIMEOUT "'",
		    _("reading encrypted values"), err);
	cells_present(t, any, sizeof any);
	snprintf(sql, sizeof sql, "COPY (SELECT id, %s%s%s, name FROM %s WHERE "
	    "%s%s) TO STDOUT WITH (FORMAT binary)", t->columns[0],
	    c2 ? ", " : "", c2 ? c2 : "", t->table, any,
	    w->direct ? "" : " ORDER BY id");
	if (rc == RS_OK) {
		res = pq.PQexec(r->conn, sql);
		if (pq.PQresultStatus(res) != PGRES_COPY_OUT)
			rc = pg_fail(r, res, _("reading encrypted values"),
			    err);
		pq.PQclear(res);
	}
	w->reader = r->conn;
	free(r);
	return rc;
}

/* The reader's end: its COPY's own result. */
static int reader_close(rewrite_run *w, int rc, rs_error *err)
{
	PGresult *res;
	char *msg;

	/* After the trailer, libpq still has to see the COPY's end. */
	while (rc == RS_OK && pq.PQgetCopyData(w->reader, &msg, 0) >= 0)
		pq.PQfreemem(msg);
	while (rc == RS_OK && (res = pq.PQgetResult(w->reader)) != NULL) {
		if (pq.PQresultStatus(res) != PGRES_COMMAND_OK) {
			rs_store_pg r = { .conn = w->reader };

			memcpy(r.description, w->s->description,
			    sizeof r.description);
			rc = pg_fail(&r, res, _("reading encrypted values"),
			    err);
		}
		pq.PQclear(res);
	}
	if (rc == RS_OK && !w->end)
		rc = rs_err(err, RS_ERR_DATABASE, _("the values of %s ended "
		    "early while reading %s; nothing was changed"),
		    rs_content_info(w->table)->table, w->s->description);
	pq.PQfinish(w->reader);
	w->reader = NULL;
	return rc;
}

static int temp_create(rewrite_run *w, rs_error *err)
{
	const rs_content_table_info *t = rs_content_info(w->table);
	char sql[256];

	snprintf(w->temp, sizeof w->temp, "rs_rewrite_%d", w->table);
	snprintf(sql, sizeof sql, "CREATE TEMP TABLE %s (id int8, %s bytea%s%s%s) "
	    "ON COMMIT DROP; SET LOCAL jit = off", w->temp, t->columns[0],
	    t->ncells > 1 ? ", " : "", t->ncells > 1 ? t->columns[1] : "",
	    t->ncells > 1 ? " bytea" : "");
	return exec_sql(w->s, sql, _("rewriting encrypted values"), err);
}

/* ---- the direct rewrite ----
 *
 * When the table is exactly as we made it, the rows that have cells are
 * deleted and copied back, resealed, with one binary COPY ... FROM STDIN
 * streamed while the reader's rows come in (in heap order: no sort):
 * PostgreSQL's bulk insert, and no temporary table, join or batch in
 * between.  Server side alone at 400,000 rows: 1.84 to 2.47 s against
 * 1.76 to 2.31 s for PostgreSQL's own UPDATE, where a COPY into a
 * temporary table and an UPDATE ... FROM it per batch took 2.47 to 2.57 s
 * (bench/NOTES-pg.md).  A trigger (a foreign key to or from the table
 * is two), a rule, row security, inheritance or a column we do not know
 * would see a delete and an insert or lose what it holds, and a role may
 * have the right to update the table but not to delete from or insert
 * into it: such a table is rewritten by UPDATE as before.  Both counts
 * must equal the rows read, and the primary key refuses a row copied back
 * twice, so no row is lost or made up; it is all in the caller's
 * transaction. */
static int direct_allowed(rewrite_run *w, bool *ok, rs_error *err)
{
	const rs_content_table_info *t = rs_content_info(w->table);
	char ncols[16];
	const char *v[2] = { t->table, ncols };
	PGresult *res;

	snprintf(ncols, sizeof ncols, "%d", 2 + t->ncells);
	res = pq.PQexecParams(w->s->conn, "SELECT c.relkind = 'r' AND NOT "
	    "c.relrowsecurity AND has_table_privilege(c.oid, 'DELETE') AND "
	    "has_table_privilege(c.oid, 'INSERT') AND (SELECT count(*) FROM "
	    "pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT "
	    "a.attisdropped) = "
	    "$2::int AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE "
	    "g.tgrelid = c.oid) AND NOT EXISTS (SELECT 1 FROM pg_rewrite r "
	    "WHERE r.ev_class = c.oid) AND NOT EXISTS (SELECT 1 FROM "
	    "pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid) "
	    "FROM pg_class c WHERE c.oid = to_regclass($1)", 2, NULL, v, NULL,
	    NULL, 0);
	if (pq.PQresultStatus(res) != PGRES_TUPLES_OK) {
		int rc = pg_fail(w->s, res, _("rewriting encrypted values"),
		    err);

		pq.PQclear(res);
		return rc;
	}
	*ok = pq.PQntuples(res) == 1 && strcmp(pq.PQgetvalue(res, 0, 0),
	    "t") == 0;
	pq.PQclear(res);
	return RS_OK;
}

/* The rows the reader streams, that is every row with a cell: deleted
 * in our transaction (the reader's snapshot has them whenever it is
 * taken).  Sent without waiting, so that the reader connects meanwhile. */
static int direct_delete_send(rewrite_run *w, rs_error *err)
{
	const rs_content_table_info *t = rs_content_info(w->table);
	char sql[256], any[128];

	cells_present(t, any, sizeof any);
	snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s", t->table, any);
	if (pq.PQsendQuery(w->s->conn, sql) != 1)
		return pg_fail(w->s, NULL, _("rewriting encrypted values"), err);
	return RS_OK;
}

/* The end of the one COPY: it must have written every row read. */
static int direct_end(rewrite_run *w, int rc, uint64_t deleted,
    rs_error *err)
{
	uint64_t written = 0;
	char got[32], want[32];

	rc = copy_finish(w->s, copy_close(w, rc, err),
	    _("rewriting encrypted values"), &written, err);
	snprintf(got, sizeof got, "%" PRIu64, written);
	snprintf(want, sizeof want, "%" PRIu64, w->total);
	if (rc == RS_OK && written != w->total)
		rc = rs_err(err, RS_ERR_DATABASE, _("%s wrote %s of %s rows of "
		    "%s during the key change"), w->s->description, got, want,
		    rs_content_info(w->table)->table);
	if (rc == RS_OK && w->total != deleted)
		rc = rs_err(err, RS_ERR_NOT_FOUND, _("rows of %s are gone from "
		    "%s during the key change"),
		    rs_content_info(w->table)->table, w->s->description);
	return rc;
}

/* One message of the reader, resealed into the next chunk; progress and
 * cancel every REWRITE_APPLY_ROWS rows. */
static int direct_message(rewrite_run *w, char *msg, int len, rs_error *err)
{
	int rc = rewrite_message(w, msg, len, err);

	pq.PQfreemem(msg);
	if (rc == RS_OK && w->rows >= REWRITE_APPLY_ROWS) {
		w->total += w->rows;
		w->rows = 0;
		if (w->batch_done)
			rc = w->batch_done(w->arg, w->cells, err);
		w->cells = 0;
	}
	return rc;
}

/* Waits until the reader has data (if want_read) or our connection can
 * take more (if sending); reads or sends what it can. */
static int direct_wait(rewrite_run *w, bool want_read, int *sending,
    rs_error *err)
{
	struct pollfd fd[2] = {
		{ .fd = want_read ? pq.PQsocket(w->reader) : -1, .events = POLLIN },
		{ .fd = *sending ? pq.PQsocket(w->s->conn) : -1,
		  .events = POLLOUT | POLLIN },
	};

	if (poll(fd, 2, -1) < 0 && errno != EINTR)
		return rs_err(err, RS_ERR_INTERNAL, _("cannot wait for %s: %s"),
		    w->s->description, strerror(errno));
	if (fd[0].revents != 0 && pq.PQconsumeInput(w->reader) != 1)
		w->done = true;  /* reader_close says why */
	if (fd[1].revents != 0 && (*sending = pq.PQflush(w->s->conn)) < 0)
		return pg_fail(w->s, NULL, _("rewriting encrypted values"),
		    err);
	return RS_OK;
}

/* Every row from the reader, resealed into the one COPY.  Our connection
 * does not block: while libpq sends one chunk, the next is read and
 * resealed, so the server never waits for the crypto nor we for its
 * inserts (blocking sends left both sides half idle). */
static int direct_stream(rewrite_run *w, rs_error *err)
{
	int rc = RS_OK, len = 0, sending = 0;
	char *msg;

	while (rc == RS_OK && !(w->done && w->copy.len == 0 && sending == 0)) {
		while (rc == RS_OK && !w->done && w->copy.len < REWRITE_FLUSH &&
		    (len = pq.PQgetCopyData(w->reader, &msg, 1)) > 0)
			rc = direct_message(w, msg, len, err);
		if (len < 0)
			w->done = true;
		if (rc != RS_OK)
			break;
		if (w->copy.len > 0 && sending == 0 &&
		    (w->done || w->copy.len >= REWRITE_FLUSH)) {
			if (pq.PQputCopyData(w->s->conn,
			    (const char *)w->copy.data, (int)w->copy.len) != 1)
				return pg_fail(w->s, NULL,
				    _("rewriting encrypted values"), err);
			w->copy.len = 0;
			sending = pq.PQflush(w->s->conn);
			if (sending < 0)
				return pg_fail(w->s, NULL,
				    _("rewriting encrypted values"), err);
			continue;
		}
		if (w->done && w->copy.len == 0 && sending == 0)
			break;
		rc = direct_wait(w, !w->done && w->copy.len < REWRITE_FLUSH,
		    &sending, err);
	}
	w->total += w->rows;
	w->rows = 0;
	return rc;
}

static int direct_rewrite(rewrite_run *w, rs_error *err)
{
	uint64_t deleted = 0;
	int rc = direct_delete_send(w, err);

	if (rc == RS_OK) {
		rc = reader_open(w, w->s->cfg, err);
		/* Even after a failure: the connection must be idle. */
		rc = copy_finish(w->s, rc, _("rewriting encrypted values"),
		    &deleted, err);
	}
	if (rc == RS_OK)
		rc = copy_begin(w, err);
	if (rc == RS_OK) {
		rc = copy_reset(w, err);
		if (rc == RS_OK && pq.PQsetnonblocking(w->s->conn, 1) != 0)
			rc = pg_fail(w->s, NULL, _("rewriting encrypted values"),
			    err);
		if (rc == RS_OK)
			rc = direct_stream(w, err);
		/* Blocking again (libpq sends what it still holds first). */
		if (pq.PQsetnonblocking(w->s->conn, 0) != 0 && rc == RS_OK)
			rc = pg_fail(w->s, NULL, _("rewriting encrypted values"),
			    err);
		rc = direct_end(w, rc, deleted, err);
	}
	if (w->reader != NULL)
		rc = reader_close(w, rc, err);
	if (rc == RS_OK && w->batch_done && w->cells > 0)
		rc = w->batch_done(w->arg, w->cells, err);
	free(w->copy.data);
	return rc;
}

static int pg_content_rewrite(rs_store *base, int table,
    rs_cell_rewrite_fn fn, rs_rewrite_batch_fn batch_done, void *arg,
    rs_error *err)
{
	rewrite_run w = { .s = pg(base), .table = table, .fn = fn,
	    .batch_done = batch_done, .arg = arg };
	char sql[96];
	int rc;

	if (table < 0 || table >= RS_TABLE_COUNT)
		return rs_err(err, RS_ERR_INTERNAL, _("no content table %d"), table);
	w.ncells = rs_content_info(table)->ncells;
	rc = direct_allowed(&w, &w.direct, err);
	if (rc == RS_OK && w.direct)
		return direct_rewrite(&w, err);
	if (rc == RS_OK)
		rc = temp_create(&w, err);
	if (rc == RS_OK)
		rc = reader_open(&w, w.s->cfg, err);
	if (rc == RS_OK)
		rc = copy_reset(&w, err);
	while (rc == RS_OK && (!w.done || w.rows > 0)) {
		rc = rewrite_batch(&w, err);
		if (rc == RS_OK && w.batch_done)
			rc = w.batch_done(w.arg, w.applied, err);
	}
	if (w.reader != NULL)
		rc = reader_close(&w, rc, err);
	/* Dropped now, so that a second rewrite in this transaction can make
	 * it again; ON COMMIT DROP or the rollback on an error.  jit: the
	 * UPDATEs are too short for it to pay (100 ms a plan). */
	snprintf(sql, sizeof sql, "DROP TABLE %s; RESET jit", w.temp);
	if (rc == RS_OK)
		rc = exec_sql(w.s, sql, _("rewriting encrypted values"), err);
	free(w.copy.data);
	return rc;
}

/* ---- service heartbeats (rsserverd) ----
 * Made on the first heartbeat, as on SQLite, so older databases need no
 * migration.  Members on other hosts write theirs to the same table. */

#define PG_HEARTBEAT_COLUMNS "installation_id, last_seen, pid, host, " \
	"version, state, reason, beat_interval"

static int pg_exec_args(rs_store_pg *s, const char *sql, const pg_args *a,
    const char *what, PGresult **out, rs_error *err)
{
	PGresult *res = pq.PQexecParams(s->conn, sql, a ? a->n : 0, NULL,
	    a ? a->value : NULL, a ? a->length : NULL, a ? a->format : NULL, 1);
	ExecStatusType st = pq.PQresultStatus(res);
	int rc = RS_OK;

	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		rc = pg_fail(s, res, what, err);
		pq.PQclear(res);
		res = NULL;
	}
	if (out)
		*out = res;
	else
		pq.PQclear(res);
	return rc;
}

/* Whether the heartbeats table exists and has the key generation column,
 * asked of the catalog: a failed statement would abort the transaction. */
static int pg_heartbeat_shape(rs_store_pg *s, bool *table, bool *has,
    rs_error *err)
{
	PGresult *res = NULL;
	int rc = pg_exec_args(s, "SELECT to_regclass('heartbeats') IS NOT NULL, "
	    "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
	    "to_regclass('heartbeats') AND attname = 'key_generation' AND NOT "
	    "attisdropped)", NULL, _("reading the heartbeats"), &res, err);

	if (rc != RS_OK)
		return rc;
	if (table)
		*table = pq.PQntuples(res) == 1 && pq.PQgetlength(res, 0, 0) == 1
		    && pq.PQgetvalue(res, 0, 0)[0] == 1;
	*has = pq.PQntuples(res) == 1 && pq.PQgetlength(res, 0, 1) == 1 &&
	    pq.PQgetvalue(res, 0, 1)[0] == 1;
	pq.PQclear(res);
	return RS_OK;
}

static int pg_heartbeat_put(rs_store *base, const rs_heartbeat *hb,
    rs_error *err)
{
	rs_store_pg *s = pg(base);
	pg_args a = { 0 };
	bool has = false;
	int rc = exec_sql(s, "CREATE TABLE IF NOT EXISTS heartbeats ("
	    " installation_id TEXT PRIMARY KEY, last_seen BIGINT NOT NULL,"
	    " pid BIGINT NOT NULL, host TEXT NOT NULL, version TEXT NOT NULL,"
	    " state TEXT NOT NULL, reason TEXT NOT NULL,"
	    " beat_interval BIGINT NOT NULL, key_generation BIGINT NOT NULL"
	    " DEFAULT 0)", _("recording a heartbeat"), err);

	if (rc == RS_OK)
		rc = pg_heartbeat_shape(s, NULL, &has, err);
	/* A table made before the column (issue 14): add it once. */
	if (rc == RS_OK && !has)
		rc = exec_sql(s, "ALTER TABLE heartbeats ADD COLUMN IF NOT EXISTS "
		    "key_generation BIGINT NOT NULL DEFAULT 0",
		    _("recording a heartbeat"), err);
	if (rc != RS_OK)
		return rc;
	arg_text(&a, hb->installation_id);
	arg_i64(&a, hb->last_seen);
	arg_i64(&a, hb->pid);
	arg_text(&a, hb->host);
	arg_text(&a, hb->version);
	arg_text(&a, hb->state);
	arg_text(&a, hb->reason);
	arg_i64(&a, hb->interval);
	arg_i64(&a, hb->key_generation);
	return pg_exec_args(s, "INSERT INTO heartbeats (" PG_HEARTBEAT_COLUMNS
	    ", key_generation) VALUES ($1::text, $2::bigint, $3::bigint, "
	    "$4::text, $5::text, $6::text, $7::text, $8::bigint, $9::bigint) "
	    "ON CONFLICT (installation_id) DO "
	    "UPDATE SET last_seen = excluded.last_seen, pid = excluded.pid, "
	    "host = excluded.host, version = excluded.version, state = "
	    "excluded.state, reason = excluded.reason, beat_interval = "
	    "excluded.beat_interval, key_generation = excluded.key_generation",
	    &a, _("recording a heartbeat"), NULL, err);
}

static int pg_heartbeat_list(rs_store *base, rs_heartbeat **out, size_t *n,
    rs_error *err)
{
	rs_store_pg *s = pg(base);
	PGresult *res = NULL;
	bool table = false, has = false;
	int rc, rows;

	*out = NULL;
	*n = 0;
	/* No table yet means no service ever ran; ask first, since a failed
	 * statement would abort the caller's transaction. */
	rc = pg_heartbeat_shape(s, &table, &has, err);
	if (rc != RS_OK || !table)
		return rc;
	rc = pg_exec_args(s, has ? "SELECT " PG_HEARTBEAT_COLUMNS
	    ", key_generation FROM heartbeats" : "SELECT " PG_HEARTBEAT_COLUMNS
	    ", 0::bigint FROM heartbeats", NULL, _("reading the heartbeats"),
	    &res, err);
	if (rc != RS_OK)
		return rc;
	rows = pq.PQntuples(res);
	*out = calloc(rows ? (size_t)rows : 1, sizeof **out);
	if (*out == NULL) {
		pq.PQclear(res);
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	}
	for (int i = 0; i < rows; i++) {
		rs_heartbeat *hb = &(*out)[i];

		get_text(hb->installation_id, sizeof hb->installation_id, res, i, 0);
		hb->last_seen = get_i64(res, i, 1);
		hb->pid = get_i64(res, i, 2);
		get_text(hb->host, sizeof hb->host, res, i, 3);
		get_text(hb->version, sizeof hb->version, res, i, 4);
		get_text(hb->state, sizeof hb->state, res, i, 5);
		get_text(hb->reason, sizeof hb->reason, res, i, 6);
		hb->interval = get_i64(res, i, 7);
		hb->key_generation = get_i64(res, i, 8);
	}
	*n = (size_t)rows;
	pq.PQclear(res);
	return RS_OK;
}

static const char *pg_describe(rs_store *base)
{
	return pg(base)->description;
}

static const rs_store_ops pg_ops = {
	.close = pg_close,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.admin_lock = pg_admin_lock,
	.admin_unlock = pg_admin_unlock,
	.database_id = pg_database_id,
	.keyinfo_get = pg_keyinfo_get,
	.keyinfo_put = pg_keyinfo_put,
	.member_get = pg_member_get,
	.member_put = pg_member_put,
	.member_delete = pg_member_delete,
	.member_each = pg_member_each,
	.member_list = pg_member_list,
	.member_count = pg_member_count,
	.content_count = pg_content_count,
	.content_span = pg_content_span,
	.content_next = pg_content_next,
	.content_update = pg_content_update,
	.content_insert = pg_content_insert,
	.content_rewrite = pg_content_rewrite,
	.heartbeat_put = pg_heartbeat_put,
	.heartbeat_list = pg_heartbeat_list,
	.content_clear = pg_content_clear,
	.describe = pg_describe,
	.content_scan = pg_content_scan,
	.content_import = pg_content_import,
	.database_id_set = pg_database_id_set,
};

int rs_store_pg_open(const rs_config *cfg, bool create, rs_store **out,
    rs_error *err)
{
	rs_store_pg *s;
	int rc;

	*out = NULL;
	rc = pq_require(cfg, err);
	if (rc != RS_OK)
		return rc;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	s->base.ops = &pg_ops;
	snprintf(s->machine, sizeof s->machine, "%s", cfg->machine);
	snprintf(s->description, sizeof s->description, "PostgreSQL");
	s->cfg = malloc(sizeof *s->cfg);
	if (s->cfg == NULL) {
		free(s);
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	}
	memcpy(s->cfg, cfg, sizeof *cfg);
	rc = pg_connect(s, cfg, err);
	if (rc == RS_OK)
		rc = check_schema(s, create, err);
	if (rc != RS_OK) {
		pg_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return RS_OK;
}
