/* SPDX-License-Identifier: ISC */
/* app.c: the terminal, the frame and the main key loop.
 *
 *   row 0          title: machine\instance and activation state
 *   rows 1..H-8    navigation (left) and the selected page (right)
 *   rows H-7..H-2  Results: each step of the last action
 *   row H-1        key hints
 */
#include <config.h>

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "secret.h"
#include "ui.h"
#include "ui_int.h"

/* The navigation is as wide as its widest translated page name (the TUI's
 * texts are single bytes), borders included: 24 columns in English, 25
 * for German's "Verschluesselte Inhalte", at most 28 (each column taken
 * from the page area counts: the Scale-out table shares what is left). */
/* Results grow with the window: 6 rows at 24 lines, a quarter of more. */
#define RESULTS_HEIGHT (LINES > 24 ? 6 + (LINES - 24) / 4 : 6)
#define RESULTS_PANE_LINES 150   /* the newest; the viewer (r) has all */

static const ui_page *const pages[] = {
	&ui_page_status, &ui_page_keys, &ui_page_account, &ui_page_scaleout,
	&ui_page_audit, &ui_page_content,
};
#define NPAGES ((int)(sizeof pages / sizeof pages[0]))

/* Once: the language does not change while the TUI runs. */
static int nav_width(void)
{
	static int width;
	int w = 24;

	if (width > 0)
		return width;
	for (int i = 0; i < NPAGES; i++)
		if ((int)strlen(_(pages[i]->name)) + 2 > w)
			w = (int)strlen(_(pages[i]->name)) + 2;
	width = w > 28 ? 28 : w;
	return width;
}

enum slot { SLOT_NAV, SLOT_ENTRY, SLOT_TABLE, SLOT_BUTTONS, SLOT_RESULTS, SLOT_COUNT };

static struct frame {
	int page;
	enum slot slot;
	int button;
	int table_row;
	bool table_empty;
	char entry_value[RS_NAME_MAX];
	CDKSCROLL *nav;
	CDKSWINDOW *text;
	CDKSCROLL *table;
	CDKENTRY *entry;
	CDKBUTTONBOX *bbox;
	CDKSWINDOW *results;
} fr;

static const ui_page *cur(void)
{
	return pages[fr.page];
}

/* A page an action asked to show (ui_show_page in state.c), once it
 * returns. */
static int pending_page = -1;

static void frame_show_page(const ui_page *p)
{
	for (int i = 0; i < NPAGES; i++)
		if (pages[i] == p)
			pending_page = i;
}

static void results_fill(void)
{
	int width, n = 0, i, k;
	char **lines = NULL, **wrapped;

	if (fr.results == NULL)
		return;
	width = getmaxx(fr.results->win) - 3;
	i = ui->nresults > RESULTS_PANE_LINES ? ui->nresults - RESULTS_PANE_LINES : 0;
	if (i > 0)
		ui_lines_add(&lines, &n, _("(%d earlier lines: r shows them all)"), i);
	for (; i < ui->nresults; i++) {
		wrapped = ui_wrap(ui->results[i], width, &k);
		for (int j = 0; j < k; j++)
			ui_lines_add(&lines, &n, "%s", wrapped[j]);
		CDKfreeStrings(wrapped);
	}
	if (n == 0)
		ui_lines_add(&lines, &n, "%s", _("No action yet."));
	setCDKSwindowContents(fr.results, lines, n);
	/* Show the newest steps. */
	if (n > getmaxy(fr.results->win) - 3)
		jumpToLineCDKSwindow(fr.results, BOTTOM);
	ui_lines_free(&lines, &n);
}

/* The current page's data, after state.c's ui_reload read the status. */
static void frame_page_load(void)
{
	if (cur()->load)
		cur()->load();
}

/* ---- drawing the frame ---- */

