/* SPDX-License-Identifier: ISC */
/* dlg_restore.c: Restore Encryption Key (doc/ssrs.md, Restore).  Opens the file first
 * and shows what it holds and how many values each key opens (the core's
 * trial decryption); a restore that loses readable values needs a second,
 * explicit confirmation that says how many.
 * Afterwards the other members wait to join again: offer to join them. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "ui_int.h"

/* The password first, hidden, where typing starts (as in Backup): a
 * password typed at once never shows in the file field. */
enum { F_PASSWORD, F_FILE };

/* One core call on the busy worker (key derivation takes 1-2 s). */
typedef struct restore_call {
	int (*op)(rs_ctx *, const char *, const char *, size_t,
	    rs_restore_result *, rs_error *);
	const char *path, *pw;
	bool force;
	rs_restore_result *res;
	rs_error err;
} restore_call;

static int call_work(void *arg)
{
	restore_call *c = arg;

	if (c->op == NULL)
		return rs_op_restore(ui->ctx, c->path, c->pw, strlen(c->pw),
		    c->force, c->res, &c->err);
	return c->op(ui->ctx, c->path, c->pw, strlen(c->pw), c->res, &c->err);
}

/* op NULL: rs_op_restore (changes the key: cannot be cancelled). */
static int run_busy(const char *title, restore_call *c)
{
	int rc;

	rs_err_clear(&c->err);
	memset(c->res, 0, sizeof *c->res);
	rc = ui_busy_run(title, _("Working: deriving the key from the "
	    "password..."), c->op != NULL, call_work, c);
	if (rc == RS_ERR_CANCELLED && c->err.code == 0)
		rs_err(&c->err, RS_ERR_CANCELLED, "%s", _("Cancelled; nothing was changed."));
	return rc;
}

typedef struct restore_dlg {
	bool done;
} restore_dlg;

static char *describe(const rs_restore_result *res)
{
	const rs_backup_info *info = &res->file;
	char path[PATH_MAX * 3], from[RS_NAME_MAX * 6 + 2], when[64], m[RS_NAME_MAX * 3];
	char counts[RS_ERROR_MESSAGE_MAX];
	enum ui_style st = res->trial.lost == 0 ? UI_GOOD : UI_BAD;

	ui_escape(info->path, path, sizeof path);
	ui_escape(info->meta.machine, m, sizeof m);
	snprintf(from, sizeof from, "%s\\", m);
	ui_escape(info->meta.instance, m, sizeof m);
	strncat(from, m, sizeof from - strlen(from) - 1);
	ui_format_time(info->meta.created, when, sizeof when);
	rs_restore_trial_text(&res->trial, counts, sizeof counts);
	return ui_strdupf("%-18s %s\n%-18s %s\n%-18s %s\n%-18s %u\n%-18s %s\n%-18s %s\n\n%s\n%s%s%s",
	    _("File:"), path, _("Made on:"), from, _("Made at:"), when,
	    _("Key generation:"), (unsigned)info->meta.generation,
	    _("Key check value:"), info->meta.kcv,
	    _("Same database:"), info->same_database ? _("yes") : _("no"),
	    counts, ui_on(st), info->matches_database ?
	    _("This is the key the database uses.") : res->trial.lost == 0 ?
	    _("This is not the key the database records, but applying it "
	    "loses no value that is readable now.") :
	    _("This is NOT the key the database uses."), ui_off(st));
}

/* Two confirmations when values are lost: what it is, then how many. */
static bool confirm_apply(const rs_restore_result *res)
{
	char *text = describe(res), *msg;
	bool yes;

	msg = ui_strdupf("%s\n\n%s", text, _("Apply this key to the instance?"));
	free(text);
	yes = ui_confirm(_("Restore: what the file holds"), msg, _("Apply"), _("Cancel"));
	free(msg);
	if (!yes || res->trial.lost == 0)
		return yes;
	msg = ui_strdupf(_("Applying a different key makes %llu encrypted values "
	    "(connection strings, stored credentials, subscription settings) "
	    "UNREADABLE, and every other server of the deployment must join again. "
	    "This cannot be undone without the right backup.\n\nReally apply this key?"),
	    (unsigned long long)res->trial.lost);
	yes = ui_confirm(_("Apply a DIFFERENT key?"), msg, _("Apply different key"), _("Cancel"));
	free(msg);
	return yes;
}

