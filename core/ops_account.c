/* SPDX-License-Identifier: ISC */
/* ops_account.c: change the service account (seeds 000, 002).
 *
 * A new identity means a new key pair, so the symmetric key is re-wrapped
 * for it.  Order, so that a crash at any point can be finished or undone:
 *   1. write a marker naming the new account, and the new private key as a
 *      pending file;
 *   2. commit the database (new public key, new copy, new account);
 *   3. rename the pending key into place, rewrite the config, chown, and
 *      remove the marker.
 * When a context opens, ops_open.c looks at the marker: the database
 * decides whether to finish step 3 or to discard step 1. */
#include <config.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "keystore.h"
#include "ops_internal.h"
#include "service.h"

static int check_assurance(rs_ctx *ctx, rs_backup_assurance assurance,
    rs_error *err)
{
	rs_keyinfo info;
	int rc;

	if (assurance == RS_BACKUP_STATED)
		return RS_OK;
	if (assurance == RS_BACKUP_MADE && ctx->backup_made) {
		rc = ctx->store->ops->keyinfo_get(ctx->store, &info, err);
		if (rc != RS_OK || strcmp(info.kcv, ctx->backup_kcv) == 0)
			return rc;
	}
	return rs_err(err, RS_ERR_BACKUP_REQUIRED, _("Back up the encryption "
	    "key before changing the service account: the key is re-wrapped "
	    "for the new identity, and a backup is the only way back if "
	    "anything goes wrong. Make a backup now (rskeymgmt "
	    "--service-account USER -f FILE), or state that a current one "
	    "exists (--backup-exists)."));
}

static int check_account(rs_ctx *ctx, const char *account, rs_error *err)
{
	if (account == NULL || account[0] == '\0' ||
	    strlen(account) >= RS_NAME_MAX || strpbrk(account, " \t\n:/\\"))
		return rs_err(err, RS_ERR_USAGE, _("\"%s\" is not a valid account "
		    "name."), account ? account : "");
	if (strcmp(account, ctx->cfg.service_account) == 0)
		return rs_err(err, RS_ERR_STATE, _("The service account is "
		    "already %s."), account);
	if (geteuid() == 0 && getpwnam(account) == NULL)
		return rs_err(err, RS_ERR_NOT_FOUND, _("There is no user %s on "
		    "this machine. Create it first (for example: useradd "
		    "--system %s)."), account, account);
	return RS_OK;
}

/* Steps 1 and 2, inside the transaction. */
static int account_stage(rs_ctx *ctx, const char *account, rs_error *err)
{
	ops_unlocked u;
	rs_keypair *kp = NULL;
	rs_member me;
	int rc = ops_unlock(ctx, &u, NULL, err);

	if (rc != RS_OK)
		return rc;
	memset(&me, 0, sizeof me);
	rc = rs_keypair_generate(&kp, err);
	if (rc == RS_OK)
		rc = ops_marker_write(ctx, account, err);
	if (rc == RS_OK)
		rc = rs_keystore_save_pending(ctx->cfg.keystore,
		    ctx->cfg.installation_id, account, kp, err);
	if (rc == RS_OK) {
		ops_step(ctx, RS_STEP_OK, _("Made a key pair for %s"), account);
		rc = ops_member_from_keypair(ctx, kp, &me, err);
	}
	if (rc == RS_OK) {
		snprintf(me.service_account, sizeof me.service_account, "%s",
		    account);
		rc = ops_wrap_for(ctx, &me, u.key, u.info.generation, err);
	}
	if (rc == RS_OK)
		ops_step(ctx, RS_STEP_OK, _("Re-wrapped the key for %s"), account);
	rs_member_clear(&me);
	rs_keypair_free(kp);
	ops_unlocked_free(&u);
	return rc;
}

static void describe_ownership(rs_ctx *ctx, rs_account_result *res)
{
	if (res->ownership_changed) {
		snprintf(res->note, sizeof res->note, _("The key store %s now "
		    "belongs to %s."), ctx->cfg.keystore, res->new_account);
		ops_step(ctx, RS_STEP_OK, "%s", res->note);
	} else {
		snprintf(res->note, sizeof res->note, _("Not running as root: "
		    "ownership of %s did not change; run as root to give it to "
		    "%s."), ctx->cfg.keystore, res->new_account);
		ops_step(ctx, RS_STEP_WARNING, "%s", res->note);
	}
}

/* The service runs as the account: stopped before the change, so nothing
 * holds the old identity's key while it is replaced. */
