/* SPDX-License-Identifier: ISC */
/* page_scaleout.c: Scale-out Deployment: the servers sharing the report
 * server database, joining a waiting one, removing one. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui_int.h"

static rs_member_view *members;
static size_t nmembers;
static char load_error[RS_ERROR_MESSAGE_MAX];

static void scaleout_load(void)
{
	rs_error err;

	free(members);
	members = NULL;
	nmembers = 0;
	load_error[0] = '\0';
	rs_err_clear(&err);
	if (rs_op_list_members(ui->ctx, &members, &nmembers, &err) != RS_OK)
		snprintf(load_error, sizeof load_error, "%s", err.message);
}

/* What the running services hold, in one line whatever the width: how
 * many run on the current key, and by name those on an OLD one (left by a
 * forced change), which are not activated (issue 14). */
static char *services_line(void)
{
	size_t running = 0, current = 0, old = 0;
	unsigned gen = 0;
	char names[512] = "", one[RS_NAME_MAX * 2 + 32], esc[sizeof names * 3];

	for (size_t i = 0; i < nmembers; i++) {
		const rs_member_view *v = &members[i];
		size_t used = strlen(names);

		running += v->running;
		if (v->service_activated) {
			current++;
			gen = v->service_generation;
		}
		if (!v->service_old_key)
			continue;
		old++;
		snprintf(one, sizeof one, "%s%s\\%s (%u)", used ? ", " : "",
		    v->machine, v->instance, (unsigned)v->service_generation);
		if (used + strlen(one) < sizeof names)
			memcpy(names + used, one, strlen(one) + 1);
	}
	if (running == 0)
		return ui_strdupf("%s", _("none running"));
	if (old == 0 && current == 0)
		return ui_strdupf(_("%zu running, none activated"), running);
	if (old == 0)
		return ui_strdupf(_("%zu running, %zu activated (key generation "
		    "%u)"), running, current, gen);
	ui_escape(names, esc, sizeof esc);
	return ui_strdupf(_("%zu running, %zu activated; %sOLD key: %s%s"),
	    running, current, ui_on(UI_WARN), esc, ui_off(UI_WARN));
}

static char *scaleout_text(int width)
{
	char db[PATH_MAX * 3], esc[RS_ERROR_MESSAGE_MAX * 3], *svc, *out;

	(void)width;
	ui_escape(rs_ctx_store_description(ui->ctx), db, sizeof db);
	if (load_error[0]) {
		ui_escape(load_error, esc, sizeof esc);
		return ui_strdupf("%s %s\n%s%s%s", _("Database:"), db, ui_on(UI_BAD), esc,
		    ui_off(UI_BAD));
	}
	svc = services_line();
	if (nmembers > 1)
		out = ui_strdupf(ngettext("%s scale-out deployment of %zu server\n"
		    "%s %s\n%s %s", "%s scale-out deployment of %zu servers\n"
		    "%s %s\n%s %s", nmembers), _("Mode:"), nmembers,
		    _("Services:"), svc ? svc : "", _("Database:"), db);
	else
		out = ui_strdupf("%s %s\n%s %s\n%s %s", _("Mode:"), nmembers == 1 ?
		    _("single server") : _("no server initialized yet"),
		    _("Services:"), svc ? svc : "", _("Database:"), db);
	free(svc);
	return out;
}

/* On a wide screen a last column shows the key each service holds (issue
 * 14; on a narrow one the Services line above names any old key). */
static bool wide(int width)
{
	return width >= 100;
}

/* Display width of s (columns, not bytes): the translations decide. */
static int text_width(const char *s)
{
	wchar_t w[256];
	size_t n = mbstowcs(w, s, sizeof w / sizeof w[0] - 1);
	int cols;

	if (n == (size_t)-1)
		return (int)strlen(s);
	w[n] = L'\0';
	cols = wcswidth(w, n);
	return cols < 0 ? (int)n : cols;
}

static int widest(int have, const char *s)
{
	int w = text_width(s);

	return w > have ? w : have;
}

/* Status and Service as wide as their widest text, header included (in
 * German "Wartet auf Beitritt" is wider than the English 15 columns);
 * Server and Instance share what is left after Service (and the key
 * column, 24, on a wide screen): each gets what its names need when both
 * fit, the rest split; half each when they do not. */
