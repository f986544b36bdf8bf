/* SPDX-License-Identifier: ISC */
/* cmd_backup.c: --extract (back up the key), --apply (restore it) and
 * --check-backup (the restore drill). */
#include <config.h>

#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include "rskeymgmt.h"

int opt_recipient(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err)
{
	(void)o;
	if (c->nrecipients == RS_BACKUP_MAX_RECIPIENTS)
		return rs_err(err, RS_ERR_USAGE,
		    _("at most %d certificates can receive one backup"),
		    RS_BACKUP_MAX_RECIPIENTS);
	c->recipients[c->nrecipients++] = arg;
	return RS_OK;
}

/* A password is asked for unless certificates alone open the file:
 * --recipient (or --identity) with no --password-file/--password-fd. */
static bool password_wanted(const struct cli *c, bool certs)
{
	return !certs || c->password_file != NULL || c->password_fd >= 0;
}

static int load_recipients(struct run *r)
{
	size_t i;
	int rc = RS_OK;

	for (i = 0; rc == RS_OK && i < r->cli->nrecipients; i++)
		rc = rs_ctx_backup_recipient(r->ctx, r->cli->recipients[i],
		    &r->err);
	return rc;
}

/* --identity: the private key opens the file, no password is asked. */
static int identity_get(struct run *r, rs_password *pw)
{
	if (r->cli->identity == NULL)
		return password_get(r, false, pw);
	return rs_ctx_backup_identity(r->ctx, r->cli->identity, &r->err);
}

static bool is_stdio(const struct cli *c)
{
	return c->file != NULL && strcmp(c->file, "-") == 0;
}

/* -f - on --extract: stdout carries the backup, so no --json, never a
 * terminal, and the report goes to stderr; checked before any prompt. */
static int stdout_check(struct run *r)
{
	if (!is_stdio(r->cli))
		return RS_OK;
	if (r->cli->json)
		return rs_err(&r->err, RS_ERR_USAGE,
		    _("-f - writes the backup to standard output: --json cannot go there too"));
	if (isatty(STDOUT_FILENO))
		return rs_backup_stdout_refused(&r->err);
	return RS_OK;
}

/* -f - on --apply/--check-backup: stdin carries the backup; the prompt
 * reads the terminal itself, a password descriptor must be another one. */
static int stdin_check(struct run *r)
{
	if (!is_stdio(r->cli))
		return RS_OK;
	if (r->cli->password_fd == STDIN_FILENO)
		return rs_err(&r->err, RS_ERR_USAGE,
		    _("-f - reads the backup from standard input: give the password on another descriptor or in --password-file"));
	if (isatty(STDIN_FILENO))
		return rs_err(&r->err, RS_ERR_USAGE,
		    _("-f - reads the backup from standard input, which is a terminal; pipe the backup in (... | rskeymgmt -a -f -) or give its file"));
	return RS_OK;
}

static void backup_report(struct run *r, const rs_backup_info *info)
{
	if (is_stdio(r->cli)) {
		fprintf(stderr, _("Key backed up to standard output (generation %"
		    PRIu32 ", check value %s)%s.\n"), info->meta.generation,
		    info->meta.kcv,
		    info->verified ? _("; read back and verified") : "");
		return;
	}
	j_str(&r->out, "file", info->path);
	j_str(&r->out, "kcv", info->meta.kcv);
	j_u64(&r->out, "generation", info->meta.generation);
	j_bool(&r->out, "verified", info->verified);
	j_str(&r->out, "database_id", info->meta.database_id);
	out_text(&r->out, _("Key backed up to %s (generation %" PRIu32
	    ", check value %s)%s.\n"), info->path, info->meta.generation,
	    info->meta.kcv, info->verified ? _("; read back and verified") : "");
	if (password_wanted(r->cli, r->cli->nrecipients > 0))
		out_text(&r->out, _("Keep the password safe: without it the "
		    "backup cannot be opened.\n"));
	if (r->cli->nrecipients > 0 && !password_wanted(r->cli, true))
		out_text(&r->out, ngettext("Only the private key of the "
		    "certificate opens it (rskeymgmt --apply --identity KEY).\n",
		    "Only the private key of one of the %zu certificates opens "
		    "it (rskeymgmt --apply --identity KEY).\n",
		    r->cli->nrecipients), r->cli->nrecipients);
	else if (r->cli->nrecipients > 0)
		out_text(&r->out, ngettext("The private key of the certificate "
		    "opens it too (rskeymgmt --apply --identity KEY).\n",
		    "The private key of any of the %zu certificates opens it "
		    "too (rskeymgmt --apply --identity KEY).\n",
		    r->cli->nrecipients), r->cli->nrecipients);
}