/* Members reset by the restore wait to join: join them from here, as Add
 * Server does (issue 18): every server that gets the key is named with its
 * fingerprint first, and each join logs its outcome. */
static void offer_join(uint64_t reset)
{
	rs_member_view *m = NULL;
	size_t n = 0, i;
	rs_error err;
	char *msg, *list = ui_strdupf("%s", ""), *more, plain[RS_NAME_MAX * 2 + 2];
	char name[sizeof plain * 3], fp[(RS_FINGERPRINT_LEN + 1) * 3];

	if (reset == 0 || list == NULL) {
		free(list);
		return;
	}
	rs_err_clear(&err);
	if (rs_op_list_members(ui->ctx, &m, &n, &err) != RS_OK) {
		free(list);
		ui_error_box(_("Restore"), &err);
		return;
	}
	for (i = 0; i < n && list != NULL; i++) {
		if (!rs_member_must_join(&m[i]))
			continue;
		snprintf(plain, sizeof plain, "%s\\%s", m[i].machine, m[i].instance);
		ui_escape(plain, name, sizeof name);
		ui_escape(m[i].fingerprint, fp, sizeof fp);
		more = ui_strdupf("%s\n  %s  %s", list, name, fp);
		free(list);
		list = more;
	}
	msg = ui_strdupf(ngettext("%llu other server must join again. Give these "
	    "servers a copy of the key now?\n%s\n\nCompare each key fingerprint "
	    "with the one rskeymgmt --status prints on that server.",
	    "%llu other servers must join again. Give these servers a copy of "
	    "the key now?\n%s\n\nCompare each key fingerprint with the one "
	    "rskeymgmt --status prints on that server.", reset),
	    (unsigned long long)reset, list ? list : "");
	free(list);
	if (msg == NULL || !ui_confirm(_("Join the other servers"), msg,
	    _("Join them"), _("Later"))) {
		free(msg);
		free(m);
		ui_results_add(RS_STEP_SKIPPED, "%s", _("The other servers were "
		    "not joined: Scale-out Deployment, Add Server joins them later"));
		return;
	}
	free(msg);
	for (i = 0; i < n; i++) {
		if (!rs_member_must_join(&m[i]))
			continue;
		snprintf(plain, sizeof plain, "%s\\%s", m[i].machine, m[i].instance);
		ui_escape(plain, name, sizeof name);
		rs_err_clear(&err);
		if (rs_op_join(ui->ctx, m[i].installation_id, &err) == RS_OK)
			ui_results_add(RS_STEP_OK, _("%s joined the scale-out "
			    "deployment"), name);
		else
			ui_step_cb(NULL, err.message, RS_STEP_FAILED);
	}
	free(m);
}

static bool restore_open(ui_form *f)
{
	restore_dlg *d = f->arg;
	const char *path = f->values[F_FILE], *pw = f->values[F_PASSWORD];
	rs_restore_result preview, res;
	restore_call c = { rs_op_restore_preview, path, pw, false, &preview, { 0 } };

	if (run_busy(_("Restore Encryption Key"), &c) != RS_OK) {
		if (c.err.code != RS_ERR_CANCELLED)
			ui_error_box(_("Restore"), &c.err);
		return false;
	}
	if (!confirm_apply(&preview)) {
		rs_op_cancelled(ui->ctx, "restore", path, NULL);
		return false;
	}
	c = (restore_call){ NULL, path, pw, preview.trial.lost > 0, &res, { 0 } };
	if (run_busy(_("Restore Encryption Key"), &c) != RS_OK) {
		ui_error_box(_("Restore"), &c.err);
		return false;
	}
	d->done = true;
	if (preview.trial.lost > 0 || res.key_replaced)
		ui_done_backup_now(_("Restore complete"), res.unreadable_values > 0 ?
		    _("The key from the file is now in use. Values sealed with the "
		    "replaced key cannot be read: delete and re-enter them.") :
		    _("The key from the file is applied to this instance."));
	else
		ui_message(_("Restore complete"), res.unreadable_values > 0 ?
		    _("The key from the file is now in use. Values sealed with the "
		    "replaced key cannot be read: delete and re-enter them.") :
		    _("The key from the file is applied to this instance."));
	offer_join(res.members_reset);
	return true;
}

