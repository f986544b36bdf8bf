/* SPDX-License-Identifier: ISC */
/* ops_migrate.c: move an SQLite deployment to PostgreSQL.
 *
 * Nothing is decrypted to be copied: members with their wrapped copies, the
 * key metadata, the database ID and every row with its id and ciphertexts
 * go over as they are.  A value's AEAD place is (table, row id, column,
 * generation), and all four are kept, so every value still opens.  That is
 * then checked through the new backend with this instance's key before the
 * config is rewritten; the SQLite file is only read, in a transaction that
 * keeps other admins out and is rolled back. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include "ops_internal.h"

typedef struct migrate_run {
	rs_ctx *ctx;
	rs_store *target;
	rs_progress_fn progress;
	void *arg;
	uint64_t done, total;
	rs_content_batch batch;
	rs_migrate_result *res;
} migrate_run;

static uint64_t batch_values(const rs_content_batch *b)
{
	uint64_t n = 0;

	for (size_t i = 0; i < b->count; i++)
		for (int c = 0; c < RS_MAX_CELLS; c++)
			n += b->rows[i].cell[c] != NULL;
	return n;
}

static int copy_table(migrate_run *m, int table, rs_error *err)
{
	rs_store *src = m->ctx->store;
	int64_t after = INT64_MIN;
	int rc;

	for (;;) {
		rc = src->ops->content_scan(src, table, after, &m->batch, err);
		if (rc != RS_OK || m->batch.count == 0)
			return rc;
		rc = m->target->ops->content_import(m->target, table, &m->batch,
		    err);
		if (rc != RS_OK)
			return rc;
		m->res->rows += m->batch.count;
		m->done += batch_values(&m->batch);
		if (m->progress && m->progress(m->arg, m->done, m->total) != 0)
			return rs_err(err, RS_ERR_CANCELLED, _("Cancelled; the "
			    "configuration still points at the SQLite database."));
		after = m->batch.rows[m->batch.count - 1].id;
	}
}

static int copy_members(migrate_run *m, rs_error *err)
{
	rs_member *list = NULL;
	size_t n = 0;
	int rc = m->ctx->store->ops->member_list(m->ctx->store, &list, &n, err);

	for (size_t i = 0; rc == RS_OK && i < n; i++)
		rc = m->target->ops->member_put(m->target, &list[i], err);
	if (rc == RS_OK)
		m->res->members = n;
	rs_members_free(list, n);
	return rc;
}

static int copy_all(migrate_run *m, const char *id, rs_error *err)
{
	rs_keyinfo info;
	int rc = m->target->ops->database_id_set(m->target, id, err);

	if (rc == RS_OK)
		rc = m->ctx->store->ops->keyinfo_get(m->ctx->store, &info, err);
	if (rc == RS_OK && info.present)
		rc = m->target->ops->keyinfo_put(m->target, &info, err);
	if (rc == RS_OK)
		rc = copy_members(m, err);
	for (int t = 0; rc == RS_OK && t < RS_TABLE_COUNT; t++)
		rc = copy_table(m, t, err);
	return rc;
}

/* An empty target is filled; one that already holds this database (another
 * member moved first) is only checked; anything else is refused. */
static int target_state(migrate_run *m, const char *id, bool *empty,
    rs_error *err)
{
	char tid[RS_ID_LEN + 1];
	rs_keyinfo info;
	rs_member *list = NULL;
	size_t n = 0;
	uint64_t cells[RS_TABLE_COUNT][RS_MAX_CELLS];
	rs_store *t = m->target;
	int rc = t->ops->database_id(t, tid, err);

	if (rc == RS_OK)
		rc = t->ops->keyinfo_get(t, &info, err);
	if (rc == RS_OK)
		rc = t->ops->member_list(t, &list, &n, err);
	rs_members_free(list, n);
	if (rc == RS_OK)
		rc = t->ops->content_count(t, cells, err);
	if (rc != RS_OK)
		return rc;
	*empty = !info.present && n == 0 && ops_count_values(cells) == 0;
	if (*empty || (strcmp(tid, id) == 0 && info.present))
		return RS_OK;
	return rs_err(err, RS_ERR_EXISTS, _("%s already holds another report "
	    "server database (ID %s); migrate into an empty database."),
	    t->ops->describe(t), tid);
}

