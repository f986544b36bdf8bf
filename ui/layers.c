/* SPDX-License-Identifier: ISC */
/* layers.c: the stack of layers on the screen (the frame at the bottom,
 * dialogs above it): push, pop, draw again and rebuild on a resize.  The
 * bottom of the ui: it calls nothing above it, so the frame and every
 * dialog can use it without files calling each other in a loop. */
#include <config.h>

#include <stdio.h>

#include "ui_int.h"

#define MIN_LINES 24
#define MIN_COLS 80

/* A window below 80x24 shows only what to do about it: the layers stay on
 * the stack unbuilt (their typed values kept) until it is large enough. */
bool ui_window_too_small(void)
{
	return LINES < MIN_LINES || COLS < MIN_COLS;
}

static void too_small_line(int *row, const char *text, attr_t attr)
{
	int n = 0;
	char **lines = ui_wrap(text, COLS - 1, &n);

	attrset(attr);
	for (int i = 0; i < n && *row < LINES; i++, (*row)++)
		mvaddnstr(*row, 0, lines[i], COLS - 1);
	attrset(A_NORMAL);
	CDKfreeStrings(lines);
}

static void draw_too_small(void)
{
	char line[256];
	int row = 0;

	erase();
	snprintf(line, sizeof line, _("Window too small: %dx%d"), COLS, LINES);
	too_small_line(&row, line, A_BOLD);
	snprintf(line, sizeof line, _("rsconfig needs at least %dx%d."),
	    MIN_COLS, MIN_LINES);
	too_small_line(&row, line, A_NORMAL);
	row++;
	too_small_line(&row, _("Enlarge the window to go on."), A_NORMAL);
	too_small_line(&row, ui->top == &ui->frame ? _("F10 quits.")
	    : _("Work in progress goes on; the open dialog comes back with "
	    "what you typed. Ctrl-C cancels and quits."), A_NORMAL);
	curs_set(0);
	refresh();
}

void ui_push(ui_layer *layer)
{
	layer->below = ui->top;
	ui->top = layer;
	if (ui->too_small)
		draw_too_small();
	else
		layer->build(layer);
}

void ui_redraw(void)
{
	ui_layer *stack[16];
	int n = 0;

	if (ui->too_small) {
		draw_too_small();
		return;
	}
	for (ui_layer *l = ui->top; l != NULL && n < 16; l = l->below)
		stack[n++] = l;
	while (n-- > 0)
		stack[n]->draw(stack[n]);
}

void ui_pop(ui_layer *layer)
{
	if (ui->top == layer) {
		layer->destroy(layer);
		ui->top = layer->below;
	}
	ui_redraw();
}

void ui_relayout(void)
{
	ui_layer *stack[16];
	int n = 0;

	for (ui_layer *l = ui->top; l != NULL && n < 16; l = l->below) {
		l->destroy(l);
		stack[n++] = l;
	}
	ui->too_small = ui_window_too_small();
	if (ui->too_small) {
		draw_too_small();
		return;
	}
	erase();
	clearok(curscr, TRUE);
	refresh();
	while (n-- > 0)
		stack[n]->build(stack[n]);
}

