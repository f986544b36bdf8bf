/* SPDX-License-Identifier: ISC */
/* ops_backup.c: back up and restore the symmetric key (doc/ssrs.md, Backup and Restore). */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "keystore.h"
#include "lock.h"
#include "ops_internal.h"
#include "secret.h"

int rs_op_password_check(rs_ctx *ctx, const char *password, size_t len,
    rs_policy_result *result, rs_error *err)
{
	rs_policy_result local;
	char text[RS_ERROR_MESSAGE_MAX];

	if (result == NULL)
		result = &local;
	rs_policy_check(password, len, ctx->cfg.service_account,
	    ctx->cfg.instance, result);
	if (ctx->account_next[0] != '\0') {
		rs_policy_result next;

		rs_policy_check(password, len, ctx->account_next,
		    ctx->cfg.instance, &next);
		result->ok[RS_RULE_NO_ACCOUNT] &= next.ok[RS_RULE_NO_ACCOUNT];
	}
	if (rs_policy_passed(result))
		return RS_OK;
	rs_policy_explain(result, NULL, text, sizeof text);
	return rs_err(err, RS_ERR_POLICY, "%s", text);
}

static int fill_meta(rs_ctx *ctx, const ops_unlocked *u, rs_backup_meta *meta,
    rs_error *err)
{
	memset(meta, 0, sizeof *meta);
	snprintf(meta->kcv, sizeof meta->kcv, "%s", u->info.kcv);
	meta->generation = u->info.generation;
	snprintf(meta->installation_id, sizeof meta->installation_id, "%s",
	    ctx->cfg.installation_id);
	snprintf(meta->machine, sizeof meta->machine, "%s", ctx->cfg.machine);
	snprintf(meta->instance, sizeof meta->instance, "%s", ctx->cfg.instance);
	meta->created = ops_now();
	return ctx->store->ops->database_id(ctx->store, meta->database_id, err);
}

static int record_backup_time(rs_ctx *ctx, ops_unlocked *u, int64_t when,
    rs_error *err)
{
	u->info.last_backup = when;
	return ctx->store->ops->keyinfo_put(ctx->store, &u->info, err);
}

/* What rs_op_backup and rs_op_restore were asked. */
typedef struct key_file {
	const char *path;
	const char *password;
	size_t pwlen;
	bool overwrite, force;
	rs_backup_info *out;
	rs_restore_result *res;
} key_file;

/* ---- never overwrite our own files ---- */

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The folder that holds path, stat'ed (path need not exist). */
static bool folder_of(const char *path, struct stat *out)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof copy, "%s", path);
	return stat(dirname(copy), out) == 0;
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* path is file, by inode; or, where neither need exist yet, the same name
 * in the same folder (a WAL file SQLite will make). */
static bool is_same_file(const char *path, const char *file)
{
	struct stat a, b;

	if (file[0] == '\0')
		return false;
	if (stat(path, &a) == 0 && stat(file, &b) == 0)
		return same_inode(&a, &b);
	return strcmp(base_of(path), base_of(file)) == 0 &&
	    folder_of(path, &a) && folder_of(file, &b) && same_inode(&a, &b);
}

/* path is in the key store folder, or is (a link to) a file in it. */
static bool in_keystore(const char *path, const char *keystore)
{
	struct stat target, store, entry;
	struct dirent *de;
	bool found = false;
	DIR *dir;

	if (stat(keystore, &store) != 0)
		return false;
	if (folder_of(path, &target) && same_inode(&target, &store))
		return true;
	if (stat(path, &target) != 0)
		return false;
	if (same_inode(&target, &store) || (dir = opendir(keystore)) == NULL)
		return same_inode(&target, &store);
	while (!found && (de = readdir(dir)) != NULL)
		found = fstatat(dirfd(dir), de->d_name, &entry,
		    AT_SYMLINK_NOFOLLOW) == 0 && same_inode(&target, &entry);
	closedir(dir);
	return found;
}

