/* cmd_backup.c: --extract (back up the key) and --apply (restore it). */
#include <config.h>

#include <inttypes.h>
#include <string.h>
#include "rskeymgmt.h"

static void backup_report(struct run *r, const rs_backup_info *info)
{
	j_str(&r->out, "file", info->path);
	j_str(&r->out, "kcv", info->meta.kcv);
	j_u64(&r->out, "generation", info->meta.generation);
	j_bool(&r->out, "verified", info->verified);
	j_str(&r->out, "database_id", info->meta.database_id);
	out_text(&r->out, _("Key backed up to %s (generation %" PRIu32
	    ", check value %s)%s.\n"), info->path, info->meta.generation,
	    info->meta.kcv, info->verified ? _("; read back and verified") : "");
	out_text(&r->out, _("Keep the password safe: without it the backup "
	    "cannot be opened.\n"));
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
	rc = password_get(r, true, &pw);
	if (rc == RS_OK)
		rc = rs_op_backup(r->ctx, r->cli->file, pw.text, pw.len,
		    r->cli->overwrite, &info, &r->err);
	rs_password_free(&pw);
	if (rc == RS_OK)
		backup_report(r, &info);
	return rc;
}

int cmd_extract(struct run *r)
{
	return backup_make(r);
}

/* A forced restore of a different key is the destructive case: say what
 * is lost and ask, only then. */
static int apply_confirm(struct run *r, const rs_password *pw)
{
	rs_backup_info info;
	rs_status st;
	int rc;

	memset(&info, 0, sizeof info);
	memset(&st, 0, sizeof st);
	rc = rs_op_backup_inspect(r->ctx, r->cli->file, pw->text, pw->len,
	    &info, &r->err);
	if (rc != RS_OK || info.matches_database)
		return rc;
	if (!r->cli->yes && rs_op_status(r->ctx, &st, &r->err) == RS_OK)
		tty_print(_("%s holds key %s, the database uses %s: the %"
		    PRIu64 " values sealed with the database's key become "
		    "unreadable.\n"), r->cli->file, info.meta.kcv, st.key.kcv,
		    st.values_total);
	rs_err_clear(&r->err);
	return confirm(r, "yes");
}

static void apply_report(struct run *r, const rs_restore_result *res)
{
	j_str(&r->out, "file", res->file.path);
	j_str(&r->out, "kcv", res->file.meta.kcv);
	j_bool(&r->out, "key_replaced", res->key_replaced);
	j_u64(&r->out, "unreadable_values", res->unreadable_values);
	j_u64(&r->out, "members_reset", res->members_reset);
	out_text(&r->out, _("Applied the key from %s (check value %s).\n"),
	    res->file.path, res->file.meta.kcv);
	if (res->key_replaced)
		out_text(&r->out, _("The database's key was replaced: %" PRIu64
		    " values sealed with the old key are unreadable now; "
		    "re-enter them, or run rskeymgmt --delete.\n"),
		    res->unreadable_values);
	if (res->members_reset > 0) {
		out_text(&r->out, _("%" PRIu64 " other members wait to join "
		    "again:\n"), res->members_reset);
		members_hint_join(r);
	}
}

int cmd_apply(struct run *r)
{
	rs_restore_result res;
	rs_password pw;
	int rc;

	if (rs_password_init(&pw) != 0)
		return rs_err(&r->err, RS_ERR_INTERNAL, _("out of memory"));
	memset(&res, 0, sizeof res);
	rc = password_get(r, false, &pw);
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
