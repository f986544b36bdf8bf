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
 * decides whether to finish step 3 or to discard step 1.
 *
 * Complete or refused (issue 14): every check runs before the backup and
 * before anything changes (rs_op_account_check: the account exists and
 * differs, a non-root admin may only take the instance for itself, the
 * grants the new account needs are possible).  After the commit, the key
 * store, the grants (fsmodel.h), the config and the restarted service
 * follow; when one of them fails, everything before it is undone, the old
 * account's row goes back into the database, and the error says so. */
#include <config.h>

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>
#include <time.h>
#include "audit.h"
#include "fsmodel.h"
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

static int check_account(rs_ctx *ctx, const char *account,
    rs_fs_plan *plan, rs_error *err)
{
	struct passwd *pw, *me, *old;
	char myname[RS_NAME_MAX];
	rs_service_paths sp;
	uid_t old_uid, uid;
	gid_t gid;
	int rc;

	if (account == NULL || account[0] == '\0' ||
	    strlen(account) >= RS_NAME_MAX || strpbrk(account, " \t\n:/\\"))
		return rs_err(err, RS_ERR_USAGE, _("\"%s\" is not a valid account "
		    "name."), account ? account : "");
	if (strcmp(account, ctx->cfg.service_account) == 0)
		return rs_err(err, RS_ERR_STATE, _("The service account is "
		    "already %s."), account);
	me = getpwuid(geteuid());
	snprintf(myname, sizeof myname, "%s", me ? me->pw_name : "");
	pw = getpwnam(account);
	if (pw == NULL)
		return rs_err(err, RS_ERR_NOT_FOUND, _("There is no user %s on "
		    "this machine. Create it first (for example: useradd "
		    "--system %s)."), account, account);
	if (geteuid() != 0) {
		if (strcmp(account, myname) != 0)
			return rs_err(err, RS_ERR_PERMISSION, _("Only root can give "
			    "this instance to another account. Nothing was changed. "
			    "As root, rskeymgmt --service-account %s would re-wrap "
			    "the key for %s, hand it the key store, the database and "
			    "its folder, make the config readable to it, take them "
			    "from %s and restart the service as %s."), account,
			    account, ctx->cfg.service_account, account);
		memset(plan, 0, sizeof *plan);
		/* Started as this account, the service makes its runtime
		 * folder itself. */
		rs_service_paths_of(&ctx->cfg, &sp);
		return rs_fs_check_runtime(&ctx->cfg, sp.runtime, (uid_t)-1,
		    geteuid(), getegid(), NULL, err);
	}
	old = getpwnam(ctx->cfg.service_account);
	old_uid = old != NULL ? old->pw_uid : (uid_t)-1;
	/* getpwnam's buffer is shared: pw is looked up again. */
	pw = getpwnam(account);
	if (pw == NULL)
		return rs_err(err, RS_ERR_NOT_FOUND, _("There is no user %s on "
		    "this machine. Create it first (for example: useradd "
		    "--system %s)."), account, account);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	rc = rs_fs_plan_account(&ctx->cfg, old_uid, uid, gid, plan, err);
	/* The restart as the new account must not be the first to find
	 * that it cannot make or reach its runtime folder. */
	rs_service_paths_of(&ctx->cfg, &sp);
	if (rc == RS_OK)
		rc = rs_fs_check_runtime(&ctx->cfg, sp.runtime, old_uid, uid,
		    gid, plan, err);
	return rc;
}

int rs_op_account_check(rs_ctx *ctx, const char *account, rs_error *err)
{
	rs_fs_plan plan;
	rs_error ignored = { 0 };
	int rc = check_account(ctx, account, &plan, err);

	/* A refused attempt is audited too (issue 14), by both faces. */
	if (rc != RS_OK && err != NULL)
		rs_audit_record_to(ctx->cfg.audit_log, "service-account",
		    account ? account : "", "refused", err->message, &ignored);
	/* The backup password asked next must not contain it either. */
	snprintf(ctx->account_next, sizeof ctx->account_next, "%s",
	    rc == RS_OK ? account : "");
	return rc;
}

/* What the change's hooks share, and what an undo needs. */
typedef struct account_run {
	const rs_account_options *opt;
	rs_account_result *res;
	rs_fs_plan plan;
	rs_keypair *old_kp;        /* the old account's key pair */
	rs_member old_row;         /* this instance's row before the change */
	bool have_row;
	struct stat old_config;    /* owner, group, mode of the config */
	bool key_committed, keystore_given, config_saved;
} account_run;

