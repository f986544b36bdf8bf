/* SPDX-License-Identifier: ISC */
/* ops_reentry.c: after a delete or a forced restore, what is missing, and
 * putting one value back (issue 17).  The seed's Delete section says each
 * item "must be updated one at a time" by hand; here every value has an
 * ITEM name the admin can list and set. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ops_reentry.h"
#include "secret.h"

/* ---- names ---- */

static const struct {
	const char *name, *text;
} kinds[RS_KIND_COUNT] = {
	[RS_KIND_CONNECTION_STRING] = { "connection_string", N_("connection string") },
	[RS_KIND_CREDENTIALS] = { "credentials", N_("stored credentials") },
	[RS_KIND_DELIVERY_SETTINGS] = { "delivery_settings", N_("delivery settings") },
};

static const struct {
	const char *name, *text;
} states[] = {
	[RS_VALUE_READABLE] = { "readable", N_("readable") },
	[RS_VALUE_DELETED] = { "deleted", N_("deleted") },
	[RS_VALUE_OTHER_KEY] = { "other_key", N_("sealed with another key") },
	[RS_VALUE_DAMAGED] = { "damaged", N_("damaged") },
};

const char *rs_value_kind_name(rs_value_kind k)
{
	return k < RS_KIND_COUNT ? kinds[k].name : "";
}

const char *rs_value_kind_text(rs_value_kind k)
{
	return k < RS_KIND_COUNT ? _(kinds[k].text) : "";
}

const char *rs_value_state_name(rs_value_state s)
{
	return s <= RS_VALUE_DAMAGED ? states[s].name : "";
}

const char *rs_value_state_text(rs_value_state s)
{
	return s <= RS_VALUE_DAMAGED ? _(states[s].text) : "";
}

rs_value_kind reentry_kind(int table, int cell)
{
	if (table == RS_TABLE_SUBSCRIPTIONS)
		return RS_KIND_DELIVERY_SETTINGS;
	return cell == 0 ? RS_KIND_CONNECTION_STRING : RS_KIND_CREDENTIALS;
}

void reentry_item_format(int table, int64_t id, int cell, char *out,
    size_t size)
{
	const rs_content_table_info *ti = rs_content_info(table);

	snprintf(out, size, "%s/%" PRId64 "/%s", ti->table, id, ti->columns[cell]);
}

bool reentry_item_parse(const char *item, size_t len, reentry_place *out)
{
	char buf[RS_ITEM_MAX], *id_end, *column;
	const rs_content_table_info *ti;
	long long id;

	if (len == 0 || len >= sizeof buf || memchr(item, '\0', len))
		return false;
	memcpy(buf, item, len);
	buf[len] = '\0';
	for (int t = 0; t < RS_TABLE_COUNT; t++) {
		size_t tl;

		ti = rs_content_info(t);
		tl = strlen(ti->table);
		if (strncmp(buf, ti->table, tl) != 0 || buf[tl] != '/' ||
		    buf[tl + 1] < '1' || buf[tl + 1] > '9')
			continue;
		errno = 0;
		id = strtoll(buf + tl + 1, &id_end, 10);
		if (errno != 0 || *id_end != '/')
			return false;
		column = id_end + 1;
		for (int c = 0; c < ti->ncells; c++)
			if (strcmp(column, ti->columns[c]) == 0) {
				*out = (reentry_place){ t, (int64_t)id, c };
				return true;
			}
		return false;
	}
	return false;
}

/* ---- the key ---- */

int reentry_sealer_open(rs_ctx *ctx, reentry_sealer *s, rs_error *err)
{
	int rc;

	memset(s, 0, sizeof *s);
	rc = ops_unlock(ctx, &s->u, NULL, err);
	if (rc != RS_OK)
		return rc;
	s->plain = rs_secret_alloc(RS_VALUE_MAX + 1);
	s->aead = rs_aead_new(s->u.key, s->u.info.generation,
	    s->u.database_id, err);
	if (s->plain == NULL || s->aead == NULL) {
		reentry_sealer_close(s);
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	}
	return RS_OK;
}

void reentry_sealer_close(reentry_sealer *s)
{
	rs_aead_free(s->aead);
	rs_secret_free(s->plain, RS_VALUE_MAX + 1);
	for (int c = 0; c < RS_MAX_CELLS; c++)
		free(s->sealed[c]);
	ops_unlocked_free(&s->u);
	memset(s, 0, sizeof *s);
}

