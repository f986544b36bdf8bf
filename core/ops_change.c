/* SPDX-License-Identifier: ISC */
/* ops_change.c: make a new key and re-encrypt every value (doc/ssrs.md,
 * Change).
 *
 * One transaction: the rows are streamed in batches (keyset pagination), each
 * value opened with the old key and sealed with the new one in place, every
 * member's copy replaced, then the key metadata.  Memory holds one batch;
 * a cancel or an error rolls everything back. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ops_internal.h"
#include "secret.h"

/* Buffers reused for every row: plaintext in secret memory. */
typedef struct change_buffers {
	unsigned char *plain;
	size_t plain_cap;
	unsigned char *sealed[RS_MAX_CELLS];
	size_t sealed_cap[RS_MAX_CELLS];
} change_buffers;

static void buffers_free(change_buffers *b)
{
	rs_secret_free(b->plain, b->plain_cap);
	for (int c = 0; c < RS_MAX_CELLS; c++)
		free(b->sealed[c]);
	memset(b, 0, sizeof *b);
}

static int buffers_fit(change_buffers *b, int cell, size_t len, rs_error *err)
{
	if (len > b->plain_cap) {
		size_t cap = len < 4096 ? 4096 : len * 2;

		rs_secret_free(b->plain, b->plain_cap);
		b->plain_cap = 0;
		b->plain = rs_secret_alloc(cap);
		if (b->plain == NULL)
			return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
		b->plain_cap = cap;
	}
	if (len + RS_SEAL_OVERHEAD > b->sealed_cap[cell]) {
		size_t cap = (len + RS_SEAL_OVERHEAD) * 2;
		unsigned char *p = realloc(b->sealed[cell], cap);

		if (p == NULL)
			return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
		b->sealed[cell] = p;
		b->sealed_cap[cell] = cap;
	}
	return RS_OK;
}

typedef struct change_run {
	rs_ctx *ctx;
	rs_aead *old_aead, *new_aead;
	change_buffers buf;
	rs_change_result *res;
	rs_progress_fn progress;
	void *progress_arg;
	uint64_t done, total;
	uint64_t reported;     /* cells the store said it wrote */
	bool force;            /* go ahead while members' services run */
	const rs_reviewed *reviewed;   /* who may get the new key */
	size_t nreviewed;
	char target[512];      /* audited: instances and generations */
} change_run;

static int reseal_value(change_run *run, const rs_content_table_info *ti,
    int64_t id, const char *name, int c, const unsigned char *in,
    size_t len, size_t *out_len, rs_error *err)
{
	rs_value_place place = { ti->table, id, ti->columns[c], name };
	size_t plain_len = 0;
	int status, rc;

	if (len < RS_SEAL_OVERHEAD)
		return rs_err(err, RS_ERR_CRYPTO, _("The %s of %s row %lld is "
		    "damaged. Run rskeymgmt --verify; nothing was changed."),
		    ti->columns[c], ti->table, (long long)id);
	rc = buffers_fit(&run->buf, c, len, err);
	if (rc != RS_OK)
		return rc;
	status = rs_aead_open(run->old_aead, &place, in, len, run->buf.plain,
	    &plain_len, NULL);
	if (status != RS_OPEN_OK)
		return rs_err(err, RS_ERR_CRYPTO, _("The %s of %s row %lld cannot "
		    "be decrypted with the current key (%s), so the key cannot "
		    "be changed; nothing was changed. Run rskeymgmt --verify; "
		    "apply the backup of the key these values were sealed with, "
		    "or delete the key and the unreadable content "
		    "(rskeymgmt --delete)."), ti->columns[c], ti->table,
		    (long long)id, rs_open_status_text(status));
	rc = rs_aead_seal(run->new_aead, &place, run->buf.plain, plain_len,
	    run->buf.sealed[c], out_len, err);
	rs_wipe(run->buf.plain, plain_len);
	run->done++;
	return rc;
}

static int report_progress(change_run *run, uint64_t done, rs_error *err)
{
	if (run->progress && run->progress(run->progress_arg, done,
	    run->total) != 0)
		return rs_err(err, RS_ERR_CANCELLED,
		    _("Cancelled; the key and every value are unchanged."));
	return RS_OK;
}

