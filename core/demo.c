/* SPDX-License-Identifier: ISC */
/* demo.c: a ready demo deployment without root (see demo.h). */
#include <config.h>

#include <errno.h>
#include <dirent.h>
#include <stdint.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/rand.h>
#include "ops_internal.h"
#include "secret.h"

/* The folders above the demo's, as mkdir -p makes them (mode 0777 less
 * the umask); one that exists is fine, the demo's own mkdir reports the
 * rest. */
static void parents_make(const char *dir)
{
	char p[PATH_MAX];
	char *s;

	if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
		return;
	for (s = p + 1; (s = strchr(s, '/')) != NULL && s[1] != '\0'; s++) {
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			return;
		*s = '/';
	}
}

static int dir_prepare(const char *dir, rs_error *err)
{
	DIR *d;
	struct dirent *e;

	parents_make(dir);
	if (mkdir(dir, 0700) == 0)
		return RS_OK;
	if (errno != EEXIST)
		return rs_err(err, RS_ERR_IO, _("cannot create %s: %s"), dir,
		    strerror(errno));
	d = opendir(dir);
	if (d == NULL)
		return rs_err(err, RS_ERR_IO, _("cannot open %s: %s"), dir,
		    strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			break;
	closedir(d);
	if (e != NULL)
		return rs_err(err, RS_ERR_EXISTS, _("%s is not empty; choose a new "
		    "folder for the demo."), dir);
	return RS_OK;
}

static int member_config(const char *dir, unsigned i,
    const rs_demo_options *opt, rs_config *cfg, rs_error *err)
{
	char member_dir[PATH_MAX];
	struct passwd *pw = getpwuid(geteuid());
	int rc;

	memset(cfg, 0, sizeof *cfg);
	if (snprintf(member_dir, sizeof member_dir, "%s/member%u", dir, i) >=
	    (int)sizeof member_dir - 32)
		return rs_err(err, RS_ERR_USAGE, _("%s: path too long"), dir);
	if (mkdir(member_dir, 0700) != 0)
		return rs_err(err, RS_ERR_IO, _("cannot create %s: %s"),
		    member_dir, strerror(errno));
	rc = rs_uuid_generate(cfg->installation_id, err);
	if (rc != RS_OK)
		return rc;
	if (gethostname(cfg->machine, sizeof cfg->machine) != 0)
		snprintf(cfg->machine, sizeof cfg->machine, "localhost");
	cfg->machine[sizeof cfg->machine - 1] = '\0';
	snprintf(cfg->instance, sizeof cfg->instance, "RSDEMO%u", i);
	snprintf(cfg->database, sizeof cfg->database, "../reportserver.db");
	if (opt->postgres != NULL) {
		snprintf(cfg->backend, sizeof cfg->backend, RS_BACKEND_POSTGRESQL);
		snprintf(cfg->connection, sizeof cfg->connection, "%s",
		    opt->postgres);
		/* database stays: it places the audit log, shared by the demo's
		 * members as on SQLite. */
	}
	snprintf(cfg->keystore, sizeof cfg->keystore, "keys");
	/* Everything stays in the demo folder, not in /run and /var/log. */
	snprintf(cfg->runtime, sizeof cfg->runtime, "keys.run");
	snprintf(cfg->audit_log, sizeof cfg->audit_log,
	    "../reportserver.db-audit.log");
	snprintf(cfg->service_account, sizeof cfg->service_account, "%s",
	    pw ? pw->pw_name : "root");
	if (snprintf(cfg->path, sizeof cfg->path, "%s/rsreportserver.conf",
	    member_dir) >= (int)sizeof cfg->path)
		return rs_err(err, RS_ERR_USAGE, _("%s: path too long"), dir);
	return rs_config_save(cfg, cfg->path, err);
}

/* The first member must make the key: a database that already has one
 * (a shared PostgreSQL database in use) is not for a demo. */
static int member_init(const char *path, bool first, rs_ctx **ctx,
    rs_error *err)
{
	rs_init_result res;
	int rc = rs_ctx_open_for_init(path, ctx, err);

	if (rc == RS_OK)
		rc = rs_op_init(*ctx, &res, err);
	if (rc == RS_OK && first && !res.created_key)
		rc = rs_err(err, RS_ERR_EXISTS, _("%s already holds a report "
		    "server database; give the demo an empty database."),
		    rs_ctx_store_description(*ctx));
	return rc;
}

/* ---- sample content ----
 *
 * Two threads, as in a key change: a worker makes and seals the values of
 * the next chunk of rows while this thread inserts the previous chunk, each
 * row whole in one INSERT (an empty row grown by an UPDATE costs twice).
 * The database is fresh, so the rows get ids 1, 2, ... of each table up
 * front: the id is part of every value's AEAD place. */

static const char *const databases[] = {
	"AdventureWorks", "Sales", "Finance", "HR", "Inventory", "Marketing",
	"Logistics", "Support",
};
#define NDATABASES (sizeof databases / sizeof databases[0])
#define PLAIN_MAX 384
#define SEALED_MAX (PLAIN_MAX + RS_SEAL_OVERHEAD)
#define RANDOM_POOL 4096

/* One chunk: up to RS_BATCH_ROWS rows, split by table. */
typedef struct demo_chunk {
	bool ready, last;
	int rc;
	rs_error err;
	uint64_t values;           /* in this chunk */
	rs_content_batch batch[RS_TABLE_COUNT];
	unsigned char sealed[RS_TABLE_COUNT][RS_BATCH_ROWS][RS_MAX_CELLS]
	    [SEALED_MAX];
} demo_chunk;

/* The worker's state; the secrets (plain texts, random pool) are in
 * locked memory. */
typedef struct demo_secrets {
	char plain[RS_MAX_CELLS][PLAIN_MAX];
	unsigned char pool[RANDOM_POOL];
	size_t pool_used;
} demo_secrets;

typedef struct demo_filler {
	rs_aead *aead;
	demo_secrets *sec;
	uint64_t want, made;       /* values asked for, values made */
	uint64_t n;                /* next sample row */
	int64_t next_id[RS_TABLE_COUNT];
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	bool stop;
	demo_chunk *chunk[2];
} demo_filler;

/* RAND_bytes once per row costs a getpid() and a lock each time: draw the
 * fake passwords' bytes a pool at a time. */
static int fake_secret(demo_secrets *sec, char *out, size_t size)
{
	static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+";
	size_t len = size - 1 < 16 ? size - 1 : 16;

	if (sec->pool_used == 0 || sec->pool_used + len > sizeof sec->pool) {
		if (RAND_bytes(sec->pool, sizeof sec->pool) != 1)
			return -1;
		sec->pool_used = 0;
	}
	for (size_t i = 0; i < len; i++)
		out[i] = set[sec->pool[sec->pool_used + i] % (sizeof set - 1)];
	out[len] = '\0';
	rs_wipe(sec->pool + sec->pool_used, len);
	sec->pool_used += len;
	return 0;
}

static int seal_row(demo_filler *f, demo_chunk *ch, int table, int ncells)
{
	const rs_content_table_info *ti = rs_content_info(table);
	rs_content_batch *b = &ch->batch[table];
	rs_content_row *row = &b->rows[b->count];
	int rc = RS_OK;

	row->id = f->next_id[table]++;
	for (int c = 0; rc == RS_OK && c < ncells; c++) {
		rs_value_place place = { ti->table, row->id, ti->columns[c],
		    row->name };

		row->cell[c] = ch->sealed[table][b->count][c];
		rc = rs_aead_seal(f->aead, &place,
		    (unsigned char *)f->sec->plain[c], strlen(f->sec->plain[c]),
		    ch->sealed[table][b->count][c], &row->cell_len[c], &ch->err);
		rs_wipe(f->sec->plain[c], sizeof f->sec->plain[c]);
	}
	for (int c = ncells; c < RS_MAX_CELLS; c++) {
		row->cell[c] = NULL;
		row->cell_len[c] = 0;
	}
	b->count++;
	return rc;
}

/* The chunk's next row of table and a fake secret for it; NULL when the
 * random generator failed (the chunk holds the error). */
static rs_content_row *next_row(demo_filler *f, demo_chunk *ch, int table,
    char *secret, size_t size)
{
	rs_content_batch *b = &ch->batch[table];

	if (fake_secret(f->sec, secret, size) != 0) {
		rs_err(&ch->err, RS_ERR_CRYPTO, _("cannot encrypt a value: the "
		    "random generator failed"));
		return NULL;
	}
	return &b->rows[b->count];
}

static int add_datasource(demo_filler *f, demo_chunk *ch, uint64_t n)
{
	const char *db = databases[n % NDATABASES];
	char secret[32];
	rs_content_row *row = next_row(f, ch, RS_TABLE_DATASOURCES, secret,
	    sizeof secret);

	if (row == NULL)
		return ch->err.code;
	snprintf(row->name, sizeof row->name, "/Data Sources/%s-%llu", db,
	    (unsigned long long)n);
	snprintf(f->sec->plain[0], PLAIN_MAX, "Data Source=sql%02llu.contoso."
	    "local;Initial Catalog=%s;Encrypt=True;Application Name=Reporting",
	    (unsigned long long)(n % 17), db);
	snprintf(f->sec->plain[1], PLAIN_MAX, "username=CONTOSO\\svc_%s\n"
	    "password=%s", db, secret);
	rs_wipe(secret, sizeof secret);
	return seal_row(f, ch, RS_TABLE_DATASOURCES, 2);
}

static int add_subscription(demo_filler *f, demo_chunk *ch, uint64_t n)
{
	const char *db = databases[n % NDATABASES];
	char secret[32];
	rs_content_row *row = next_row(f, ch, RS_TABLE_SUBSCRIPTIONS, secret,
	    sizeof secret);

	if (row == NULL)
		return ch->err.code;
	snprintf(row->name, sizeof row->name, "Monthly %s report #%llu", db,
	    (unsigned long long)n);
	snprintf(f->sec->plain[0], PLAIN_MAX, "extension=Report Server "
	    "FileShare\npath=\\\\fs01.contoso.local\\reports\\%s\n"
	    "username=CONTOSO\\svc_files\npassword=%s", db, secret);
	rs_wipe(secret, sizeof secret);
	return seal_row(f, ch, RS_TABLE_SUBSCRIPTIONS, 1);
}

/* Worker: the next RS_BATCH_ROWS sample rows.  Two of every three rows
 * are data sources (two values each), the rest subscriptions (one value);
 * the last row is a subscription when one value is left. */
static int chunk_fill(demo_filler *f, demo_chunk *ch)
{
	int rc = RS_OK;

	ch->values = 0;
	for (int t = 0; t < RS_TABLE_COUNT; t++)
		ch->batch[t].count = 0;
	for (int i = 0; rc == RS_OK && i < RS_BATCH_ROWS && f->made < f->want;
	    i++, f->n++) {
		bool subscription = f->n % 3 == 2 || f->want - f->made < 2;

		rc = subscription ? add_subscription(f, ch, f->n)
		    : add_datasource(f, ch, f->n);
		ch->values += subscription ? 1 : 2;
		f->made += subscription ? 1 : 2;
	}
	ch->last = rc == RS_OK && ch->values == 0;
	return rc;
}

static void *fill_worker(void *p)
{
	demo_filler *f = p;

	for (unsigned k = 0;; k++) {
		demo_chunk *ch = f->chunk[k % 2];

		pthread_mutex_lock(&f->mutex);
		while (ch->ready && !f->stop)
			pthread_cond_wait(&f->cond, &f->mutex);
		pthread_mutex_unlock(&f->mutex);
		if (f->stop)
			break;
		ch->rc = chunk_fill(f, ch);
		pthread_mutex_lock(&f->mutex);
		ch->ready = true;
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->mutex);
		if (ch->rc != RS_OK || ch->last)
			break;
	}
	return NULL;
}

