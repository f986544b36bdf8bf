/* SPDX-License-Identifier: ISC */
/* cmd_migrate.c: --migrate-to: copy this SQLite database to PostgreSQL. */
#include <config.h>

#include <inttypes.h>
#include <string.h>
#include "rskeymgmt.h"

static void migrate_report(struct run *r, const rs_migrate_result *res)
{
	j_str(&r->out, "database", res->target);
	j_bool(&r->out, "copied", res->copied);
	j_u64(&r->out, "rows", res->rows);
	j_u64(&r->out, "members", res->members);
	j_u64(&r->out, "values", res->values);
	if (res->copied) {
		/* Two sentences: one plural form per count. */
		out_text(&r->out, ngettext("Copied %" PRIu64 " row to %s without "
		    "decrypting it.\n", "Copied %" PRIu64 " rows to %s without "
		    "decrypting them.\n", res->rows), res->rows, res->target);
		out_text(&r->out, ngettext("%" PRIu64 " member of the deployment "
		    "is among them.\n", "%" PRIu64 " members of the deployment "
		    "are among them.\n", res->members), res->members);
	} else
		out_text(&r->out, _("%s already holds this database; nothing was "
		    "copied.\n"), res->target);
	out_text(&r->out, ngettext("The %" PRIu64 " value opens there with this "
	    "instance's key; %s now uses it.\nThe SQLite database was left as "
	    "it was.  Point every other member at the same database: "
	    "rskeymgmt --migrate-to on each.\n", "All %" PRIu64 " values open "
	    "there with this instance's key; %s now uses it.\nThe SQLite "
	    "database was left as it was.  Point every other member at the same "
	    "database: rskeymgmt --migrate-to on each.\n", res->values),
	    res->values, rs_ctx_config(r->ctx)->path);
}

int cmd_migrate(struct run *r)
{
	rs_migrate_result res;
	struct progress p;
	int rc;

	memset(&res, 0, sizeof res);
	progress_start(&p, r, _("Migrating"));
	rc = rs_op_migrate(r->ctx, r->cli->arg, NULL, progress_update, &p, &res,
	    &r->err);
	progress_end(&p);
	if (rc == RS_OK)
		migrate_report(r, &res);
	return rc;
}
