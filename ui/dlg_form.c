/* SPDX-License-Identifier: ISC */
/* dlg_form.c: every dialog is a form: a boxed panel with a title, wrapped
 * text that scrolls with PgUp/PgDn, up to three entry fields, optional live
 * lines (the password checklist) and a row of buttons.  The form keeps its
 * values outside the widgets so it can be rebuilt on resize. */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "ui_int.h"

#define FORM_MAX_WIDTH 76

static int form_width(void)
{
	int w = COLS - 4;

	return w > FORM_MAX_WIDTH ? FORM_MAX_WIDTH : w;
}

static int label_width(const ui_form *f)
{
	int i, w = 0, l;

	for (i = 0; i < f->nentries; i++) {
		l = (int)strlen(f->labels[i]);
		if (l > w)
			w = l;
	}
	return w + 1;
}

static char **live_lines(ui_form *f, int width, int *n)
{
	char *text, **lines;

	*n = 0;
	if (f->live_fn == NULL)
		return NULL;
	text = f->live_fn(f);
	lines = ui_wrap(text, width, n);
	free(text);
	return lines;
}

static char **text_lines(ui_form *f, int width, int *n)
{
	char *owned = f->text_fn ? f->text_fn(f) : NULL;
	const char *text = owned ? owned : (f->text ? f->text : "");
	char **lines = ui_wrap(text, width, n);

	free(owned);
	return lines;
}

static void draw_panel(ui_form *f, int text_lines_total, int text_rows)
{
	int w = getmaxx(f->panel), h = getmaxy(f->panel);
	char t[256];

	werase(f->panel);
	box(f->panel, 0, 0);
	snprintf(t, sizeof t, " %s ", f->title);
	wattron(f->panel, A_BOLD);
	mvwaddnstr(f->panel, 0, 2, t, w - 4);
	wattroff(f->panel, A_BOLD);
	if (text_lines_total > text_rows)
		mvwaddnstr(f->panel, h - 1, 2, _(" PgUp/PgDn: more text "), w - 4);
	mvwaddnstr(f->panel, h - 1, w - 10 > 2 ? w - 10 : 2, _(" F1 Help "), 9);
	wrefresh(f->panel);
}

/* Draws the panel's bottom border again over the buttonbox's spare row:
 * only that line is touched, so nothing else is repainted. */
static void fix_border(ui_form *f)
{
	int h = getmaxy(f->panel);

	touchline(f->panel, h - 1, 1);
	wrefresh(f->panel);
}

static bool on_entry(const ui_form *f)
{
	return f->focus >= 0 && f->focus < f->nentries;
}

static bool on_buttons(const ui_form *f)
{
	return f->focus == f->nentries;
}

static int browse_width(void)
{
	return (int)strlen(_("Browse")) + 2;
}

/* "[Browse]" beside a file field: reversed and bold when it has the focus,
 * so the focus shows without colour too. */
static void draw_browse(ui_form *f)
{
	char b[64];
	int i;

	for (i = 0; i < f->nentries; i++) {
		if (!f->browse[i] || f->panel == NULL)
			continue;
		snprintf(b, sizeof b, "[%s]", _("Browse"));
		wattrset(f->panel, f->focus == UI_FOCUS_BROWSE + i ? A_REVERSE | A_BOLD : A_NORMAL);
		mvwaddstr(f->panel, f->browse_y[i], f->browse_x, b);
		wattrset(f->panel, A_NORMAL);
		wnoutrefresh(f->panel);
	}
	doupdate();
}

static void draw_buttons(ui_form *f)
{
	if (f->bbox == NULL)
		return;
	drawCDKButtonbox(f->bbox, FALSE);
	fix_border(f);
}

/* The focused button is reversed and bold (visible in monochrome and with
 * NO_COLOR); while an entry has the focus the default button is only
 * underlined and the cursor sits in the entry. */
static void form_focus_visual(ui_form *f)
{
	if (f->bbox != NULL) {
		setCDKButtonboxHighlight(f->bbox, on_buttons(f) ? A_REVERSE | A_BOLD : A_UNDERLINE);
		setCDKButtonboxCurrentButton(f->bbox, f->button);
	}
	curs_set(on_entry(f) ? 1 : 0);
}

