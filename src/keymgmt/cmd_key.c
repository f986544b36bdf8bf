/* SPDX-License-Identifier: ISC */
/* cmd_key.c: what a command does to the key and every value sealed with
 * it: --delete, --reencrypt and --verify. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rskeymgmt.h"

/* ---- delete ---- */

struct reentry {
	int table;
	int64_t id;
	char *name, *what;
};

struct reentry_list {
	struct reentry *items;
	size_t n, cap;
	bool failed;
};

static void reentry_add(void *arg, int table, int64_t id, const char *name,
    const char *what)
{
	struct reentry_list *l = arg;
	struct reentry *grown;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		grown = realloc(l->items, l->cap * sizeof *grown);
		if (grown == NULL) {
			l->failed = true;
			return;
		}
		l->items = grown;
	}
	l->items[l->n].table = table;
	l->items[l->n].id = id;
	l->items[l->n].name = strdup(name ? name : "");
	l->items[l->n].what = strdup(what ? what : "");
	l->n++;
}

static void reentry_free(struct reentry_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->items[i].name);
		free(l->items[i].what);
	}
	free(l->items);
}

static void reentry_report(struct run *r, const struct reentry_list *l)
{
	const struct reentry *e;
	size_t i;

	j_open(&r->out, "reenter", '[');
	if (l->n > 0)
		out_text(&r->out, _("Re-enter these items:\n"));
	for (i = 0; i < l->n; i++) {
		e = &l->items[i];
		j_open(&r->out, NULL, '{');
		j_str(&r->out, "table", rs_content_info(e->table)->table);
		j_i64(&r->out, "id", e->id);
		j_str(&r->out, "name", e->name ? e->name : "");
		j_str(&r->out, "what", e->what ? e->what : "");
		j_close(&r->out, '}');
		out_text(&r->out, "  %s #%" PRId64 " %s: %s\n",
		    _(rs_content_info(e->table)->label), e->id,
		    e->name ? e->name : "", e->what ? e->what : "");
	}
	j_close(&r->out, ']');
}

static void delete_report(struct run *r, const rs_delete_result *res)
{
	j_u64(&r->out, "values", res->values);
	j_u64(&r->out, "datasources", res->datasources);
	j_u64(&r->out, "credentials", res->credentials);
	j_u64(&r->out, "subscriptions", res->subscriptions);
	j_u64(&r->out, "new_generation", res->new_generation);
	j_str(&r->out, "new_kcv", res->new_kcv);
	j_u64(&r->out, "members_rewrapped", res->members_rewrapped);
	out_text(&r->out, ngettext("Deleted the key and %" PRIu64 " encrypted "
	    "value. ", "Deleted the key and %" PRIu64 " encrypted values. ",
	    res->values), res->values);
	out_text(&r->out, ngettext("A new key is in place (generation %" PRIu32
	    ", check value %s), copied to %" PRIu64 " member.\n", "A new key is "
	    "in place (generation %" PRIu32 ", check value %s), copied to %"
	    PRIu64 " members.\n", res->members_rewrapped), res->new_generation,
	    res->new_kcv, res->members_rewrapped);
}

static int delete_confirm(struct run *r)
{
	rs_delete_result pre;
	int rc;

	if (r->cli->yes)
		return RS_OK;
	memset(&pre, 0, sizeof pre);
	rc = rs_op_delete_preview(r->ctx, &pre, &r->err);
	if (rc != RS_OK)
		return rc;
	tty_print(_("This deletes the symmetric key and all encrypted content: "
	    "%" PRIu64 " values (%" PRIu64 " connection strings, %" PRIu64
	    " stored credentials, %" PRIu64 " subscription settings). It cannot "
	    "be undone.\n"), pre.values, pre.datasources, pre.credentials,
	    pre.subscriptions);
	return confirm(r, "DELETE");
}

int cmd_delete(struct run *r)
{
	struct reentry_list l = { NULL, 0, 0, false };
	rs_delete_result res;
	int rc;

	memset(&res, 0, sizeof res);
	rc = delete_confirm(r);
	if (rc == RS_OK)
		rc = rs_op_delete_opt(r->ctx, r->cli->force, reentry_add, &l,
		    &res, &r->err);
	if (rc == RS_OK) {
		delete_report(r, &res);
		reentry_report(r, &l);
		if (l.failed)
			out_text(&r->out, _("(out of memory: the list above is "
			    "incomplete)\n"));
		missing_save_report(r);
	}
	reentry_free(&l);
	return rc;
}

