/* SPDX-License-Identifier: ISC */
/* cmd_account.c: --service-account: a backup first, the service stopped,
 * the key re-wrapped for the new account, the service restarted.  The
 * stop / change / restart flow is the core's (rs_op_account_change), the
 * same call the TUI makes; this file confirms, makes the backup and
 * reports. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include "rskeymgmt.h"

static void account_report(struct run *r, const rs_account_result *res)
{
	j_str(&r->out, "old_account", res->old_account);
	j_str(&r->out, "new_account", res->new_account);
	j_bool(&r->out, "ownership_changed", res->ownership_changed);
	j_str(&r->out, "note", res->note);
	out_text(&r->out, _("Service account changed from %s to %s; the key was "
	    "re-wrapped for the new identity.\n"), res->old_account,
	    res->new_account);
	if (res->note[0] != '\0')
		out_text(&r->out, "%s\n", res->note);
}

/* The core stops the service, closes its own store connection before the
 * restart and starts it again; res says what happened to the service even
 * when the change failed. */
static void account_restart_report(struct run *r, const rs_account_result *res)
{
	if (res->restarted)
		out_text(&r->out, _("Restarted the report server service as %s.\n"),
		    res->service_account);
	else if (res->was_running)
		out_text(&r->out, _("Warning: the report server service could not "
		    "be restarted: %s\n"), res->restart_error);
}

int cmd_account(struct run *r)
{
	rs_backup_assurance assurance = RS_BACKUP_NONE;
	rs_account_result res;
	int rc = RS_OK;

	memset(&res, 0, sizeof res);
	/* Refused before the backup: nothing is written for a change that
	 * cannot happen. */
	rc = rs_op_account_check(r->ctx, r->cli->arg, &r->err);
	if (rc == RS_OK && (r->cli->file != NULL || r->cli->backup_exists))
		rc = confirm(r, "yes");
	if (rc == RS_OK && r->cli->file != NULL) {
		rc = backup_make(r);
		assurance = RS_BACKUP_MADE;
	} else if (rc == RS_OK && r->cli->backup_exists) {
		assurance = RS_BACKUP_STATED;
	}
	/* Without a backup the core refuses, in its own words. */
	if (rc == RS_OK) {
		rs_account_options opt = { .account = r->cli->arg,
		    .assurance = assurance, .heartbeat = r->cli->heartbeat };

		rc = rs_op_account_change(r->ctx, &opt, &res, &r->err);
		if (rc == RS_OK)
			account_report(r, &res);
		account_restart_report(r, &res);
	}
	return rc;
}