static void place_cursor(ui_form *f)
{
	if (on_entry(f))
		ui_entry_cursor(f->entry[f->focus]);
}

static void form_draw(ui_layer *l)
{
	ui_form *f = (ui_form *)l;
	int i, n;
	char **lines = text_lines(f, getmaxx(f->panel) - 5, &n);
	int rows = f->sw ? f->sw->viewSize : 0;

	CDKfreeStrings(lines);
	draw_panel(f, n, rows);
	if (f->sw)
		drawCDKSwindow(f->sw, FALSE);
	for (i = 0; i < f->nentries; i++)
		if (f->entry[i])
			drawCDKEntry(f->entry[i], FALSE);
	if (f->live)
		drawCDKSwindow(f->live, FALSE);
	form_focus_visual(f);
	draw_buttons(f);
	draw_browse(f);
	place_cursor(f);
}

/* An unboxed CDK swindow still keeps a row above and below its lines and a
 * column each side: place it so its lines land on rows y..y+rows-1. */
static CDKSWINDOW *make_text(int x, int y, int rows, int w, char **lines, int n)
{
	CDKSWINDOW *sw = newCDKSwindow(ui->screen, x - 1, y - 1, rows + 1,
	    w + 2, NULL, n + 10, FALSE, FALSE);

	if (sw != NULL && n > 0)
		setCDKSwindowContents(sw, lines, n);
	return sw;
}

/* Rows besides the text: borders, padding rows CDK widgets blank, fields,
 * live lines and the buttons. */
static int fixed_rows(const ui_form *f, int live)
{
	return 6 + f->nentries + (f->nentries ? 1 : 0) + (live ? live + 1 : 0);
}

static void build_widgets(ui_form *f, int x0, int y, int iw, int trows,
    char **tl, int tn, char **ll, int ln)
{
	int i, lw = label_width(f), bw = browse_width();

	f->sw = make_text(x0, y, trows, iw, tl, tn);
	y += trows + 1;
	f->browse_x = x0 + iw - bw - getbegx(f->panel);
	for (i = 0; i < f->nentries; i++, y++) {
		char label[128];

		snprintf(label, sizeof label, "%-*s", lw, f->labels[i]);
		f->browse_y[i] = y - getbegy(f->panel);
		f->entry[i] = ui_entry_new(x0, y, label, iw - lw -
		    (f->browse[i] ? bw + 1 : 0), f->max[i], f->hidden[i]);
		ui_entry_restore(f->entry[i], f->values[i]);
		rs_wipe(f->values[i], RS_PASSWORD_MAX + 1);
	}
	if (f->nentries > 0)
		y++;
	if (ln > 0) {
		f->live = make_text(x0, y, ln, iw, ll, ln);
		y += ln + 1;
	}
	/* A buttonbox is 2 rows higher than asked, below its buttons; the
	 * second of those is the panel's border (see fix_border). */
	f->bbox = newCDKButtonbox(ui->screen, x0, y, 1, iw, NULL, 1,
	    f->nbuttons, (CDK_CSTRING2)f->buttons, f->nbuttons, A_REVERSE,
	    FALSE, FALSE);
}

static void form_build(ui_layer *l)
{
	ui_form *f = (ui_form *)l;
	int w = form_width(), iw = w - 4, tn, ln, fixed, h, trows, x, y;
	char **tl = text_lines(f, iw - 1, &tn);
	char **ll = live_lines(f, iw - 1, &ln);

	f->live_rows = ln;
	fixed = fixed_rows(f, ln);
	trows = tn;
	h = trows + fixed;
	if (h > LINES) {
		h = LINES;
		trows = h - fixed;
		if (trows < 1)
			trows = 1;
	}
	x = (COLS - w) / 2;
	y = (LINES - h) / 2;
	f->panel = newwin(h, w, y, x);
	build_widgets(f, x + 2, y + 2, iw, trows, tl, tn, ll, ln);
	CDKfreeStrings(tl);
	CDKfreeStrings(ll);
	form_draw(l);
}