/* ---- re-encrypt ---- */

/* The members that get the new key, with their keys' fingerprints: what
 * the admin approves (to the terminal), and with --yes what the change
 * will wrap for (to the output), so a planted row shows (issue 14). */
static void candidates_show(struct run *r, const rs_reviewed *c, size_t n,
    bool to_tty)
{
	if (to_tty)
		tty_print(_("Members that get the new key (%zu):\n"), n);
	else
		out_text(&r->out, _("Members that get the new key (%zu):\n"), n);
	for (size_t i = 0; i < n; i++) {
		if (to_tty)
			tty_print("  %s\\%s  %s  %s\n", c[i].machine,
			    c[i].instance, c[i].installation_id, c[i].fingerprint);
		else
			out_text(&r->out, "  %s\\%s  %s  %s\n", c[i].machine,
			    c[i].instance, c[i].installation_id, c[i].fingerprint);
	}
}

/* The same list in the JSON result, after the counts. */
static void candidates_json(struct run *r, const rs_reviewed *c, size_t n)
{
	j_open(&r->out, "reviewed", '[');
	for (size_t i = 0; i < n; i++) {
		j_open(&r->out, NULL, '{');
		j_str(&r->out, "installation_id", c[i].installation_id);
		j_str(&r->out, "machine", c[i].machine);
		j_str(&r->out, "instance", c[i].instance);
		j_str(&r->out, "fingerprint", c[i].fingerprint);
		j_close(&r->out, '}');
	}
	j_close(&r->out, ']');
}

/* Review the scale-out members and stop their services first (doc/ssrs.md,
 * Change). */
static int reencrypt_confirm(struct run *r, const rs_reviewed *c, size_t nc)
{
	struct member_table t = { .rows = NULL };
	int rc;

	if (r->cli->yes) {
		/* Printed before the change starts: a log of an interrupted
		 * or failed run still shows whom it was for. */
		candidates_show(r, c, nc, false);
		out_show(&r->out);
		return RS_OK;
	}
	if (tty_get() < 0)
		return need_yes(&r->err);
	candidates_show(r, c, nc, true);
	rc = member_table_load(r, &t);
	if (rc != RS_OK) {
		member_table_free(&t);
		return rc;
	}
	tty_print("%s\n", _("A new key will be made and every encrypted value "
	    "re-encrypted. Joined members get a copy of the new key; members "
	    "waiting to join must join afterwards:"));
	if (tty_get() >= 0) {
		FILE *f = fdopen(dup(tty_get()), "w");

		if (f != NULL) {
			members_table(f, &t);
			fclose(f);
		}
	}
	member_table_free(&t);
	tty_print("%s\n", _("Stop the report server service on every member "
	    "before you continue."));
	return confirm(r, "yes");
}

static void reencrypt_report(struct run *r, const rs_change_result *res)
{
	j_u64(&r->out, "values", res->values);
	j_u64(&r->out, "old_generation", res->old_generation);
	j_u64(&r->out, "new_generation", res->new_generation);
	j_str(&r->out, "old_kcv", res->old_kcv);
	j_str(&r->out, "new_kcv", res->new_kcv);
	j_u64(&r->out, "members_rewrapped", res->members_rewrapped);
	j_u64(&r->out, "members_waiting", res->members_waiting);
	j_u64(&r->out, "members_skipped", res->members_skipped);
	out_text(&r->out, ngettext("Re-encrypted %" PRIu64 " value with a new "
	    "key: generation %" PRIu32 " -> %" PRIu32 ", check value %s -> %s.\n",
	    "Re-encrypted %" PRIu64 " values with a new key: generation %" PRIu32
	    " -> %" PRIu32 ", check value %s -> %s.\n", res->values),
	    res->values, res->old_generation, res->new_generation,
	    res->old_kcv, res->new_kcv);
	out_text(&r->out, ngettext("%" PRIu64 " member holds a copy of the new "
	    "key; ", "%" PRIu64 " members hold a copy of the new key; ",
	    res->members_rewrapped), res->members_rewrapped);
	out_text(&r->out, ngettext("%" PRIu64 " waits to join.\n", "%" PRIu64
	    " wait to join.\n", res->members_waiting), res->members_waiting);
	out_text(&r->out, _("Make a new backup: rskeymgmt -e -f FILE\n"));
}

