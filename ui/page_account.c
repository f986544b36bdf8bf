/* SPDX-License-Identifier: ISC */
/* page_account.c: Service Account.  A new identity means a new key pair, so
 * the key must be re-wrapped; Apply first offers a key backup (seeds 000,
 * 001) and goes on without one only when the admin states one exists. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_int.h"

static char *account_text(int width)
{
	const rs_config *c = rs_ctx_config(ui->ctx);
	char esc[RS_NAME_MAX * 3];

	(void)width;
	ui_escape(c->service_account, esc, sizeof esc);
	return ui_strdupf("%s %s%s%s\n\n%s\n\n%s",
	    _("Current service account:"), ui_on(UI_EMPH), esc, ui_off(UI_EMPH),
	    _("The Report Server service runs as this Unix account; its private "
	    "key, which unlocks the symmetric key, belongs to it."),
	    _("Type the new account below and choose Apply. You will be asked to "
	    "back up the encryption key first; then the key is re-encrypted for "
	    "the new account automatically."));
}

/* RS_BACKUP_MADE after a backup in the dialog, RS_BACKUP_STATED when the
 * admin says one exists, RS_BACKUP_NONE when they gave up. */
static rs_backup_assurance ask_backup(void)
{
	rs_backup_info info;
	const char *b[] = { _("Back up now"), _("I have a backup"), _("Cancel") };
	int r;

	r = ui_text_dialog(_("Back up the encryption key"),
	    _("Changing the service account re-encrypts the symmetric key for the "
	    "new account. Back up the key first, so that the encrypted content "
	    "can be recovered if anything goes wrong."), b, 3, 0, "account");
	if (r == 0)
		return ui_dlg_backup(_("Backup before the service account change"), &info)
		    ? RS_BACKUP_MADE : RS_BACKUP_NONE;
	if (r == 1 && ui_confirm(_("Confirm"),
	    _("Do you have a current backup of this encryption key, with its "
	    "password, stored safely? Without one, encrypted content may be lost "
	    "if the change fails."), _("Yes, I have one"), _("No")))
		return RS_BACKUP_STATED;
	return RS_BACKUP_NONE;
}

/* The core stops the service, changes the account and starts the service
 * again; its steps (and any restart warning) reach Results on their own. */
static void apply_change(const char *account, rs_backup_assurance a)
{
	rs_account_options opt = { .account = account, .assurance = a };
	rs_account_result res;
	rs_error err;
	char esc[RS_NAME_MAX * 3];
	int rc;

	rs_err_clear(&err);
	memset(&res, 0, sizeof res);
	rc = rs_op_account_change(ui->ctx, &opt, &res, &err);
	if (rc != RS_OK) {
		ui_step_cb(NULL, err.message, RS_STEP_FAILED);
		ui_error_box(_("Service Account"), &err);
		return;
	}
	ui_escape(res.new_account, esc, sizeof esc);
	ui_results_add(RS_STEP_OK, _("Service account is now %s"), esc);
	/* res.note is a step of its own already (done, or a warning when the
	 * ownership could not change): adding it again repeated that line. */
	ui_page_entry_clear();
}

static void account_apply(void)
{
	char account[RS_NAME_MAX], esc[RS_NAME_MAX * 3];
	rs_backup_assurance a;
	rs_error err;

	snprintf(account, sizeof account, "%s", ui_page_entry_value());
	if (account[0] == '\0') {
		ui_message(_("Service Account"), _("Type the new service account first."));
		return;
	}
	ui_escape(account, esc, sizeof esc);
	ui_results_clear(_("Change service account"));
	/* Refused before the backup prompt: no backup for a change that
	 * cannot happen. */
	rs_err_clear(&err);
	if (rs_op_account_check(ui->ctx, account, &err) != RS_OK) {
		ui_error_box(_("Service Account"), &err);
		return;
	}
	a = ask_backup();
	/* A hang-up or SIGTERM while the backup ran, or while its result was
	 * on screen: nobody is there to see the change, so it does not start
	 * (the backup, complete, stays). */
	if (ui_quitting() || a == RS_BACKUP_NONE)
		rs_op_cancelled(ui->ctx, "service-account", account, NULL);
	if (ui_quitting())
		return;
	if (a == RS_BACKUP_NONE) {
		ui_results_add(RS_STEP_SKIPPED, "%s", _("No backup made or stated: the account was not changed."));
		return;
	}
	ui_results_add(RS_STEP_OK, "%s", a == RS_BACKUP_MADE ? _("Key backed up") :
	    _("Administrator stated a backup exists"));
	apply_change(account, a);
}

static const char *buttons[] = { N_("Apply") };

static void account_action(int button)
{
	if (button == 0)
		account_apply();
}

const ui_page ui_page_account = {
	.name = N_("Service Account"),
	.help = "account",
	.text = account_text,
	.buttons = buttons,
	.nbuttons = 1,
	.action = account_action,
	.entry_label = N_("New account: "),
};