/* Makes a backup to -f FILE; used by --extract and --service-account. */
int backup_make(struct run *r)
{
	rs_backup_info info;
	rs_password pw;
	int rc;

	if (rs_password_init(&pw) != 0)
		return rs_err(&r->err, RS_ERR_INTERNAL, _("out of memory"));
	memset(&info, 0, sizeof info);
	rc = stdout_check(r);
	if (rc == RS_OK)
		rc = load_recipients(r);
	if (rc == RS_OK && password_wanted(r->cli, r->cli->nrecipients > 0))
		rc = password_get(r, true, &pw);
	if (rc == RS_OK)
		rc = rs_op_backup(r->ctx, r->cli->file,
		    password_wanted(r->cli, r->cli->nrecipients > 0)
		    ? pw.text : NULL, pw.len, r->cli->overwrite, &info, &r->err);
	rs_password_free(&pw);
	if (rc == RS_OK)
		backup_report(r, &info);
	return rc;
}

int cmd_extract(struct run *r)
{
	return backup_make(r);
}

/* Forced: judge the backup first (both keys on every value); only a
 * restore that loses readable values is confirmed, naming how many. */
static int apply_confirm(struct run *r, const rs_password *pw)
{
	rs_restore_result preview;
	char counts[RS_ERROR_MESSAGE_MAX];
	int rc = rs_op_restore_preview(r->ctx, r->cli->file, pw->text, pw->len,
	    &preview, &r->err);

	if (rc != RS_OK || preview.trial.lost == 0)
		return rc;
	rs_restore_trial_text(&preview.trial, counts, sizeof counts);
	if (!r->cli->yes)
		tty_print(_("%s\nApplying %s (key %s) makes %" PRIu64 " values "
		    "that are readable now UNREADABLE.\n"), counts, r->cli->file,
		    preview.file.meta.kcv, preview.trial.lost);
	return confirm(r, "yes");
}

/* The counts of the trial decryption, in JSON. */
static void trial_json(struct run *r, const rs_restore_trial *t)
{
	j_u64(&r->out, "values", t->values);
	j_u64(&r->out, "backup_opens", t->backup_opens);
	j_bool(&r->out, "current_key_known", t->current_known);
	j_u64(&r->out, "current_opens", t->current_opens);
	j_u64(&r->out, "lost_values", t->lost);
}

static void trial_text(struct run *r, const rs_restore_trial *t)
{
	char counts[RS_ERROR_MESSAGE_MAX];

	rs_restore_trial_text(t, counts, sizeof counts);
	out_text(&r->out, "%s\n", counts);
}

