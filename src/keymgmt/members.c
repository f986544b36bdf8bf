/* SPDX-License-Identifier: ISC */
/* members.c: the scale-out members as a table (columns as wide as their
 * longest cell) or as JSON, and the hint to join those left waiting. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rskeymgmt.h"

static const char *member_state_name(rs_member_view_state s)
{
	switch (s) {
	case RS_VIEW_JOINED: return "joined";
	case RS_VIEW_WAITING: return "waiting-to-join";
	case RS_VIEW_REMOVED: return "removed-service-running";
	default: return "not-activated";
	}
}

static size_t width_max(size_t w, const char *s)
{
	size_t n = strlen(s);

	return n > w ? n : w;
}

/* Where name now starts in the table's names (each ends with its NUL). */
static size_t table_name(struct member_table *t, const char *name)
{
	size_t off = t->names_len;

	if (bytes_append(&t->names, &t->names_len, &t->names_cap, name,
	    strlen(name) + 1) != 0)
		t->failed = true;
	return off;
}

static int member_row_add(void *arg, const rs_member_view *v)
{
	struct member_table *t = arg;
	struct member_row *r;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct member_row *grown = realloc(t->rows, cap * sizeof *grown);

		if (grown == NULL)
			return RS_ERR_INTERNAL;
		t->rows = grown;
		t->cap = cap;
	}
	r = &t->rows[t->n++];
	memcpy(r->installation_id, v->installation_id, sizeof r->installation_id);
	r->is_local = v->is_local;
	/* Names from the database: escaped, so none forges a row. */
	r->machine = table_name(t, out_safe(v->machine));
	r->instance = table_name(t, out_safe(v->instance));
	r->state = rs_member_view_state_text(v->state);
	r->service = rs_member_service_text(v);
	r->last_seen = v->last_seen;
	rs_member_key_text(v, r->key, sizeof r->key);
	t->ws = width_max(t->ws, t->names + r->machine);
	t->wi = width_max(t->wi, t->names + r->instance);
	t->wt = width_max(t->wt, r->state);
	t->wv = width_max(t->wv, r->service);
	return t->failed ? RS_ERR_INTERNAL : RS_OK;
}

int member_table_load(struct run *r, struct member_table *t)
{
	int rc = rs_op_each_member(r->ctx, member_row_add, t, &r->err);

	if (rc == RS_ERR_INTERNAL && r->err.code == RS_OK)
		rs_err(&r->err, rc, _("out of memory"));
	return rc;
}

void member_table_free(struct member_table *t)
{
	free(t->rows);
	free(t->names);
	memset(t, 0, sizeof *t);
}

/* The service columns: Running / Stopped / Stale, and when it was last
 * heard of (a stale member's time is the point of showing it). */
void members_table(FILE *f, const struct member_table *t)
{
	int ws = (int)width_max(t->ws, _("Server"));
	int wi = (int)width_max(t->wi, _("Instance"));
	int wt = (int)width_max(t->wt, _("Status"));
	int wv = (int)width_max(t->wv, _("Service"));
	char seen[64];
	int wl = (int)width_max(0, _("Last seen"));

	/* The last column: what the running service holds, so a service left
	 * on an old key by a forced change stands out (issue 14). */
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].last_seen != 0) {
			local_time(t->rows[i].last_seen, seen, sizeof seen);
			wl = (int)width_max((size_t)wl, seen);
		}
	fprintf(f, "  %-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", ws, _("Server"),
	    wi, _("Instance"), wt, _("Status"), RS_ID_LEN,
	    _("Installation ID"), wv, _("Service"), wl, _("Last seen"),
	    _("Service key"));
	for (size_t i = 0; i < t->n; i++) {
		const struct member_row *r = &t->rows[i];

		if (r->last_seen == 0)
			snprintf(seen, sizeof seen, "-");
		else
			local_time(r->last_seen, seen, sizeof seen);
		fprintf(f, "%s %-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n",
		    r->is_local ? "*" : " ", ws, t->names + r->machine, wi,
		    t->names + r->instance, wt, r->state, RS_ID_LEN,
		    r->installation_id, wv, r->service, wl, seen, r->key);
	}
	fprintf(f, _("(* this instance)\n"));
}

static const char *member_service_name(const rs_member_view *v)
{
	return v->running ? "running" : v->stale ? "stale"
	    : v->last_seen ? "stopped" : "never-started";
}

int member_json(void *arg, const rs_member_view *m)
{
	struct out *o = arg;

	j_open(o, NULL, '{');
	j_str(o, "installation_id", m->installation_id);
	j_str(o, "machine", m->machine);
	j_str(o, "instance", m->instance);
	j_str(o, "service_account", m->service_account);
	j_str(o, "fingerprint", m->fingerprint);
	j_str(o, "status", member_state_name(m->state));
	j_bool(o, "local", m->is_local);
	j_time(o, "created", m->created);
	j_time(o, "joined", m->joined);
	j_str(o, "service", member_service_name(m));
	j_bool(o, "running", m->running);
	j_bool(o, "stale", m->stale);
	j_time(o, "last_seen", m->last_seen);
	j_i64(o, "service_pid", m->service_pid);
	j_bool(o, "service_activated", m->service_activated);
	j_u64(o, "service_generation", m->service_generation);
	j_bool(o, "service_old_key", m->service_old_key);
	j_close(o, '}');
	return RS_OK;
}

/* Members left waiting after a key change or a forced restore: say how to
 * let them join again (the CLI's way of "offering" it). */
void members_hint_join(struct run *r)
{
	rs_member_view *m = NULL;
	rs_error ignored = { 0, "" };
	size_t n = 0, i;

	if (rs_op_list_members(r->ctx, &m, &n, &ignored) != RS_OK)
		return;
	for (i = 0; i < n; i++)
		if (rs_member_must_join(&m[i]))
			out_text(&r->out, _("  %s\\%s must join again: "
			    "rskeymgmt -c %s --join %s\n"), out_safe(m[i].machine),
			    out_safe(m[i].instance), rs_ctx_config(r->ctx)->path,
			    m[i].installation_id);
	free(m);
}
