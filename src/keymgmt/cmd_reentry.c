/* SPDX-License-Identifier: ISC */
/* cmd_reentry.c: --missing, --set-value and --import: after a delete or a
 * forced restore, see what has to be re-entered and put it back (issue
 * 17).  Values come from a file, a descriptor or the terminal, never from
 * the command line or the environment, and live in secret memory only. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "rskeymgmt.h"

int opt_value_fd(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err)
{
	char *end;
	long v;

	(void)o;
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 0 || v > INT_MAX)
		return rs_err(err, RS_ERR_USAGE,
		    _("--value-fd: '%s' is not a descriptor number"), arg);
	c->value_fd = (int)v;
	return RS_OK;
}

/* ---- --missing ---- */

struct missing_list {
	struct run *r;
	uint64_t count;
};

static int missing_item(void *arg, const rs_content_item *it)
{
	struct missing_list *l = arg;
	struct out *o = &l->r->out;

	if (l->count++ == 0)
		out_text(o, "%-34s %-20s %-24s %s\n", _("ITEM"), _("KIND"),
		    _("REASON"), _("NAME"));
	j_open(o, NULL, '{');
	j_str(o, "item", it->item);
	j_str(o, "kind", rs_value_kind_name(it->kind));
	j_str(o, "name", it->name);
	j_str(o, "reason", rs_value_state_name(it->state));
	j_close(o, '}');
	out_text(o, "%-34s %-20s %-24s %s\n", it->item,
	    rs_value_kind_text(it->kind), rs_value_state_text(it->state),
	    it->name);
	return RS_OK;
}

static void missing_summary(struct run *r, const rs_content_summary *s,
    uint64_t count)
{
	uint64_t readable = 0;

	for (int k = 0; k < RS_KIND_COUNT; k++)
		readable += s->readable[k];
	j_u64(&r->out, "count", count);
	j_u64(&r->out, "readable", readable);
	if (count == 0)
		out_text(&r->out, _("Every value opens with the current key "
		    "(%" PRIu64 " readable).\n"), readable);
	else
		out_text(&r->out, ngettext("%" PRIu64 " value to re-enter (%"
		    PRIu64 " readable). Set it with --set-value ITEM.\n", "%"
		    PRIu64 " values to re-enter (%" PRIu64 " readable). Set one "
		    "with --set-value ITEM, many with --import FILE.\n", count),
		    count, readable);
}

int cmd_missing(struct run *r)
{
	struct missing_list l = { r, 0 };
	rs_content_summary sum;
	int rc;

	j_open(&r->out, "missing", '[');
	rc = rs_op_content_each(r->ctx, true, missing_item, &l, &sum, &r->err);
	j_close(&r->out, ']');
	if (rc == RS_OK)
		missing_summary(r, &sum, l.count);
	return rc;
}

/* Called by --delete: the list, names only, beside the audit log. */
void missing_save_report(struct run *r)
{
	char path[PATH_MAX];
	uint64_t count = 0;
	rs_error err = { RS_OK, "" };

	if (rs_op_missing_save(r->ctx, path, sizeof path, &count, &err) != RS_OK) {
		out_text(&r->out, _("Warning: the list of values to re-enter was "
		    "not saved: %s\n"), err.message);
		return;
	}
	j_str(&r->out, "missing_file", path);
	out_text(&r->out, ngettext("The %" PRIu64 " value to re-enter is listed "
	    "in %s (rskeymgmt --missing shows it any time).\n", "The %" PRIu64
	    " values to re-enter are listed in %s (rskeymgmt --missing shows "
	    "them any time).\n", count), count, path);
}

/* ---- --set-value ---- */

/* Asked twice on the terminal, echo off. */
static int value_from_tty(struct run *r, rs_password *pw)
{
	rs_password again;
	int rc;

	if (tty_get() < 0)
		return rs_err(&r->err, RS_ERR_USAGE, _("no terminal to ask for "
		    "the value: use --value-file FILE or --value-fd N"));
	if (rs_password_init(&again) != 0)
		return rs_err(&r->err, RS_ERR_INTERNAL, _("out of memory"));
	tty_print(_("The value of %s (one line; for several lines use "
	    "--value-file).\n"), r->cli->arg);
	rc = tty_read_secret(_("Value: "), pw);
	if (rc == RS_OK)
		rc = tty_read_secret(_("Type the value again: "), &again);
	if (rc == RS_OK && (again.len != pw->len ||
	    memcmp(again.text, pw->text, pw->len) != 0))
		rc = rs_err(&r->err, RS_ERR_USAGE, _("The values do not match; "
		    "nothing was changed."));
	else if (rc != RS_OK)
		rs_err(&r->err, rc, "%s", rs_err_description(rc));
	rs_password_free(&again);
	return rc;
}

