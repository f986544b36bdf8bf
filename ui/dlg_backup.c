/* SPDX-License-Identifier: ISC */
/* dlg_backup.c: Backup Encryption Key (seeds 000, 001).  File location with
 * a default name, password and confirmation in hidden fields, and a live
 * checklist of the strong-password rules; OK is refused until every rule
 * holds and the two fields match. */
#include <config.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "secret.h"
#include "ui_int.h"

/* The password first, in reading order and where typing starts: a password
 * typed at once never lands in the clear file field (the same order in
 * Restore and Check a backup). */
enum { F_PASSWORD, F_CONFIRM, F_FILE };

typedef struct backup_dlg {
	const char *why;
	rs_backup_info *out;
	bool done;
} backup_dlg;

static void policy_of(ui_form *f, rs_policy_result *r)
{
	const char *pw = f->values[F_PASSWORD];

	(void)rs_op_password_check(ui->ctx, pw, strlen(pw), r, NULL);
}

static bool fields_match(ui_form *f)
{
	return strcmp(f->values[F_PASSWORD], f->values[F_CONFIRM]) == 0 &&
	    f->values[F_PASSWORD][0] != '\0';
}

static void check_line(char ***l, int *n, bool ok, const char *label)
{
	if (ok)
		ui_lines_add(l, n, "%s[x]%s %s", ui_on(UI_GOOD), ui_off(UI_GOOD), label);
	else
		ui_lines_add(l, n, "[ ] %s", label);
}

/* The checklist, recomputed on every keystroke. */
static char *checklist(ui_form *f)
{
	rs_policy_result r;
	char **l = NULL, *out;
	int n = 0, i;

	policy_of(f, &r);
	for (i = 0; i < RS_RULE_COUNT; i++)
		check_line(&l, &n, r.ok[i], rs_policy_rule_label(i));
	check_line(&l, &n, fields_match(f), _("password and confirmation match"));
	out = ui_lines_join(l, n);
	ui_lines_free(&l, &n);
	return out;
}

static char *backup_text(ui_form *f)
{
	backup_dlg *d = f->arg;
	char esc[RS_NAME_MAX * 3];

	char *body, *text;

	ui_escape(ui_instance_name(), esc, sizeof esc);
	body = ui_strdupf(_("Copies the symmetric key of %s to a file protected by "
	    "a password. Store the file and the password in a safe, off-site place."), esc);
	text = ui_strdupf("%s%s%s%s%s", d->why ? ui_on(UI_EMPH) : "", d->why ? d->why : "",
	    d->why ? ui_off(UI_EMPH) : "", d->why ? "\n" : "", body);
	free(body);
	return text;
}

static bool refuse_weak(ui_form *f)
{
	rs_policy_result r;
	char **l = NULL, *msg, broken[RS_ERROR_MESSAGE_MAX];
	int n = 0;

	policy_of(f, &r);
	if (rs_policy_passed(&r) && fields_match(f))
		return false;
	ui_lines_add(&l, &n, "%s", _("The password does not meet the strong-password policy:"));
	if (rs_policy_explain(&r, "  - ", broken, sizeof broken) > 0)
		ui_lines_add(&l, &n, "%s", broken);
	if (!fields_match(f))
		ui_lines_add(&l, &n, "  - %s", _("The password and its confirmation differ."));
	msg = ui_lines_join(l, n);
	ui_lines_free(&l, &n);
	ui_message(_("Password refused"), msg);
	free(msg);
	return true;
}

static bool confirm_overwrite(const char *path)
{
	struct stat st;
	char esc[PATH_MAX * 3], *msg;
	bool yes;

	if (stat(path, &st) != 0)
		return true;
	ui_escape(path, esc, sizeof esc);
	msg = ui_strdupf(_("%s already exists. Replace it with a backup of the current key?"), esc);
	yes = ui_confirm(_("File exists"), msg, _("Replace"), _("Keep it"));
	free(msg);
	return yes;
}

static void show_result(const rs_backup_info *info)
{
	char esc[PATH_MAX * 3], *msg;

	ui_escape(info->path, esc, sizeof esc);
	msg = ui_strdupf("%s\n\n%-18s %s\n%-18s %s\n%-18s %u\n%-18s %s%s%s",
	    _("The encryption key was backed up."),
	    _("File:"), esc, _("Key check value:"), info->meta.kcv,
	    _("Key generation:"), (unsigned)info->meta.generation,
	    _("Verified:"), ui_on(info->verified ? UI_GOOD : UI_BAD),
	    info->verified ? _("yes, read back and opened to the same key") : _("NO"),
	    ui_off(info->verified ? UI_GOOD : UI_BAD));
	ui_message(_("Backup complete"), msg);
	free(msg);
}

typedef struct backup_call {
	const char *path, *pw;
	bool overwrite;
	rs_backup_info *out;
	rs_error err;
} backup_call;

static int backup_work(void *arg)
{
	backup_call *c = arg;

	return rs_op_backup(ui->ctx, c->path, c->pw, strlen(c->pw), c->overwrite,
	    c->out, &c->err);
}