static void form_destroy(ui_layer *l)
{
	ui_form *f = (ui_form *)l;
	int i;

	for (i = 0; i < f->nentries; i++) {
		if (f->entry[i])
			ui_entry_save(f->entry[i], f->values[i], RS_PASSWORD_MAX + 1);
		ui_entry_destroy(&f->entry[i]);
	}
	if (f->sw)
		destroyCDKSwindow(f->sw);
	if (f->live)
		destroyCDKSwindow(f->live);
	if (f->bbox)
		destroyCDKButtonbox(f->bbox);
	f->sw = f->live = NULL;
	f->bbox = NULL;
	if (f->panel)
		delwin(f->panel);
	f->panel = NULL;
}

void ui_form_init(ui_form *f)
{
	int i;

	memset(f, 0, sizeof *f);
	f->layer.build = form_build;
	f->layer.destroy = form_destroy;
	f->layer.draw = form_draw;
	for (i = 0; i < UI_FORM_MAX_ENTRIES; i++) {
		f->values[i] = rs_secret_alloc(RS_PASSWORD_MAX + 1);
		if (f->values[i] == NULL)
			abort();
		f->max[i] = 256;
	}
}

void ui_form_free(ui_form *f)
{
	int i;

	for (i = 0; i < UI_FORM_MAX_ENTRIES; i++) {
		rs_secret_free(f->values[i], RS_PASSWORD_MAX + 1);
		f->values[i] = NULL;
	}
}

void ui_form_update_live(ui_form *f)
{
	int n;
	char **lines;

	if (f->live == NULL)
		return;
	lines = live_lines(f, getmaxx(f->live->win) - 3, &n);
	if (n > f->live_rows)
		n = f->live_rows;
	setCDKSwindowContents(f->live, lines, n);
	drawCDKSwindow(f->live, FALSE);
	CDKfreeStrings(lines);
}

/* The current value of entry i (the widget's buffer while it exists). */
static void sync_values(ui_form *f)
{
	int i;

	for (i = 0; i < f->nentries; i++)
		if (f->entry[i])
			ui_entry_save(f->entry[i], f->values[i], RS_PASSWORD_MAX + 1);
}

static bool press(ui_form *f, int button)
{
	bool close;

	sync_values(f);
	f->result = button;
	close = f->on_button ? f->on_button(f, button) : true;
	/* The values stay only in the widgets while the form is open; the
	 * next visit to the buttons starts on the default one again. */
	if (!close) {
		int i;

		f->button = f->default_button;
		form_focus_visual(f);
		draw_buttons(f);

		for (i = 0; i < f->nentries; i++)
			if (f->entry[i])
				rs_wipe(f->values[i], RS_PASSWORD_MAX + 1);
	}
	return close;
}

/* Focus stops in reading order: each entry (and its Browse button), then
 * the buttons. */
static void move_focus(ui_form *f, int delta)
{
	int stops[2 * UI_FORM_MAX_ENTRIES + 1], n = 0, i, at = 0;

	for (i = 0; i < f->nentries; i++) {
		stops[n++] = i;
		if (f->browse[i])
			stops[n++] = UI_FOCUS_BROWSE + i;
	}
	stops[n++] = f->nentries;
	for (i = 0; i < n; i++)
		if (stops[i] == f->focus)
			at = i;
	f->focus = stops[(at + delta + n) % n];
	form_focus_visual(f);
	draw_buttons(f);
	draw_browse(f);
	place_cursor(f);
}

/* Browse: the file selector fills entry i. */
static void browse(ui_form *f, int i)
{
	char path[PATH_MAX];

	sync_values(f);
	snprintf(path, sizeof path, "%s", f->values[i]);
	for (int k = 0; k < f->nentries; k++)
		rs_wipe(f->values[k], RS_PASSWORD_MAX + 1);
	if (ui_file_browse(path, sizeof path) && f->entry[i] != NULL) {
		setCDKEntryValue(f->entry[i], path);
		f->focus = i;
	}
	ui_redraw();
}

static void scroll_text(ui_form *f, int key)
{
	if (f->sw)
		(void)injectCDKSwindow(f->sw, (chtype)key);
}