rs_value_state reentry_cell_state(reentry_sealer *s, int table,
    const rs_content_row *row, int cell)
{
	const rs_content_table_info *ti = rs_content_info(table);
	rs_value_place place = { ti->table, row->id, ti->columns[cell],
	    row->name };
	size_t plain_len = 0;
	int status = RS_OPEN_MALFORMED;

	if (row->cell[cell] == NULL)
		return RS_VALUE_DELETED;
	/* Values longer than RS_VALUE_MAX were not set here: open them with a
	 * buffer of their own size would do, but none exists in practice. */
	if (row->cell_len[cell] >= RS_SEAL_OVERHEAD &&
	    row->cell_len[cell] - RS_SEAL_OVERHEAD <= RS_VALUE_MAX)
		status = rs_aead_open(s->aead, &place, row->cell[cell],
		    row->cell_len[cell], s->plain, &plain_len, NULL);
	rs_wipe(s->plain, plain_len);
	if (status == RS_OPEN_OK)
		return RS_VALUE_READABLE;
	return status == RS_OPEN_MALFORMED ? RS_VALUE_DAMAGED : RS_VALUE_OTHER_KEY;
}

int reentry_seal_into(reentry_sealer *s, int table, rs_content_row *row,
    int cell, const char *value, size_t len, rs_error *err)
{
	const rs_content_table_info *ti = rs_content_info(table);
	rs_value_place place = { ti->table, row->id, ti->columns[cell],
	    row->name };
	size_t need = len + RS_SEAL_OVERHEAD;
	int rc;

	if (need > s->sealed_cap[cell]) {
		unsigned char *p = realloc(s->sealed[cell], need);

		if (p == NULL)
			return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
		s->sealed[cell] = p;
		s->sealed_cap[cell] = need;
	}
	rc = rs_aead_seal(s->aead, &place, (const unsigned char *)value, len,
	    s->sealed[cell], &row->cell_len[cell], err);
	row->cell[cell] = s->sealed[cell];
	return rc;
}

const char *reentry_value_problem(const char *value, size_t len)
{
	if (len == 0)
		return _("the value is empty");
	if (len > RS_VALUE_MAX)
		return _("the value is longer than 65536 bytes");
	if (memchr(value, '\0', len) != NULL)
		return _("the value holds a NUL character");
	return NULL;
}

/* ---- what needs attention ---- */

typedef struct content_walk {
	reentry_sealer sealer;
	bool attention_only;
	int (*fn)(void *arg, const rs_content_item *it);
	void *arg;
	rs_content_summary *sum;
} content_walk;

static void summary_count(rs_content_summary *sum, rs_value_kind k,
    rs_value_state st)
{
	if (st == RS_VALUE_READABLE)
		sum->readable[k]++;
	else if (st == RS_VALUE_DELETED)
		sum->missing[k]++;
	else
		sum->unreadable[k]++;
}

static int walk_row(content_walk *w, int table, const rs_content_row *row,
    rs_error *err)
{
	const rs_content_table_info *ti = rs_content_info(table);
	rs_content_item it;
	int rc = RS_OK;

	for (int c = 0; rc == RS_OK && c < ti->ncells; c++) {
		it.kind = reentry_kind(table, c);
		it.state = reentry_cell_state(&w->sealer, table, row, c);
		summary_count(w->sum, it.kind, it.state);
		if (w->fn == NULL ||
		    (w->attention_only && it.state == RS_VALUE_READABLE))
			continue;
		reentry_item_format(table, row->id, c, it.item, sizeof it.item);
		snprintf(it.name, sizeof it.name, "%s", row->name);
		rc = w->fn(w->arg, &it);
		if (rc != RS_OK && err->message[0] == '\0')
			rs_err(err, rc, "%s", rs_err_description(rc));
	}
	return rc;
}

static int walk_table(rs_ctx *ctx, content_walk *w, int table,
    rs_content_batch *batch, rs_error *err)
{
	int64_t after = 0;
	int rc;

	for (;;) {
		rc = ctx->store->ops->content_scan(ctx->store, table, after, batch,
		    err);
		if (rc != RS_OK || batch->count == 0)
			return rc;
		for (size_t i = 0; rc == RS_OK && i < batch->count; i++)
			rc = walk_row(w, table, &batch->rows[i], err);
		if (rc != RS_OK)
			return rc;
		after = batch->rows[batch->count - 1].id;
	}
}

