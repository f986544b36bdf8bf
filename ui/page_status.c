/* SPDX-License-Identifier: ISC */
/* page_status.c: Report Server Status: who this instance is, whether it can
 * use the key (and why not), the key's generation and its last backup. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_int.h"

static void add(char ***l, int *n, const char *label, const char *value)
{
	char esc[1024];

	ui_escape(value, esc, sizeof esc);
	ui_lines_add(l, n, "%-16s %s", label, esc);
}

/* What Initialize can fix: no member row, no key pair, no key yet. */
static bool needs_init(const rs_status *st)
{
	return st->activation == RS_NOT_INITIALIZED ||
	    st->activation == RS_NO_PRIVATE_KEY || st->activation == RS_NO_KEY;
}

/* The reason in words; the core's sentence names the CLI, here the
 * Initialize button does the same. */
static const char *activation_words(const rs_status *st)
{
	switch (st->activation) {
	case RS_NOT_INITIALIZED:
		return _("This instance is not in the report server database "
		    "yet. Choose Initialize to add it.");
	case RS_NO_PRIVATE_KEY:
		return _("This instance has no key pair in its key store. Choose "
		    "Initialize to make one; then restore a key backup or have "
		    "an activated server add this one.");
	case RS_NO_KEY:
		return _("The report server database has no encryption key yet. "
		    "Choose Initialize to create it.");
	default:
		return st->reason;
	}
}

static void add_activation(char ***l, int *n, const rs_status *st)
{
	char esc[1600];

	if (st->activation == RS_ACTIVATED) {
		ui_lines_add(l, n, "%-16s %s%s%s", _("Activation:"), ui_on(UI_GOOD),
		    _("Activated"), ui_off(UI_GOOD));
		return;
	}
	ui_lines_add(l, n, "%-16s %s%s%s", _("Activation:"), ui_on(UI_BAD),
	    _("NOT ACTIVATED"), ui_off(UI_BAD));
	ui_escape(activation_words(st), esc, sizeof esc);
	ui_lines_add(l, n, "  %s", esc);
}

/* The seed: a backup is essential; one older than the last change does not
 * hold the key in use. */
static void add_backup(char ***l, int *n, const rs_keyinfo *k)
{
	char when[64];

	ui_format_time(k->last_backup, when, sizeof when);
	if (k->last_backup == 0)   /* reset by a key change: not "never" */
		ui_lines_add(l, n, _("%-16s %snone of generation %u: back up now "
		    "(Encryption Keys, Backup)%s"),
		    _("Last backup:"), ui_on(UI_WARN), (unsigned)k->generation,
		    ui_off(UI_WARN));
	else if (!rs_backup_current(k))
		ui_lines_add(l, n, "%-16s %s%s: %s%s", _("Last backup:"), ui_on(UI_WARN),
		    when, _("older than the last key change; back up again"), ui_off(UI_WARN));
	else
		ui_lines_add(l, n, "%-16s %s", _("Last backup:"), when);
}

static void add_key(char ***l, int *n, const rs_status *st)
{
	char when[64];

	if (!st->key.present) {
		ui_lines_add(l, n, "%-16s %s", _("Key:"), _("none (not initialized)"));
		return;
	}
	ui_lines_add(l, n, "%-16s %u  (%s %s)", _("Key generation:"),
	    (unsigned)st->key.generation, _("check value"), st->key.kcv);
	ui_format_time(st->key.created, when, sizeof when);
	ui_lines_add(l, n, "%-16s %s", _("Key created:"), when);
	ui_format_time(st->key.last_change, when, sizeof when);
	ui_lines_add(l, n, "%-16s %s", _("Last key change:"), when);
	add_backup(l, n, &st->key);
}

/* The counts in one column after the widest label (the TUI's texts are
 * single bytes), kept on the line: at most width - 16 for the label. */
static void add_content(char ***l, int *n, const rs_status *st, int width)
{
	int t, c, col = 0;

	ui_lines_add(l, n, "%-16s %llu", _("Encrypted data:"),
	    (unsigned long long)st->values_total);
	for (t = 0; t < RS_TABLE_COUNT; t++) {
		const rs_content_table_info *ti = rs_content_info(t);

		for (c = 0; ti && c < ti->ncells; c++)
			if ((int)strlen(_(ti->cell_labels[c])) > col)
				col = (int)strlen(_(ti->cell_labels[c]));
	}
	if (col > width - 16)
		col = width - 16 > 8 ? width - 16 : 8;
	for (t = 0; t < RS_TABLE_COUNT; t++) {
		const rs_content_table_info *ti = rs_content_info(t);

		for (c = 0; ti && c < ti->ncells; c++)
			ui_lines_add(l, n, "  %-*s %llu", col,
			    _(ti->cell_labels[c]),
			    (unsigned long long)st->cells[t][c]);
	}
}

/* The report server service of this instance (rsserverd), as it says. */
static void add_service(char ***l, int *n)
{
	rs_service_status svc;
	char esc[RS_ERROR_MESSAGE_MAX * 3];

	rs_op_service_status(ui->ctx, &svc, NULL);
	if (!svc.running) {
		ui_lines_add(l, n, "%-16s %s%s%s", _("Service:"), ui_on(UI_WARN),
		    _("Stopped"), ui_off(UI_WARN));
		return;
	}
	ui_escape(svc.account, esc, sizeof esc);
	if (svc.answered && strcmp(svc.state, "activated") == 0) {
		ui_lines_add(l, n, "%-16s %s%s%s (pid %lld, %s %s)", _("Service:"),
		    ui_on(UI_GOOD), _("Running"), ui_off(UI_GOOD),
		    (long long)svc.pid, _("as"), esc);
		return;
	}
	ui_lines_add(l, n, "%-16s %s%s%s (pid %lld, %s %s): %s", _("Service:"),
	    ui_on(UI_BAD), _("Running"), ui_off(UI_BAD), (long long)svc.pid,
	    _("as"), esc, svc.answered ? _("not activated") : _("not answering"));
}