/* This thread: writes the chunks in order as the worker makes them. */
static int fill_write(rs_ctx *ctx, demo_filler *f, const rs_demo_options *opt,
    rs_demo_result *res, rs_error *err)
{
	int rc = RS_OK;

	for (unsigned k = 0; rc == RS_OK; k++) {
		demo_chunk *ch = f->chunk[k % 2];

		pthread_mutex_lock(&f->mutex);
		while (!ch->ready)
			pthread_cond_wait(&f->cond, &f->mutex);
		pthread_mutex_unlock(&f->mutex);
		if (ch->rc != RS_OK)
			return rs_err(err, ch->rc, "%s", ch->err.message);
		if (ch->last)
			break;
		for (int t = 0; rc == RS_OK && t < RS_TABLE_COUNT; t++)
			if (ch->batch[t].count > 0)
				rc = ctx->store->ops->content_import(ctx->store, t,
				    &ch->batch[t], err);
		res->values += ch->values;
		pthread_mutex_lock(&f->mutex);
		ch->ready = false;
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->mutex);
		if (rc == RS_OK && opt->progress &&
		    opt->progress(opt->progress_arg, res->values, opt->values))
			rc = rs_err(err, RS_ERR_CANCELLED, _("Cancelled."));
	}
	return rc;
}