/* The store calls this for every cell it rewrites. */
static int reseal_in_store(void *arg, int table, int64_t id,
    const char *name, int cell, const unsigned char *in, size_t in_len,
    const unsigned char **out, size_t *out_len, rs_error *err)
{
	change_run *run = arg;
	int rc = reseal_value(run, rs_content_info(table), id, name, cell, in,
	    in_len, out_len, err);

	*out = run->buf.sealed[cell];
	return rc;
}

/* In the caller's thread, after each batch the store wrote. */
static int rewrite_batch_done(void *arg, uint64_t cells, rs_error *err)
{
	change_run *run = arg;

	run->reported += cells;
	return report_progress(run, run->reported, err);
}

/* The store streams the rows and writes them back; every backend can. */
static int reseal_table(change_run *run, int table, rs_error *err)
{
	rs_store *s = run->ctx->store;

	return s->ops->content_rewrite(s, table, reseal_in_store,
	    rewrite_batch_done, run, err);
}

/* Whether member m may get the new key: reviewed by the admin, still with
 * the public key the admin saw, holding a copy of the current generation.
 * Anything else is a row the admin did not approve (issue 14). */
/* The progress bar's total, from the primary keys alone: every row's
 * cells, an upper bound.  Counting the cells that hold a value read every
 * row once more before the change (0.15 s of 1.6 s at 1M values on
 * SQLite, a scan of each table on PostgreSQL); a NULL cell (a deleted
 * value) only makes the bar end with a jump. */
static int progress_total(change_run *run, rs_error *err)
{
	rs_store *s = run->ctx->store;
	uint64_t rows[RS_TABLE_COUNT];
	int rc = s->ops->content_span(s, rows, err);

	run->total = 0;
	for (int t = 0; rc == RS_OK && t < RS_TABLE_COUNT; t++)
		run->total += rows[t] * (uint64_t)rs_content_info(t)->ncells;
	return rc;
}

static bool approved(const change_run *run, const rs_member *m,
    uint32_t old_generation)
{
	const rs_reviewed *r = ops_reviewed_find(run->reviewed, run->nreviewed,
	    m->installation_id);
	char fp[RS_FINGERPRINT_LEN + 1];

	if (r == NULL || m->wrapped_key == NULL ||
	    m->key_generation != old_generation)
		return false;
	rs_public_fingerprint(m->public_key, m->public_key_len, fp);
	return strcmp(fp, r->fingerprint) == 0;
}

static int rewrap_reviewed(change_run *run, const rs_symkey *fresh,
    uint32_t old_generation, uint32_t generation, rs_error *err)
{
	rs_ctx *ctx = run->ctx;
	rs_change_result *res = run->res;
	rs_member *members = NULL;
	size_t n = 0;
	int rc = ctx->store->ops->member_list(ctx->store, &members, &n, err);

	for (size_t i = 0; rc == RS_OK && i < n; i++) {
		rs_member *m = &members[i];

		if (approved(run, m, old_generation)) {
			rc = ops_wrap_for(ctx, m, fresh, generation, err);
			res->members_rewrapped += rc == RS_OK;
		} else if (m->wrapped_key == NULL) {
			res->members_waiting++;
		} else {
			res->members_skipped++;
			ops_step(ctx, RS_STEP_WARNING, _("Did not give the new key "
			    "to %s\\%s (%s): not in the review, another public key, "
			    "or an old key generation; it must join again"),
			    m->machine, m->instance, m->installation_id);
		}
	}
	rs_members_free(members, n);
	return rc;
}

/* Without a review from the face: the candidates as they are now. */
static int reviewed_default(change_run *run, rs_reviewed **own,
    rs_error *err)
{
	size_t n = 0;
	int rc;

	*own = NULL;
	if (run->reviewed != NULL)
		return RS_OK;
	rc = rs_op_change_candidates(run->ctx, own, &n, err);
	run->reviewed = *own;
	run->nreviewed = n;
	return rc;
}

