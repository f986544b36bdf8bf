/* SPDX-License-Identifier: ISC */
/* cmd_status.c: --status, --init and --list. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rskeymgmt.h"

const char *cell_label(int table, int cell)
{
	return _(rs_content_info(table)->cell_labels[cell]);
}

static void status_values(struct run *r, const rs_status *st)
{
	const rs_content_table_info *ti;
	int t, c;

	j_open(&r->out, "values", '{');
	for (t = 0; t < RS_TABLE_COUNT; t++) {
		ti = rs_content_info(t);
		j_open(&r->out, ti->table, '{');
		for (c = 0; c < ti->ncells; c++) {
			j_u64(&r->out, ti->columns[c], st->cells[t][c]);
			out_text(&r->out, "  %-36s %" PRIu64 "\n", cell_label(t, c),
			    st->cells[t][c]);
		}
		j_close(&r->out, '}');
	}
	j_close(&r->out, '}');
}

void key_json(struct out *o, const rs_keyinfo *k)
{
	j_open(o, "key", '{');
	j_bool(o, "present", k->present);
	j_u64(o, "generation", k->generation);
	j_str(o, "kcv", k->present ? k->kcv : NULL);
	j_time(o, "created", k->created);
	j_time(o, "last_backup", k->last_backup);
	j_time(o, "last_change", k->last_change);
	j_close(o, '}');
}

static void status_key_text(struct out *o, const rs_keyinfo *k)
{
	char when[160];

	if (!k->present) {
		out_text(o, "%-20s %s\n", _("Key:"), _("none"));
		return;
	}
	local_time(k->created, when, sizeof when);
	out_text(o, _("%-20s generation %" PRIu32 ", check value %s, created %s\n"),
	    _("Key:"), k->generation, k->kcv, when);
	/* After a key change the date is reset: "never" would read as if no
	 * key had ever been backed up. */
	if (k->last_backup != 0)
		local_time(k->last_backup, when, sizeof when);
	else
		snprintf(when, sizeof when, _("none of this key (generation %"
		    PRIu32 ") yet: rskeymgmt -e -f FILE"), k->generation);
	out_text(o, "%-20s %s\n", _("Last backup:"), when);
	if (k->last_backup != 0 && !rs_backup_current(k))
		out_text(o, _("%-20s no backup of the key in use (generation %"
		    PRIu32 ") exists: rskeymgmt -e -f FILE\n"), "", k->generation);
}

/* --check-backup-age DAYS: for monitoring. */
static int backup_age_check(struct run *r, const rs_keyinfo *k)
{
	char *end;
	long days;

	errno = 0;
	days = strtol(r->cli->backup_age, &end, 10);
	if (errno != 0 || end == r->cli->backup_age || *end != '\0' ||
	    days < 1 || days > 36500)
		return rs_err(&r->err, RS_ERR_USAGE, _("--check-backup-age: '%s' "
		    "is not 1 to 36500 days"), r->cli->backup_age);
	if (!rs_backup_current(k))
		return rs_err(&r->err, RS_ERR_BACKUP_REQUIRED, _("No backup of "
		    "the key in use (generation %" PRIu32 ") exists: back it up "
		    "with rskeymgmt -e -f FILE."), k->generation);
	if ((int64_t)time(NULL) - k->last_backup > (int64_t)days * 86400)
		return rs_err(&r->err, RS_ERR_BACKUP_REQUIRED, _("The newest "
		    "backup of the key in use is older than %ld days: back it up "
		    "with rskeymgmt -e -f FILE."), days);
	return RS_OK;
}

