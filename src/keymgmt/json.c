/* SPDX-License-Identifier: ISC */
/* json.c: the JSON writer of --json: strings escaped in runs, values
 * with their commas, objects and arrays nested up to JSON_DEPTH. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include "rskeymgmt.h"

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), 0 if none. */
static size_t utf8_length(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* Writes runs of plain characters at once: --list --json of 10,000
 * members prints megabytes.  Unlocked stdio: only the main thread
 * writes output.  JSON is UTF-8: a byte that is not part of a
 * well-formed sequence becomes U+FFFD (doc/json.md). */
void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	size_t n;

	putc_unlocked('"', f);
	for (; *p != '\0'; p++) {
		if (*p >= 0x80 && (n = utf8_length(p)) > 0) {
			p += n - 1;
			continue;
		}
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			continue;
		fwrite_unlocked(run, 1, (size_t)(p - run), f);
		run = p + 1;
		if (*p >= 0x80) {
			fputs("\xef\xbf\xbd", f);
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default: fprintf(f, "\\u%04x", *p);
		}
	}
	fwrite_unlocked(run, 1, (size_t)(p - run), f);
	putc_unlocked('"', f);
}

/* False when no JSON is wanted: the caller writes nothing. */
static bool j_sep(struct out *o, const char *key)
{
	if (!o->json_mode)
		return false;
	if (o->need_comma[o->depth])
		putc_unlocked(',', o->json);
	o->need_comma[o->depth] = true;
	if (key != NULL) {
		json_string(o->json, key);
		putc_unlocked(':', o->json);
	}
	return true;
}

void j_str(struct out *o, const char *key, const char *val)
{
	if (!j_sep(o, key))
		return;
	if (val != NULL)
		json_string(o->json, val);
	else
		fputs("null", o->json);
}

void j_u64(struct out *o, const char *key, uint64_t val)
{
	if (!j_sep(o, key))
		return;
	fprintf(o->json, "%" PRIu64, val);
}

void j_i64(struct out *o, const char *key, int64_t val)
{
	if (!j_sep(o, key))
		return;
	fprintf(o->json, "%" PRId64, val);
}

void j_bool(struct out *o, const char *key, bool val)
{
	if (!j_sep(o, key))
		return;
	fputs(val ? "true" : "false", o->json);
}

/* Times as ISO 8601 UTC; 0 (never) as null. */
void j_time(struct out *o, const char *key, int64_t t)
{
	char buf[80];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		j_str(o, key, NULL);
		return;
	}
	/* snprintf, not strftime (locale work): --list --json writes three
	 * per member. */
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	j_str(o, key, buf);
}

void j_open(struct out *o, const char *key, char bracket)
{
	if (!j_sep(o, key))
		return;
	fputc(bracket, o->json);
	if (o->depth + 1 < JSON_DEPTH)
		o->depth++;
	o->need_comma[o->depth] = false;
}

void j_close(struct out *o, char bracket)
{
	if (!o->json_mode)
		return;
	fputc(bracket, o->json);
	if (o->depth > 0)
		o->depth--;
}
