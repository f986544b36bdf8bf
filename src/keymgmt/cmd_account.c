/* cmd_account.c: --service-account: a backup first, the service stopped,
 * the key re-wrapped for the new account, the service restarted.  The
 * stop / change / restart flow (cmd_account after its confirmation, and
 * account_restart) is the part the TUI runs too: it moves to the core as
 * one call (issue 13, step 1). */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "rskeymgmt.h"
#include "service.h"

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

/* A service account change restarts a running service under the new
 * account: stopped before (it runs as the old one), started after. */
static void account_restart(struct run *r, bool was_running)
{
	char path[PATH_MAX];
	rs_config cfg;
	rs_error err = { 0 };

	if (!was_running)
		return;
	/* Our connection goes first: database files this (root) process made
	 * would otherwise be left for the new account to trip over. */
	snprintf(path, sizeof path, "%s", rs_ctx_config(r->ctx)->path);
	rs_ctx_close(r->ctx);
	r->ctx = NULL;
	if (rs_config_load(path, &cfg, &err) == RS_OK &&
	    rs_service_start(&cfg, r->cli->heartbeat, &err) == RS_OK) {
		out_text(&r->out, _("Restarted the report server service as %s.\n"),
		    cfg.service_account);
		return;
	}
	out_text(&r->out, _("Warning: the report server service could not be "
	    "restarted: %s\n"), err.message);
}

int cmd_account(struct run *r)
{
	rs_backup_assurance assurance = RS_BACKUP_NONE;
	bool was_running = false;
	rs_account_result res;
	int rc = RS_OK;

	memset(&res, 0, sizeof res);
	if (r->cli->file != NULL || r->cli->backup_exists)
		rc = confirm(r, "yes");
	if (rc == RS_OK && r->cli->file != NULL) {
		rc = backup_make(r);
		assurance = RS_BACKUP_MADE;
	} else if (rc == RS_OK && r->cli->backup_exists) {
		assurance = RS_BACKUP_STATED;
	}
	/* Without a backup the core refuses, in its own words. */
	if (rc == RS_OK && assurance != RS_BACKUP_NONE)
		rc = rs_service_stop(rs_ctx_config(r->ctx), &was_running, &r->err);
	if (rc == RS_OK)
		rc = rs_op_change_account(r->ctx, r->cli->arg, assurance, &res,
		    &r->err);
	if (rc == RS_OK)
		account_report(r, &res);
	/* Under the new account, or the old one if the change failed. */
	account_restart(r, was_running);
	return rc;
}
