/* SPDX-License-Identifier: ISC */
/* dlg_delete.c: Delete Encrypted Content (doc/ssrs.md, Delete).  Explains
 * what is lost with the counts from rs_op_delete_preview, offers a backup
 * first and demands the typed word DELETE. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_int.h"

/* Longer lists are summarized on the page; Results keep every item (the
 * history viewer shows and saves them all). */
#define REENTRY_SHOWN 40

typedef struct reentry {
	uint64_t count;
} reentry;

static char *consequences(const rs_delete_result *p)
{
	return ui_strdupf("%s%s%s\n\n%s\n  - %llu %s\n  - %llu %s\n  - %llu %s\n\n%s",
	    ui_on(UI_BAD), _("This deletes the symmetric key and ALL encrypted content. "
	    "It cannot be undone."), ui_off(UI_BAD),
	    _("What must be re-entered by hand, one item at a time:"),
	    (unsigned long long)p->datasources, _("data sources lose their connection strings"),
	    (unsigned long long)p->credentials, _("data sources lose their stored credentials"),
	    (unsigned long long)p->subscriptions,
	    _("subscriptions lose their delivery settings (file share and other "
	    "extensions that encrypt them)"),
	    _("Only delete the key if you cannot restore it from a backup. A new "
	    "key is created at once; back it up afterwards."));
}

/* 0: go on, 1: backed up (ask again), -1: cancelled. */
static int explain(const rs_delete_result *p)
{
	const char *b[] = { _("Back up first"), _("Continue"), _("Cancel") };
	rs_backup_info info;
	char *text = consequences(p);
	int r;

	r = ui_text_dialog(_("Delete Encrypted Content"), text, b, 3, 2, "delete");
	free(text);
	if (r == 0) {
		(void)ui_dlg_backup(_("Backup before deleting the key"), &info);
		return 1;
	}
	return r == 1 ? 0 : -1;
}

static bool typed_delete(ui_form *f, int button)
{
	if (button != 0)
		return true;
	if (strcmp(f->values[0], "DELETE") == 0)
		return true;
	ui_message(_("Delete"), _("Type the word DELETE (in capitals) to confirm, or "
	    "choose Cancel."));
	return false;
}

static bool confirm_typed(void)
{
	ui_form f;
	const char *b[] = { _("Delete key"), _("Cancel") };
	int r;

	ui_form_init(&f);
	f.title = _("Confirm deletion");
	f.help = "delete";
	f.text = _("To delete the key and all encrypted content, type DELETE and "
	    "choose Delete key.");
	f.nentries = 1;
	f.labels[0] = _("Type DELETE:");
	f.max[0] = 16;
	f.buttons = b;
	f.nbuttons = 2;
	f.button = 1;
	f.on_button = typed_delete;
	r = ui_form_run(&f);
	r = r == 0 && strcmp(f.values[0], "DELETE") == 0;
	ui_form_free(&f);
	return r;
}

static void each_item(void *arg, int table, int64_t id, const char *name,
    const char *what)
{
	reentry *re = arg;
	char n[RS_NAME_MAX * 3], w[512];

	(void)table;
	re->count++;
	ui_escape(name, n, sizeof n);
	ui_escape(what, w, sizeof w);
	ui_results_add(RS_STEP_WARNING, _("re-enter %s of %s (id %lld)"), w, n, (long long)id);
}

static void show_result(const rs_delete_result *r, const reentry *re)
{
	char *msg = ui_strdupf("%s\n\n%-26s %llu\n%-26s %llu\n%-26s %llu\n%-26s %u (%s)\n\n%s",
	    _("The key and the encrypted content were deleted; a new key is in use."),
	    _("Connection strings lost:"), (unsigned long long)r->datasources,
	    _("Stored credentials lost:"), (unsigned long long)r->credentials,
	    _("Subscriptions to update:"), (unsigned long long)r->subscriptions,
	    _("New key generation:"), (unsigned)r->new_generation, r->new_kcv,
	    re->count > REENTRY_SHOWN ?
	    _("The items to re-enter are listed in Results: press r for the whole "
	    "list, to search it and to save it to a file. Back up the new key now.") :
	    _("The items to re-enter are listed in Results. Back up the new key now."));

	ui_done_backup_now(_("Delete complete"), msg);
	free(msg);
}

/* Who runs, checked now, as Change does (issue 14): 0 nobody, 1 the
 * admin forces it knowing those services keep the deleted key, -1 cancel.
 * The core checks again under its lock. */
static int force_while_running(void)
{
	rs_running r;
	rs_error err;
	char esc[sizeof r.names * 3], *msg;
	bool yes;

	rs_err_clear(&err);
	if (rs_op_who_runs(ui->ctx, &r, &err) != RS_OK || r.count == 0)
		return 0;
	ui_escape(r.names, esc, sizeof esc);
	msg = ui_strdupf(_("The report server service is running on: %s. Stop "
	    "it there first (rskeymgmt --stop): a running service keeps the "
	    "deleted key until it is restarted. Delete anyway?"), esc);
	yes = ui_confirm(_("Services are running"), msg, _("Delete anyway"),
	    _("Cancel"));
	free(msg);
	return yes ? 1 : -1;
}

bool ui_dlg_delete(void)
{
	rs_delete_result prev, res;
	reentry re = { 0 };
	rs_error err;
	int step, force = 0;

	ui_results_clear(_("Delete the encryption key and encrypted content"));
	rs_err_clear(&err);
	memset(&prev, 0, sizeof prev);
	if (rs_op_delete_preview(ui->ctx, &prev, &err) != RS_OK) {
		ui_error_box(_("Delete"), &err);
		return false;
	}
	while ((step = explain(&prev)) == 1)
		;
	if (step < 0 || !confirm_typed() || (force = force_while_running()) < 0) {
		rs_op_cancelled(ui->ctx, "delete", NULL, NULL);
		ui_results_add(RS_STEP_SKIPPED, "%s", _("Delete cancelled; nothing was changed"));
		return false;
	}
	rs_err_clear(&err);
	memset(&res, 0, sizeof res);
	if (rs_op_delete_opt(ui->ctx, force > 0, each_item, &re, &res,
	    &err) != RS_OK) {
		ui_error_box(_("Delete"), &err);
		return false;
	}
	show_result(&res, &re);
	return true;
}
