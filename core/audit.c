/* SPDX-License-Identifier: ISC */
/* audit.c: one line per key operation, in the config's audit_log (default
 * /var/log/rsconfig/NAME-audit.log) and in syslog.
 *
 * Every field a caller or the environment controls is either restricted to
 * a safe alphabet (the bare fields) or quoted with backslash escapes (target
 * and error), so no value can end a line early or fake another field. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "audit.h"
#include "audit_who.h"
#include "grow.h"
#include "i18n.h"
#include "users.h"

#define LINE_MAX_BYTES 8192

void rs_audit_path(const char *database, char *out, size_t size)
{
	snprintf(out, size, "%s-audit.log", database ? database : "");
}

/* ---- writing ---- */

static bool bare_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
	    c == ':' || c == '@' || c == '+' || c == '$';
}

/* A bare field: anything outside the safe alphabet becomes '_'. */
static void bare_copy(char *out, size_t size, const char *in)
{
	size_t i = 0;

	if (in == NULL || *in == '\0')
		in = "-";
	for (; *in && i + 1 < size; in++)
		out[i++] = bare_ok((unsigned char)*in) ? *in : '_';
	out[i] = '\0';
}

/* At most limit bytes of in, not cutting a UTF-8 sequence in two. */
static size_t clip_utf8(const char *in, size_t limit)
{
	size_t len = strlen(in);

	if (len <= limit)
		return len;
	while (limit > 0 && ((unsigned char)in[limit] & 0xC0) == 0x80)
		limit--;
	return limit;
}

/* Appends "text" with escapes; buf has room (4 bytes per input byte). */
static size_t put_quoted(char *buf, const char *in, size_t limit)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = clip_utf8(in ? in : "", limit), i, o = 0;
	unsigned char c;

	buf[o++] = '"';
	for (i = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			buf[o++] = '\\';
			buf[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return o;
}

/* user, person, tty and from; each bare. */
static size_t format_who(char *buf)
{
	rs_audit_entry e;
	char raw[256];

	rs_user_name(geteuid(), raw, sizeof raw, RS_USER_RECORD);
	bare_copy(e.user, sizeof e.user, raw);
	rs_who_person(raw, sizeof raw);
	bare_copy(e.person, sizeof e.person, raw);
	rs_who_tty(raw, sizeof raw);
	bare_copy(e.tty, sizeof e.tty, raw);
	rs_who_from(raw, sizeof raw, &e.from_env);
	bare_copy(e.from, sizeof e.from, raw);
	return (size_t)sprintf(buf, "user=%s person=%s tty=%s %s=%s", e.user,
	    e.person, e.tty, e.from_env ? "from_env" : "from", e.from);
}

/* Builds the line after the time stamp; the caller owns buf. */
static size_t format_fields(char *buf, const char *operation,
    const char *target, const char *outcome, const char *error)
{
	rs_audit_entry e;
	size_t o;

	bare_copy(e.operation, sizeof e.operation, operation);
	bare_copy(e.outcome, sizeof e.outcome, outcome);
	o = format_who(buf);
	o += (size_t)sprintf(buf + o, " op=%s target=", e.operation);
	o += put_quoted(buf + o, target, sizeof e.target - 1);
	o += (size_t)sprintf(buf + o, " outcome=%s error=", e.outcome);
	o += put_quoted(buf + o, error, sizeof e.error - 1);
	return o;
}

static void audit_syslog(const char *fields)
{
	openlog("rsconfig", LOG_PID, LOG_AUTH);
	syslog(LOG_AUTH | LOG_NOTICE, "%s", fields);
	closelog();
}

/* Never blocks on a FIFO nor follows a symlink someone planted; what is
 * not a regular file is refused (errno EINVAL after the fstat). */
static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0640);
	struct stat st;

	if (fd < 0 || (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)))
		return fd;
	close(fd);
	errno = EINVAL;
	return -1;
}

static const char *open_failure(int e)
{
	/* ELOOP: a symlink; ENXIO: a FIFO nobody reads; EINVAL: ours. */
	if (e == ELOOP || e == ENXIO || e == EINVAL)
		return _("not a regular file (a symbolic link, FIFO or device)");
	return strerror(e);
}

/* /var/log/rsconfig may not exist on a source install (no tmpfiles.d):
 * its last folder is made, never a whole tree. */
static int open_log_making_folder(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd = open_log(path);

	if (fd >= 0 || errno != ENOENT || slash == NULL || slash == path)
		return fd;
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if (mkdir(dir, 0750) != 0)
		return -1;
	return open_log(path);
}

