/* SPDX-License-Identifier: ISC */
/* page_content.c: Encrypted Content: how many values of each kind open
 * with the current key, the items that need attention (after a Delete or a
 * forced restore), and re-entering one of them (issue 17). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "ui_int.h"

/* The list keeps the first items only; rskeymgmt --missing lists them all. */
#define CONTENT_SHOWN 2000

static rs_content_item *items;
static size_t nitems;
static uint64_t nattention;
static rs_content_summary sum;
static int kind_filter = -1;                /* -1: every kind, else rs_value_kind */
static char load_error[RS_ERROR_MESSAGE_MAX];

static int keep_item(void *arg, const rs_content_item *it)
{
	(void)arg;
	if (kind_filter >= 0 && (int)it->kind != kind_filter)
		return RS_OK;
	nattention++;
	if (nitems < CONTENT_SHOWN)
		items[nitems++] = *it;
	return RS_OK;
}

static void content_load(void)
{
	rs_error err;

	nitems = 0;
	nattention = 0;
	load_error[0] = '\0';
	memset(&sum, 0, sizeof sum);
	if (items == NULL && (items = calloc(CONTENT_SHOWN, sizeof *items)) == NULL) {
		snprintf(load_error, sizeof load_error, "%s", _("out of memory"));
		return;
	}
	rs_err_clear(&err);
	if (rs_op_content_each(ui->ctx, true, keep_item, NULL, &sum, &err) != RS_OK)
		snprintf(load_error, sizeof load_error, "%s", err.message);
}

static const char *filter_text(void)
{
	return kind_filter < 0 ? _("all kinds") : rs_value_kind_text((rs_value_kind)kind_filter);
}

static int at_least(int have, int want)
{
	return want > have ? want : have;
}

/* The counts' columns: each as wide as its texts (kinds, headers, digits;
 * single bytes in the TUI), then grown to the usual 20/9/9/10 as far as
 * the line has room (German kinds are longer: the lines wrapped). */
static void count_widths(int room, int w[4])
{
	static const int usual[4] = { 20, 9, 9, 10 };
	char d[32];

	w[0] = (int)strlen(_("Kind"));
	w[1] = (int)strlen(_("Readable"));
	w[2] = (int)strlen(_("Missing"));
	w[3] = (int)strlen(_("Unreadable"));
	for (int k = 0; k < RS_KIND_COUNT; k++) {
		w[0] = at_least(w[0], (int)strlen(rs_value_kind_text((rs_value_kind)k)));
		w[1] = at_least(w[1], snprintf(d, sizeof d, "%llu",
		    (unsigned long long)sum.readable[k]));
		w[2] = at_least(w[2], snprintf(d, sizeof d, "%llu",
		    (unsigned long long)sum.missing[k]));
		w[3] = at_least(w[3], snprintf(d, sizeof d, "%llu",
		    (unsigned long long)sum.unreadable[k]));
	}
	room -= w[0] + w[1] + w[2] + w[3] + 3;
	for (int i = 0; i < 4 && room > 0; i++)
		if (w[i] < usual[i]) {
			int grow = usual[i] - w[i] < room ? usual[i] - w[i] : room;

			w[i] += grow;
			room -= grow;
		}
}