int rs_op_content_each(rs_ctx *ctx, bool attention_only,
    int (*fn)(void *arg, const rs_content_item *it), void *arg,
    rs_content_summary *sum, rs_error *err)
{
	rs_content_summary local;
	content_walk w = { .attention_only = attention_only, .fn = fn,
	    .arg = arg, .sum = sum ? sum : &local };
	rs_content_batch batch = { .count = 0 };
	int rc;

	memset(w.sum, 0, sizeof *w.sum);
	rc = ctx->store->ops->admin_lock(ctx->store, "missing", err);
	if (rc != RS_OK)
		return rc;
	rc = reentry_sealer_open(ctx, &w.sealer, err);
	for (int t = 0; rc == RS_OK && t < RS_TABLE_COUNT; t++)
		rc = walk_table(ctx, &w, t, &batch, err);
	if (w.sealer.aead != NULL)
		reentry_sealer_close(&w.sealer);
	rs_content_batch_free(&batch);
	ctx->store->ops->admin_unlock(ctx->store);
	return rc;
}

/* ---- the list beside the audit log ---- */

typedef struct missing_file {
	FILE *f;
	uint64_t count;
} missing_file;

static int missing_line(void *arg, const rs_content_item *it)
{
	missing_file *m = arg;

	m->count++;
	fprintf(m->f, "%s\t%s\t%s\t%s\n", it->item, rs_value_kind_name(it->kind),
	    rs_value_state_name(it->state), it->name);
	return RS_OK;
}

static void missing_path(const rs_ctx *ctx, char *path, size_t size)
{
	char dir[PATH_MAX], stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	snprintf(dir, sizeof dir, "%s", ctx->cfg.audit_log);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(path, size, "%s/%s-missing-%s.tsv", dirname(dir),
	    ctx->cfg.instance, stamp);
}

static FILE *missing_create(const char *path, rs_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	FILE *f;

	if (fd < 0) {
		rs_err(err, RS_ERR_IO, _("cannot create %s: %s"), path,
		    strerror(errno));
		return NULL;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		rs_err(err, RS_ERR_IO, _("cannot create %s: %s"), path,
		    strerror(errno));
	}
	return f;
}

int rs_op_missing_save(rs_ctx *ctx, char *path, size_t size, uint64_t *count,
    rs_error *err)
{
	missing_file m = { NULL, 0 };
	int rc;

	missing_path(ctx, path, size);
	m.f = missing_create(path, err);
	if (m.f == NULL)
		return RS_ERR_IO;
	fprintf(m.f, "# %s\n", _("Values to re-enter (no secrets): item, kind, "
	    "reason, name. Set each with rskeymgmt --set-value ITEM, or many "
	    "with --import FILE."));
	rc = rs_op_content_each(ctx, true, missing_line, &m, NULL, err);
	if (fclose(m.f) != 0 && rc == RS_OK)
		rc = rs_err(err, RS_ERR_IO, _("cannot write %s: %s"), path,
		    strerror(errno));
	if (rc != RS_OK)
		unlink(path);
	if (count)
		*count = m.count;
	return rc;
}

/* ---- one value ---- */

/* The row of place (content_scan also returns rows without values). */
static int row_fetch(rs_ctx *ctx, const reentry_place *pl,
    rs_content_batch *batch, rs_content_row **row, const char *item,
    rs_error *err)
{
	int rc = ctx->store->ops->content_scan(ctx->store, pl->table,
	    pl->id - 1, batch, err);

	if (rc != RS_OK)
		return rc;
	if (batch->count == 0 || batch->rows[0].id != pl->id)
		return rs_err(err, RS_ERR_NOT_FOUND, _("%s: no such item (see "
		    "rskeymgmt --missing)"), item);
	*row = &batch->rows[0];
	return RS_OK;
}

static int set_locked(rs_ctx *ctx, reentry_sealer *s, const reentry_place *pl,
    const char *item, const char *value, size_t len, rs_content_item *out,
    rs_error *err)
{
	rs_content_batch batch = { .count = 0 };
	rs_content_row *row = NULL;
	int rc = row_fetch(ctx, pl, &batch, &row, item, err);

	if (rc == RS_OK) {
		snprintf(out->name, sizeof out->name, "%s", row->name);
		out->state = reentry_cell_state(s, pl->table, row, pl->cell);
		rc = reentry_seal_into(s, pl->table, row, pl->cell, value, len, err);
	}
	if (rc == RS_OK)
		rc = ctx->store->ops->content_update(ctx->store, pl->table, row, err);
	rs_content_batch_free(&batch);
	return rc;
}