static void apply_report(struct run *r, const rs_restore_result *res)
{
	j_str(&r->out, "file", res->file.path);
	j_str(&r->out, "kcv", res->file.meta.kcv);
	j_bool(&r->out, "key_replaced", res->key_replaced);
	j_u64(&r->out, "unreadable_values", res->unreadable_values);
	j_u64(&r->out, "members_reset", res->members_reset);
	trial_json(r, &res->trial);
	trial_text(r, &res->trial);
	/* -f - stays "-" in JSON's "file"; the text names it in words. */
	if (strcmp(res->file.path, "-") == 0)
		out_text(&r->out, _("Applied the key from standard input (check "
		    "value %s).\n"), res->file.meta.kcv);
	else
		out_text(&r->out, _("Applied the key from %s (check value %s).\n"),
		    res->file.path, res->file.meta.kcv);
	if (res->key_replaced && res->unreadable_values > 0)
		out_text(&r->out, _("The database's key was replaced: %" PRIu64
		    " values sealed with the old key are unreadable now; "
		    "re-enter them, or run rskeymgmt --delete.\n"),
		    res->unreadable_values);
	else if (res->key_replaced)
		out_text(&r->out, _("The database's key was replaced by the "
		    "backup's; all %" PRIu64 " values open with it.\n"),
		    res->trial.values);
	if (res->members_reset > 0) {
		out_text(&r->out, ngettext("%" PRIu64 " other member must join "
		    "again; waiting to join now:\n", "%" PRIu64 " other members "
		    "must join again; waiting to join now:\n", res->members_reset),
		    res->members_reset);
		members_hint_join(r);
	}
}

/* What --apply and --check-backup ask first: the backup's password (or
 * --identity's key).  pw is freed by the caller on every return. */
static int backup_secret(struct run *r, rs_password *pw,
    rs_restore_result *res)
{
	int rc;

	memset(res, 0, sizeof *res);
	if (rs_password_init(pw) != 0)
		return rs_err(&r->err, RS_ERR_INTERNAL, _("out of memory"));
	rc = stdin_check(r);
	return rc == RS_OK ? identity_get(r, pw) : rc;
}

int cmd_apply(struct run *r)
{
	rs_restore_result res;
	rs_password pw;
	int rc;

	rc = backup_secret(r, &pw, &res);
	if (rc == RS_OK && r->cli->force)
		rc = apply_confirm(r, &pw);
	if (rc == RS_OK)
		rc = rs_op_restore(r->ctx, r->cli->file, pw.text, pw.len,
		    r->cli->force, &res, &r->err);
	rs_password_free(&pw);
	if (rc == RS_OK)
		apply_report(r, &res);
	return rc;
}

static void check_report(struct run *r, const rs_restore_result *res)
{
	const rs_backup_meta *m = &res->file.meta;
	char when[64];

	j_str(&r->out, "file", res->file.path);
	j_str(&r->out, "machine", m->machine);
	j_str(&r->out, "instance", m->instance);
	j_u64(&r->out, "generation", m->generation);
	j_str(&r->out, "kcv", m->kcv);
	j_time(&r->out, "created", m->created);
	j_str(&r->out, "database_id", m->database_id);
	j_bool(&r->out, "same_database", res->file.same_database);
	j_bool(&r->out, "matches_database", res->file.matches_database);
	trial_json(r, &res->trial);
	local_time(m->created, when, sizeof when);
	out_text(&r->out, _("%s holds the key of %s\\%s: generation %" PRIu32
	    ", check value %s, made %s.\n"), res->file.path, m->machine,
	    m->instance, m->generation, m->kcv, when);
	out_text(&r->out, "%s\n", res->file.matches_database ?
	    _("It is the key the database uses.") :
	    _("It is not the key the database records."));
	if (!res->file.same_database)
		out_text(&r->out, _("It was made from another database.\n"));
	trial_text(r, &res->trial);
	out_text(&r->out, _("Nothing was changed.\n"));
}

int cmd_check_backup(struct run *r)
{
	rs_restore_result res;
	rs_password pw;
	int rc;

	rc = backup_secret(r, &pw, &res);
	if (rc == RS_OK)
		rc = rs_op_backup_check(r->ctx, r->cli->file, pw.text, pw.len,
		    &res, &r->err);
	rs_password_free(&pw);
	if (rc == RS_OK || (rc == RS_ERR_KEY_MISMATCH && res.file.verified))
		check_report(r, &res);
	return rc;
}