static char *content_text(int width)
{
	char **l = NULL, *out, esc[RS_ERROR_MESSAGE_MAX * 3];
	int n = 0, w[4];

	if (load_error[0]) {
		ui_escape(load_error, esc, sizeof esc);
		return ui_strdupf("%s%s%s", ui_on(UI_BAD), esc, ui_off(UI_BAD));
	}
	/* The text box wraps at width - 1. */
	count_widths(width - 1, w);
	ui_lines_add(&l, &n, "</B>%-*s %*s %*s %*s<!B>", w[0], _("Kind"), w[1],
	    _("Readable"), w[2], _("Missing"), w[3], _("Unreadable"));
	for (int k = 0; k < RS_KIND_COUNT; k++)
		ui_lines_add(&l, &n, "%-*s %*llu %s%*llu%s %s%*llu%s", w[0],
		    rs_value_kind_text((rs_value_kind)k), w[1],
		    (unsigned long long)sum.readable[k],
		    sum.missing[k] ? ui_on(UI_WARN) : "", w[2],
		    (unsigned long long)sum.missing[k],
		    sum.missing[k] ? ui_off(UI_WARN) : "",
		    sum.unreadable[k] ? ui_on(UI_BAD) : "", w[3],
		    (unsigned long long)sum.unreadable[k],
		    sum.unreadable[k] ? ui_off(UI_BAD) : "");
	if (nattention > nitems)
		ui_lines_add(&l, &n, _("Showing: %s, the first %zu of %llu."), filter_text(),
		    nitems, (unsigned long long)nattention);
	else
		ui_lines_add(&l, &n, _("Showing: %s, %zu to re-enter."), filter_text(), nitems);
	out = ui_lines_join(l, n);
	ui_lines_free(&l, &n);
	return out;
}

/* The short form for a narrow table ("sealed with another key" is the
 * long one); the re-enter dialog and F1 give the whole reason. */
static const char *reason(rs_value_state s, bool brief)
{
	if (brief && s == RS_VALUE_OTHER_KEY)
		return _("other key");
	return rs_value_state_text(s);
}

static int widest_reason(bool brief)
{
	int w = (int)strlen(_("Reason"));

	for (size_t i = 0; i < nitems; i++)
		if ((int)strlen(reason(items[i].state, brief)) > w)
			w = (int)strlen(reason(items[i].state, brief));
	return w;
}

/* Item and Reason as wide as their texts (the TUI's are single bytes; the
 * reason was cut at 12: "sealed with"); the name gets what is left, and
 * the reasons take their short form when the whole ones leave it less
 * than 8 columns. */
static char **content_table(int width, int *rows, char **header)
{
	char **l = NULL, nm[RS_NAME_MAX * 3], cut[RS_NAME_MAX];
	int n = 0, wi = (int)strlen(_("Item")), wr, wn;
	bool brief = false;

	for (size_t i = 0; i < nitems; i++)
		if ((int)strlen(items[i].item) > wi)
			wi = (int)strlen(items[i].item);
	wr = widest_reason(false);
	if (width - wi - wr - 2 < 8) {
		brief = true;
		wr = widest_reason(true);
	}
	/* What is left for the name, never wider than the table (a wider row
	 * or header makes CDK widen the list out of its box); no Name column
	 * when even its header does not fit. */
	wn = width - wi - wr - 2;
	if (wn < (int)strlen(_("Name")))
		wn = 0;
	*header = ui_strdupf("</B>%-*s %-*s %s<!B>", wi, _("Item"), wr,
	    _("Reason"), wn > 0 ? _("Name") : "");
	for (size_t i = 0; i < nitems; i++) {
		snprintf(cut, sizeof cut, "%.*s", wn, items[i].name);
		ui_escape(cut, nm, sizeof nm);
		ui_lines_add(&l, &n, "%-*s %-*s %s", wi, items[i].item, wr,
		    reason(items[i].state, brief), nm);
	}
	*rows = n;
	return l;
}

/* ---- the re-enter dialog ---- */

enum { F_VALUE, F_CONFIRM };

static char *reenter_text(ui_form *f)
{
	const rs_content_item *it = f->arg;
	char nm[RS_NAME_MAX * 3];

	ui_escape(it->name, nm, sizeof nm);
	return ui_strdupf("%s%s%s\n%s %s\n%s %s (%s)\n\n%s",
	    ui_on(UI_EMPH), nm, ui_off(UI_EMPH), _("Item:"), it->item, _("Kind:"),
	    rs_value_kind_text(it->kind), rs_value_state_text(it->state),
	    _("Type the value twice. It is encrypted with the current key and "
	    "never shown or logged."));
}