static int set_value(rs_ctx *ctx, const char *item, const char *value,
    size_t len, rs_content_item *out, rs_error *err)
{
	reentry_sealer s;
	reentry_place pl;
	const char *problem;
	int rc;

	if (!reentry_item_parse(item, strlen(item), &pl))
		return rs_err(err, RS_ERR_NOT_FOUND, _("%s: no such item (see "
		    "rskeymgmt --missing)"), item);
	problem = reentry_value_problem(value, len);
	if (problem)
		return rs_err(err, RS_ERR_USAGE, "%s: %s", item, problem);
	snprintf(out->item, sizeof out->item, "%s", item);
	out->kind = reentry_kind(pl.table, pl.cell);
	rc = reentry_sealer_open(ctx, &s, err);
	if (rc != RS_OK)
		return rc;
	rc = ops_begin(ctx, "set-value", err);
	if (rc == RS_OK) {
		rc = set_locked(ctx, &s, &pl, item, value, len, out, err);
		rc = ops_finish(ctx, rc, err);
	}
	reentry_sealer_close(&s);
	return rc;
}

int rs_op_set_value(rs_ctx *ctx, const char *item, const char *value,
    size_t len, rs_content_item *out, rs_error *err)
{
	rs_content_item local;
	char target[RS_ITEM_MAX + RS_NAME_MAX + 4];
	int rc;

	if (out == NULL)
		out = &local;
	memset(out, 0, sizeof *out);
	if ((rc = ops_audit_begin(ctx, "set-value", item, err)) != RS_OK)
		return rc;
	rc = set_value(ctx, item, value, len, out, err);
	snprintf(target, sizeof target, "%.*s%s%s%s", RS_ITEM_MAX - 1, item,
	    out->name[0] ? " (" : "", out->name, out->name[0] ? ")" : "");
	if (rc == RS_OK)
		ops_step(ctx, RS_STEP_OK, _("Set %s"), target);
	else
		ops_step(ctx, RS_STEP_FAILED, "%s", err->message);
	return ops_audit(ctx, "set-value", target, rc, err);
}

/* ---- value files ---- */

int reentry_open_private(const char *path, int *fd, off_t *size,
    rs_error *err)
{
	struct stat st;

	*fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
	    O_CLOEXEC);
	if (*fd < 0)
		return rs_err(err, errno == ENOENT ? RS_ERR_NOT_FOUND :
		    errno == ELOOP ? RS_ERR_PERMISSION : RS_ERR_IO,
		    errno == ELOOP ? _("%s: a symbolic link; give the file "
		    "itself") : _("cannot open %s: %s"), path, strerror(errno));
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		close(*fd);
		*fd = -1;
		return rs_err(err, RS_ERR_PERMISSION, _("%s: refused: it must be "
		    "a regular file owned by you, mode 0600 (chmod 600 %s)"),
		    path, path);
	}
	*size = st.st_size;
	return RS_OK;
}

/* Reads fd to its end into a secret buffer of cap bytes. */
static int value_read_all(int fd, const char *what, char *buf, size_t cap,
    size_t *len, rs_error *err)
{
	ssize_t n;

	*len = 0;
	for (;;) {
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return rs_err(err, RS_ERR_IO, _("cannot read %s: %s"), what,
			    strerror(errno));
		if (n == 0)
			break;
		*len += (size_t)n;
		if (*len == cap)
			return rs_err(err, RS_ERR_USAGE, _("%s: the value is longer "
			    "than 65536 bytes"), what);
	}
	if (*len > 0 && buf[*len - 1] == '\n')
		(*len)--;
	if (*len > 0 && buf[*len - 1] == '\r')
		(*len)--;
	return RS_OK;
}

int rs_value_file_read(const char *path, int fd, char **value, size_t *len,
    size_t *cap, rs_error *err)
{
	char what[PATH_MAX + 32];
	off_t size;
	int rc = RS_OK, own = -1;

	*cap = RS_VALUE_MAX + 2;
	*value = rs_secret_alloc(*cap);
	if (*value == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	if (path != NULL) {
		rc = reentry_open_private(path, &own, &size, err);
		fd = own;
		snprintf(what, sizeof what, "%s", path);
	} else
		snprintf(what, sizeof what, _("descriptor %d"), fd);
	if (rc == RS_OK && path == NULL && fcntl(fd, F_GETFD) < 0)
		rc = rs_err(err, RS_ERR_USAGE, _("--value-fd %d: not an open "
		    "descriptor"), fd);
	if (rc == RS_OK)
		rc = value_read_all(fd, what, *value, *cap - 1, len, err);
	if (own >= 0)
		close(own);
	if (rc != RS_OK) {
		rs_secret_free(*value, *cap);
		*value = NULL;
	}
	return rc;
}