static void col_widths(int width, int *server, int *inst, int *status,
    int *service)
{
	int st = widest(0, _("Status")), sv = widest(0, _("Service"));
	int left, nm = widest(0, _("Server")), ni = widest(0, _("Instance"));

	for (int s = RS_VIEW_JOINED; s <= RS_VIEW_NOT_ACTIVATED; s++)
		st = widest(st, rs_member_view_state_text((rs_member_view_state)s));
	for (size_t i = 0; i < nmembers; i++) {
		sv = widest(sv, rs_member_service_text(&members[i]));
		nm = widest(nm, members[i].machine);
		ni = widest(ni, members[i].instance);
	}
	*status = st;
	*service = sv;
	left = width - st - sv - 3 - (wide(width) ? 25 : 0);
	/* The machine with " *"; the instance in one column less (the
	 * separator). */
	if (nm + 2 + ni + 1 <= left) {
		*server = nm + 2 + (left - nm - 2 - ni - 1) / 2;
		*inst = left - *server;
	} else {
		*server = left / 2;
		*inst = left - *server;
	}
	if (*server < 8)
		*server = 8;
	if (*inst < 8)
		*inst = 8;
}

static char **scaleout_table(int width, int *rows, char **header)
{
	char **l = NULL, m[RS_NAME_MAX * 3], in[RS_NAME_MAX * 3];
	int n = 0, cw, iw, sw, vw;

	col_widths(width, &cw, &iw, &sw, &vw);
	*header = ui_strdupf("</B>%-*s %-*s %-*s %-*s %s<!B>", cw, _("Server"),
	    iw - 1, _("Instance"), sw, _("Status"), vw, _("Service"),
	    wide(width) ? _("Service key") : "");
	for (size_t i = 0; i < nmembers; i++) {
		const rs_member_view *v = &members[i];
		char mm[RS_NAME_MAX + 4], key[64] = "";

		/* Escaping widens '<': cut the plain name first, then escape. */
		snprintf(mm, sizeof mm, "%.*s%s", cw - 2, v->machine, v->is_local ? " *" : "");
		ui_escape(mm, m, sizeof m);
		snprintf(mm, sizeof mm, "%.*s", iw - 1, v->instance);
		ui_escape(mm, in, sizeof in);
		if (wide(width))
			rs_member_key_text(v, key, sizeof key);
		/* A service left on an old key stands out (UI_WARN). */
		ui_lines_add(&l, &n, "%-*s %-*s %-*s %-*s %s%s%s", cw, m, iw - 1,
		    in, sw, rs_member_view_state_text(v->state), vw,
		    rs_member_service_text(v), v->service_old_key ?
		    ui_on(UI_WARN) : "", key, v->service_old_key ?
		    ui_off(UI_WARN) : "");
	}
	*rows = n;
	return l;
}

static const rs_member_view *selected(void)
{
	int row = ui_page_table_row();

	if (row < 0 || (size_t)row >= nmembers)
		return NULL;
	return &members[row];
}

/* "MACHINE\INSTANCE", escaped for CDK. */
static void member_name(const rs_member_view *v, char *out, size_t size)
{
	char plain[RS_NAME_MAX * 2 + 2];

	snprintf(plain, sizeof plain, "%s\\%s", v->machine, v->instance);
	ui_escape(plain, out, size);
}

/* Seed 000: verify that only valid report server instances get the key.
 * The fingerprint here comes from the database; the one the waiting
 * server's rskeymgmt --status prints comes from its own key store. */
static bool confirm_add(const rs_member_view *v, const char *name)
{
	char id[RS_ID_LEN * 3], fp[sizeof v->fingerprint * 3], *msg;
	bool yes;

	ui_escape(v->installation_id, id, sizeof id);
	ui_escape(v->fingerprint, fp, sizeof fp);
	msg = ui_strdupf(_("Give %s a copy of the encryption key?\n\n"
	    "Installation ID: %s\nKey fingerprint: %s\n\n"
	    "Compare the fingerprint with the \"Key fingerprint\" that "
	    "rskeymgmt --status prints on that server (or its Status page). "
	    "Add it only if they are the same."), name, id, fp);
	yes = ui_confirm(_("Add Server"), msg, _("Add"), _("Cancel"));
	free(msg);
	return yes;
}

