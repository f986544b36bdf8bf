/* SPDX-License-Identifier: ISC */
/* ops_open.c: opening and closing a context, and the crash recovery of
 * interrupted operations that every opening runs.  Today one operation can
 * be cut short outside the database's transaction: the service-account
 * change (ops_account.c), whose marker file and pending key live here. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsmodel.h"
#include "keystore.h"
#include "ops_internal.h"
#include "secret.h"

/* ---- the service-account change's marker ---- */

static void marker_path(const rs_ctx *ctx, char *out, size_t size)
{
	if (snprintf(out, size, "%s/%s.account-change", ctx->cfg.keystore,
	    ctx->cfg.installation_id) >= (int)size)
		out[0] = '\0';	/* too long: treated as no marker */
}

int ops_marker_write(rs_ctx *ctx, const char *account, rs_error *err)
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
	struct stat st;
	FILE *f;
	size_t len;
	int fd;

	marker_path(ctx, path, sizeof path);
	/* In the service account's folder: never a link, never a FIFO. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY
	    | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)
	    || (f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return 0;
	}
	if (fgets(account, (int)size, f) == NULL)
		account[0] = '\0';
	fclose(f);
	len = strcspn(account, "\n");
	if (len == 0 || account[len] != '\n')
		return -1;
	account[len] = '\0';
	return 1;
}

void ops_marker_remove(rs_ctx *ctx)
{
	char path[PATH_MAX];

	marker_path(ctx, path, sizeof path);
	unlink(path);
}

/* As root: what the account needs of the database, its folder and the
 * config (fsmodel.h), taken from the account the config still names. */
static int account_grants(rs_ctx *ctx, const char *account, rs_error *err)
{
	struct passwd *pw;
	uid_t old_uid;
	rs_fs_plan plan;
	int rc;

	if (geteuid() != 0)
		return RS_OK;
	pw = getpwnam(ctx->cfg.service_account);
	old_uid = pw != NULL ? pw->pw_uid : (uid_t)-1;
	pw = getpwnam(account);
	if (pw == NULL)
		return rs_err(err, RS_ERR_NOT_FOUND, _("There is no user %s on "
		    "this machine. Create it first (for example: useradd "
		    "--system %s)."), account, account);
	rc = rs_fs_plan_account(&ctx->cfg, old_uid, pw->pw_uid, pw->pw_gid,
	    &plan, err);
	return rc == RS_OK ? rs_fs_apply(&plan, err) : rc;
}

/* Step 3 of the change (ops_account.c); idempotent, so recovery can run
 * it again. */
int ops_account_complete(rs_ctx *ctx, const char *account, bool *owned,
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
	if (rc == RS_OK)
		rc = rs_keystore_chown(ctx->cfg.keystore, account, owned, err);
	/* The grants before the config names the account (the order of
	 * ops_account.c): a config that names it means they were made. */
	if (rc == RS_OK && strcmp(ctx->cfg.service_account, account) != 0)
		rc = account_grants(ctx, account, err);
	if (rc == RS_OK && strcmp(ctx->cfg.service_account, account) != 0) {
		snprintf(ctx->cfg.service_account, sizeof ctx->cfg.service_account,
		    "%s", account);
		rc = rs_config_save(&ctx->cfg, ctx->cfg.path, err);
	}
	if (rc == RS_OK)
		ops_marker_remove(ctx);
	return rc;
}

/* Finishes or rolls back a service-account change cut short by a crash. */
static int account_recover(rs_ctx *ctx, rs_error *err)
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
		ops_marker_remove(ctx);
		ctx->store->ops->admin_unlock(ctx->store);
		return RS_OK;
	}
	memset(&me, 0, sizeof me);
	rc = ctx->store->ops->member_get(ctx->store, ctx->cfg.installation_id,
	    &me, err);
	if (rc == RS_OK && strcmp(me.service_account, account) == 0)
		rc = ops_account_complete(ctx, account, &owned, err);
	else if (rc == RS_OK || rc == RS_ERR_NOT_FOUND) {
		rs_err_clear(err);
		rs_keystore_discard_pending(ctx->cfg.keystore,
		    ctx->cfg.installation_id);
		ops_marker_remove(ctx);
		rc = RS_OK;
	}
	rs_member_clear(&me);
	ctx->store->ops->admin_unlock(ctx->store);
	return rc;
}

/* ---- the context ---- */

static int ctx_open(const char *config_path, bool create, rs_ctx **out,
    rs_error *err)
{
	rs_ctx *ctx = calloc(1, sizeof *ctx);
	int rc;

	*out = NULL;
	if (ctx == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	/* The ownership model (fsmodel.h) before anything is acted on: the
	 * config's owner and mode on the open file, then every folder and
	 * file the operation will use, before the database is opened. */
	rc = rs_config_load(config_path, &ctx->cfg, err);
	if (rc == RS_OK)
		rc = rs_fs_check_paths(&ctx->cfg, err);
	if (rc == RS_OK)
		rc = rs_store_open(&ctx->cfg, create, &ctx->store, err);
	if (rc == RS_OK)
		rc = account_recover(ctx, err);
	if (rc != RS_OK) {
		rs_ctx_close(ctx);
		return rc;
	}
	*out = ctx;
	return RS_OK;
}

int rs_ctx_open(const char *config_path, rs_ctx **out, rs_error *err)
{
	return ctx_open(config_path, false, out, err);
}

int rs_ctx_open_for_init(const char *config_path, rs_ctx **out,
    rs_error *err)
{
	return ctx_open(config_path, true, out, err);
}

bool rs_ctx_database_missing(const char *config_path, char *path,
    size_t size)
{
	rs_config cfg;
	rs_error err;
	struct stat st;

	rs_err_clear(&err);
	if (rs_config_load(config_path, &cfg, &err) != RS_OK ||
	    rs_fs_check_paths(&cfg, &err) != RS_OK ||
	    rs_config_is_postgresql(&cfg))
		return false;
	if (lstat(cfg.database, &st) == 0 || errno != ENOENT)
		return false;
	snprintf(path, size, "%s", cfg.database);
	return true;
}

void rs_ctx_close(rs_ctx *ctx)
{
	if (ctx == NULL)
		return;
	rs_store_close(ctx->store);
	rs_wipe(ctx->backup_kcv, sizeof ctx->backup_kcv);
	rs_backup_keys_free(ctx->backup_keys);
	free(ctx);
}