static void draw_title(void)
{
	char esc[2 * RS_NAME_MAX + 2], line[sizeof esc + 256];
	const char *state;
	attr_t a = ui->color ? (COLOR_PAIR(5) | A_BOLD) : A_REVERSE;

	if (!ui->status_ok)
		state = _("status unknown");
	else if (ui->status.activation == RS_ACTIVATED)
		state = _("Activated");
	else
		state = _("NOT ACTIVATED");
	snprintf(esc, sizeof esc, "%s", ui_instance_name());
	for (char *p = esc; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	snprintf(line, sizeof line, " %s  |  %s  |  %s", _("Report Server Configuration Manager"),
	    esc, state);
	move(0, 0);
	attrset(a);
	hline(' ', COLS);
	mvaddnstr(0, 0, line, COLS);
	attrset(A_NORMAL);
}

static void draw_hints(void)
{
	const char *h = _(" F1 Help  Tab Next  r Results  F5 Refresh  F10 Quit   (Esc 1: F1, Esc 0: F10)");

	move(LINES - 1, 0);
	clrtoeol();
	attrset(A_BOLD);
	mvaddnstr(LINES - 1, 0, h, COLS);
	attrset(A_NORMAL);
}

static void focus_visual(void)
{
	if (fr.nav)
		setCDKScrollHighlight(fr.nav, fr.slot == SLOT_NAV ? A_REVERSE : (A_BOLD | A_UNDERLINE));
	if (fr.table)
		setCDKScrollHighlight(fr.table, fr.slot == SLOT_TABLE ? A_REVERSE : A_UNDERLINE);
	if (fr.bbox) {
		setCDKButtonboxHighlight(fr.bbox, fr.slot == SLOT_BUTTONS ? A_REVERSE : A_NORMAL);
		setCDKButtonboxCurrentButton(fr.bbox, fr.button);
	}
	if (fr.results)
		setCDKSwindowBoxAttribute(fr.results, fr.slot == SLOT_RESULTS ? A_BOLD : A_NORMAL);
	curs_set(fr.slot == SLOT_ENTRY ? 1 : 0);
}

/* The entry row is not a CDK box: its side borders are drawn here. */
static int entry_row = -1, entry_left, entry_right;

static void frame_draw(ui_layer *l)
{
	(void)l;
	erase();
	draw_title();
	draw_hints();
	if (fr.entry && entry_row > 0) {
		mvaddch(entry_row, entry_left, ACS_VLINE);
		mvaddch(entry_row, entry_right, ACS_VLINE);
	}
	wnoutrefresh(stdscr);
	doupdate();
	focus_visual();
	results_fill();
	if (fr.nav)
		drawCDKScroll(fr.nav, TRUE);
	if (fr.text)
		drawCDKSwindow(fr.text, TRUE);
	if (fr.table)
		drawCDKScroll(fr.table, TRUE);
	if (fr.entry)
		drawCDKEntry(fr.entry, FALSE);
	if (fr.bbox)
		drawCDKButtonbox(fr.bbox, TRUE);
	if (fr.results)
		drawCDKSwindow(fr.results, TRUE);
}

/* ---- building the page area ---- */

static CDKSWINDOW *text_box(int x, int y, int h, int w, const char *title,
    char *text)
{
	CDKSWINDOW *sw;
	char **lines;
	int n;

	char full[256];

	/* CDK leaves the last column of a swindow line empty. */
	lines = ui_wrap(text, w - 3, &n);
	if (n > h - 3)
		snprintf(full, sizeof full, "%s  %s", title, _("(Up/Down, PgUp/PgDn: more)"));
	else
		snprintf(full, sizeof full, "%s", title);
	title = full;
	/* CDK makes a swindow h + title + 1 rows high. */
	sw = newCDKSwindow(ui->screen, x, y, h - 2, w, title, n + 10, TRUE, FALSE);
	if (sw != NULL)
		setCDKSwindowContents(sw, lines, n);
	CDKfreeStrings(lines);
	return sw;
}

static void build_table(int x, int y, int h, int w)
{
	char *header = NULL, **rows;
	char none[128];
	const char *empty[1];
	int n = 0;

	rows = cur()->table(w - 3, &n, &header);
	fr.table_empty = n == 0;
	if (n == 0) {
		/* Each page says what its empty table lacks. */
		snprintf(none, sizeof none, "%s", cur()->table_empty ?
		    _(cur()->table_empty) : "");
		empty[0] = none;
		fr.table = newCDKScroll(ui->screen, x, y, NONE, h, w, header,
		    (CDK_CSTRING2)empty, 1, FALSE, A_REVERSE, TRUE, FALSE);
	} else {
		fr.table = newCDKScroll(ui->screen, x, y, NONE, h, w, header,
		    (CDK_CSTRING2)rows, n, FALSE, A_REVERSE, TRUE, FALSE);
	}
	if (fr.table_row >= n)
		fr.table_row = n > 0 ? n - 1 : 0;
	if (fr.table)
		setCDKScrollCurrentItem(fr.table, fr.table_row);
	CDKfreeStrings(rows);
	free(header);
}

static void page_build(void)
{
	const ui_page *p = cur();
	int x = nav_width(), w = COLS - nav_width(), top = 1;
	int bottom = LINES - RESULTS_HEIGHT - 1;   /* first row below the page */
	int by = bottom - 3, th;
	char title[160], *text;
	const char *bl[8];

	snprintf(title, sizeof title, "</B>%s<!B>", _(p->name));
	th = by - top;
	if (p->entry_label) {
		/* One unboxed row above the buttons. */
		th--;
		entry_row = by - 1;
		entry_left = x;
		entry_right = x + w - 1;
		fr.entry = ui_entry_new(x + 1, by - 1, _(p->entry_label), w - 2 -
		    (int)strlen(_(p->entry_label)), RS_NAME_MAX - 1, false);
		ui_entry_restore(fr.entry, fr.entry_value);
	}
	if (p->table && p->text_height > 0 && p->text_height < th) {
		build_table(x, top + p->text_height, th - p->text_height, w);
		th = p->text_height;
	}
	text = p->text(w - 2);
	fr.text = text_box(x, top, th, w, title, text);
	free(text);
	for (int i = 0; i < p->nbuttons && i < 8; i++)
		bl[i] = _(p->buttons[i]);
	/* A buttonbox is always 2 rows higher than asked. */
	fr.bbox = newCDKButtonbox(ui->screen, x, by, 1, w - 1, NULL, 1,
	    p->nbuttons, (CDK_CSTRING2)bl, p->nbuttons, A_REVERSE,
	    TRUE, FALSE);
}

static void page_destroy(void)
{
	if (fr.entry) {
		ui_entry_save(fr.entry, fr.entry_value, sizeof fr.entry_value);
		ui_entry_destroy(&fr.entry);
	}
	if (fr.table) {
		fr.table_row = getCDKScrollCurrentItem(fr.table);
		destroyCDKScroll(fr.table);
	}
	if (fr.text)
		destroyCDKSwindow(fr.text);
	if (fr.bbox)
		destroyCDKButtonbox(fr.bbox);
	fr.table = NULL;
	fr.text = NULL;
	fr.bbox = NULL;
}

static void nav_build(void)
{
	const char *names[NPAGES];
	int i;

	for (i = 0; i < NPAGES; i++)
		names[i] = _(pages[i]->name);
	fr.nav = newCDKScroll(ui->screen, 0, 1, NONE,
	    LINES - RESULTS_HEIGHT - 2, nav_width(), NULL, (CDK_CSTRING2)names,
	    NPAGES, FALSE, A_REVERSE, TRUE, FALSE);
	if (fr.nav)
		setCDKScrollCurrentItem(fr.nav, fr.page);
}

static void frame_build(ui_layer *l)
{
	nav_build();
	page_build();
	fr.results = newCDKSwindow(ui->screen, 0, LINES - RESULTS_HEIGHT - 1,
	    RESULTS_HEIGHT - 2, COLS, _("</B>Results<!B>  (r: history, save)"),
	    RESULTS_PANE_LINES * 8, TRUE, FALSE);
	frame_draw(l);
}

static void frame_destroy(ui_layer *l)
{
	(void)l;
	page_destroy();
	if (fr.nav)
		destroyCDKScroll(fr.nav);
	if (fr.results)
		destroyCDKSwindow(fr.results);
	fr.nav = NULL;
	fr.results = NULL;
}

/* ---- what pages ask of the frame (through state.c's hooks) ---- */

static int frame_table_row(void)
{
	if (fr.table_empty)
		return -1;
	if (fr.table)
		fr.table_row = getCDKScrollCurrentItem(fr.table);
	return fr.table_row;
}

static const char *frame_entry_value(void)
{
	if (fr.entry)
		ui_entry_save(fr.entry, fr.entry_value, sizeof fr.entry_value);
	return fr.entry_value;
}

static void frame_entry_clear(void)
{
	memset(fr.entry_value, 0, sizeof fr.entry_value);
	if (fr.entry)
		cleanCDKEntry(fr.entry);
}

/* ---- keys on the frame ---- */

static bool slot_exists(enum slot s)
{
	switch (s) {
	case SLOT_ENTRY:
		return fr.entry != NULL;
	case SLOT_TABLE:
		return fr.table != NULL;
	default:
		return true;
	}
}

static void move_slot(int delta)
{
	do
		fr.slot = (enum slot)(((int)fr.slot + delta + SLOT_COUNT) % SLOT_COUNT);
	while (!slot_exists(fr.slot));
	ui_redraw();
}

static void show_page(int page)
{
	/* A page that had an entry leaves cells curses believes current:
	 * repaint the whole screen, as F5/Ctrl-L would. */
	if (fr.entry)
		clearok(curscr, TRUE);
	page_destroy();
	fr.page = page;
	fr.button = 0;
	fr.table_row = 0;
	memset(fr.entry_value, 0, sizeof fr.entry_value);
	if (cur()->load)
		cur()->load();
	page_build();
	ui_redraw();
}

/* After an action: fresh data from the core, the page rebuilt. */
static void refresh_all(void)
{
	if (fr.table)
		fr.table_row = getCDKScrollCurrentItem(fr.table);
	page_destroy();
	ui_reload();
	if (!ui->too_small)
		page_build();
	ui_redraw();
}

static void nav_key(int key)
{
	int item;

	if (key == KEY_ENTER || key == KEY_RIGHT) {
		move_slot(1);
		return;
	}
	if (key != KEY_UP && key != KEY_DOWN && key != KEY_HOME && key != KEY_END &&
	    key != KEY_PPAGE && key != KEY_NPAGE)
		return;
	(void)injectCDKScroll(fr.nav, (chtype)key);
	item = getCDKScrollCurrentItem(fr.nav);
	if (item != fr.page)
		show_page(item);
}

static void show_pending_page(void)
{
	int page = pending_page;

	pending_page = -1;
	if (page < 0 || page == fr.page)
		return;
	if (fr.nav)
		setCDKScrollCurrentItem(fr.nav, page);
	show_page(page);
}

static void buttons_key(int key)
{
	const ui_page *p = cur();

	switch (key) {
	case KEY_LEFT:
		fr.button = (fr.button + p->nbuttons - 1) % p->nbuttons;
		break;
	case KEY_RIGHT:
		fr.button = (fr.button + 1) % p->nbuttons;
		break;
	case KEY_UP:
	case KEY_DOWN:
	case KEY_PPAGE:
	case KEY_NPAGE:
		if (fr.table && (key == KEY_UP || key == KEY_DOWN))
			(void)injectCDKScroll(fr.table, (chtype)key);
		else if (fr.text)
			(void)injectCDKSwindow(fr.text, (chtype)key);
		return;
	case KEY_ENTER:
	case ' ':
		p->action(fr.button);
		refresh_all();
		show_pending_page();
		return;
	default:
		return;
	}
	setCDKButtonboxCurrentButton(fr.bbox, fr.button);
	drawCDKButtonbox(fr.bbox, TRUE);
}

static bool is_scroll_key(int key)
{
	return key == KEY_UP || key == KEY_DOWN || key == KEY_PPAGE ||
	    key == KEY_NPAGE || key == KEY_HOME || key == KEY_END;
}

static void slot_key(int key)
{
	switch (fr.slot) {
	case SLOT_NAV:
		nav_key(key);
		break;
	case SLOT_ENTRY:
		if (key == KEY_ENTER)
			move_slot(1);
		else
			(void)ui_entry_key(fr.entry, key);
		break;
	case SLOT_TABLE:
		if (is_scroll_key(key))
			(void)injectCDKScroll(fr.table, (chtype)key);
		else if (key == KEY_ENTER)
			move_slot(1);
		break;
	case SLOT_BUTTONS:
		buttons_key(key);
		break;
	case SLOT_RESULTS:
		if (key == KEY_ENTER)
			ui_results_view();
		else if (key == KEY_HOME || key == KEY_END) {
			jumpToLineCDKSwindow(fr.results, key == KEY_HOME ? 0 : BOTTOM);
			drawCDKSwindow(fr.results, TRUE);
		} else if (is_scroll_key(key))
			(void)injectCDKSwindow(fr.results, (chtype)key);
		break;
	default:
		break;
	}
}

static WINDOW *focus_window(void)
{
	if (fr.slot == SLOT_ENTRY && fr.entry)
		return fr.entry->fieldWin;
	return stdscr;
}

static void main_loop(void)
{
	int key;

	for (;;) {
		if (fr.slot == SLOT_ENTRY && !ui->too_small)
			ui_entry_cursor(fr.entry);
		key = ui_getkey(focus_window());
		if (key == UI_KEY_SIGNAL || key == KEY_F(10))
			return;
		if (key == KEY_RESIZE)
			ui_relayout();
		else if (key == KEY_F(1))
			ui_help(cur()->help);
		else if (key == KEY_F(5))
			refresh_all();
		else if ((key == 'r' || key == 'R') && fr.slot != SLOT_ENTRY)
			ui_results_view();
		else if (key == 0x0c) {        /* Ctrl-L: repaint every cell */
			clearok(curscr, TRUE);
			refresh_all();
		}
		else if (key == KEY_TAB)
			move_slot(1);
		else if (key == KEY_BTAB)
			move_slot(-1);
		else if (key == KEY_ESC && fr.slot != SLOT_NAV)
			move_slot(SLOT_NAV - (int)fr.slot);
		else
			slot_key(key);
	}
}

/* ---- the terminal ---- */

static void colors_init(void)
{
	const char *nc = getenv("NO_COLOR");

	ui->color = (nc == NULL || nc[0] == '\0') && has_colors();
	if (!ui->color)
		return;
	initCDKColor();
	/* Foreground only, on the terminal's own background. */
	if (use_default_colors() == OK) {
		init_pair(16, COLOR_RED, -1);
		init_pair(24, COLOR_GREEN, -1);
		init_pair(32, COLOR_YELLOW, -1);
	}
}

static int terminal_open(void)
{
	const char *term = getenv("TERM");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, _("rsconfig: needs a terminal; for scripts use rskeymgmt\n"));
		return -1;
	}
	ui->term = newterm(NULL, stdout, stdin);
	if (ui->term == NULL) {
		fprintf(stderr, _("rsconfig: the terminal type \"%s\" is unknown here.\n"
		    "Set TERM to one this system knows, for example: TERM=xterm rsconfig\n"),
		    term ? term : "");
		return -1;
	}
	set_term(ui->term);
	set_escdelay(50);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	ui->too_small = ui_window_too_small();
	colors_init();
	ui->screen = initCDKScreen(stdscr);
	curs_set(0);
	return 0;
}