static void status_text(struct run *r, const rs_status *st)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	struct out *o = &r->out;

	out_text(o, "%-20s %s\\%s (%s)\n", _("Instance:"), out_safe(cfg->machine),
	    out_safe(cfg->instance), cfg->installation_id);
	if (st->fingerprint[0])
		out_text(o, "%-20s %s\n", _("Key fingerprint:"), st->fingerprint);
	out_text(o, "%-20s %s\n", _("Config:"), out_safe(cfg->path));
	out_text(o, "%-20s %s\n", _("Database:"),
	    out_safe(rs_ctx_store_description(r->ctx)));
	out_text(o, "%-20s %s\n", _("Service account:"),
	    out_safe(cfg->service_account));
	if (st->activation == RS_ACTIVATED)
		out_text(o, "%-20s %s\n", _("Status:"), _("activated"));
	else
		out_text(o, "%-20s %s: %s\n", _("Status:"), _("not activated"),
		    st->reason);
	status_key_text(o, &st->key);
	out_text(o, _("%-20s %" PRIu64 " joined, %" PRIu64 " waiting to join\n"),
	    _("Scale-out members:"), st->members_joined, st->members_waiting);
	out_text(o, "%-20s %" PRIu64 "\n", _("Encrypted values:"),
	    st->values_total);
}

static void status_json(struct run *r, const rs_status *st)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	struct out *o = &r->out;

	j_bool(o, "activated", st->activation == RS_ACTIVATED);
	j_str(o, "activation", rs_activation_name(st->activation));
	j_str(o, "reason", st->reason);
	j_str(o, "installation_id", cfg->installation_id);
	j_str(o, "machine", cfg->machine);
	j_str(o, "instance", cfg->instance);
	j_str(o, "fingerprint", st->fingerprint);
	j_str(o, "service_account", cfg->service_account);
	j_str(o, "config", cfg->path);
	j_str(o, "database", rs_ctx_store_description(r->ctx));
	j_str(o, "database_id", st->database_id);
	key_json(o, &st->key);
	j_bool(o, "backup_current", rs_backup_current(&st->key));
	j_u64(o, "members_joined", st->members_joined);
	j_u64(o, "members_waiting", st->members_waiting);
	j_u64(o, "values_total", st->values_total);
}

int cmd_status(struct run *r)
{
	rs_status st;
	int rc;

	memset(&st, 0, sizeof st);
	rc = rs_op_status(r->ctx, &st, &r->err);
	if (rc != RS_OK)
		return rc;
	status_text(r, &st);
	status_json(r, &st);
	status_values(r, &st);
	if (st.activation != RS_ACTIVATED)
		return rs_err(&r->err, RS_ERR_NOT_ACTIVATED, "%s", st.reason);
	if (r->cli->backup_age != NULL)
		return backup_age_check(r, &st.key);
	return RS_OK;
}

int cmd_init(struct run *r)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	rs_init_result res;
	int rc;

	memset(&res, 0, sizeof res);
	rc = rs_op_init(r->ctx, &res, &r->err);
	if (rc != RS_OK)
		return rc;
	j_bool(&r->out, "created_keypair", res.created_keypair);
	j_bool(&r->out, "created_member", res.created_member);
	j_bool(&r->out, "created_key", res.created_key);
	j_str(&r->out, "state", res.state == RS_MEMBER_JOINED ? "joined" :
	    "waiting-to-join");
	j_str(&r->out, "installation_id", cfg->installation_id);
	if (res.created_keypair)
		out_text(&r->out, _("Created the instance's key pair in %s.\n"),
		    cfg->keystore);
	if (res.created_key)
		out_text(&r->out, _("Created the symmetric key of the database.\n"));
	if (res.state == RS_MEMBER_JOINED)
		out_text(&r->out, _("%s\\%s is initialized and holds the key.\n"),
		    out_safe(cfg->machine), out_safe(cfg->instance));
	else
		out_text(&r->out, _("%s\\%s is waiting to join. On an activated "
		    "member run: rskeymgmt --join %s\n"), out_safe(cfg->machine),
		    out_safe(cfg->instance), cfg->installation_id);
	return RS_OK;
}

int cmd_list(struct run *r)
{
	struct member_table t = { .rows = NULL };
	int rc;

	/* JSON streams; the table needs every row for its column widths. */
	if (r->cli->json) {
		j_open(&r->out, "members", '[');
		rc = rs_op_each_member(r->ctx, member_json, &r->out, &r->err);
		j_close(&r->out, ']');
		return rc;
	}
	rc = member_table_load(r, &t);
	if (rc == RS_OK)
		members_table(r->out.text, &t);
	member_table_free(&t);
	return rc;
}