/* The ids start at 1: a table that has rows already is not a demo's. */
static int content_empty(rs_ctx *ctx, demo_filler *f, rs_error *err)
{
	rs_content_batch *b = &f->chunk[0]->batch[0];
	int rc = RS_OK;

	for (int t = 0; rc == RS_OK && t < RS_TABLE_COUNT; t++) {
		rc = ctx->store->ops->content_scan(ctx->store, t, INT64_MIN, b,
		    err);
		if (rc == RS_OK && b->count > 0)
			rc = rs_err(err, RS_ERR_EXISTS, _("%s already holds a report "
			    "server database; give the demo an empty database."),
			    rs_ctx_store_description(ctx));
		f->next_id[t] = 1;
	}
	rs_content_batch_free(b);
	b->count = 0;
	return rc;
}

static int fill_run(rs_ctx *ctx, demo_filler *f, const rs_demo_options *opt,
    rs_demo_result *res, rs_error *err)
{
	pthread_t thread;
	int rc = content_empty(ctx, f, err);

	if (rc != RS_OK)
		return rc;
	pthread_mutex_init(&f->mutex, NULL);
	pthread_cond_init(&f->cond, NULL);
	if (pthread_create(&thread, NULL, fill_worker, f) != 0)
		rc = rs_err(err, RS_ERR_INTERNAL, _("cannot start a thread"));
	else {
		rc = fill_write(ctx, f, opt, res, err);
		pthread_mutex_lock(&f->mutex);
		f->stop = true;
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->mutex);
		pthread_join(thread, NULL);
	}
	pthread_mutex_destroy(&f->mutex);
	pthread_cond_destroy(&f->cond);
	return rc;
}

