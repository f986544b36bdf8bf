/* SPDX-License-Identifier: ISC */
/* page_keys.c: Encryption Keys: the four actions of doc/ssrs.md (Backup,
 * Restore, Change, Delete), each with its explanation. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "ui_int.h"

/* Backup freshness (the status op's key info, as --status's
 * backup_current): is there a backup of the key in use? */
static void freshness(const rs_status *st, char *out, size_t size)
{
	char when[64];

	if (!ui->status_ok || !st->key.present) {
		out[0] = '\0';
		return;
	}
	ui_format_time(st->key.last_backup, when, sizeof when);
	if (rs_backup_current(&st->key))
		snprintf(out, size, _("\nBackup of this key: yes, made %s."), when);
	else if (st->key.last_backup == 0)
		snprintf(out, size, "\n%s%s%s", ui_on(UI_WARN),
		    _("Backup of this key: NONE. Back up the key now."), ui_off(UI_WARN));
	else
		snprintf(out, size, "\n%s%s%s", ui_on(UI_WARN),
		    _("Backup of this key: NONE; the last backup holds an older key. "
		    "Back up the key now."), ui_off(UI_WARN));
}

static char *keys_text(int width)
{
	const rs_status *st = &ui->status;
	char state[256], fresh[512];

	(void)width;
	if (ui->status_ok && st->key.present)
		snprintf(state, sizeof state, _("Current key: generation %u, check value %s."),
		    (unsigned)st->key.generation, st->key.kcv);
	else
		snprintf(state, sizeof state, "%s", _("No key information available."));
	freshness(st, fresh, sizeof fresh);
	return ui_strdupf("%s\n%s\n\n%s%s%s\n%s%s\n\n%s%s%s\n%s\n\n%s%s%s\n%s\n\n%s%s%s\n%s\n\n%s%s%s\n%s",
	    _("The symmetric key encrypts connection strings, stored credentials and "
	    "subscription settings in the report server database. Keep a backup copy: "
	    "changing the service account, moving the installation and joining a "
	    "scale-out deployment all need it."),
	    state,
	    ui_on(UI_EMPH), _("Backup"), ui_off(UI_EMPH),
	    _("Copies the symmetric key to a file protected by a strong password. "
	    "The key is never stored in plain text."), fresh,
	    ui_on(UI_EMPH), _("Restore"), ui_off(UI_EMPH),
	    _("Applies a saved copy of the key to this instance. Only restore the "
	    "key the database uses; afterwards the other report servers of the "
	    "deployment must be initialized again."),
	    ui_on(UI_EMPH), _("Change"), ui_off(UI_EMPH),
	    _("Creates a new key and re-encrypts every encrypted value; all copies "
	    "in the scale-out deployment are replaced. Stop the Report Server "
	    "service on every server first. May take long with many values."),
	    ui_on(UI_EMPH), _("Delete"), ui_off(UI_EMPH),
	    _("Deletes the key and all encrypted content. Irreversible: connection "
	    "strings, stored credentials and subscription settings must be "
	    "re-entered one by one. Only when the key cannot be restored."),
	    ui_on(UI_EMPH), _("Check a backup"), ui_off(UI_EMPH),
	    _("Opens a backup with its password and says what it holds and how "
	    "many encrypted values its key opens, changing nothing: a restore "
	    "drill."));
}

static const char *buttons[] = { N_("Backup"), N_("Restore"), N_("Change"),
	N_("Delete"), N_("Check") };

static void keys_action(int button)
{
	rs_backup_info info;

	switch (button) {
	case 0:
		(void)ui_dlg_backup(NULL, &info);
		break;
	case 1:
		if (ui_dlg_restore())
			ui_offer_content();
		break;
	case 2:
		(void)ui_dlg_change();
		break;
	case 3:
		if (ui_dlg_delete())
			ui_offer_content();
		break;
	case 4:
		(void)ui_dlg_check_backup();
		break;
	default:
		break;
	}
}

const ui_page ui_page_keys = {
	.name = N_("Encryption Keys"),
	.help = "keys",
	.text = keys_text,
	.buttons = buttons,
	.nbuttons = 5,
	.action = keys_action,
};
