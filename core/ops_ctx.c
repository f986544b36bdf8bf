/* SPDX-License-Identifier: ISC */
/* ops_ctx.c: what the operations share: the skeleton every operation
 * runs in (lock, transaction, steps, audit), unlocking the key, wrapping
 * copies.  It calls no other ops file. */
#include <config.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "audit.h"
#include "keystore.h"
#include "ops_internal.h"

int64_t ops_now(void)
{
	return (int64_t)time(NULL);
}

uint64_t ops_count_values(const uint64_t cells[RS_TABLE_COUNT][RS_MAX_CELLS])
{
	uint64_t total = 0;

	for (int t = 0; t < RS_TABLE_COUNT; t++)
		for (int c = 0; c < RS_MAX_CELLS; c++)
			total += cells[t][c];
	return total;
}

void ops_step(rs_ctx *ctx, int outcome, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (ctx->step_fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	ctx->step_fn(ctx->step_arg, text, outcome);
}

void rs_ctx_set_step_callback(rs_ctx *ctx, rs_step_fn fn, void *arg)
{
	ctx->step_fn = fn;
	ctx->step_arg = arg;
}

const rs_config *rs_ctx_config(const rs_ctx *ctx)
{
	return &ctx->cfg;
}

const char *rs_ctx_store_description(rs_ctx *ctx)
{
	return ctx->store->ops->describe(ctx->store);
}

int ops_begin(rs_ctx *ctx, const char *operation, rs_error *err)
{
	int rc = ctx->store->ops->admin_lock(ctx->store, operation, err);

	if (rc != RS_OK)
		return rc;
	rc = rs_store_begin(ctx->store, err);
	if (rc != RS_OK)
		ctx->store->ops->admin_unlock(ctx->store);
	return rc;
}

int ops_finish(rs_ctx *ctx, int rc, rs_error *err)
{
	if (rc == RS_OK)
		rc = rs_store_commit(ctx->store, err);
	if (rc != RS_OK)
		rs_store_rollback(ctx->store);
	ctx->store->ops->admin_unlock(ctx->store);
	return rc;
}

static int run_locked(rs_ctx *ctx, const ops_op *op, rs_error *err)
{
	int rc = ops_begin(ctx, op->name, err);

	if (rc != RS_OK)
		return rc;
	rc = op->work(ctx, op->arg, err);
	if (rc == RS_OK)
		rc = rs_store_commit(ctx->store, err);
	if (rc != RS_OK) {
		rs_store_rollback(ctx->store);
		if (op->rolled_back)
			op->rolled_back(ctx, op->arg);
	} else if (op->committed)
		rc = op->committed(ctx, op->arg, err);
	ctx->store->ops->admin_unlock(ctx->store);
	return rc;
}

/* The begin record goes first: without it nothing starts (fail closed),
 * and with it a kill at any later moment still leaves a trace.  A failed
 * check (before) is audited as refused, a failed or cancelled run as such;
 * op->target may be a buffer the work fills in (generations). */
int ops_run(rs_ctx *ctx, const ops_op *op, rs_error *err)
{
	const char *name = op->audit_as ? op->audit_as : op->name;
	int rc = ops_audit_begin(ctx, name, op->target, err);
	bool refused;

	if (rc != RS_OK)
		return rc;
	rc = op->before ? op->before(ctx, op->arg, err) : RS_OK;
	refused = rc != RS_OK && rc != RS_ERR_CANCELLED;
	if (rc == RS_OK)
		rc = run_locked(ctx, op, err);
	if (rc == RS_OK && op->done)
		op->done(ctx, op->arg);
	if (rc != RS_OK)
		ops_step(ctx, rc == RS_ERR_CANCELLED ? RS_STEP_SKIPPED
		    : RS_STEP_FAILED, "%s", err ? err->message : "");
	return ops_audit_outcome(ctx, name, op->target,
	    refused ? "refused" : NULL, rc, err);
}

int ops_conclude(rs_ctx *ctx, const char *operation, const char *target,
    int rc, const rs_error *err)
{
	if (rc != RS_OK)
		ops_step(ctx, rc == RS_ERR_CANCELLED ? RS_STEP_SKIPPED
		    : RS_STEP_FAILED, "%s", err ? err->message : "");
	return ops_audit(ctx, operation, target, rc, err);
}

int ops_walk_cells(rs_ctx *ctx, int table, rs_content_batch *batch,
    const ops_cell_walk *w, rs_error *err)
{
	const rs_content_table_info *ti = rs_content_info(table);
	int64_t after = 0;
	int rc;

	for (;;) {
		rc = ctx->store->ops->content_next(ctx->store, table, after, batch,
		    err);
		if (rc != RS_OK || batch->count == 0)
			return rc;
		for (size_t i = 0; i < batch->count; i++)
			for (int c = 0; c < ti->ncells; c++)
				if (batch->rows[i].cell[c])
					w->cell(w->arg, ti, &batch->rows[i], c);
		if (w->batch_done && (rc = w->batch_done(w->arg, err)) != RS_OK)
			return rc;
		after = batch->rows[batch->count - 1].id;
	}
}

int ops_load_keypair(rs_ctx *ctx, rs_keypair **out, rs_error *err)
{
	struct stat st;
	int rc = rs_keystore_check(ctx->cfg.keystore, ctx->cfg.service_account,
	    err);

	/* Not found while the folder is there: the service account is what
	 * is missing, a config problem, not a missing private key. */
	if (rc == RS_ERR_NOT_FOUND && stat(ctx->cfg.keystore, &st) == 0) {
		if (err != NULL)
			err->code = RS_ERR_CONFIG;
		return RS_ERR_CONFIG;
	}
	if (rc != RS_OK)
		return rc;
	return rs_keystore_load(ctx->cfg.keystore, ctx->cfg.installation_id,
	    out, err);
}

int ops_member_from_keypair(rs_ctx *ctx, const rs_keypair *kp, rs_member *m,
    rs_error *err)
{
	memset(m, 0, sizeof *m);
	snprintf(m->installation_id, sizeof m->installation_id, "%s",
	    ctx->cfg.installation_id);
	snprintf(m->machine, sizeof m->machine, "%s", ctx->cfg.machine);
	snprintf(m->instance, sizeof m->instance, "%s", ctx->cfg.instance);
	snprintf(m->service_account, sizeof m->service_account, "%s",
	    ctx->cfg.service_account);
	m->created = ops_now();
	return rs_keypair_public_der(kp, &m->public_key, &m->public_key_len,
	    err);
}

/* The database can be written by every member's service account, so a
 * member row is hostile input: its public key is checked before it gets a
 * copy (join, key change, account change). */
static int member_key_check(const rs_member *m, rs_error *err)
{
	rs_error why = { 0 };

	if (rs_public_key_check(m->public_key, m->public_key_len, &why)
	    == RS_OK)
		return RS_OK;
	return rs_err(err, RS_ERR_CRYPTO, _("Refusing to give the key to "
	    "%s\\%s (installation %s): its public key is %s. Keys must be RSA "
	    "of at least %d bits with exponent 65537. Remove this member "
	    "(rskeymgmt --remove %s) and have it run rskeymgmt --init again."),
	    m->machine, m->instance, m->installation_id, why.message,
	    RS_RSA_BITS, m->installation_id);
}

int ops_wrap_for(rs_ctx *ctx, rs_member *m, const rs_symkey *key,
    uint32_t generation, rs_error *err)
{
	char dbid[RS_ID_LEN + 1];
	rs_wrap_label label = { dbid, m->installation_id, generation };
	unsigned char *wrapped = NULL;
	size_t len = 0;
	int rc = member_key_check(m, err);

	if (rc == RS_OK)
		rc = ctx->store->ops->database_id(ctx->store, dbid, err);
	if (rc == RS_OK)
		rc = rs_key_wrap(m->public_key, m->public_key_len, key, &label,
		    &wrapped, &len, err);
	if (rc != RS_OK)
		return rc;
	free(m->wrapped_key);
	m->wrapped_key = wrapped;
	m->wrapped_key_len = len;
	m->key_generation = generation;
	if (m->joined == 0)
		m->joined = ops_now();
	return ctx->store->ops->member_put(ctx->store, m, err);
}

int ops_wrap_for_self(rs_ctx *ctx, const rs_symkey *key, uint32_t generation,
    rs_error *err)
{
	rs_keypair *kp = NULL;
	rs_member me;
	int rc = ops_load_keypair(ctx, &kp, err);

	memset(&me, 0, sizeof me);
	if (rc == RS_OK)
		rc = ops_member_from_keypair(ctx, kp, &me, err);
	if (rc == RS_OK)
		rc = ops_wrap_for(ctx, &me, key, generation, err);
	rs_member_clear(&me);
	rs_keypair_free(kp);
	return rc;
}

int ops_rewrap_joined(rs_ctx *ctx, const rs_symkey *key, uint32_t generation,
    uint64_t *rewrapped, uint64_t *waiting, rs_error *err)
{
	rs_member *members = NULL;
	size_t n = 0;
	int rc = ctx->store->ops->member_list(ctx->store, &members, &n, err);

	for (size_t i = 0; rc == RS_OK && i < n; i++) {
		if (members[i].wrapped_key == NULL) {
			if (waiting)
				(*waiting)++;
			continue;
		}
		rc = ops_wrap_for(ctx, &members[i], key, generation, err);
		if (rc == RS_OK && rewrapped)
			(*rewrapped)++;
	}
	rs_members_free(members, n);
	return rc;
}

void ops_unlocked_free(ops_unlocked *u)
{
	rs_keypair_free(u->keypair);
	rs_symkey_free(u->key);
	u->keypair = NULL;
	u->key = NULL;
}

static int not_activated(rs_activation *why, rs_activation what,
    rs_error *err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int not_activated(rs_activation *why, rs_activation what,
    rs_error *err, const char *fmt, ...)
{
	char text[RS_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (why)
		*why = what;
	rs_err_clear(err);
	return rs_err(err, RS_ERR_NOT_ACTIVATED, "%s", text);
}

/* Loads the key pair; any failure is a reason for not being activated. */
static int unlock_keypair(rs_ctx *ctx, ops_unlocked *out, rs_activation *why,
    rs_error *err)
{
	int rc = ops_load_keypair(ctx, &out->keypair, err);

	if (rc == RS_ERR_NOT_FOUND)
		return not_activated(why, RS_NO_PRIVATE_KEY, err,
		    _("The key store %s holds no private key for this instance. "
		    "Run rskeymgmt --init to make a new key pair, then apply a "
		    "key backup (rskeymgmt --apply) or have an activated member "
		    "join this instance."), ctx->cfg.keystore);
	if (rc == RS_ERR_PERMISSION) {
		if (why)
			*why = RS_KEYSTORE_UNSAFE;
		return rc;
	}
	if (rc != RS_OK) {
		char cause[RS_ERROR_MESSAGE_MAX];

		snprintf(cause, sizeof cause, "%s", err ? err->message : "");
		return not_activated(why, RS_PRIVATE_KEY_UNUSABLE, err,
		    _("The private key in %s cannot be used: %s"),
		    ctx->cfg.keystore, cause);
	}
	return RS_OK;
}

static int unlock_copy(rs_ctx *ctx, ops_unlocked *out, const rs_member *me,
    rs_activation *why, rs_error *err)
{
	rs_wrap_label label = { out->database_id, me->installation_id,
	    me->key_generation };
	rs_error ignored = { 0 };

	if (me->wrapped_key == NULL)
		return not_activated(why, RS_WAITING_TO_JOIN, err,
		    _("This instance is waiting to join the scale-out "
		    "deployment. On an activated member, run rskeymgmt --join "
		    "%s (or Add Server on the Scale-out Deployment page)."),
		    me->installation_id);
	if (!rs_keypair_matches(out->keypair, me->public_key,
	    me->public_key_len))
		return not_activated(why, RS_PUBLIC_KEY_MISMATCH, err,
		    _("The private key in %s does not match this instance's "
		    "public key in the database (the service identity changed). "
		    "Apply a key backup with rskeymgmt --apply."),
		    ctx->cfg.keystore);
	out->key = rs_symkey_new();
	if (out->key == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	if (rs_key_unwrap(out->keypair, me->wrapped_key, me->wrapped_key_len,
	    &label, out->key, &out->legacy_copy, &ignored) != RS_OK)
		return not_activated(why, RS_UNWRAP_FAILED, err,
		    _("This instance's copy of the symmetric key cannot be "
		    "decrypted with its private key. Apply a key backup with "
		    "rskeymgmt --apply."));
	if (!rs_symkey_kcv_matches(out->key, out->info.kcv))
		return not_activated(why, RS_KCV_MISMATCH, err,
		    _("This instance's copy is not the key the database uses "
		    "(generation %u, check value %s). Apply a backup of the "
		    "current key, or have an activated member join this "
		    "instance again."), out->info.generation, out->info.kcv);
	return RS_OK;
}

int ops_unlock(rs_ctx *ctx, ops_unlocked *out, rs_activation *why,
    rs_error *err)
{
	rs_member me;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&me, 0, sizeof me);
	rc = ctx->store->ops->keyinfo_get(ctx->store, &out->info, err);
	if (rc == RS_OK)
		rc = ctx->store->ops->database_id(ctx->store, out->database_id,
		    err);
	if (rc == RS_OK && !out->info.present)
		rc = not_activated(why, RS_NO_KEY, err,
		    _("The report server database has no symmetric key yet. "
		    "Run rskeymgmt --init on the first instance."));
	if (rc == RS_OK) {
		rc = ctx->store->ops->member_get(ctx->store,
		    ctx->cfg.installation_id, &me, err);
		if (rc == RS_ERR_NOT_FOUND)
			rc = not_activated(why, RS_NOT_INITIALIZED, err,
			    _("This instance (%s) is not in the report server "
			    "database. Run rskeymgmt --init."),
			    ctx->cfg.installation_id);
	}
	if (rc == RS_OK)
		rc = unlock_keypair(ctx, out, why, err);
	if (rc == RS_OK)
		rc = unlock_copy(ctx, out, &me, why, err);
	rs_member_clear(&me);
	if (rc != RS_OK)
		ops_unlocked_free(out);
	else if (why)
		*why = RS_ACTIVATED;
	return rc;
}

int ops_audit_begin(rs_ctx *ctx, const char *operation, const char *target,
    rs_error *err)
{
	rs_error audit_err = { 0 };

	if (rs_audit_record_to(ctx->cfg.audit_log, operation, target ? target : "",
	    "begin", "", &audit_err) == RS_OK)
		return RS_OK;
	return rs_err(err, audit_err.code, _("%s. The operation was not "
	    "started: every key operation is recorded first. Make %s a "
	    "regular file root can append to, in a folder only root can write "
	    "(remove a link, FIFO or device there), or set audit_log in %s."),
	    audit_err.message, ctx->cfg.audit_log, ctx->cfg.path);
}

int ops_audit_outcome(rs_ctx *ctx, const char *operation, const char *target,
    const char *outcome, int rc, const rs_error *err)
{
	rs_error audit_err = { 0 };

	if (outcome == NULL)
		outcome = rc == RS_OK ? "ok"
		    : rc == RS_ERR_CANCELLED ? "cancelled" : "failed";
	if (rs_audit_record_to(ctx->cfg.audit_log, operation, target ? target : "",
	    outcome, rc == RS_OK || err == NULL ? "" : err->message,
	    &audit_err) != RS_OK)
		ops_step(ctx, RS_STEP_WARNING, "%s", audit_err.message);
	return rc;
}

void ops_audit_target(rs_ctx *ctx, char *buf, size_t size, uint32_t old_gen,
    uint32_t new_gen)
{
	rs_member *members = NULL;
	rs_error ignored = { 0 };
	size_t n = 0, o;
	int w;

	o = (size_t)snprintf(buf, size, "instance=%s\\%s", ctx->cfg.machine,
	    ctx->cfg.instance);
	if (new_gen == 0 || o >= size)
		return;
	o += (size_t)snprintf(buf + o, size - o, " generation=%u->%u members=",
	    old_gen, new_gen);
	if (ctx->store->ops->member_list(ctx->store, &members, &n, &ignored)
	    != RS_OK)
		return;
	for (size_t i = 0; i < n && o < size; i++) {
		if (members[i].wrapped_key == NULL)
			continue;
		w = snprintf(buf + o, size - o, "%s%s\\%s", buf[o - 1] == '=' ? ""
		    : ",", members[i].machine, members[i].instance);
		o += w > 0 ? (size_t)w : 0;
	}
	rs_members_free(members, n);
}

int ops_audit(rs_ctx *ctx, const char *operation, const char *target, int rc,
    const rs_error *err)
{
	return ops_audit_outcome(ctx, operation, target, NULL, rc, err);
}

void rs_op_audit_attempt(rs_ctx *ctx, const char *operation,
    const char *outcome, const char *why)
{
	rs_error ignored = { 0 };

	if (ctx != NULL)
		rs_audit_record_to(ctx->cfg.audit_log, operation, "", outcome,
		    why, &ignored);
}

int rs_op_cancelled(rs_ctx *ctx, const char *operation, const char *target,
    rs_error *err)
{
	static const char *const alias[][2] = {
		{ "reencrypt", "change" }, { "apply", "restore" },
	};
	rs_error ignored = { 0 };
	rs_error why = { 0 };

	for (size_t i = 0; i < sizeof alias / sizeof *alias; i++)
		if (strcmp(operation, alias[i][0]) == 0)
			operation = alias[i][1];
	rs_err(&why, RS_ERR_CANCELLED, _("not confirmed; nothing was changed"));
	if (ctx != NULL)
		rs_audit_record_to(ctx->cfg.audit_log, operation,
		    target ? target : "", "cancelled", why.message, &ignored);
	if (err != NULL)
		*err = why;
	return RS_ERR_CANCELLED;
}

int rs_op_audit_read(rs_ctx *ctx, size_t max, rs_audit_entry **out,
    size_t *n, rs_error *err)
{
	return rs_audit_read_rotated(ctx->cfg.audit_log, max, out, n, err);
}