static int change_locked(rs_ctx *ctx, void *arg, rs_error *err)
{
	change_run *run = arg;
	rs_change_result *res = run->res;
	ops_unlocked u;
	rs_symkey *fresh = rs_symkey_new();
	rs_keyinfo info;
	rs_reviewed *own = NULL;
	/* Checked under the admin lock, so the answer holds for the change. */
	int rc = ops_members_check_stopped(ctx, run->force, err);

	if (rc == RS_OK)
		rc = fresh ? ops_unlock(ctx, &u, NULL, err)
		    : rs_err(err, RS_ERR_INTERNAL, _("out of memory"));

	if (rc != RS_OK) {
		rs_symkey_free(fresh);
		return rc;
	}
	info = u.info;
	info.generation = u.info.generation + 1;
	rc = rs_symkey_generate(fresh, err);
	if (rc == RS_OK)
		rc = progress_total(run, err);
	/* Old values of either format open; every value is sealed anew in
	 * the current one, bound to this database and its item. */
	if (rc == RS_OK && (run->old_aead = rs_aead_new(u.key,
	    u.info.generation, u.database_id, err)) == NULL)
		rc = err ? err->code : RS_ERR_CRYPTO;
	if (rc == RS_OK && (run->new_aead = rs_aead_new(fresh,
	    info.generation, u.database_id, err)) == NULL)
		rc = err ? err->code : RS_ERR_CRYPTO;
	if (rc == RS_OK)
		rc = report_progress(run, run->done, err);
	for (int t = 0; rc == RS_OK && t < RS_TABLE_COUNT; t++)
		rc = reseal_table(run, t, err);
	run->total = run->done;   /* the last event says the exact count */
	if (rc == RS_OK)
		rc = report_progress(run, run->done, err);
	if (rc == RS_OK) {
		ops_step(ctx, RS_STEP_OK, ngettext("Re-encrypted %llu value",
		    "Re-encrypted %llu values", (unsigned long)run->done),
		    (unsigned long long)run->done);
		rc = reviewed_default(run, &own, err);
		if (rc == RS_OK)
			rc = rewrap_reviewed(run, fresh, u.info.generation,
			    info.generation, err);
	}
	if (rc == RS_OK) {
		ops_step(ctx, RS_STEP_OK, ngettext("Replaced the key copy of %llu "
		    "member", "Replaced the key copies of %llu members",
		    (unsigned long)res->members_rewrapped),
		    (unsigned long long)res->members_rewrapped);
		rs_symkey_kcv(fresh, info.kcv);
		info.created = info.last_change = ops_now();
		info.last_backup = 0;  /* no backup holds the new key yet */
		rc = ctx->store->ops->keyinfo_put(ctx->store, &info, err);
	}
	ops_audit_target(ctx, run->target, sizeof run->target,
	    u.info.generation, info.generation);
	res->old_generation = u.info.generation;
	res->new_generation = info.generation;
	snprintf(res->old_kcv, sizeof res->old_kcv, "%s", u.info.kcv);
	snprintf(res->new_kcv, sizeof res->new_kcv, "%s", info.kcv);
	res->values = run->done;
	ops_unlocked_free(&u);
	rs_symkey_free(fresh);
	if (own != NULL) {
		free(own);
		run->reviewed = NULL;
		run->nreviewed = 0;
	}
	return rc;
}

static void change_done(rs_ctx *ctx, void *arg)
{
	const change_run *run = arg;

	ops_step(ctx, RS_STEP_OK, _("New key in use (generation %u, check "
	    "value %s)"), run->res->new_generation, run->res->new_kcv);
	ops_service_reload_local(ctx);
}

int rs_op_change(rs_ctx *ctx, const rs_change_options *opt,
    rs_progress_fn progress, void *arg, rs_change_result *res, rs_error *err)
{
	rs_change_result local;
	change_run run = { .ctx = ctx, .progress = progress, .progress_arg = arg,
	    .force = opt != NULL && opt->force, .res = res ? res : &local,
	    .reviewed = opt ? opt->reviewed : NULL,
	    .nreviewed = opt && opt->reviewed ? opt->nreviewed : 0 };
	ops_op op = { .name = "change", .arg = &run, .work = change_locked,
	    .done = change_done, .target = run.target };
	int rc;

	memset(run.res, 0, sizeof *run.res);
	ops_audit_target(ctx, run.target, sizeof run.target, 0, 0);
	rc = ops_run(ctx, &op, err);
	rs_aead_free(run.old_aead);
	rs_aead_free(run.new_aead);
	buffers_free(&run.buf);
	return rc;
}