static int service_stop_for_change(rs_ctx *ctx, rs_account_result *res,
    rs_error *err)
{
	rs_service_done done;
	char said[RS_ERROR_MESSAGE_MAX], how[400];
	int rc = rs_service_control(&ctx->cfg, RS_SERVICE_STOP, 0, &done, err);

	res->was_running = done.was_running;
	if (rc == RS_OK && res->was_running) {
		snprintf(said, sizeof said, _("Stopped the report server service "
		    "(it runs as %s)"), res->old_account);
		rs_service_done_how(&done, how, sizeof how);
		ops_step(ctx, RS_STEP_OK, "%s, %s", said, how);
	}
	return rc;
}

/* Started again under the account in force now: the new one, or the old
 * one when the change failed.  Our store connection goes first: database
 * files this (root) process made would otherwise be left for the new
 * account to trip over; it is opened again after the start. */
static void service_restart_after_change(rs_ctx *ctx, int heartbeat,
    rs_account_result *res)
{
	rs_error err = { 0 };
	rs_service_done done;
	char said[RS_ERROR_MESSAGE_MAX], how[400];

	if (!res->was_running)
		return;
	snprintf(res->service_account, sizeof res->service_account, "%s",
	    ctx->cfg.service_account);
	rs_store_close(ctx->store);
	ctx->store = NULL;
	res->restarted = rs_service_control(&ctx->cfg, RS_SERVICE_START,
	    heartbeat, &done, &err) == RS_OK;
	if (res->restarted) {
		snprintf(said, sizeof said, _("Restarted the report server "
		    "service as %s"), res->service_account);
		rs_service_done_how(&done, how, sizeof how);
		ops_step(ctx, RS_STEP_OK, "%s, %s", said, how);
	} else {
		snprintf(res->restart_error, sizeof res->restart_error, "%s",
		    err.message);
		ops_step(ctx, RS_STEP_WARNING, _("The report server service could "
		    "not be restarted: %s"), err.message);
	}
	rs_err_clear(&err);
	if (rs_store_open(&ctx->cfg, false, &ctx->store, &err) != RS_OK)
		ops_step(ctx, RS_STEP_FAILED, "%s", err.message);
}

/* What the change's hooks share. */
typedef struct account_run {
	const rs_account_options *opt;
	rs_account_result *res;
} account_run;

/* The checks, and the service stopped: it runs as the old account. */
static int account_before(rs_ctx *ctx, void *arg, rs_error *err)
{
	account_run *r = arg;
	int rc = check_assurance(ctx, r->opt->assurance, err);

	if (rc == RS_OK)
		rc = service_stop_for_change(ctx, r->res, err);
	if (rc == RS_OK)
		rc = check_account(ctx, r->opt->account, err);
	return rc;
}

static int account_work(rs_ctx *ctx, void *arg, rs_error *err)
{
	const account_run *r = arg;

	return account_stage(ctx, r->opt->account, err);
}

/* Step 3, after the commit, still under the lock. */
static int account_committed(rs_ctx *ctx, void *arg, rs_error *err)
{
	account_run *r = arg;

	return ops_account_complete(ctx, r->opt->account,
	    &r->res->ownership_changed, err);
}

static void account_rolled_back(rs_ctx *ctx, void *arg)
{
	(void)arg;
	rs_keystore_discard_pending(ctx->cfg.keystore, ctx->cfg.installation_id);
	ops_marker_remove(ctx);
}

static void account_done(rs_ctx *ctx, void *arg)
{
	account_run *r = arg;

	describe_ownership(ctx, r->res);
}

int rs_op_account_change(rs_ctx *ctx, const rs_account_options *opt,
    rs_account_result *res, rs_error *err)
{
	rs_account_result local;
	account_run r = { opt, res ? res : &local };
	ops_op op = { .name = "service-account", .target = r.res->new_account,
	    .arg = &r, .before = account_before, .work = account_work,
	    .committed = account_committed, .rolled_back = account_rolled_back,
	    .done = account_done };
	int rc;

	res = r.res;
	memset(res, 0, sizeof *res);
	snprintf(res->old_account, sizeof res->old_account, "%s",
	    ctx->cfg.service_account);
	snprintf(res->new_account, sizeof res->new_account, "%s",
	    opt->account ? opt->account : "");
	/* Audited (in ops_run) before the restart closes the store. */
	rc = ops_run(ctx, &op, err);
	service_restart_after_change(ctx, opt->heartbeat, res);
	return rc;
}