static int fill_content(rs_ctx *ctx, const rs_demo_options *opt,
    rs_demo_result *res, rs_error *err)
{
	demo_filler f = { .want = opt->values };
	ops_unlocked u;
	int rc;

	f.sec = rs_secret_alloc(sizeof *f.sec);
	f.chunk[0] = calloc(1, sizeof *f.chunk[0]);
	f.chunk[1] = calloc(1, sizeof *f.chunk[1]);
	rc = f.sec && f.chunk[0] && f.chunk[1] ? ops_unlock(ctx, &u, NULL, err)
	    : rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	if (rc == RS_OK) {
		f.aead = rs_aead_new(u.key, u.info.generation, u.database_id, err);
		rc = f.aead ? ops_begin(ctx, "demo", err) : RS_ERR_CRYPTO;
		if (rc == RS_OK)
			rc = ops_finish(ctx, fill_run(ctx, &f, opt, res, err), err);
		rs_aead_free(f.aead);
		ops_unlocked_free(&u);
	}
	rs_secret_free(f.sec, sizeof *f.sec);
	free(f.chunk[0]);
	free(f.chunk[1]);
	return rc;
}

static int create_members(const char *dir, const rs_demo_options *opt,
    rs_demo_result *res, rs_error *err)
{
	rs_config cfg;
	rs_ctx *first = NULL, *other = NULL;
	int rc = RS_OK;

	for (unsigned i = 1; rc == RS_OK && i <= opt->members; i++) {
		rc = member_config(dir, i, opt, &cfg, err);
		if (rc == RS_OK)
			rc = member_init(cfg.path, i == 1, i == 1 ? &first : &other,
			    err);
		if (rc == RS_OK && i > 1 && i < opt->members)
			rc = rs_op_join(first, cfg.installation_id, err);
		rs_ctx_close(other);
		other = NULL;
		if (i == 1)
			snprintf(res->config_path, sizeof res->config_path, "%s",
			    cfg.path);
		else if (i == opt->members)
			snprintf(res->waiting_config_path,
			    sizeof res->waiting_config_path, "%s", cfg.path);
		res->members = i;
	}
	if (rc == RS_OK)
		rc = fill_content(first, opt, res, err);
	rs_ctx_close(first);
	return rc;
}

int rs_demo_create(const char *dir, const rs_demo_options *opt,
    rs_demo_result *res, rs_error *err)
{
	rs_demo_options defaults = { .values = 1000, .members = 2 };
	char absolute[PATH_MAX];
	int rc;

	memset(res, 0, sizeof *res);
	if (opt == NULL)
		opt = &defaults;
	if (opt->members < 1)
		return rs_err(err, RS_ERR_USAGE, _("A demo needs at least one "
		    "member."));
	rc = dir_prepare(dir, err);
	if (rc != RS_OK)
		return rc;
	if (realpath(dir, absolute) == NULL)
		return rs_err(err, RS_ERR_IO, _("cannot resolve %s: %s"), dir,
		    strerror(errno));
	return create_members(absolute, opt, res, err);
}