static void set_value_report(struct run *r, const rs_content_item *it)
{
	j_str(&r->out, "item", it->item);
	j_str(&r->out, "kind", rs_value_kind_name(it->kind));
	j_str(&r->out, "name", it->name);
	j_str(&r->out, "was", rs_value_state_name(it->state));
	out_text(&r->out, _("Set the %s of %s (%s); it was %s.\n"),
	    rs_value_kind_text(it->kind), it->name, it->item,
	    rs_value_state_text(it->state));
}

static int set_from_source(struct run *r, rs_content_item *it)
{
	char *value = NULL;
	size_t len = 0, cap = 0;
	int rc = rs_value_file_read(r->cli->value_file, r->cli->value_fd,
	    &value, &len, &cap, &r->err);

	if (rc == RS_OK)
		rc = rs_op_set_value(r->ctx, r->cli->arg, value, len, it, &r->err);
	rs_secret_free(value, cap);
	return rc;
}

int cmd_set_value(struct run *r)
{
	rs_content_item it;
	rs_password pw;
	int rc;

	if (r->cli->value_file != NULL && r->cli->value_fd >= 0)
		return rs_err(&r->err, RS_ERR_USAGE, _("give --value-file or "
		    "--value-fd, not both"));
	if (r->cli->value_file != NULL || r->cli->value_fd >= 0)
		rc = set_from_source(r, &it);
	else {
		if (rs_password_init(&pw) != 0)
			return rs_err(&r->err, RS_ERR_INTERNAL, _("out of memory"));
		rc = value_from_tty(r, &pw);
		if (rc == RS_OK)
			rc = rs_op_set_value(r->ctx, r->cli->arg, pw.text, pw.len,
			    &it, &r->err);
		rs_password_free(&pw);
	}
	if (rc == RS_OK)
		set_value_report(r, &it);
	return rc;
}

/* ---- --import ---- */

static const char *outcome_name(rs_import_outcome o)
{
	return o == RS_IMPORT_SET ? "set" : o == RS_IMPORT_SKIPPED ? "skipped"
	    : "refused";
}

static void import_line(void *arg, const rs_import_line *l)
{
	struct run *r = arg;

	j_open(&r->out, NULL, '{');
	j_u64(&r->out, "line", l->line);
	j_str(&r->out, "item", l->item);
	j_str(&r->out, "outcome", outcome_name(l->outcome));
	j_str(&r->out, "reason", l->outcome == RS_IMPORT_REFUSED ? l->reason : "");
	j_close(&r->out, '}');
	if (l->outcome == RS_IMPORT_SET)
		out_text(&r->out, _("line %" PRIu64 ": set %s\n"), l->line, l->item);
	else if (l->outcome == RS_IMPORT_SKIPPED)
		out_text(&r->out, _("line %" PRIu64 ": skipped %s (already "
		    "readable; --replace sets it)\n"), l->line, l->item);
	else
		out_text(&r->out, _("line %" PRIu64 ": refused %s: %s\n"),
		    l->line, l->item[0] ? l->item : "-", l->reason);
}

static void import_summary(struct run *r, const rs_import_result *res)
{
	j_u64(&r->out, "lines", res->lines);
	j_u64(&r->out, "set", res->set);
	j_u64(&r->out, "skipped", res->skipped);
	j_u64(&r->out, "refused", res->refused);
	j_bool(&r->out, "applied", res->applied);
	if (res->applied)
		out_text(&r->out, ngettext("Set %" PRIu64 " value, skipped %"
		    PRIu64 ", in one transaction.\n", "Set %" PRIu64 " values, "
		    "skipped %" PRIu64 ", in one transaction.\n", res->set),
		    res->set, res->skipped);
}

int cmd_import(struct run *r)
{
	rs_import_result res;
	int rc;

	memset(&res, 0, sizeof res);
	j_open(&r->out, "results", '[');
	rc = rs_op_import(r->ctx, r->cli->arg, r->cli->replace, import_line, r,
	    &res, &r->err);
	j_close(&r->out, ']');
	if (rc == RS_OK || res.refused > 0)
		import_summary(r, &res);
	return rc;
}