static bool backup_ok(ui_form *f)
{
	backup_dlg *d = f->arg;
	const char *path = f->values[F_FILE], *pw = f->values[F_PASSWORD];
	backup_call c;
	bool overwrite;

	if (path[0] == '\0') {
		ui_message(_("Backup"), _("Type the file location first."));
		return false;
	}
	if (refuse_weak(f))
		return false;
	overwrite = access(path, F_OK) == 0;
	/* One of the instance's own files: no "Replace?"; the backup below
	 * refuses it (and audits the refusal) before deriving anything. */
	if (overwrite && rs_op_backup_target_check(ui->ctx, path, NULL) == RS_OK &&
	    !confirm_overwrite(path))
		return false;
	memset(d->out, 0, sizeof *d->out);
	c = (backup_call){ path, pw, overwrite, d->out, { 0 } };
	rs_err_clear(&c.err);
	/* The file is written once the key is derived: no cancel. */
	if (ui_busy_run(_("Backup Encryption Key"), _("Working: deriving the key "
	    "from the password..."), false, backup_work, &c) != RS_OK) {
		ui_error_box(_("Backup"), &c.err);
		return false;
	}
	d->done = true;
	show_result(d->out);
	return true;
}

static bool backup_button(ui_form *f, int button)
{
	if (button != 0)
		return true;
	return backup_ok(f);
}

/* The current folder as a prefix for a file name ("" for the root). */
static void cwd_prefix(char *cwd, size_t size)
{
	if (getcwd(cwd, size) == NULL)
		snprintf(cwd, size, ".");
	if (strcmp(cwd, "/") == 0)
		cwd[0] = '\0';
}

/* INSTANCE-YYYYMMDDTHHMMSSZ.rskey in the current folder, as an absolute
 * path: the same form as the rsbackup timer's files, so two backups on one
 * day (or a manual one beside the timer's) never share a name. */
void ui_default_backup_path(char *out, size_t size)
{
	char cwd[PATH_MAX], stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	cwd_prefix(cwd, sizeof cwd);
	if (snprintf(out, size, "%s/%s-%s.rskey", cwd,
	    rs_ctx_config(ui->ctx)->instance, stamp) >= (int)size)
		snprintf(out, size, "%s-%s.rskey", rs_ctx_config(ui->ctx)->instance, stamp);
}

/* For Restore and Check a backup: the newest INSTANCE-*.rskey in the
 * current folder (the dated names sort by time), else the folder itself,
 * since a name made from the time now would name no file. */
void ui_latest_backup_path(char *out, size_t size)
{
	const char *inst = rs_ctx_config(ui->ctx)->instance;
	char cwd[PATH_MAX], best[NAME_MAX + 1] = "";
	size_t n = strlen(inst);
	struct dirent *e;
	DIR *dir;

	cwd_prefix(cwd, sizeof cwd);
	dir = opendir(cwd[0] ? cwd : "/");
	while (dir != NULL && (e = readdir(dir)) != NULL) {
		size_t len = strlen(e->d_name);

		if (strncmp(e->d_name, inst, n) == 0 && e->d_name[n] == '-' &&
		    len > n + 7 && strcmp(e->d_name + len - 6, ".rskey") == 0 &&
		    strcmp(e->d_name, best) > 0)
			snprintf(best, sizeof best, "%s", e->d_name);
	}
	if (dir != NULL)
		closedir(dir);
	if (snprintf(out, size, "%s/%s", cwd, best) >= (int)size)
		snprintf(out, size, "%s", best);
}

bool ui_dlg_backup(const char *why, rs_backup_info *out)
{
	ui_form f;
	backup_dlg d = { why, out, false };
	const char *buttons[] = { _("OK"), _("Cancel") };

	ui_form_init(&f);
	f.title = _("Backup Encryption Key");
	f.help = "backup";
	f.text_fn = backup_text;
	f.live_fn = checklist;
	f.nentries = 3;
	f.labels[F_FILE] = _("Backup file:");
	f.browse[F_FILE] = true;
	f.labels[F_PASSWORD] = _("Password:");
	f.labels[F_CONFIRM] = _("Confirm password:");
	f.hidden[F_PASSWORD] = f.hidden[F_CONFIRM] = true;
	f.max[F_FILE] = PATH_MAX - 1 < RS_PASSWORD_MAX ? PATH_MAX - 1 : RS_PASSWORD_MAX;
	f.max[F_PASSWORD] = f.max[F_CONFIRM] = RS_PASSWORD_MAX_CHARS * 4;
	ui_default_backup_path(f.values[F_FILE], RS_PASSWORD_MAX + 1);
	f.buttons = buttons;
	f.nbuttons = 2;
	f.on_button = backup_button;
	f.arg = &d;
	f.focus = 0;
	/* Inside another flow (account change) the results continue. */
	if (why == NULL)
		ui_results_clear(_("Back up the encryption key"));
	(void)ui_form_run(&f);
	ui_form_free(&f);
	if (!d.done)
		ui_results_add(RS_STEP_SKIPPED, "%s", _("Backup cancelled"));
	return d.done;
}

/* The end of Change, Delete and a forced restore: older backups hold a key
 * that is no longer in use, so the summary offers a backup right there.
 * Close is the default: Enter never starts another dialog unasked. */
void ui_done_backup_now(const char *title, const char *text)
{
	const char *b[] = { _("Back up now"), _("Close") };
	rs_backup_info info;

	if (ui_text_dialog(title, text, b, 2, 1, "message") == 0)
		(void)ui_dlg_backup(_("Back up the key now in use"), &info);
}