int cmd_reencrypt(struct run *r)
{
	rs_change_options opt = { .force = false };
	rs_change_result res;
	rs_reviewed *c = NULL;
	size_t nc = 0;
	struct progress p;
	int rc;

	memset(&res, 0, sizeof res);
	rc = rs_op_change_candidates(r->ctx, &c, &nc, &r->err);
	if (rc == RS_OK)
		rc = reencrypt_confirm(r, c, nc);
	if (rc != RS_OK) {
		free(c);
		return rc;
	}
	progress_start(&p, r, _("Re-encrypting"));
	opt.force = r->cli->force;
	opt.reviewed = c;
	opt.nreviewed = nc;
	/* The core checks who runs again under the admin lock, right before
	 * the change starts: what the review showed may be old by now. */
	rc = rs_op_change(r->ctx, &opt, progress_update, &p, &res, &r->err);
	progress_end(&p);
	if (rc == RS_OK)
		reencrypt_report(r, &res);
	/* Whether or not it went ahead: whom it was meant for. */
	candidates_json(r, c, nc);
	free(c);
	return rc;
}

/* ---- verify ---- */

static void verify_failures(struct run *r, const rs_verify_result *res)
{
	const rs_content_table_info *ti;
	int t, c;

	j_open(&r->out, "failed_values", '{');
	for (t = 0; t < RS_TABLE_COUNT; t++) {
		ti = rs_content_info(t);
		j_open(&r->out, ti->table, '{');
		for (c = 0; c < ti->ncells; c++) {
			j_u64(&r->out, ti->columns[c], res->failed_cells[t][c]);
			if (res->failed_cells[t][c] > 0)
				out_text(&r->out, _("  unreadable %s: %" PRIu64 "\n"),
				    cell_label(t, c), res->failed_cells[t][c]);
		}
		j_close(&r->out, '}');
	}
	j_close(&r->out, '}');
}

static void verify_report(struct run *r, const rs_verify_result *res)
{
	rs_status st;
	rs_error ignored = { 0, "" };

	j_u64(&r->out, "checked", res->checked);
	j_u64(&r->out, "readable", res->ok);
	j_u64(&r->out, "unreadable", res->failed);
	j_u64(&r->out, "malformed", res->malformed);
	j_u64(&r->out, "other_generation", res->other_generation);
	j_u64(&r->out, "auth_failed", res->auth_failed);
	memset(&st, 0, sizeof st);
	if (rs_op_status(r->ctx, &st, &ignored) == RS_OK) {
		key_json(&r->out, &st.key);
		out_text(&r->out, _("Key: generation %" PRIu32 ", check value "
		    "%s.\n"), st.key.generation, st.key.present ? st.key.kcv : "-");
	}
	out_text(&r->out, ngettext("Checked %" PRIu64 " value: %" PRIu64
	    " readable, %" PRIu64 " unreadable.\n", "Checked %" PRIu64 " values: %"
	    PRIu64 " readable, %" PRIu64 " unreadable.\n", res->checked),
	    res->checked, res->ok, res->failed);
	verify_failures(r, res);
	if (res->failed > 0)
		out_text(&r->out, _("  by cause: %" PRIu64 " malformed, %" PRIu64
		    " from another key generation, %" PRIu64 " do not open with "
		    "this key\n"), res->malformed, res->other_generation,
		    res->auth_failed);
}

int cmd_verify(struct run *r)
{
	rs_verify_result res;
	struct progress p;
	int rc;

	memset(&res, 0, sizeof res);
	progress_start(&p, r, _("Verifying"));
	rc = rs_op_verify(r->ctx, progress_update, &p, &res, &r->err);
	progress_end(&p);
	if (rc == RS_OK || rc == RS_ERR_FAILED)
		verify_report(r, &res);
	return rc;
}
