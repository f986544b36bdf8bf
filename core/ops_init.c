/* SPDX-License-Identifier: ISC */
/* ops_init.c: first start of an instance (doc/ssrs.md, Initialization and
 * scale-out).  Make the key pair, store the installation ID and public key,
 * and make the symmetric key if the database has none; otherwise wait to be
 * joined. */
#include <config.h>

#include <string.h>
#include "keystore.h"
#include "ops_internal.h"

static int init_keypair(rs_ctx *ctx, rs_keypair **kp, bool *created,
    rs_error *err)
{
	int rc = ops_load_keypair(ctx, kp, err);

	*created = false;
	if (rc != RS_ERR_NOT_FOUND)
		return rc;
	rs_err_clear(err);
	rc = rs_keypair_generate(kp, err);
	if (rc == RS_OK)
		rc = rs_keystore_save(ctx->cfg.keystore, ctx->cfg.installation_id,
		    ctx->cfg.service_account, *kp, err);
	if (rc == RS_OK) {
		*created = true;
		ops_step(ctx, RS_STEP_OK, _("Created the instance key pair in %s"),
		    ctx->cfg.keystore);
	}
	return rc;
}

/* The first instance makes the key; it is wrapped for itself only. */
static int init_symmetric_key(rs_ctx *ctx, rs_member *me, rs_error *err)
{
	rs_symkey *key = rs_symkey_new();
	rs_keyinfo info = { .present = true, .generation = 1 };
	int rc;

	if (key == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	rc = rs_symkey_generate(key, err);
	if (rc == RS_OK) {
		rs_symkey_kcv(key, info.kcv);
		info.created = info.last_change = ops_now();
		rc = ops_wrap_for(ctx, me, key, info.generation, err);
	}
	if (rc == RS_OK)
		rc = ctx->store->ops->keyinfo_put(ctx->store, &info, err);
	rs_symkey_free(key);
	if (rc == RS_OK)
		ops_step(ctx, RS_STEP_OK,
		    _("Created the symmetric key (check value %s)"), info.kcv);
	return rc;
}

/* Stores or refreshes this instance's row.  A row whose public key no
 * longer matches (the key pair was made anew) loses its copy: it waits to
 * be joined again or for a backup to be applied. */
static int init_member(rs_ctx *ctx, const rs_keypair *kp, rs_member *me,
    bool *created, rs_error *err)
{
	int rc = ctx->store->ops->member_get(ctx->store,
	    ctx->cfg.installation_id, me, err);

	*created = false;
	if (rc == RS_ERR_NOT_FOUND) {
		rs_err_clear(err);
		rc = ops_member_from_keypair(ctx, kp, me, err);
		if (rc == RS_OK)
			rc = ctx->store->ops->member_put(ctx->store, me, err);
		*created = rc == RS_OK;
		return rc;
	}
	if (rc != RS_OK || rs_keypair_matches(kp, me->public_key,
	    me->public_key_len))
		return rc;
	rs_member_clear(me);
	rc = ops_member_from_keypair(ctx, kp, me, err);
	if (rc == RS_OK)
		rc = ctx->store->ops->member_put(ctx->store, me, err);
	if (rc == RS_OK)
		ops_step(ctx, RS_STEP_WARNING, _("Stored the new public key; this "
		    "instance must be joined again or a key backup applied"));
	return rc;
}

static int init_in_transaction(rs_ctx *ctx, const rs_keypair *kp,
    rs_init_result *res, rs_error *err)
{
	rs_member me;
	rs_keyinfo info;
	int rc;

	memset(&me, 0, sizeof me);
	rc = init_member(ctx, kp, &me, &res->created_member, err);
	if (rc == RS_OK)
		rc = ctx->store->ops->keyinfo_get(ctx->store, &info, err);
	if (rc == RS_OK && !info.present) {
		rc = init_symmetric_key(ctx, &me, err);
		res->created_key = rc == RS_OK;
	}
	res->state = me.wrapped_key ? RS_MEMBER_JOINED : RS_MEMBER_WAITING;
	rs_member_clear(&me);
	return rc;
}

typedef struct init_run {
	rs_keypair *kp;
	rs_init_result *res;
} init_run;

static int init_before(rs_ctx *ctx, void *arg, rs_error *err)
{
	init_run *r = arg;

	return init_keypair(ctx, &r->kp, &r->res->created_keypair, err);
}

static int init_work(rs_ctx *ctx, void *arg, rs_error *err)
{
	init_run *r = arg;

	return init_in_transaction(ctx, r->kp, r->res, err);
}

static void init_done(rs_ctx *ctx, void *arg)
{
	const init_run *r = arg;

	ops_step(ctx, RS_STEP_OK, r->res->state == RS_MEMBER_JOINED
	    ? _("Instance initialized and activated")
	    : _("Instance initialized; waiting to join"));
}

/* The example config's installation_id (all zeros but the version and
 * variant digits): every instance copied from it would share it. */
static bool placeholder_id(const char *id)
{
	int nonzero = 0;

	for (; *id != '\0'; id++)
		nonzero += *id != '0' && *id != '-';
	return nonzero <= 2;
}

static int refuse_placeholder_id(const rs_config *cfg, rs_error *err)
{
	return rs_err(err, RS_ERR_CONFIG, _("%s: installation_id %s is the "
	    "example's placeholder, and every instance needs its own; give it "
	    "a fresh one: sed -i \"s/^installation_id .*/installation_id = "
	    "$(cat /proc/sys/kernel/random/uuid)/\" %s"), cfg->path,
	    cfg->installation_id, cfg->path);
}

int rs_op_init(rs_ctx *ctx, rs_init_result *res, rs_error *err)
{
	rs_init_result local;
	init_run r = { NULL, res ? res : &local };
	ops_op op = { .name = "init", .target = ctx->cfg.installation_id,
	    .arg = &r, .before = init_before, .work = init_work,
	    .done = init_done };
	int rc;

	memset(r.res, 0, sizeof *r.res);
	if (placeholder_id(ctx->cfg.installation_id))
		return refuse_placeholder_id(&ctx->cfg, err);
	rc = ops_run(ctx, &op, err);
	rs_keypair_free(r.kp);
	return rc;
}