static char *status_text(int width)
{
	const rs_config *c = rs_ctx_config(ui->ctx);
	const rs_status *st = &ui->status;
	char **l = NULL, *out, esc[RS_ERROR_MESSAGE_MAX * 3];
	int n = 0;

	(void)width;
	add(&l, &n, _("Instance:"), ui_instance_name());
	/* Whether it can work, and why not, and whether its service runs,
	 * first: at 80x24 the end of the page is below the fold. */
	if (ui->status_ok)
		add_activation(&l, &n, st);
	add_service(&l, &n);
	add(&l, &n, _("Installation ID:"), c->installation_id);
	if (ui->status_ok && st->fingerprint[0])
		add(&l, &n, _("Key fingerprint:"), st->fingerprint);
	add(&l, &n, _("Database:"), rs_ctx_store_description(ui->ctx));
	add(&l, &n, _("Service account:"), c->service_account);
	add(&l, &n, _("Configuration:"), c->path);
	if (!ui->status_ok) {
		ui_escape(ui->status_error, esc, sizeof esc);
		ui_lines_add(&l, &n, "%s%s%s %s", ui_on(UI_BAD), _("Status unavailable:"),
		    ui_off(UI_BAD), esc);
	} else {
		add_key(&l, &n, st);
		ui_lines_add(&l, &n, "%-16s %llu %s, %llu %s", _("Scale-out:"),
		    (unsigned long long)st->members_joined, _("joined"),
		    (unsigned long long)st->members_waiting, _("waiting to join"));
		add_content(&l, &n, st, width);
	}
	out = ui_lines_join(l, n);
	ui_lines_free(&l, &n);
	return out;
}

static const char *buttons[] = { N_("Refresh"), N_("Start Service"),
	N_("Stop Service"), N_("Initialize") };

/* What rskeymgmt --init does (rs_op_init), for this instance; also run
 * at start when the admin chose to create a missing database (app.c). */
void ui_status_initialize(void)
{
	const rs_config *c = rs_ctx_config(ui->ctx);
	rs_init_result res;
	rs_error err;
	char m[RS_NAME_MAX * 3], in[RS_NAME_MAX * 3];

	if (!ui->status_ok || !needs_init(&ui->status)) {
		ui_message(_("Initialize"), _("This instance is already "
		    "initialized: it is in the report server database and has "
		    "its key pair. Nothing to do."));
		return;
	}
	ui_escape(c->machine, m, sizeof m);
	ui_escape(c->instance, in, sizeof in);
	ui_results_clear(_("Initialize this instance"));
	rs_err_clear(&err);
	memset(&res, 0, sizeof res);
	if (rs_op_init(ui->ctx, &res, &err) != RS_OK) {
		ui_step_cb(NULL, err.message, RS_STEP_FAILED);
		ui_error_box(_("Initialize"), &err);
		return;
	}
	if (res.created_keypair)
		ui_results_add(RS_STEP_OK, "%s", _("Created the instance's key pair"));
	if (res.created_key)
		ui_results_add(RS_STEP_OK, "%s",
		    _("Created the symmetric key of the database"));
	if (res.state == RS_MEMBER_JOINED)
		ui_results_add(RS_STEP_OK, _("%s\\%s is initialized and holds the key"),
		    m, in);
	else
		ui_results_add(RS_STEP_WARNING, _("%s\\%s is waiting to join: on an "
		    "activated server choose Scale-out Deployment, Add Server"), m, in);
}

static void service_start(void)
{
	rs_error err;
	rs_service_done done;
	char how[400];

	ui_results_clear(_("Start the report server service"));
	rs_err_clear(&err);
	if (rs_op_service_control(ui->ctx, RS_SERVICE_START, 0, &done,
	    &err) != RS_OK) {
		ui_step_cb(NULL, err.message, RS_STEP_FAILED);
		ui_error_box(_("Start Service"), &err);
		return;
	}
	rs_service_done_how(&done, how, sizeof how);
	ui_results_add(RS_STEP_OK, "%s", _("The report server service is running"));
	ui_results_add(RS_STEP_OK, _("Started %s"), how);
}

static void service_stop(void)
{
	rs_error err;
	rs_service_done done;
	char how[400];

	ui_results_clear(_("Stop the report server service"));
	rs_err_clear(&err);
	if (rs_op_service_control(ui->ctx, RS_SERVICE_STOP, 0, &done,
	    &err) != RS_OK) {
		ui_step_cb(NULL, err.message, RS_STEP_FAILED);
		ui_error_box(_("Stop Service"), &err);
		return;
	}
	ui_results_add(done.was_running ? RS_STEP_OK : RS_STEP_SKIPPED, "%s",
	    done.was_running ? _("The report server service was stopped") :
	    _("The report server service was not running"));
	rs_service_done_how(&done, how, sizeof how);
	if (done.was_running)
		ui_results_add(RS_STEP_OK, _("Stopped %s"), how);
}

/* The frame reloads after every action, Refresh included. */
static void status_action(int button)
{
	if (button == 1)
		service_start();
	else if (button == 2)
		service_stop();
	else if (button == 3)
		ui_status_initialize();
}

const ui_page ui_page_status = {
	.name = N_("Report Server Status"),
	.help = "status",
	.text = status_text,
	.buttons = buttons,
	.nbuttons = 4,
	.action = status_action,
};
