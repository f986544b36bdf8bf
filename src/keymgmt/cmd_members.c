/* SPDX-License-Identifier: ISC */
/* cmd_members.c: --join and --remove of scale-out members. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include "rskeymgmt.h"

/* What the member's running service made of it, in the core's words. */
static void reach_print(struct run *r)
{
	const rs_member_reach *reach = rs_op_member_reach(r->ctx);

	j_str(&r->out, "service_reach", rs_reach_name(reach->how));
	j_str(&r->out, "service_reach_text", reach->text);
	j_i64(&r->out, "service_within_seconds", reach->within);
	if (reach->text[0] != '\0')
		out_text(&r->out, "%s\n", reach->text);
}

int cmd_join(struct run *r)
{
	int rc = rs_op_join(r->ctx, r->cli->arg, &r->err);

	if (rc != RS_OK)
		return rc;
	j_str(&r->out, "installation_id", r->cli->arg);
	out_text(&r->out, _("Member %s joined: it now holds a copy of the key.\n"),
	    r->cli->arg);
	reach_print(r);
	return RS_OK;
}

/* Shows which member goes before asking, so a pasted wrong ID is seen. */
static void remove_describe(struct run *r)
{
	rs_member_view *m = NULL;
	rs_error ignored = { 0, "" };
	size_t n = 0, i;

	if (r->cli->yes || rs_op_list_members(r->ctx, &m, &n, &ignored) != RS_OK)
		return;
	for (i = 0; i < n; i++)
		if (strcmp(m[i].installation_id, r->cli->arg) == 0)
			tty_print(_("Remove %s\\%s (%s, %s) from the scale-out "
			    "deployment? It loses its copy of the key.\n"),
			    m[i].machine, m[i].instance, m[i].installation_id,
			    rs_member_view_state_text(m[i].state));
	free(m);
}

int cmd_remove(struct run *r)
{
	int rc;

	remove_describe(r);
	rc = confirm(r, "yes");
	if (rc == RS_OK)
		rc = rs_op_remove(r->ctx, r->cli->arg, r->cli->allow_last, &r->err);
	if (rc != RS_OK)
		return rc;
	j_str(&r->out, "installation_id", r->cli->arg);
	out_text(&r->out, _("Member %s removed from the scale-out deployment.\n"),
	    r->cli->arg);
	reach_print(r);
	return RS_OK;
}