static void add_server(void)
{
	const rs_member_view *v = selected();
	rs_error err;
	char name[RS_NAME_MAX * 6 + 2], id[RS_ID_LEN + 1];

	if (v == NULL || v->state != RS_VIEW_WAITING) {
		ui_message(_("Add Server"), _("Select a server whose status is "
		    "\"Waiting to join\", then choose Add Server."));
		return;
	}
	member_name(v, name, sizeof name);
	snprintf(id, sizeof id, "%s", v->installation_id);
	ui_results_clear(_("Add server"));
	if (!confirm_add(v, name)) {
		ui_results_add(RS_STEP_SKIPPED, _("%s was not added (cancelled)"), name);
		return;
	}
	rs_err_clear(&err);
	if (rs_op_join(ui->ctx, id, &err) != RS_OK) {
		ui_step_cb(NULL, err.message, RS_STEP_FAILED);
		ui_error_box(_("Add Server"), &err);
		return;
	}
	ui_results_add(RS_STEP_OK, _("%s joined the scale-out deployment"), name);
}

static bool is_last_joined(const rs_member_view *v)
{
	size_t joined = 0;

	for (size_t i = 0; i < nmembers; i++)
		if (members[i].state == RS_VIEW_JOINED)
			joined++;
	return v->state == RS_VIEW_JOINED && joined <= 1;
}

/* Removing the last member leaves nobody able to open the key. */
static bool confirm_remove(const rs_member_view *v, const char *name,
    bool *allow_last)
{
	char *msg;
	bool yes;

	*allow_last = is_last_joined(v);
	if (*allow_last)
		msg = ui_strdupf(_("%s is the LAST server that holds the key. After "
		    "removing it no report server can open the encrypted content until "
		    "a backup is restored. Remove it anyway?"), name);
	else
		msg = ui_strdupf(_("Remove %s from the scale-out deployment? Its copy "
		    "of the key is deleted; it must join again to serve reports."), name);
	yes = ui_confirm(_("Remove Server"), msg, _("Remove"), _("Cancel"));
	free(msg);
	return yes;
}

static void remove_server(void)
{
	const rs_member_view *v = selected();
	rs_backup_info info;
	rs_error err;
	bool allow_last;
	char id[RS_ID_LEN + 1], name[RS_NAME_MAX * 6 + 2], *ask, *why;
	const char *b[] = { _("Back up now"), _("Skip"), _("Cancel") };
	int choice;

	if (v == NULL) {
		ui_message(_("Remove Server"), _("Select a server first."));
		return;
	}
	snprintf(id, sizeof id, "%s", v->installation_id);
	member_name(v, name, sizeof name);
	ui_results_clear(_("Remove server"));
	ask = ui_strdupf(_("Back up the encryption key before removing %s?"),
	    name);
	choice = ui_text_dialog(_("Remove Server"), ask, b, 3, 0, "scaleout");
	free(ask);
	/* The backup names the server too, and keeps this flow's Results. */
	why = ui_strdupf(_("Backup before removing %s"), name);
	if (choice == 0 && !ui_dlg_backup(why, &info))
		choice = 2;
	free(why);
	if (choice == 2 || choice < 0 || !confirm_remove(v, name, &allow_last)) {
		ui_results_add(RS_STEP_SKIPPED, _("%s was not removed (cancelled)"), name);
		return;
	}
	rs_err_clear(&err);
	if (rs_op_remove(ui->ctx, id, allow_last, &err) != RS_OK) {
		ui_step_cb(NULL, err.message, RS_STEP_FAILED);
		ui_error_box(_("Remove Server"), &err);
		return;
	}
	ui_results_add(RS_STEP_OK, _("Server removed from the deployment: %s"),
	    name);
}

static const char *buttons[] = { N_("Add Server"), N_("Remove Server"), N_("Refresh") };

static void scaleout_action(int button)
{
	if (button == 0)
		add_server();
	else if (button == 1)
		remove_server();
}

const ui_page ui_page_scaleout = {
	.name = N_("Scale-out Deployment"),
	.help = "scaleout",
	.load = scaleout_load,
	.text = scaleout_text,
	.buttons = buttons,
	.nbuttons = 3,
	.action = scaleout_action,
	.table = scaleout_table,
	.table_empty = N_("(no servers)"),
	.text_height = 6,
};
