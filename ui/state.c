/* SPDX-License-Identifier: ISC */
/* state.c: what every page and dialog shares with the frame: the app's
 * state, the styles, the Results lines, and what pages ask of the frame.
 * The frame (app.c) sits above the pages and registers its answers here
 * (ui_frame_hooks_set), so pages call this file, never app.c, and no two ui
 * files call each other in a loop. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_int.h"

ui_app *ui;

#define RESULTS_MAX 100000

static ui_frame_hooks hooks;

void ui_frame_hooks_set(const ui_frame_hooks *h)
{
	hooks = *h;
}

/* The status from the core, then the current page's data. */
void ui_reload(void)
{
	rs_error err;

	rs_err_clear(&err);
	memset(&ui->status, 0, sizeof ui->status);
	ui->status_ok = rs_op_status(ui->ctx, &ui->status, &err) == RS_OK;
	snprintf(ui->status_error, sizeof ui->status_error, "%s", err.message);
	if (hooks.page_load)
		hooks.page_load();
}

void ui_show_page(const ui_page *p)
{
	if (hooks.show_page)
		hooks.show_page(p);
}

int ui_page_table_row(void)
{
	return hooks.table_row ? hooks.table_row() : -1;
}

const char *ui_page_entry_value(void)
{
	return hooks.entry_value ? hooks.entry_value() : "";
}

void ui_page_entry_clear(void)
{
	if (hooks.entry_clear)
		hooks.entry_clear();
}

/* ---- styles ---- */

const char *ui_on(enum ui_style s)
{
	static const char *const color[] = { "</B></24>", "</B></16>", "</B></32>", "</B>" };

	return ui->color ? color[s] : "</B>";
}

const char *ui_off(enum ui_style s)
{
	static const char *const color[] = { "<!24><!B>", "<!16><!B>", "<!32><!B>", "<!B>" };

	return ui->color ? color[s] : "<!B>";
}

const char *ui_instance_name(void)
{
	static char name[2 * RS_NAME_MAX + 2];
	const rs_config *c = rs_ctx_config(ui->ctx);

	snprintf(name, sizeof name, "%s\\%s", c->machine, c->instance);
	return name;
}

/* ---- results ---- */

void ui_results_clear(const char *action)
{
	char when[32];
	int i;

	for (i = 0; i < ui->nresults; i++)
		free(ui->results[i]);
	ui->nresults = 0;
	ui_format_time((int64_t)time(NULL), when, sizeof when);
	ui_results_add(-1, "%s%s%s  (%s)", ui_on(UI_EMPH), action,
	    ui_off(UI_EMPH), when);
}

static const char *outcome_tag(int outcome, enum ui_style *style)
{
	switch (outcome) {
	case RS_STEP_OK:
		*style = UI_GOOD;
		return _("done");
	case RS_STEP_FAILED:
		*style = UI_BAD;
		return _("FAILED");
	case RS_STEP_SKIPPED:
		*style = UI_EMPH;
		return _("skipped");
	case RS_STEP_WARNING:
		*style = UI_WARN;
		return _("warning");
	default:
		*style = UI_EMPH;
		return NULL;
	}
}

void ui_results_add(int outcome, const char *fmt, ...)
{
	char text[1024], line[1400];
	enum ui_style st;
	const char *tag = outcome_tag(outcome, &st);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (tag)
		snprintf(line, sizeof line, "%s[%-7s]%s %s", ui_on(st), tag, ui_off(st), text);
	else
		snprintf(line, sizeof line, "%s", text);
	/* Far more than any action makes; past it the oldest steps (after
	 * the action's header) go. */
	if (ui->nresults == RESULTS_MAX) {
		free(ui->results[1]);
		memmove(ui->results + 1, ui->results + 2,
		    (size_t)(ui->nresults - 2) * sizeof *ui->results);
		ui->nresults--;
	}
	if (ui->nresults == ui->results_cap) {
		int cap = ui->results_cap ? ui->results_cap * 2 : 64;
		char **r = realloc(ui->results, (size_t)cap * sizeof *r);

		if (r == NULL)
			abort();
		ui->results = r;
		ui->results_cap = cap;
	}
	ui->results[ui->nresults++] = ui_strdupf("%s", line);
}

void ui_step_cb(void *arg, const char *step, int outcome)
{
	char esc[1024];

	(void)arg;
	ui_escape(step, esc, sizeof esc);
	ui_results_add(outcome, "%s", esc);
}