/* Copies inside one transaction on each side. */
static int migrate_copy(migrate_run *m, rs_error *err)
{
	rs_store *src = m->ctx->store, *t = m->target;
	uint64_t cells[RS_TABLE_COUNT][RS_MAX_CELLS];
	char id[RS_ID_LEN + 1];
	bool empty = false;
	int rc = ops_begin(m->ctx, "migrate", err);

	if (rc != RS_OK)
		return rc;
	rc = t->ops->admin_lock(t, "migrate", err);
	if (rc == RS_OK) {
		rc = rs_store_begin(t, err);
		if (rc == RS_OK)
			rc = src->ops->database_id(src, id, err);
		if (rc == RS_OK)
			rc = src->ops->content_count(src, cells, err);
		m->total = ops_count_values(cells);
		if (rc == RS_OK)
			rc = target_state(m, id, &empty, err);
		if (rc == RS_OK && empty)
			rc = copy_all(m, id, err);
		m->res->copied = rc == RS_OK && empty;
		if (rc == RS_OK)
			rc = rs_store_commit(t, err);
		if (rc != RS_OK)
			rs_store_rollback(t);
		t->ops->admin_unlock(t);
	}
	/* The source was only read: roll back, so not a byte of it changes. */
	rs_store_rollback(src);
	src->ops->admin_unlock(src);
	return rc;
}

/* Opens every value through the new backend, as the instance would. */
static int migrate_verify(migrate_run *m, const rs_config *tcfg,
    rs_error *err)
{
	rs_ctx view = *m->ctx;
	rs_verify_result v;
	int rc;

	view.cfg = *tcfg;
	view.store = m->target;
	rc = rs_op_verify(&view, m->progress, m->arg, &v, err);
	m->res->values = v.ok;
	if (rc == RS_OK && v.checked != m->total)
		rc = rs_err(err, RS_ERR_FAILED, _("%s holds %llu values, the SQLite "
		    "database %llu; the configuration was not changed."),
		    m->target->ops->describe(m->target),
		    (unsigned long long)v.checked, (unsigned long long)m->total);
	return rc;
}

static int migrate_target_config(rs_ctx *ctx, const char *connection,
    const char *pgpassfile, rs_config *tcfg, rs_error *err)
{
	int rc = rs_config_check_connection(connection, err);

	if (rc != RS_OK)
		return rc;
	if (rs_config_is_postgresql(&ctx->cfg))
		return rs_err(err, RS_ERR_STATE, _("This instance already uses "
		    "PostgreSQL (%s)."), rs_ctx_store_description(ctx));
	*tcfg = ctx->cfg;
	snprintf(tcfg->backend, sizeof tcfg->backend, RS_BACKEND_POSTGRESQL);
	if (snprintf(tcfg->connection, sizeof tcfg->connection, "%s",
	    connection) >= (int)sizeof tcfg->connection)
		return rs_err(err, RS_ERR_USAGE, _("the connection string is too "
		    "long"));
	snprintf(tcfg->pgpassfile, sizeof tcfg->pgpassfile, "%s",
	    pgpassfile ? pgpassfile : "");
	/* database stays: on PostgreSQL it keeps the audit log where it was. */
	tcfg->database_implicit = false;
	return RS_OK;
}

static int migrate_run_all(migrate_run *m, const char *connection,
    const char *pgpassfile, rs_error *err)
{
	rs_ctx *ctx = m->ctx;
	rs_config tcfg;
	int rc = migrate_target_config(ctx, connection, pgpassfile, &tcfg, err);

	if (rc == RS_OK)
		rc = rs_store_open(&tcfg, true, &m->target, err);
	if (rc == RS_OK) {
		snprintf(m->res->target, sizeof m->res->target, "%s",
		    m->target->ops->describe(m->target));
		rc = migrate_copy(m, err);
	}
	if (rc == RS_OK) {
		if (m->res->copied)
			ops_step(ctx, RS_STEP_OK, _("Copied %llu rows and %llu members "
			    "to %s"), (unsigned long long)m->res->rows,
			    (unsigned long long)m->res->members, m->res->target);
		else
			ops_step(ctx, RS_STEP_OK, _("%s already holds this database; "
			    "nothing copied"), m->res->target);
		rc = migrate_verify(m, &tcfg, err);
	}
	if (rc == RS_OK)
		rc = rs_config_save(&tcfg, ctx->cfg.path, err);
	if (rc == RS_OK) {
		/* From now on this context works on the new database. */
		rs_store_close(ctx->store);
		ctx->store = m->target;
		m->target = NULL;
		ctx->cfg = tcfg;
		ops_step(ctx, RS_STEP_OK, _("%s now uses %s"), ctx->cfg.path,
		    m->res->target);
	}
	return rc;
}

int rs_op_migrate(rs_ctx *ctx, const char *connection, const char *pgpassfile,
    rs_progress_fn progress, void *arg, rs_migrate_result *res,
    rs_error *err)
{
	rs_migrate_result local;
	migrate_run m = { .ctx = ctx, .progress = progress, .arg = arg };
	int rc;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof *res);
	m.res = res;
	if ((rc = ops_audit_begin(ctx, "migrate", "", err)) != RS_OK)
		return rc;
	rc = migrate_run_all(&m, connection ? connection : "", pgpassfile, err);
	rs_store_close(m.target);
	rs_content_batch_free(&m.batch);
	return ops_conclude(ctx, "migrate", res->target, rc, err);
}
