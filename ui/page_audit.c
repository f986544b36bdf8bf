/* SPDX-License-Identifier: ISC */
/* page_audit.c: Audit Log: the key operations, newest first. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_int.h"

#define AUDIT_MAX 500

static rs_audit_entry *entries;
static size_t nentries;
static char load_error[RS_ERROR_MESSAGE_MAX];

static void audit_load(void)
{
	rs_error err;

	free(entries);
	entries = NULL;
	nentries = 0;
	rs_err_clear(&err);
	load_error[0] = '\0';
	if (rs_op_audit_read(ui->ctx, AUDIT_MAX, &entries, &nentries, &err) != RS_OK)
		snprintf(load_error, sizeof load_error, "%s", err.message);
}

static void add_entry(char ***l, int *n, const rs_audit_entry *e)
{
	char when[64], target[1600], error[1600], who[300], ewho[900];
	/* "begin" is not a failure: its outcome follows (or the run was
	 * killed, which the missing outcome shows). */
	bool ok = strcmp(e->outcome, "ok") == 0 ||
	    strcmp(e->outcome, "begin") == 0;

	ui_format_time(e->time, when, sizeof when);
	ui_escape(e->target, target, sizeof target);
	ui_escape(e->error, error, sizeof error);
	/* The person behind sudo first; an address only the environment gave
	 * is marked so. */
	if (e->person[0] && strcmp(e->person, e->user) != 0)
		snprintf(who, sizeof who, "%s (%s)@%s%s", e->person, e->user,
		    e->from, e->from_env ? "?" : "");
	else
		snprintf(who, sizeof who, "%s@%s%s", e->user, e->from,
		    e->from_env ? "?" : "");
	ui_escape(who, ewho, sizeof ewho);
	ui_lines_add(l, n, "%s %s%s%s %s%s%s %s", when, ui_on(UI_EMPH), e->operation,
	    ui_off(UI_EMPH), ui_on(ok ? UI_GOOD : UI_BAD), e->outcome,
	    ui_off(ok ? UI_GOOD : UI_BAD), ewho);
	if (target[0])
		ui_lines_add(l, n, "    %s", target);
	if (error[0])
		ui_lines_add(l, n, "    %s", error);
}

static char *audit_text(int width)
{
	char **l = NULL, *out, esc[RS_ERROR_MESSAGE_MAX * 3];
	int n = 0;

	(void)width;
	if (load_error[0]) {
		ui_escape(load_error, esc, sizeof esc);
		ui_lines_add(&l, &n, "%s%s%s %s", ui_on(UI_BAD),
		    _("The audit log cannot be read:"), ui_off(UI_BAD), esc);
	} else if (nentries == 0) {
		ui_lines_add(&l, &n, "%s", _("No key operations recorded yet."));
	} else {
		ui_lines_add(&l, &n, ngettext("%zu entry (Up/Down, PgUp/PgDn "
		    "scroll):", "%zu entries, newest first (Up/Down, PgUp/PgDn "
		    "scroll):", nentries), nentries);
	}
	for (size_t i = 0; i < nentries; i++)
		add_entry(&l, &n, &entries[i]);
	out = ui_lines_join(l, n);
	ui_lines_free(&l, &n);
	return out;
}

static const char *buttons[] = { N_("Refresh") };

static void audit_action(int button)
{
	(void)button;
}

const ui_page ui_page_audit = {
	.name = N_("Audit Log"),
	.help = "audit",
	.load = audit_load,
	.text = audit_text,
	.buttons = buttons,
	.nbuttons = 1,
	.action = audit_action,
};