/* Steps 1 and 2, inside the transaction. */
static int account_stage(rs_ctx *ctx, account_run *r, rs_error *err)
{
	const char *account = r->opt->account;
	ops_unlocked u;
	rs_keypair *kp = NULL;
	rs_member me;
	int rc = ops_unlock(ctx, &u, NULL, err);

	if (rc != RS_OK)
		return rc;
	memset(&me, 0, sizeof me);
	rc = ctx->store->ops->member_get(ctx->store, ctx->cfg.installation_id,
	    &r->old_row, err);
	r->have_row = rc == RS_OK;
	if (rc == RS_OK)
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
	/* Kept for an undo after the commit. */
	r->old_kp = u.keypair;
	u.keypair = NULL;
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

/* Started again under the account in force now, after a change that
 * failed before its commit.  Our store connection goes first: database
 * files this (root) process made would otherwise be left for the account
 * to trip over; it is opened again after the start. */
static void service_restart_after_change(rs_ctx *ctx, int heartbeat,
    rs_account_result *res)
{
	rs_error err = { 0 };
	rs_service_done done;
	char said[RS_ERROR_MESSAGE_MAX], how[400];

	if (!res->was_running || res->restarted)
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

/* The service answers, activated, as the account: the proof that the
 * account can read the config, open the database and use its key. */
static int service_confirm(rs_ctx *ctx, const char *account, rs_error *err)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	rs_service_status st;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		memset(&st, 0, sizeof st);
		if (rs_service_status_get(&ctx->cfg, &st, NULL) == RS_OK
		    && st.answered && strcmp(st.state, "activated") == 0
		    && strcmp(st.account, account) == 0)
			return RS_OK;
		if (!st.running && tries > 20)
			break;
		nanosleep(&pause, NULL);
	}
	return rs_err(err, RS_ERR_STATE, _("the report server service did not "
	    "answer activated as %s (%s%s%s)"), account,
	    st.answered ? st.state : _("no answer"), st.reason[0] ? ": " : "",
	    st.reason);
}

/* Restarted as the new account, when it ran before the change. */
static int service_restart_new(rs_ctx *ctx, account_run *r, rs_error *err)
{
	rs_account_result *res = r->res;
	rs_service_done done;
	char said[RS_ERROR_MESSAGE_MAX], how[400];
	int rc;

	if (!res->was_running)
		return RS_OK;
	rc = rs_service_control(&ctx->cfg, RS_SERVICE_START, r->opt->heartbeat,
	    &done, err);
	if (rc == RS_OK)
		rc = service_confirm(ctx, r->opt->account, err);
	if (rc != RS_OK) {
		rs_service_done stopped;

		(void)rs_service_control(&ctx->cfg, RS_SERVICE_STOP, 0, &stopped,
		    NULL);
		return rc;
	}
	res->restarted = true;
	snprintf(res->service_account, sizeof res->service_account, "%s",
	    r->opt->account);
	snprintf(said, sizeof said, _("Restarted the report server service as "
	    "%s"), r->opt->account);
	rs_service_done_how(&done, how, sizeof how);
	ops_step(ctx, RS_STEP_OK, "%s, %s", said, how);
	ops_step(ctx, RS_STEP_OK, _("The service answers activated as %s"),
	    r->opt->account);
	return RS_OK;
}

/* The checks, and the service stopped: it runs as the old account. */
static int account_before(rs_ctx *ctx, void *arg, rs_error *err)
{
	account_run *r = arg;
	int rc = check_account(ctx, r->opt->account, &r->plan, err);

	if (rc == RS_OK)
		rc = check_assurance(ctx, r->opt->assurance, err);
	if (rc == RS_OK && stat(ctx->cfg.path, &r->old_config) != 0)
		rc = rs_err(err, RS_ERR_CONFIG, _("cannot read config file %s: %s"),
		    ctx->cfg.path, strerror(errno));
	if (rc == RS_OK)
		rc = service_stop_for_change(ctx, r->res, err);
	return rc;
}

static int account_work(rs_ctx *ctx, void *arg, rs_error *err)
{
	return account_stage(ctx, arg, err);
}

/* Puts back what the steps after the commit changed, newest first.
 * Returns the number of steps that could not be undone. */