static int write_line(const char *path, const char *line, size_t len,
    rs_error *err)
{
	int fd = open_log_making_folder(path);
	ssize_t n;

	if (fd < 0)
		return rs_err(err, RS_ERR_IO, _("cannot write the audit log %s: %s"),
		    path, open_failure(errno));
	/* One write with O_APPEND: concurrent writers never interleave. */
	do
		n = write(fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len && fdatasync(fd) != 0 && errno != EINVAL)
		n = -1;
	if (n != (ssize_t)len) {
		int saved = n < 0 ? errno : EIO;

		close(fd);
		return rs_err(err, RS_ERR_IO, _("cannot write the audit log %s: %s"),
		    path, strerror(saved));
	}
	close(fd);
	return RS_OK;
}

int rs_audit_record(const char *database, const char *operation,
    const char *target, const char *outcome, const char *error, rs_error *err)
{
	char path[4096 + 16];

	rs_audit_path(database, path, sizeof path);
	return rs_audit_record_to(path, operation, target, outcome, error, err);
}

int rs_audit_record_to(const char *path, const char *operation,
    const char *target, const char *outcome, const char *error, rs_error *err)
{
	char *line = malloc(LINE_MAX_BYTES);
	time_t now = time(NULL);
	struct tm tm;
	size_t o;
	int rc;

	if (line == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	gmtime_r(&now, &tm);
	o = strftime(line, 32, "%Y-%m-%dT%H:%M:%SZ ", &tm);
	o += format_fields(line + o, operation, target, outcome, error);
	audit_syslog(line + 21);   /* past the time stamp */
	line[o++] = '\n';
	rc = write_line(path, line, o, err);
	free(line);
	return rc;
}

/* ---- reading ---- */

static const char *expect(const char *p, const char *word)
{
	size_t n = strlen(word);

	return p && strncmp(p, word, n) == 0 ? p + n : NULL;
}

static const char *parse_bare(const char *p, const char *key, char *out,
    size_t size)
{
	size_t n;

	p = expect(p, key);
	if (p == NULL)
		return NULL;
	n = strcspn(p, " \n");
	if (n == 0 || n >= size)
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return p + n;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One escape after the backslash; returns the next position or NULL. */
static const char *unescape_one(const char *p, char *c)
{
	int hi, lo;

	switch (*p) {
	case '\\': case '"': *c = *p; return p + 1;
	case 'n': *c = '\n'; return p + 1;
	case 'r': *c = '\r'; return p + 1;
	case 't': *c = '\t'; return p + 1;
	case 'x':
		hi = hex_value(p[1]);
		lo = hi < 0 ? -1 : hex_value(p[2]);
		if (lo < 0)
			return NULL;
		*c = (char)(hi << 4 | lo);
		return p + 3;
	default:
		return NULL;
	}
}

static const char *parse_quoted(const char *p, const char *key, char *out,
    size_t size)
{
	size_t o = 0;
	char c;

	p = expect(expect(p, key), "\"");
	while (p != NULL && *p != '"') {
		if (*p == '\0' || *p == '\n')
			return NULL;
		if (*p == '\\')
			p = unescape_one(p + 1, &c);
		else
			c = *p++;
		if (p == NULL || o + 1 >= size)
			return NULL;
		out[o++] = c;
	}
	if (p == NULL)
		return NULL;
	out[o] = '\0';
	return p + 1;
}

static int parse_time(const char *p, int64_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	end = strptime(p, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || end - p != 20)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

/* A bare field that older records do not have. */
static const char *parse_optional(const char *p, const char *key, char *out,
    size_t size)
{
	return expect(p, key) ? parse_bare(p, key, out, size) : p;
}

int rs_audit_parse_line(const char *line, rs_audit_entry *e)
{
	const char *p = line;

	memset(e, 0, sizeof *e);
	if (strlen(line) < 20 || parse_time(p, &e->time) != 0)
		return -1;
	p = parse_bare(p + 20, " user=", e->user, sizeof e->user);
	p = parse_optional(p, " person=", e->person, sizeof e->person);
	p = parse_optional(p, " tty=", e->tty, sizeof e->tty);
	e->from_env = expect(p, " from_env=") != NULL;
	p = parse_bare(p, e->from_env ? " from_env=" : " from=", e->from,
	    sizeof e->from);
	p = parse_bare(p, " op=", e->operation, sizeof e->operation);
	p = parse_quoted(p, " target=", e->target, sizeof e->target);
	p = parse_bare(p, " outcome=", e->outcome, sizeof e->outcome);
	p = parse_quoted(p, " error=", e->error, sizeof e->error);
	if (p == NULL || (*p != '\0' && strcmp(p, "\n") != 0))
		return -1;
	return 0;
}

/* Keeps the newest max entries in a ring; max 0 keeps every entry. */
struct ring {
	rs_audit_entry *items;
	size_t cap, count, next;
	bool bounded;
};

static int ring_push(struct ring *r, const rs_audit_entry *e)
{
	if (!r->bounded &&
	    rs_grow(&r->items, r->count, &r->cap, sizeof *r->items, 64) != 0)
		return -1;
	r->items[r->next] = *e;
	r->next = (r->next + 1) % r->cap;
	if (r->count < r->cap)
		r->count++;
	return 0;
}

/* Newest first: walk the ring backwards from the last written slot. */
static rs_audit_entry *ring_newest_first(struct ring *r)
{
	rs_audit_entry *out = malloc((r->count ? r->count : 1) * sizeof *out);
	size_t i, slot;

	if (out == NULL)
		return NULL;
	for (i = 0; i < r->count; i++) {
		slot = (r->next + r->cap - 1 - i) % r->cap;
		out[i] = r->items[slot];
	}
	return out;
}

static int read_entries(FILE *f, struct ring *r)
{
	rs_audit_entry e;
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	while (rc == 0 && getline(&line, &cap, f) != -1)
		if (rs_audit_parse_line(line, &e) == 0)   /* malformed lines are skipped */
			rc = ring_push(r, &e);
	free(line);
	return rc;
}

/* A FIFO at the path never blocks the reader either. */
static FILE *open_for_reading(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY);
	struct stat st;
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	f = fdopen(fd, "r");
	if (f == NULL)
		close(fd);
	return f;
}

int rs_audit_read(const char *database, size_t max, rs_audit_entry **out,
    size_t *n, rs_error *err)
{
	char path[4096 + 16];

	rs_audit_path(database, path, sizeof path);
	return rs_audit_read_from(path, max, out, n, err);
}

int rs_audit_read_from(const char *path, size_t max, rs_audit_entry **out,
    size_t *n, rs_error *err)
{
	/* A huge max would be a huge ring: collect everything and trim. */
	bool bounded = max > 0 && max <= 65536;
	struct ring r = { NULL, bounded ? max : 0, 0, 0, bounded };
	FILE *f;
	int rc;

	*out = NULL;
	*n = 0;
	f = open_for_reading(path);
	if (f == NULL && errno == ENOENT)
		return RS_OK;   /* no key operation yet */
	if (f == NULL)
		return rs_err(err, RS_ERR_IO, _("cannot read the audit log %s: %s"),
		    path, open_failure(errno));
	if (r.bounded)
		r.items = malloc(max * sizeof *r.items);
	rc = (r.bounded && r.items == NULL) ? -1 : read_entries(f, &r);
	fclose(f);
	if (rc == 0)
		*out = ring_newest_first(&r);
	free(r.items);
	if (rc != 0 || *out == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	*n = max > 0 && r.count > max ? max : r.count;
	return RS_OK;
}

/* Appends more (n_more entries) to *all (n entries); frees more. */
static int audit_append(rs_audit_entry **all, size_t *n, rs_audit_entry *more,
    size_t n_more, rs_error *err)
{
	rs_audit_entry *joined;

	if (n_more == 0) {
		free(more);
		return RS_OK;
	}
	joined = realloc(*all, (*n + n_more) * sizeof *joined);
	if (joined == NULL) {
		free(more);
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	}
	memcpy(joined + *n, more, n_more * sizeof *more);
	free(more);
	*all = joined;
	*n += n_more;
	return RS_OK;
}

int rs_audit_read_rotated(const char *path, size_t max, rs_audit_entry **out,
    size_t *n, rs_error *err)
{
	char rotated[PATH_MAX + 8];
	rs_audit_entry *older = NULL;
	size_t n_older = 0;
	int rc = rs_audit_read_from(path, max, out, n, err);

	if (rc != RS_OK || (max > 0 && *n >= max))
		return rc;
	snprintf(rotated, sizeof rotated, "%s.1", path);
	rc = rs_audit_read_from(rotated, max > 0 ? max - *n : 0, &older,
	    &n_older, err);
	if (rc == RS_OK)
		rc = audit_append(out, n, older, n_older, err);
	if (rc != RS_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}