static bool restore_button(ui_form *f, int button)
{
	if (button != 0)
		return true;
	if (f->values[F_FILE][0] == '\0' || f->values[F_PASSWORD][0] == '\0') {
		ui_message(_("Restore"), _("Type the password and the backup file."));
		return false;
	}
	return restore_open(f);
}

/* Restore and Check ask the same two things: the password first, in a
 * hidden field (so one typed at once is never shown), then the file, with
 * Browse, offering the newest backup here. */
static void backup_file_form(ui_form *f, const char *title, const char *text,
    const char **buttons)
{
	ui_form_init(f);
	f->title = title;
	f->help = "restore";
	f->text = text;
	f->nentries = 2;
	f->labels[F_PASSWORD] = _("Backup password:");
	f->labels[F_FILE] = _("Backup file:");
	f->browse[F_FILE] = true;
	f->hidden[F_PASSWORD] = true;
	f->max[F_FILE] = RS_PASSWORD_MAX;
	f->max[F_PASSWORD] = RS_PASSWORD_MAX_CHARS * 4;
	ui_latest_backup_path(f->values[F_FILE], RS_PASSWORD_MAX + 1);
	f->buttons = buttons;
	f->nbuttons = 2;
	f->focus = 0;
}

bool ui_dlg_restore(void)
{
	ui_form f;
	restore_dlg d = { false };
	const char *buttons[] = { _("Open"), _("Cancel") };

	ui_results_clear(_("Restore the encryption key"));
	backup_file_form(&f, _("Restore Encryption Key"),
	    _("Applies a saved copy of the symmetric key to this instance. "
	    "Type the password that protects the backup, then choose the file "
	    "(Browse); the dialog shows what the file holds before anything is "
	    "applied."), buttons);
	f.on_button = restore_button;
	f.arg = &d;
	(void)ui_form_run(&f);
	ui_form_free(&f);
	if (!d.done)
		ui_results_add(RS_STEP_SKIPPED, "%s", _("Restore cancelled; nothing was applied"));
	return d.done;
}

/* ---- Check a backup: the restore drill (rs_op_backup_check, the same op
 * as rskeymgmt --check-backup), changing nothing ---- */

static bool check_button(ui_form *f, int button)
{
	const char *path = f->values[F_FILE], *pw = f->values[F_PASSWORD];
	rs_restore_result res;
	restore_call c = { rs_op_backup_check, path, pw, false, &res, { 0 } };
	char *text, *msg;
	int rc;

	if (button != 0)
		return true;
	if (path[0] == '\0' || pw[0] == '\0') {
		ui_message(_("Check a backup"), _("Type the password and the backup file."));
		return false;
	}
	rc = run_busy(_("Check a backup"), &c);
	if (rc == RS_ERR_CANCELLED)
		return false;
	if (rc != RS_OK && !(rc == RS_ERR_KEY_MISMATCH && res.file.verified)) {
		ui_error_box(_("Check a backup"), &c.err);
		return false;
	}
	*(bool *)f->arg = true;
	{
		char counts[RS_ERROR_MESSAGE_MAX];

		rs_restore_trial_text(&res.trial, counts, sizeof counts);
		ui_results_add(res.trial.lost == 0 ? RS_STEP_OK : RS_STEP_WARNING,
		    "%s", counts);
	}
	text = describe(&res);
	msg = ui_strdupf("%s\n\n%s", text, _("Nothing was changed."));
	ui_message(_("Check a backup: what the file holds"), msg);
	free(msg);
	free(text);
	return true;
}

bool ui_dlg_check_backup(void)
{
	ui_form f;
	bool done = false;
	const char *buttons[] = { _("Check"), _("Cancel") };

	ui_results_clear(_("Check a backup"));
	backup_file_form(&f, _("Check a backup"),
	    _("Opens a backup file with its password and says what it holds "
	    "and how many of the encrypted values its key opens. Nothing is "
	    "changed: a restore drill."), buttons);
	f.on_button = check_button;
	f.arg = &done;
	(void)ui_form_run(&f);
	ui_form_free(&f);
	if (!done)
		ui_results_add(RS_STEP_SKIPPED, "%s", _("Check cancelled"));
	return done;
}