/* What of ours path is, or NULL. */
static const char *own_file(rs_ctx *ctx, const char *path)
{
	static const char *const db_suffixes[] = { "", "-wal", "-shm",
	    "-journal", ".lock" };
	const rs_config *cfg = &ctx->cfg;
	rs_service_paths sp;
	char file[PATH_MAX + 16];

	for (size_t i = 0; cfg->backend[0] != 'p' &&
	    i < sizeof db_suffixes / sizeof db_suffixes[0]; i++) {
		snprintf(file, sizeof file, "%s%s", cfg->database, db_suffixes[i]);
		if (is_same_file(path, file))
			return _("its report server database");
	}
	/* root's admin lock lives in its own folder (lock.h) */
	if (cfg->backend[0] != 'p' && rs_lock_path(cfg->database, file,
	    sizeof file, NULL) == RS_OK && is_same_file(path, file))
		return _("its report server database");
	rs_audit_path(cfg->database, file, sizeof file);
	if (is_same_file(path, cfg->audit_log) || is_same_file(path, file))
		return _("its audit log");
	if (is_same_file(path, cfg->path) || is_same_file(path, cfg->pgpassfile))
		return _("its configuration");
	if (in_keystore(path, cfg->keystore))
		return _("its key store");
	rs_service_paths_of(cfg, &sp);
	if (is_same_file(path, sp.lock) || is_same_file(path, sp.log) ||
	    is_same_file(path, sp.socket))
		return _("its report server service");
	return NULL;
}

static int refuse_own_file(rs_ctx *ctx, const char *path, rs_error *err)
{
	const char *what = own_file(ctx, path);

	if (what == NULL)
		return RS_OK;
	return rs_err(err, RS_ERR_USAGE, _("%s belongs to this instance "
	    "(%s); a backup never replaces it. Choose another file, outside "
	    "the instance's own files."), path, what);
}

/* path is missing, empty, or starts as every backup we write does: the
 * only files a backup replaces (another member's config or key, or any
 * other file, is not ours to destroy). */
static bool replaceable(const char *path)
{
	static const char begin[] = "-----BEGIN CMS-----";
	char head[sizeof begin - 1];
	struct stat st;
	bool ok = false;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		ok = st.st_size == 0 || (read(fd, head, sizeof head) ==
		    (ssize_t)sizeof head && memcmp(head, begin, sizeof head) == 0);
	close(fd);
	return ok;
}

static int refuse_target(rs_ctx *ctx, const char *path, rs_error *err)
{
	int rc = refuse_own_file(ctx, path, err);

	if (rc == RS_OK && !rs_backup_is_stdio(path) && !replaceable(path))
		rc = rs_err(err, RS_ERR_USAGE, _("%s exists and is not a key "
		    "backup; a backup replaces only an earlier backup or an "
		    "empty file. Choose another name, or move that file away "
		    "first."), path);
	return rc;
}

int rs_op_backup_target_check(rs_ctx *ctx, const char *path, rs_error *err)
{
	return refuse_target(ctx, path, err);
}

int rs_ctx_backup_recipient(rs_ctx *ctx, const char *cert_path,
    rs_error *err)
{
	return rs_backup_keys_add_cert(&ctx->backup_keys, cert_path, err);
}

int rs_ctx_backup_identity(rs_ctx *ctx, const char *key_path, rs_error *err)
{
	return rs_backup_keys_set_identity(&ctx->backup_keys, key_path, err);
}

static int backup_policy(rs_ctx *ctx, void *arg, rs_error *err)
{
	key_file *k = arg;
	int rc = k->overwrite ? refuse_target(ctx, k->path, err)
	    : refuse_own_file(ctx, k->path, err);

	if (rc == RS_OK && k->password == NULL) {   /* certificates only */
		if (rs_backup_keys_certs(ctx->backup_keys) == 0)
			rc = rs_err(err, RS_ERR_USAGE,
			    _("a backup needs a password or a certificate to open it"));
		return rc;
	}
	if (rc == RS_OK)
		rc = rs_op_password_check(ctx, k->password, k->pwlen, NULL, err);

	if (rc == RS_OK)
		ops_step(ctx, RS_STEP_OK, _("Password meets the policy"));
	return rc;
}

