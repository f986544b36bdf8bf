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

enum { F_FILE, F_PASSWORD };

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

/* Members reset by the restore wait to join: join them from here. */
static void offer_join(uint64_t reset)
{
	rs_member_view *m = NULL;
	size_t n = 0, i;
	rs_error err;
	char *msg;

	if (reset == 0)
		return;
	msg = ui_strdupf(ngettext("%llu other server must be initialized again. "
	    "Give it a copy of the key now?", "%llu other servers must be "
	    "initialized again. Give them a copy of the key now?", reset),
	    (unsigned long long)reset);
	if (!ui_confirm(_("Initialize other servers"), msg, _("Join them"), _("Later"))) {
		free(msg);
		return;
	}
	free(msg);
	rs_err_clear(&err);
	if (rs_op_list_members(ui->ctx, &m, &n, &err) != RS_OK) {
		ui_error_box(_("Restore"), &err);
		return;
	}
	for (i = 0; i < n; i++) {
		if (m[i].is_local || m[i].state == RS_VIEW_JOINED)
			continue;
		rs_err_clear(&err);
		(void)rs_op_join(ui->ctx, m[i].installation_id, &err);
	}
	free(m);
}

static bool restore_open(ui_form *f)
{
	restore_dlg *d = f->arg;
	const char *path = f->values[F_FILE], *pw = f->values[F_PASSWORD];
	rs_restore_result preview, res;
	rs_error err;

	rs_err_clear(&err);
	if (rs_op_restore_preview(ui->ctx, path, pw, strlen(pw), &preview, &err) != RS_OK) {
		ui_error_box(_("Restore"), &err);
		return false;
	}
	if (!confirm_apply(&preview))
		return false;
	rs_err_clear(&err);
	memset(&res, 0, sizeof res);
	if (rs_op_restore(ui->ctx, path, pw, strlen(pw), preview.trial.lost > 0,
	    &res, &err) != RS_OK) {
		ui_error_box(_("Restore"), &err);
		return false;
	}
	d->done = true;
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
		ui_message(_("Restore"), _("Type the file location and its password."));
		return false;
	}
	return restore_open(f);
}

bool ui_dlg_restore(void)
{
	ui_form f;
	restore_dlg d = { false };
	const char *buttons[] = { _("Open"), _("Cancel") };

	ui_results_clear(_("Restore the encryption key"));
	ui_form_init(&f);
	f.title = _("Restore Encryption Key");
	f.help = "restore";
	f.text = _("Applies a saved copy of the symmetric key to this instance. "
	    "Type the file and the password that protects it; the dialog shows "
	    "what the file holds before anything is applied.");
	f.nentries = 2;
	f.labels[F_FILE] = _("File location:");
	f.labels[F_PASSWORD] = _("Password:");
	f.hidden[F_PASSWORD] = true;
	f.max[F_FILE] = RS_PASSWORD_MAX;
	f.max[F_PASSWORD] = RS_PASSWORD_MAX_CHARS * 4;
	ui_default_backup_path(f.values[F_FILE], RS_PASSWORD_MAX + 1);
	f.buttons = buttons;
	f.nbuttons = 2;
	f.on_button = restore_button;
	f.arg = &d;
	f.focus = F_FILE;
	(void)ui_form_run(&f);
	ui_form_free(&f);
	if (!d.done)
		ui_results_add(RS_STEP_SKIPPED, "%s", _("Restore cancelled; nothing was applied"));
	return d.done;
}