static bool button_key(ui_form *f, int key)
{
	switch (key) {
	case KEY_LEFT:
		f->button = (f->button + f->nbuttons - 1) % f->nbuttons;
		break;
	case KEY_RIGHT:
		f->button = (f->button + 1) % f->nbuttons;
		break;
	case KEY_UP:
	case KEY_DOWN:
		if (f->nentries == 0)
			scroll_text(f, key);
		else
			move_focus(f, key == KEY_UP ? -1 : 1);
		return false;
	case KEY_ENTER:
	case ' ':
		return press(f, f->button);
	default:
		return false;
	}
	setCDKButtonboxCurrentButton(f->bbox, f->button);
	draw_buttons(f);
	return false;
}

static bool entry_key(ui_form *f, int key)
{
	switch (key) {
	case KEY_UP:
		move_focus(f, -1);
		return false;
	case KEY_DOWN:
		move_focus(f, 1);
		return false;
	case KEY_ENTER:
		/* Enter presses the form's action (first) button once the later
		 * fields hold something (a default file name, say); else it goes
		 * on to the next field. */
		sync_values(f);
		for (int i = f->focus + 1; i < f->nentries; i++)
			if (f->values[i][0] == '\0') {
				for (i = 0; i < f->nentries; i++)
					rs_wipe(f->values[i], RS_PASSWORD_MAX + 1);
				move_focus(f, 1);
				return false;
			}
		return press(f, 0);
	default:
		if (ui_entry_key(f->entry[f->focus], key) && f->live_fn) {
			sync_values(f);
			ui_form_update_live(f);
			for (int i = 0; i < f->nentries; i++)
				rs_wipe(f->values[i], RS_PASSWORD_MAX + 1);
		}
		return false;
	}
}

/* Returns true when the form closes. */
static bool form_key(ui_form *f, int key)
{
	switch (key) {
	case KEY_TAB:
		move_focus(f, 1);
		return false;
	case KEY_BTAB:
		move_focus(f, -1);
		return false;
	case KEY_PPAGE:
	case KEY_NPAGE:
	case KEY_HOME:
	case KEY_END:
		if (!on_entry(f) || (key != KEY_HOME && key != KEY_END))
			scroll_text(f, key);
		else
			ui_entry_key(f->entry[f->focus], key);
		return false;
	case KEY_ESC:
		f->result = -1;
		return true;
	default:
		if (f->focus >= UI_FOCUS_BROWSE) {
			if (key == KEY_ENTER || key == ' ')
				browse(f, f->focus - UI_FOCUS_BROWSE);
			else if (key == KEY_UP || key == KEY_LEFT)
				move_focus(f, -1);
			else if (key == KEY_DOWN || key == KEY_RIGHT)
				move_focus(f, 1);
			return false;
		}
		if (on_buttons(f))
			return button_key(f, key);
		return entry_key(f, key);
	}
}

static WINDOW *form_input_window(ui_form *f)
{
	if (on_entry(f) && f->entry[f->focus])
		return f->entry[f->focus]->fieldWin;
	return f->panel;
}

/* Help is a form of its own, so the form code shows it without calling
 * back up into the dialogs built on it. */
void ui_help(const char *topic)
{
	static int depth;
	const char *close[] = { _("Close") };
	ui_form help;

	/* F1 inside help does not stack help on help. */
	if (depth > 0)
		return;
	depth++;
	ui_form_init(&help);
	ui_help_topic(topic, &help.title, &help.text);
	help.buttons = close;
	help.nbuttons = 1;
	help.help = "message";
	(void)ui_form_run(&help);
	ui_form_free(&help);
	depth--;
}

int ui_form_run(ui_form *f)
{
	int key;

	if (f->focus > f->nentries)
		f->focus = 0;
	if (f->button < 0 || f->button >= f->nbuttons)
		f->button = 0;
	f->default_button = f->button;
	ui_push(&f->layer);
	for (;;) {
		if (!ui->too_small)
			place_cursor(f);
		key = ui_getkey(form_input_window(f));
		if (key == UI_KEY_SIGNAL) {
			f->result = -1;
			break;
		}
		if (key == KEY_RESIZE) {
			ui_relayout();
			continue;
		}
		if (key == KEY_F(1)) {
			ui_help(f->help);
			continue;
		}
		if (key == KEY_F(10)) {
			key = KEY_ESC;
		}
		if (form_key(f, key))
			break;
	}
	sync_values(f);
	ui_pop(&f->layer);
	return f->result;
}