static int backup_locked(rs_ctx *ctx, void *arg, rs_error *err)
{
	key_file *k = arg;
	const char *path = k->path;
	rs_backup_info *out = k->out;
	ops_unlocked u;
	int rc = ops_unlock(ctx, &u, NULL, err);

	if (rc != RS_OK)
		return rc;
	rc = fill_meta(ctx, &u, &out->meta, err);
	if (rc == RS_OK)
		rc = rs_backup_write_for(path, k->password, k->pwlen,
		    ctx->backup_keys, u.key, &out->meta, k->overwrite, err);
	if (rc == RS_OK) {
		out->matches_database = out->same_database = true;
		/* Certificates only: nothing here can open it to read it back. */
		out->verified = k->password != NULL
		    || rs_backup_keys_has_identity(ctx->backup_keys);
		if (out->verified)
			ops_step(ctx, RS_STEP_OK,
			    _("Wrote and verified %s (check value %s)"), path,
			    out->meta.kcv);
		else
			ops_step(ctx, RS_STEP_OK,
			    _("Wrote %s for the certificates only (check value %s); only their private keys can read it back"),
			    path, out->meta.kcv);
		rc = record_backup_time(ctx, &u, out->meta.created, err);
	}
	if (rc == RS_OK) {
		ctx->backup_made = true;
		snprintf(ctx->backup_kcv, sizeof ctx->backup_kcv, "%s", u.info.kcv);
	}
	ops_unlocked_free(&u);
	return rc;
}

int rs_op_backup(rs_ctx *ctx, const char *path, const char *password,
    size_t pwlen, bool overwrite, rs_backup_info *out, rs_error *err)
{
	rs_backup_info local;
	key_file k = { .path = path, .password = password, .pwlen = pwlen,
	    .overwrite = overwrite, .out = out ? out : &local };
	ops_op op = { .name = "backup", .target = path, .arg = &k,
	    .before = backup_policy, .work = backup_locked };

	memset(k.out, 0, sizeof *k.out);
	snprintf(k.out->path, sizeof k.out->path, "%s", path);
	return ops_run(ctx, &op, err);
}

/* Reads a backup and compares it with the database. */
static int read_backup(rs_ctx *ctx, const char *path, const char *password,
    size_t pwlen, rs_symkey *key, rs_backup_info *out, rs_error *err)
{
	rs_keyinfo info;
	char dbid[RS_ID_LEN + 1];
	int rc;

	memset(out, 0, sizeof *out);
	snprintf(out->path, sizeof out->path, "%s", path);
	rc = rs_backup_read_with(path, password, pwlen, ctx->backup_keys, key,
	    &out->meta, err);
	if (rc == RS_OK)
		rc = ctx->store->ops->keyinfo_get(ctx->store, &info, err);
	if (rc == RS_OK)
		rc = ctx->store->ops->database_id(ctx->store, dbid, err);
	if (rc != RS_OK)
		return rc;
	out->verified = true;
	out->matches_database = info.present &&
	    strcmp(info.kcv, out->meta.kcv) == 0;
	out->same_database = strcmp(dbid, out->meta.database_id) == 0;
	return RS_OK;
}

