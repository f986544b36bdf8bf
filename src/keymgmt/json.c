/* json.c: the JSON writer of --json: strings escaped in runs, values
 * with their commas, objects and arrays nested up to JSON_DEPTH. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include "rskeymgmt.h"

/* Writes runs of plain characters at once: --list --json of 10,000
 * members prints megabytes.  Unlocked stdio: only the main thread
 * writes output. */
void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	putc_unlocked('"', f);
	for (; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != 0x7f && *p != '"' && *p != '\\')
			continue;
		fwrite_unlocked(run, 1, (size_t)(p - run), f);
		run = p + 1;
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
