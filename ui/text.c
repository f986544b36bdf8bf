/* SPDX-License-Identifier: ISC */
/* text.c: text for CDK widgets: wrapping to a width, escaping user text so
 * CDK does not read it as markup, small string helpers. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_int.h"

/* One glyph of marked-up text: how many bytes, and whether it shows. */
static size_t glyph(const char *s, int *visible)
{
	const char *end;

	if (s[0] == '<' && (s[1] == '/' || s[1] == '!')) {
		end = strchr(s, '>');
		if (end != NULL) {
			*visible = 0;
			return (size_t)(end - s) + 1;
		}
	}
	*visible = 1;
	/* "\<<" is our escaped '<' (see ui_escape). */
	if (s[0] == '\\' && s[1] == '<' && s[2] == '<')
		return 3;
	return 1;
}

static int visible_len(const char *s, size_t n)
{
	size_t i = 0;
	int v, count = 0;

	while (i < n && s[i] != '\0') {
		i += glyph(s + i, &v);
		count += v;
	}
	return count;
}

/* Byte offset of the first width visible glyphs of s[0..n). */
static size_t prefix_bytes(const char *s, size_t n, int width)
{
	size_t i = 0, step;
	int v, count = 0;

	while (i < n && s[i] != '\0') {
		step = glyph(s + i, &v);
		if (count + v > width)
			break;
		count += v;
		i += step;
	}
	return i;
}

static void push(char ***lines, int *n, int *cap, const char *s, size_t len)
{
	if (*n + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*lines = realloc(*lines, (size_t)*cap * sizeof **lines);
		if (*lines == NULL)
			abort();
	}
	(*lines)[*n] = strndup(s, len);
	if ((*lines)[*n] == NULL)
		abort();
	(*n)++;
	(*lines)[*n] = NULL;
}

/* Continuation lines of "  - item" line up under "item". */
static int hanging_indent(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] == ' ')
		i++;
	if (i + 1 < len && (p[i] == '-' || p[i] == '*') && p[i + 1] == ' ')
		i += 2;
	return (int)i;
}

/* Appends gap spaces and a word to line, cutting words longer than a
 * line; pushes full lines.  Spaces inside a line are kept as typed, so
 * columns line up. */
struct wrapper {
	char line[4096];
	size_t used;
	int lw, indent, width;
	char ***lines;
	int *n, *cap;
};

static void wrap_newline(struct wrapper *w)
{
	push(w->lines, w->n, w->cap, w->line, w->used);
	w->used = (size_t)w->indent;
	memset(w->line, ' ', w->used);
	w->lw = w->indent;
}

static void wrap_word(struct wrapper *w, const char *word, size_t len, int gap)
{
	int wv = visible_len(word, len), v;
	size_t cut;

	if (w->lw > w->indent && w->lw + gap + wv > w->width)
		wrap_newline(w);
	else if (w->lw > w->indent || w->used > 0)
		for (; gap > 0 && w->used < sizeof w->line - 1; gap--)
			w->line[w->used++] = ' ', w->lw++;
	while (wv > w->width - w->lw) {
		cut = prefix_bytes(word, len, w->width - w->lw);
		if (cut == 0 && w->lw > w->indent) {
			wrap_newline(w);
			continue;
		}
		if (cut == 0)
			cut = glyph(word, &v);
		if (w->used + cut >= sizeof w->line)
			return;
		memcpy(w->line + w->used, word, cut);
		w->used += cut;
		wrap_newline(w);
		word += cut;
		len -= cut;
		wv = visible_len(word, len);
	}
	if (w->used + len >= sizeof w->line)
		return;
	memcpy(w->line + w->used, word, len);
	w->used += len;
	w->lw += wv;
}

static void wrap_paragraph(const char *p, size_t len, int width, char ***lines,
    int *n, int *cap)
{
	struct wrapper w;
	size_t i = 0, ws;
	int gap;

	memset(&w, 0, sizeof w);
	w.width = width;
	w.lines = lines;
	w.n = n;
	w.cap = cap;
	w.indent = hanging_indent(p, len);
	if (w.indent > width / 2)
		w.indent = 0;
	while (i < len && p[i] == ' ' && (int)w.used < width / 2)
		w.line[w.used++] = p[i++], w.lw++;
	while (i < len) {
		for (gap = 0; i < len && p[i] == ' '; i++)
			gap++;
		ws = i;
		while (i < len && p[i] != ' ')
			i++;
		if (i > ws)
			wrap_word(&w, p + ws, i - ws, gap);
	}
	push(lines, n, cap, w.line, w.used);
}

char **ui_wrap(const char *text, int width, int *count)
{
	char **lines = NULL;
	int n = 0, cap = 0;
	const char *p = text, *nl;

	if (width < 4)
		width = 4;
	while (p != NULL) {
		nl = strchr(p, '\n');
		wrap_paragraph(p, nl ? (size_t)(nl - p) : strlen(p), width,
		    &lines, &n, &cap);
		p = nl ? nl + 1 : NULL;
	}
	*count = n;
	return lines;
}

/* CDK 5.0.20180306 turns "\<" into '<' and then skips one more character,
 * so a literal '<' is written "\<<". */
void ui_escape(const char *in, char *out, size_t size)
{
	char safe[RS_TEXT_SAFE_SIZE(1024)];
	size_t o = 0;

	if (size == 0)
		return;
	/* Control characters and invalid UTF-8 become visible escapes
	 * (core/text.h), then '<' is kept from CDK's markup. */
	in = rs_text_safe(in, safe, sizeof safe);
	for (; *in != '\0' && o + 4 < size; in++) {
		if (*in == '<') {
			memcpy(out + o, "\\<<", 3);
			o += 3;
		} else if ((unsigned char)*in < 0x20 || (unsigned char)*in == 0x7f) {
			out[o++] = '?';   /* no control characters on screen */
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

char *ui_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

void ui_format_time(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL) {
		snprintf(out, size, "%s", _("never"));
		return;
	}
	strftime(out, size, "%Y-%m-%d %H:%M:%S %Z", &tm);
}

void ui_lines_add(char ***lines, int *n, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	*lines = realloc(*lines, (size_t)(*n + 2) * sizeof **lines);
	if (*lines == NULL)
		abort();
	(*lines)[(*n)++] = s;
	(*lines)[*n] = NULL;
}

void ui_lines_free(char ***lines, int *n)
{
	int i;

	for (i = 0; i < *n; i++)
		free((*lines)[i]);
	free(*lines);
	*lines = NULL;
	*n = 0;
}

char *ui_lines_join(char **lines, int n)
{
	size_t len = 1;
	char *out;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(lines[i]) + 1;
	out = calloc(1, len);
	if (out == NULL)
		abort();
	for (i = 0; i < n; i++) {
		strcat(out, lines[i]);
		if (i + 1 < n)
			strcat(out, "\n");
	}
	return out;
}