int rs_op_backup_inspect(rs_ctx *ctx, const char *path, const char *password,
    size_t pwlen, rs_backup_info *out, rs_error *err)
{
	rs_symkey *key = rs_symkey_new();
	int rc;

	if (key == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	rc = read_backup(ctx, path, password, pwlen, key, out, err);
	rs_symkey_free(key);
	return rc;
}

/* Every other member loses its copy: it holds the replaced key. */
static int reset_other_members(rs_ctx *ctx, uint64_t *reset, rs_error *err)
{
	rs_member *members = NULL;
	size_t n = 0;
	int rc = ctx->store->ops->member_list(ctx->store, &members, &n, err);

	for (size_t i = 0; rc == RS_OK && i < n; i++) {
		rs_member *m = &members[i];

		if (strcmp(m->installation_id, ctx->cfg.installation_id) == 0 ||
		    m->wrapped_key == NULL)
			continue;
		free(m->wrapped_key);
		m->wrapped_key = NULL;
		m->wrapped_key_len = 0;
		m->joined = 0;
		rc = ctx->store->ops->member_put(ctx->store, m, err);
		(*reset)++;
	}
	rs_members_free(members, n);
	return rc;
}

/* This instance's copy of the restored key, under its current key pair
 * (a row is made if the instance is new to this database). */
static int rewrap_self(rs_ctx *ctx, const rs_symkey *key, uint32_t generation,
    rs_error *err)
{
	int rc = ops_wrap_for_self(ctx, key, generation, err);

	if (rc == RS_ERR_NOT_FOUND) {
		rs_err_clear(err);
		return rs_err(err, RS_ERR_NOT_ACTIVATED, _("The key store %s "
		    "holds no private key for this instance. Run rskeymgmt "
		    "--init first, then apply the backup again."),
		    ctx->cfg.keystore);
	}
	return rc;
}

bool rs_backup_current(const rs_keyinfo *k)
{
	return k->present && k->last_backup != 0 && k->last_backup >= k->created;
}

void rs_restore_trial_text(const rs_restore_trial *t, char *out, size_t size)
{
	if (t->current_known)
		snprintf(out, size, _("This backup opens %llu of %llu encrypted "
		    "values; the key in use opens %llu."),
		    (unsigned long long)t->backup_opens,
		    (unsigned long long)t->values,
		    (unsigned long long)t->current_opens);
	else
		snprintf(out, size, _("This backup opens %llu of %llu encrypted "
		    "values; the key in use cannot be unlocked here."),
		    (unsigned long long)t->backup_opens,
		    (unsigned long long)t->values);
}

/* Trial decryption: which values each key opens. */
typedef struct trial_run {
	rs_aead *backup, *current;  /* current NULL: unknown here */
	bool differs;               /* the backup's key is not the one in use */
	unsigned char *plain;
	size_t plain_cap;
	rs_restore_trial *out;
} trial_run;

static bool trial_opens(trial_run *run, rs_aead *aead,
    const rs_value_place *place, const unsigned char *cell, size_t len)
{
	size_t plain_len = 0;
	int status;

	if (aead == NULL || len < RS_SEAL_OVERHEAD ||
	    len - RS_SEAL_OVERHEAD > run->plain_cap)
		return false;
	status = rs_aead_open(aead, place, cell, len, run->plain, &plain_len,
	    NULL);
	rs_wipe(run->plain, plain_len);
	return status == RS_OPEN_OK;
}

static void trial_cell(trial_run *run, const rs_content_table_info *ti,
    const rs_content_row *row, int c)
{
	rs_value_place place = { ti->table, row->id, ti->columns[c],
	    row->name };
	bool by_backup = trial_opens(run, run->backup, &place, row->cell[c],
	    row->cell_len[c]);
	bool by_current = trial_opens(run, run->current, &place, row->cell[c],
	    row->cell_len[c]);

	run->out->values++;
	run->out->backup_opens += by_backup;
	run->out->current_opens += by_current;
	if (!by_backup && (by_current || (run->current == NULL && run->differs)))
		run->out->lost++;
}

static void trial_cell_cb(void *arg, const rs_content_table_info *ti,
    const rs_content_row *row, int c)
{
	trial_cell(arg, ti, row, c);
}

/* The key in use, when this instance can unlock it; NULL otherwise (not
 * activated here: what a restore is often for). */
static rs_aead *current_aead(rs_ctx *ctx, rs_error *err)
{
	ops_unlocked u;
	rs_error ignored = { 0 };
	rs_aead *aead;

	if (ops_unlock(ctx, &u, NULL, &ignored) != RS_OK)
		return NULL;
	aead = rs_aead_new(u.key, u.info.generation, u.database_id, err);
	ops_unlocked_free(&u);
	return aead;
}

/* Tries the backup's key and the key in use on every value (streamed). */
static int trial_all(rs_ctx *ctx, const rs_symkey *key,
    const rs_backup_meta *meta, const rs_keyinfo *info,
    rs_restore_trial *out, rs_error *err)
{
	trial_run run = { .plain_cap = 1 << 20, .out = out };
	rs_content_batch batch = { .count = 0 };
	char dbid[RS_ID_LEN + 1];
	int rc = ctx->store->ops->database_id(ctx->store, dbid, err);

	memset(out, 0, sizeof *out);
	run.differs = info->present && strcmp(info->kcv, meta->kcv) != 0;
	if (rc != RS_OK)
		return rc;
	run.plain = rs_secret_alloc(run.plain_cap);
	/* The values are this database's: its id is in their places. */
	run.backup = rs_aead_new(key, meta->generation, dbid, err);
	run.current = current_aead(ctx, err);
	out->current_known = run.current != NULL;
	if (run.plain == NULL || run.backup == NULL)
		rc = rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	const ops_cell_walk walk = { trial_cell_cb, NULL, &run };

	for (int t = 0; rc == RS_OK && t < RS_TABLE_COUNT; t++)
		rc = ops_walk_cells(ctx, t, &batch, &walk, err);
	rs_content_batch_free(&batch);
	rs_aead_free(run.backup);
	rs_aead_free(run.current);
	rs_secret_free(run.plain, run.plain_cap);
	return rc;
}

static int refuse_losing_values(const rs_restore_result *res,
    const rs_keyinfo *info, rs_error *err)
{
	char counts[RS_ERROR_MESSAGE_MAX / 2];

	rs_restore_trial_text(&res->trial, counts, sizeof counts);
	return rs_err(err, RS_ERR_KEY_MISMATCH,
	    _("%s Applying it would make %llu values UNREADABLE (the backup "
	    "holds key %s from %s\\%s, the database uses %s). Apply the right "
	    "backup, or use --force to apply this one anyway."), counts,
	    (unsigned long long)res->trial.lost, res->file.meta.kcv,
	    res->file.meta.machine, res->file.meta.instance, info->kcv);
}

/* Opens the backup and tries both keys: res->file, res->trial. */
static int judge_backup(rs_ctx *ctx, const key_file *k, rs_symkey *key,
    rs_keyinfo *info, rs_error *err)
{
	rs_restore_result *res = k->res;
	int rc = read_backup(ctx, k->path, k->password, k->pwlen, key,
	    &res->file, err);

	if (rc == RS_OK)
		rc = ctx->store->ops->keyinfo_get(ctx->store, info, err);
	if (rc == RS_OK)
		rc = trial_all(ctx, key, &res->file.meta, info, &res->trial, err);
	if (rc == RS_OK)
		res->unreadable_values = res->trial.values - res->trial.backup_opens;
	return rc;
}

static int judge_locked(rs_ctx *ctx, void *arg, rs_error *err)
{
	const key_file *k = arg;
	rs_symkey *key = rs_symkey_new();
	rs_keyinfo info;
	int rc;

	if (key == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	rc = judge_backup(ctx, k, key, &info, err);
	rs_symkey_free(key);
	return rc;
}

static int restore_locked(rs_ctx *ctx, void *arg, rs_error *err)
{
	key_file *k = arg;
	rs_restore_result *res = k->res;
	rs_symkey *key = rs_symkey_new();
	rs_keyinfo info;
	int rc;

	if (key == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	rc = judge_backup(ctx, k, key, &info, err);
	/* Another key: running services would keep the old one (issue 14). */
	if (rc == RS_OK && info.present && !res->file.matches_database)
		rc = ops_members_check_stopped(ctx, k->force, err);
	if (rc == RS_OK && res->trial.lost > 0 && !k->force)
		rc = refuse_losing_values(res, &info, err);
	if (rc == RS_OK && info.present && !res->file.matches_database) {
		res->key_replaced = true;
		rc = reset_other_members(ctx, &res->members_reset, err);
	}
	if (rc == RS_OK && (res->key_replaced || !info.present)) {
		info.present = true;
		info.generation = res->file.meta.generation;
		snprintf(info.kcv, sizeof info.kcv, "%s", res->file.meta.kcv);
		info.created = res->file.meta.created;
		info.last_change = ops_now();
		/* The file applied is a backup of the key now in use. */
		info.last_backup = res->file.meta.created;
		rc = ctx->store->ops->keyinfo_put(ctx->store, &info, err);
	}
	if (rc == RS_OK)
		rc = rewrap_self(ctx, key, info.generation, err);
	rs_symkey_free(key);
	return rc;
}

static void restore_done(rs_ctx *ctx, void *arg)
{
	const key_file *k = arg;
	const rs_restore_result *res = k->res;

	if (rs_backup_is_stdio(k->path))
		ops_step(ctx, RS_STEP_OK, _("Applied the key from standard input "
		    "(check value %s)"), res->file.meta.kcv);
	else
		ops_step(ctx, RS_STEP_OK, _("Applied the key from %s (check value %s)"),
		    k->path, res->file.meta.kcv);
	ops_service_reload_local(ctx);
	if (res->unreadable_values > 0)
		ops_step(ctx, RS_STEP_WARNING, ngettext("%llu value is unreadable "
		    "with this key", "%llu values are unreadable with this key",
		    res->unreadable_values),
		    (unsigned long long)res->unreadable_values);
	if (res->members_reset > 0)
		ops_step(ctx, RS_STEP_WARNING, ngettext("%llu other member must be "
		    "joined again", "%llu other members must be joined again",
		    res->members_reset), (unsigned long long)res->members_reset);
}

int rs_op_restore(rs_ctx *ctx, const char *path, const char *password,
    size_t pwlen, bool force, rs_restore_result *res, rs_error *err)
{
	rs_restore_result local;
	key_file k = { .path = path, .password = password, .pwlen = pwlen,
	    .force = force, .res = res ? res : &local };
	ops_op op = { .name = "restore", .target = path, .arg = &k,
	    .audit_as = force ? "restore-force" : "restore",
	    .work = restore_locked, .done = restore_done };

	memset(k.res, 0, sizeof *k.res);
	return ops_run(ctx, &op, err);
}

int rs_op_restore_preview(rs_ctx *ctx, const char *path, const char *password,
    size_t pwlen, rs_restore_result *res, rs_error *err)
{
	key_file k = { .path = path, .password = password, .pwlen = pwlen,
	    .res = res };
	int rc;

	memset(res, 0, sizeof *res);
	rc = ctx->store->ops->admin_lock(ctx->store, "restore-preview", err);
	if (rc != RS_OK)
		return rc;
	rc = judge_locked(ctx, &k, err);
	ctx->store->ops->admin_unlock(ctx->store);
	return rc;
}

/* The drill fails when the backup would not bring back what is readable
 * now. */
static int check_locked(rs_ctx *ctx, void *arg, rs_error *err)
{
	const key_file *k = arg;
	char counts[RS_ERROR_MESSAGE_MAX / 2];
	int rc = judge_locked(ctx, arg, err);

	if (rc != RS_OK || k->res->trial.lost == 0)
		return rc;
	rs_restore_trial_text(&k->res->trial, counts, sizeof counts);
	return rs_err(err, RS_ERR_KEY_MISMATCH, _("%s Applying this backup "
	    "would make %llu values that are readable now UNREADABLE: it is "
	    "not a backup of the key in use."), counts,
	    (unsigned long long)k->res->trial.lost);
}

int rs_op_backup_check(rs_ctx *ctx, const char *path, const char *password,
    size_t pwlen, rs_restore_result *res, rs_error *err)
{
	key_file k = { .path = path, .password = password, .pwlen = pwlen,
	    .res = res };
	ops_op op = { .name = "check-backup", .target = path, .arg = &k,
	    .work = check_locked };

	memset(res, 0, sizeof *res);
	return ops_run(ctx, &op, err);
}
