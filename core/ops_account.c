/* ops_account.c: change the service account (seeds 000, 002).
 *
 * A new identity means a new key pair, so the symmetric key is re-wrapped
 * for it.  Order, so that a crash at any point can be finished or undone:
 *   1. write a marker naming the new account, and the new private key as a
 *      pending file;
 *   2. commit the database (new public key, new copy, new account);
 *   3. rename the pending key into place, rewrite the config, chown, and
 *      remove the marker.
 * ops_account_recover, run whenever a context opens, looks at the marker:
 * the database decides whether to finish step 3 or to discard step 1. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "keystore.h"
#include "ops_internal.h"
#include "service.h"

static void marker_path(const rs_ctx *ctx, char *out, size_t size)
{
	if (snprintf(out, size, "%s/%s.account-change", ctx->cfg.keystore,
	    ctx->cfg.installation_id) >= (int)size)
		out[0] = '\0';	/* too long: treated as no marker */
}

static int marker_write(rs_ctx *ctx, const char *account, rs_error *err)
{
	char path[PATH_MAX];
	int fd, ok;

	marker_path(ctx, path, sizeof path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return rs_err(err, RS_ERR_IO, _("cannot write %s: %s"), path,
		    strerror(errno));
	ok = dprintf(fd, "%s\n", account) > 0 && fsync(fd) == 0;
	close(fd);
	return ok ? RS_OK : rs_err(err, RS_ERR_IO, _("cannot write %s: %s"),
	    path, strerror(errno));
}

/* Returns 1 and the account when a change was under way, 0 when there is
 * no marker, -1 when the marker is incomplete (a crash between creating it
 * and writing the account line: the change never got further, since the
 * pending key is written only after the marker is complete and synced). */
static int marker_read(rs_ctx *ctx, char *account, size_t size)
{
	char path[PATH_MAX];
	FILE *f;
	size_t len;

	marker_path(ctx, path, sizeof path);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	if (fgets(account, (int)size, f) == NULL)
		account[0] = '\0';
	fclose(f);
	len = strcspn(account, "\n");
	if (len == 0 || account[len] != '\n')
		return -1;
	account[len] = '\0';
	return 1;
}

static void marker_remove(rs_ctx *ctx)
{
	char path[PATH_MAX];

	marker_path(ctx, path, sizeof path);
	unlink(path);
}

/* Step 3; idempotent, so recovery can run it again. */
static int account_complete(rs_ctx *ctx, const char *account, bool *owned,
    rs_error *err)
{
	rs_keypair *pending = NULL;
	int rc = RS_OK;

	if (rs_keystore_load_pending(ctx->cfg.keystore, ctx->cfg.installation_id,
	    &pending, NULL) == RS_OK) {
		rs_keypair_free(pending);
		rc = rs_keystore_commit_pending(ctx->cfg.keystore,
		    ctx->cfg.installation_id, err);
	}
	if (rc == RS_OK && strcmp(ctx->cfg.service_account, account) != 0) {
		snprintf(ctx->cfg.service_account, sizeof ctx->cfg.service_account,
		    "%s", account);
		rc = rs_config_save(&ctx->cfg, ctx->cfg.path, err);
	}
	if (rc == RS_OK)
		rc = rs_keystore_chown(ctx->cfg.keystore, account, owned, err);
	if (rc == RS_OK)
		marker_remove(ctx);
	return rc;
}

int ops_account_recover(rs_ctx *ctx, rs_error *err)
{
	char account[RS_NAME_MAX];
	rs_member me;
	bool owned;
	int rc, found = marker_read(ctx, account, sizeof account);

	if (found == 0)
		return RS_OK;
	/* Someone else holds the lock: that change is still running. */
	if (ctx->store->ops->admin_lock(ctx->store, "recover", NULL) != RS_OK)
		return RS_OK;
	if (found < 0) {
		rs_keystore_discard_pending(ctx->cfg.keystore,
		    ctx->cfg.installation_id);
		marker_remove(ctx);
		ctx->store->ops->admin_unlock(ctx->store);
		return RS_OK;
	}
	memset(&me, 0, sizeof me);
	rc = ctx->store->ops->member_get(ctx->store, ctx->cfg.installation_id,
	    &me, err);
	if (rc == RS_OK && strcmp(me.service_account, account) == 0)
		rc = account_complete(ctx, account, &owned, err);
	else if (rc == RS_OK || rc == RS_ERR_NOT_FOUND) {
		rs_err_clear(err);
		rs_keystore_discard_pending(ctx->cfg.keystore,
		    ctx->cfg.installation_id);
		marker_remove(ctx);
		rc = RS_OK;
	}
	rs_member_clear(&me);
	ctx->store->ops->admin_unlock(ctx->store);
	return rc;
}

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
		rc = marker_write(ctx, account, err);
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

static int account_run(rs_ctx *ctx, const char *account,
    rs_account_result *res, rs_error *err)
{
	int rc = ops_begin(ctx, "service-account", err);

	if (rc != RS_OK)
		return rc;
	rc = account_stage(ctx, account, err);
	if (rc == RS_OK)
		rc = rs_store_commit(ctx->store, err);
	if (rc != RS_OK) {
		rs_store_rollback(ctx->store);
		rs_keystore_discard_pending(ctx->cfg.keystore,
		    ctx->cfg.installation_id);
		marker_remove(ctx);
	} else
		rc = account_complete(ctx, account, &res->ownership_changed, err);
	ctx->store->ops->admin_unlock(ctx->store);
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
	int rc = rs_service_stop(&ctx->cfg, &res->was_running, err);

	if (rc == RS_OK && res->was_running)
		ops_step(ctx, RS_STEP_OK, _("Stopped the report server service "
		    "(it runs as %s)"), res->old_account);
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

	if (!res->was_running)
		return;
	snprintf(res->service_account, sizeof res->service_account, "%s",
	    ctx->cfg.service_account);
	rs_store_close(ctx->store);
	ctx->store = NULL;
	res->restarted = rs_service_start(&ctx->cfg, heartbeat, &err) == RS_OK;
	if (res->restarted)
		ops_step(ctx, RS_STEP_OK, _("Restarted the report server service "
		    "as %s"), res->service_account);
	else {
		snprintf(res->restart_error, sizeof res->restart_error, "%s",
		    err.message);
		ops_step(ctx, RS_STEP_WARNING, _("The report server service could "
		    "not be restarted: %s"), err.message);
	}
	rs_err_clear(&err);
	if (rs_store_open(&ctx->cfg, false, &ctx->store, &err) != RS_OK)
		ops_step(ctx, RS_STEP_FAILED, "%s", err.message);
}

static int account_change(rs_ctx *ctx, const rs_account_options *opt,
    rs_account_result *res, rs_error *err)
{
	int rc = check_assurance(ctx, opt->assurance, err);

	if (rc == RS_OK)
		rc = service_stop_for_change(ctx, res, err);
	if (rc == RS_OK)
		rc = check_account(ctx, opt->account, err);
	if (rc == RS_OK)
		rc = account_run(ctx, opt->account, res, err);
	if (rc == RS_OK)
		describe_ownership(ctx, res);
	else
		ops_step(ctx, RS_STEP_FAILED, "%s", err ? err->message : "");
	return rc;
}

int rs_op_account_change(rs_ctx *ctx, const rs_account_options *opt,
    rs_account_result *res, rs_error *err)
{
	rs_account_result local;
	int rc;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof *res);
	snprintf(res->old_account, sizeof res->old_account, "%s",
	    ctx->cfg.service_account);
	snprintf(res->new_account, sizeof res->new_account, "%s",
	    opt->account ? opt->account : "");
	rc = account_change(ctx, opt, res, err);
	/* Audited before the restart closes the store. */
	rc = ops_audit(ctx, "service-account", res->new_account, rc, err);
	service_restart_after_change(ctx, opt->heartbeat, res);
	return rc;
}

int rs_op_change_account(rs_ctx *ctx, const char *account,
    rs_backup_assurance assurance, rs_account_result *res, rs_error *err)
{
	rs_account_result local;
	rs_account_options opt = { account, assurance, 0 };

	return rs_op_account_change(ctx, &opt, res ? res : &local, err);
}
