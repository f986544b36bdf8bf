/* SPDX-License-Identifier: ISC */
/* page_keys.c: Encryption Keys: the four actions of doc/ssrs.md (Backup,
 * Restore, Change, Delete), each with its explanation. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "ui_int.h"

static char *keys_text(int width)
{
	const rs_status *st = &ui->status;
	char state[256];

	(void)width;
	if (ui->status_ok && st->key.present)
		snprintf(state, sizeof state, _("Current key: generation %u, check value %s."),
		    (unsigned)st->key.generation, st->key.kcv);
	else
		snprintf(state, sizeof state, "%s", _("No key information available."));
	return ui_strdupf("%s\n%s\n\n%s%s%s\n%s\n\n%s%s%s\n%s\n\n%s%s%s\n%s\n\n%s%s%s\n%s",
	    _("The symmetric key encrypts connection strings, stored credentials and "
	    "subscription settings in the report server database. Keep a backup copy: "
	    "changing the service account, moving the installation and joining a "
	    "scale-out deployment all need it."),
	    state,
	    ui_on(UI_EMPH), _("Backup"), ui_off(UI_EMPH),
	    _("Copies the symmetric key to a file protected by a strong password. "
	    "The key is never stored in plain text."),
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
	    "re-entered one by one. Only when the key cannot be restored."));
}

static const char *buttons[] = { N_("Backup"), N_("Restore"), N_("Change"), N_("Delete") };

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
	default:
		break;
	}
}

const ui_page ui_page_keys = {
	.name = N_("Encryption Keys"),
	.help = "keys",
	.text = keys_text,
	.buttons = buttons,
	.nbuttons = 4,
	.action = keys_action,
};