static void terminal_close(void)
{
	if (ui->screen)
		destroyCDKScreen(ui->screen);
	ui->screen = NULL;
	curs_set(1);
	endwin();
	if (ui->term)
		delscreen(ui->term);
	ui->term = NULL;
}

/* Opens the instance.  A database file that does not exist yet is what
 * rskeymgmt --init creates: *missing gets its path (and the error is kept
 * for a Quit), so that rsconfig can offer Initialize instead of refusing,
 * as the Windows tool offers to create its database. */
static int open_instance(const char *config_path, ui_app *app,
    char *missing, size_t size, rs_error *err)
{
	int rc;

	rs_err_clear(err);
	missing[0] = '\0';
	rc = rs_ctx_open(config_path, &app->ctx, err);
	if (rc != RS_OK && rs_ctx_database_missing(config_path, missing, size))
		return 0;
	if (rc != RS_OK) {
		fprintf(stderr, "rsconfig: %s\n", err->message[0] ? err->message :
		    rs_err_description(rc));
		return rs_err_exit_status(rc);
	}
	rs_ctx_set_step_callback(app->ctx, ui_step_cb, NULL);
	return 0;
}

/* No database yet: Initialize creates it and makes this instance its first
 * server (rs_op_init, as --init); Quit (the default) leaves everything as
 * it was.  Returns 0 when the instance is open. */