static bool reenter_ok(ui_form *f)
{
	const rs_content_item *it = f->arg;
	const char *v = f->values[F_VALUE];
	rs_error err;

	if (v[0] == '\0') {
		ui_message(_("Re-enter"), _("Type the value first."));
		return false;
	}
	if (strcmp(v, f->values[F_CONFIRM]) != 0) {
		ui_message(_("Re-enter"), _("The value and its confirmation differ."));
		return false;
	}
	rs_err_clear(&err);
	if (rs_op_set_value(ui->ctx, it->item, v, strlen(v), NULL, &err) != RS_OK) {
		ui_error_box(_("Re-enter"), &err);
		return false;
	}
	return true;    /* the core's step says what was set */
}

static bool reenter_button(ui_form *f, int button)
{
	return button != 0 || reenter_ok(f);
}

static void reenter(void)
{
	int row = ui_page_table_row();
	const char *buttons[] = { _("Set"), _("Cancel") };
	rs_content_item it;
	ui_form f;

	if (row < 0 || (size_t)row >= nitems) {
		ui_message(_("Re-enter"), _("Select an item that needs attention first."));
		return;
	}
	it = items[row];
	ui_results_clear(_("Re-enter a value"));
	ui_form_init(&f);
	f.title = _("Re-enter Value");
	f.help = "content";
	f.text_fn = reenter_text;
	f.nentries = 2;
	f.labels[F_VALUE] = _("Value:");
	f.labels[F_CONFIRM] = _("Confirm value:");
	f.hidden[F_VALUE] = f.hidden[F_CONFIRM] = true;
	f.max[F_VALUE] = f.max[F_CONFIRM] = RS_PASSWORD_MAX;
	f.buttons = buttons;
	f.nbuttons = 2;
	f.on_button = reenter_button;
	f.arg = &it;
	if (ui_form_run(&f) != 0)
		ui_results_add(RS_STEP_SKIPPED, "%s", _("Nothing was changed"));
	ui_form_free(&f);
}

static const char *buttons[] = { N_("Re-enter"), N_("Filter"), N_("Refresh") };

static void content_action(int button)
{
	if (button == 0)
		reenter();
	else if (button == 1)
		kind_filter = kind_filter + 1 >= RS_KIND_COUNT ? -1 : kind_filter + 1;
}

const ui_page ui_page_content = {
	.name = N_("Encrypted Content"),
	.help = "content",
	.load = content_load,
	.text = content_text,
	.buttons = buttons,
	.nbuttons = 3,
	.action = content_action,
	.table = content_table,
	.table_empty = N_("(nothing to re-enter)"),
	.text_height = 8,
};

/* After a Delete or a forced restore: offer to go where the values are
 * re-entered, when any needs attention. */
void ui_offer_content(void)
{
	rs_content_summary s;
	rs_error err;
	uint64_t attention = 0;
	const char *b[] = { _("Go there"), _("Later") };
	char *msg;

	rs_err_clear(&err);
	if (rs_op_content_each(ui->ctx, true, NULL, NULL, &s, &err) != RS_OK)
		return;
	for (int k = 0; k < RS_KIND_COUNT; k++)
		attention += s.missing[k] + s.unreadable[k];
	if (attention == 0)
		return;
	msg = ui_strdupf(ngettext("%llu value must be re-entered. Go to the "
	    "Encrypted Content page to see it and re-enter it?", "%llu values must "
	    "be re-entered. Go to the Encrypted Content page to see them and "
	    "re-enter them?", attention), (unsigned long long)attention);
	/* Going there changes nothing: it is the default. */
	if (ui_text_dialog(_("Encrypted Content"), msg, b, 2, 0, "content") == 0)
		ui_show_page(&ui_page_content);
	free(msg);
}
