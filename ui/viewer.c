/* SPDX-License-Identifier: ISC */
/* viewer.c: the Results history full screen: every line of the last action
 * (a Delete may list a thousand items to re-enter), scrolled with the
 * arrows, PgUp/PgDn, Home/End, searched with / and n, and saved to a new
 * file (0600, never an existing file or a symbolic link).  Results never
 * hold a secret (only step lines from the core and counts), so saving them
 * is safe. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ui_int.h"

static struct viewer {
	ui_layer layer;
	char **plain;      /* one per Results line, markup removed */
	int nplain;
	char **rows;       /* plain lines cut to the window's width */
	int *row_of;       /* first row of each plain line */
	int nrows;
	int top, hit;      /* first row shown; line of the last match or -1 */
	char needle[128];
	char status[PATH_MAX + 128];
} v;

/* Markup and our escapes out: what the admin reads and saves. */
static char *plain_of(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	const char *end;

	if (out == NULL)
		abort();
	while (*s != '\0') {
		if (s[0] == '<' && (s[1] == '/' || s[1] == '!') &&
		    (end = strchr(s, '>')) != NULL) {
			s = end + 1;
			continue;
		}
		if (s[0] == '\\' && s[1] == '<' && s[2] == '<') {
			*o++ = '<';
			s += 3;
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

static void rows_free(void)
{
	for (int i = 0; i < v.nrows; i++)
		free(v.rows[i]);
	free(v.rows);
	free(v.row_of);
	v.rows = NULL;
	v.row_of = NULL;
	v.nrows = 0;
}

static void rows_make(int width)
{
	int i, cap = 0;

	rows_free();
	v.row_of = calloc((size_t)v.nplain + 2, sizeof *v.row_of);
	if (v.row_of == NULL)
		abort();
	for (i = 0; i < v.nplain; i++) {
		const char *p = v.plain[i];
		size_t len = strlen(p);

		v.row_of[i] = v.nrows;
		do {
			size_t take = len > (size_t)width ? (size_t)width : len;

			if (v.nrows == cap) {
				cap = cap ? cap * 2 : 256;
				v.rows = realloc(v.rows, (size_t)cap * sizeof *v.rows);
				if (v.rows == NULL)
					abort();
			}
			v.rows[v.nrows] = strndup(p, take);
			if (v.rows[v.nrows++] == NULL)
				abort();
			p += take;
			len -= take;
		} while (len > 0);
	}
	v.row_of[v.nplain] = v.nrows;
}

static int page_rows(void)
{
	return LINES - 2 > 1 ? LINES - 2 : 1;
}

static void clamp_top(void)
{
	int max = v.nrows - page_rows();

	if (v.top > max)
		v.top = max;
	if (v.top < 0)
		v.top = 0;
}

static void bar(int row, const char *text, attr_t a)
{
	attrset(a);
	move(row, 0);
	hline(' ', COLS);
	mvaddnstr(row, 0, text, COLS);
	attrset(A_NORMAL);
}

static void viewer_draw(ui_layer *l)
{
	char head[256];
	int i, last;

	(void)l;
	clamp_top();
	erase();
	last = v.top + page_rows() < v.nrows ? v.top + page_rows() : v.nrows;
	snprintf(head, sizeof head, _(" Results history (lines: %d)   rows %d-%d of %d"),
	    v.nplain, v.nrows ? v.top + 1 : 0, last, v.nrows);
	bar(0, head, A_REVERSE | A_BOLD);
	for (i = v.top; i < last; i++) {
		if (v.hit >= 0 && i >= v.row_of[v.hit] && i < v.row_of[v.hit + 1])
			attrset(A_REVERSE | A_BOLD);
		mvaddnstr(1 + i - v.top, 0, v.rows[i], COLS);
		attrset(A_NORMAL);
	}
	bar(LINES - 1, v.status[0] ? v.status : _(" Arrows PgUp/PgDn Home/End scroll  / Search  "
	    "n Next  s Save to file  Esc Close"), A_BOLD);
	curs_set(0);
	refresh();
}

static void viewer_build(ui_layer *l)
{
	rows_make(COLS > 1 ? COLS - 1 : 1);
	viewer_draw(l);
}

static void viewer_destroy(ui_layer *l)
{
	(void)l;
	rows_free();
}

/* A line of input on the bottom row; false on Esc or a signal. */
static bool prompt(const char *label, char *buf, size_t size)
{
	size_t len = strlen(buf);
	int key;

	for (;;) {
		char line[PATH_MAX + 160];

		snprintf(line, sizeof line, "%s%s", label, buf);
		bar(LINES - 1, line, A_NORMAL);
		move(LINES - 1, (int)strlen(line) < COLS ? (int)strlen(line) : COLS - 1);
		curs_set(1);
		refresh();
		key = ui_getkey(stdscr);
		if (key == KEY_ENTER)
			return len > 0;
		if (key == KEY_ESC || key == UI_KEY_SIGNAL || key == KEY_RESIZE) {
			if (key == KEY_RESIZE)
				ui_relayout();
			return false;
		}
		if (key == KEY_BACKSPACE && len > 0)
			buf[--len] = '\0';
		else if (key == 0x15)   /* Ctrl-U */
			buf[len = 0] = '\0';
		else if (key >= 0x20 && key < 0x7f && len + 1 < size) {
			buf[len++] = (char)key;
			buf[len] = '\0';
		}
	}
}

/* Searches whole lines (a match may span the rows a long line wraps to),
 * from line start on, wrapping around. */
static void search_from(int start)
{
	for (int k = 0; k < v.nplain; k++) {
		int l = (start + k) % v.nplain;

		if (strcasestr(v.plain[l], v.needle) != NULL) {
			v.hit = l;
			v.top = v.row_of[l] - page_rows() / 2;
			snprintf(v.status, sizeof v.status, _(" Found \"%s\" on row %d (n: next)"),
			    v.needle, v.row_of[l] + 1);
			return;
		}
	}
	v.hit = -1;
	snprintf(v.status, sizeof v.status, _(" Not found: \"%s\""), v.needle);
}

/* The lines, as shown, into a new file only: O_EXCL refuses an existing
 * file, O_NOFOLLOW a symbolic link put in its place. */
static int save_to(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *fp;
	int i, bad;

	if (fd < 0)
		return errno;
	(void)fchmod(fd, 0600);
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		close(fd);
		return errno;
	}
	for (i = 0; i < v.nplain; i++)
		fprintf(fp, "%s\n", v.plain[i]);
	bad = ferror(fp);
	if (fclose(fp) != 0 || bad)
		return EIO;
	return 0;
}

static void save(void)
{
	char path[PATH_MAX], cwd[PATH_MAX - 64], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int e;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	if (getcwd(cwd, sizeof cwd) == NULL)
		snprintf(cwd, sizeof cwd, ".");
	snprintf(path, sizeof path, "%s/rsconfig-results-%s.txt",
	    strcmp(cwd, "/") ? cwd : "", stamp);
	if (!prompt(_(" Save to file: "), path, sizeof path)) {
		snprintf(v.status, sizeof v.status, "%s", _(" Not saved."));
		return;
	}
	e = save_to(path);
	if (e == EEXIST)
		snprintf(v.status, sizeof v.status, _(" Not saved: %s exists; choose a new name."), path);
	else if (e != 0)
		snprintf(v.status, sizeof v.status, _(" Not saved: %s: %s"), path, strerror(e));
	else
		snprintf(v.status, sizeof v.status, _(" Saved to %s (mode 0600, lines: %d)."),
		    path, v.nplain);
}

/* The line shown on row r. */
static int line_at(int r)
{
	int l = 0;

	while (l + 1 < v.nplain && v.row_of[l + 1] <= r)
		l++;
	return l;
}

static bool viewer_key(int key)
{
	v.status[0] = '\0';
	switch (key) {
	case KEY_UP: v.top--; break;
	case KEY_DOWN: v.top++; break;
	case KEY_PPAGE: v.top -= page_rows(); break;
	case KEY_NPAGE: case ' ': v.top += page_rows(); break;
	case KEY_HOME: case 'g': v.top = 0; break;
	case KEY_END: case 'G': v.top = v.nrows; break;
	case '/':
		v.needle[0] = '\0';
		if (prompt(" /", v.needle, sizeof v.needle))
			search_from(line_at(v.top));
		break;
	case 'n':
		if (v.needle[0] != '\0')
			search_from(v.hit >= 0 ? v.hit + 1 : line_at(v.top));
		break;
	case 's':
		save();
		break;
	case KEY_ESC: case 'q': case KEY_F(10): case UI_KEY_SIGNAL:
		return true;
	case KEY_RESIZE:
		ui_relayout();
		return false;
	default:
		break;
	}
	if (!ui->too_small)
		viewer_draw(&v.layer);
	return false;
}

void ui_results_view(void)
{
	int i;

	memset(&v, 0, sizeof v);
	v.hit = -1;
	v.nplain = ui->nresults;
	v.plain = calloc((size_t)v.nplain + 1, sizeof *v.plain);
	if (v.plain == NULL)
		abort();
	for (i = 0; i < v.nplain; i++)
		v.plain[i] = plain_of(ui->results[i]);
	v.layer.build = viewer_build;
	v.layer.destroy = viewer_destroy;
	v.layer.draw = viewer_draw;
	ui_push(&v.layer);
	while (!viewer_key(ui_getkey(stdscr)))
		;
	ui_pop(&v.layer);
	for (i = 0; i < v.nplain; i++)
		free(v.plain[i]);
	free(v.plain);
	v.plain = NULL;
}