static int offer_initialize(const char *config_path, const char *db,
    const rs_error *why, ui_app *app)
{
	char esc_db[PATH_MAX * 3], esc_conf[PATH_MAX * 3], text[PATH_MAX * 7];
	rs_error err;
	int rc;

	ui_escape(db, esc_db, sizeof esc_db);
	ui_escape(config_path, esc_conf, sizeof esc_conf);
	snprintf(text, sizeof text, _("There is no report server database at "
	    "%s yet.\n\nInitialize creates it, makes this instance its first "
	    "server and creates its encryption key, as rskeymgmt --init does.\n\n"
	    "If this instance should use an existing database, choose Quit and "
	    "check the database line in %s."), esc_db, esc_conf);
	if (!ui_confirm(_("No report server database"), text, _("Initialize"),
	    _("Quit")))
		goto refuse;
	rs_err_clear(&err);
	rc = rs_ctx_open_for_init(config_path, &app->ctx, &err);
	if (rc != RS_OK) {
		ui_error_box(_("Initialize"), &err);
		why = &err;
		goto refuse;
	}
	rs_ctx_set_step_callback(app->ctx, ui_step_cb, NULL);
	ui_reload();
	ui_status_initialize();
	return 0;
refuse:
	terminal_close();
	fprintf(stderr, "rsconfig: %s\n", why->message[0] ? why->message :
	    rs_err_description(why->code));
	return rs_err_exit_status(why->code);
}

int rs_ui_run(const char *config_path)
{
	static ui_app app;
	static const ui_frame_hooks hooks = {
		frame_table_row, frame_entry_value, frame_entry_clear,
		frame_page_load, frame_show_page,
	};
	char missing[PATH_MAX];
	rs_error why;
	int rc, i;

	ui = &app;
	ui_frame_hooks_set(&hooks);
	ui_signals_install();
	rc = open_instance(config_path, &app, missing, sizeof missing, &why);
	if (rc != 0)
		return rc;
	if (terminal_open() != 0) {
		rs_ctx_close(app.ctx);
		return 2;
	}
	if (missing[0] != '\0' &&
	    (rc = offer_initialize(config_path, missing, &why, &app)) != 0)
		return rc;
	app.frame.build = frame_build;
	app.frame.destroy = frame_destroy;
	app.frame.draw = frame_draw;
	ui_reload();
	ui_push(&app.frame);
	main_loop();
	while (ui->top)
		ui_pop(ui->top);
	terminal_close();
	rs_ctx_close(app.ctx);
	for (i = 0; i < app.nresults; i++)
		free(app.results[i]);
	free(app.results);
	return ui_quitting() ? 128 + ui_signal_number() : 0;
}