static int account_undo(rs_ctx *ctx, account_run *r)
{
	rs_error e = { 0 };
	bool owned;
	int failed = rs_fs_undo(&r->plan);
	int fd;

	if (r->config_saved) {
		snprintf(ctx->cfg.service_account, sizeof ctx->cfg.service_account,
		    "%s", r->res->old_account);
		if (rs_config_save(&ctx->cfg, ctx->cfg.path, &e) != RS_OK)
			failed++;
		rs_err_clear(&e);
	}
	snprintf(ctx->cfg.service_account, sizeof ctx->cfg.service_account,
	    "%s", r->res->old_account);
	fd = open(ctx->cfg.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		struct stat now;

		if (geteuid() == 0 && fstat(fd, &now) == 0
		    && (now.st_uid != r->old_config.st_uid
		    || now.st_gid != r->old_config.st_gid
		    || (now.st_mode & 0777) != (r->old_config.st_mode & 0777))
		    && (fchown(fd, r->old_config.st_uid, r->old_config.st_gid) != 0
		    || fchmod(fd, r->old_config.st_mode & 0777) != 0))
			failed++;
		close(fd);
	}
	if (r->key_committed && r->old_kp != NULL) {
		if (rs_keystore_save(ctx->cfg.keystore, ctx->cfg.installation_id,
		    r->res->old_account, r->old_kp, &e) != RS_OK)
			failed++;
		rs_err_clear(&e);
	} else
		rs_keystore_discard_pending(ctx->cfg.keystore,
		    ctx->cfg.installation_id);
	if (r->keystore_given && rs_keystore_chown(ctx->cfg.keystore,
	    r->res->old_account, &owned, &e) != RS_OK)
		failed++;
	rs_err_clear(&e);
	if (r->have_row) {
		if (rs_store_begin(ctx->store, &e) != RS_OK
		    || ctx->store->ops->member_put(ctx->store, &r->old_row, &e)
		    != RS_OK || rs_store_commit(ctx->store, &e) != RS_OK) {
			rs_store_rollback(ctx->store);
			failed++;
		}
		rs_err_clear(&e);
	}
	ops_marker_remove(ctx);
	return failed;
}

/* Step 3, after the commit, still under the lock: the key store, the
 * grants, the config, the service.  All or nothing. */
static int account_committed(rs_ctx *ctx, void *arg, rs_error *err)
{
	account_run *r = arg;
	const char *account = r->opt->account;
	char why[RS_ERROR_MESSAGE_MAX];
	int rc, failed;

	rc = rs_keystore_commit_pending(ctx->cfg.keystore,
	    ctx->cfg.installation_id, err);
	r->key_committed = rc == RS_OK;
	if (rc == RS_OK)
		rc = rs_keystore_chown(ctx->cfg.keystore, account,
		    &r->res->ownership_changed, err);
	r->keystore_given = rc == RS_OK && r->res->ownership_changed;
	if (rc == RS_OK && (rc = rs_fs_apply(&r->plan, err)) == RS_OK
	    && r->plan.n > 0)
		ops_step(ctx, RS_STEP_OK, _("Gave %s the database, its folder and "
		    "read access to the config; %s no longer has them"), account,
		    r->res->old_account);
	if (rc == RS_OK) {
		snprintf(ctx->cfg.service_account, sizeof ctx->cfg.service_account,
		    "%s", account);
		rc = rs_config_save(&ctx->cfg, ctx->cfg.path, err);
		r->config_saved = rc == RS_OK;
	}
	if (rc == RS_OK)
		rc = service_restart_new(ctx, r, err);
	if (rc == RS_OK) {
		ops_marker_remove(ctx);
		return RS_OK;
	}
	snprintf(why, sizeof why, "%s", err && err->message[0] ? err->message
	    : "");
	failed = account_undo(ctx, r);
	rs_err_clear(err);
	if (failed == 0)
		return rs_err(err, RS_ERR_FAILED, _("The service account change "
		    "failed: %s. Everything was undone: the instance still runs as "
		    "%s, with its key store, database and config as before."), why,
		    r->res->old_account);
	return rs_err(err, RS_ERR_FAILED, _("The service account change failed: "
	    "%s. Undoing it failed in %d steps: check the owners of the key "
	    "store, the database and the config, and restore the key from the "
	    "backup if the service cannot start as %s."), why, failed,
	    r->res->old_account);
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
	account_run r;
	ops_op op = { .name = "service-account", .arg = &r,
	    .before = account_before, .work = account_work,
	    .committed = account_committed, .rolled_back = account_rolled_back,
	    .done = account_done };
	int rc;

	memset(&r, 0, sizeof r);
	r.opt = opt;
	r.res = res ? res : &local;
	res = r.res;
	memset(res, 0, sizeof *res);
	op.target = res->new_account;
	snprintf(res->old_account, sizeof res->old_account, "%s",
	    ctx->cfg.service_account);
	snprintf(res->new_account, sizeof res->new_account, "%s",
	    opt->account ? opt->account : "");
	/* Audited (in ops_run) with the real outcome: the restart as the new
	 * account is part of the change. */
	rc = ops_run(ctx, &op, err);
	service_restart_after_change(ctx, opt->heartbeat, res);
	rs_keypair_free(r.old_kp);
	rs_member_clear(&r.old_row);
	ctx->account_next[0] = '\0';
	return rc;
}
