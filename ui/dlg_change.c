/* SPDX-License-Identifier: ISC */
/* dlg_change.c: Change Encryption Key.  First the scale-out members for
 * review, then a confirmation, then a progress bar (count, percent, time
 * left).  Esc asks whether to cancel; cancelling, or a terminating signal,
 * makes the progress callback return non-zero and the core rolls back. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ui_int.h"

typedef struct progress {
	ui_form form;
	uint64_t done, total;
	rs_progress_clock start, last_draw;
	bool cancelled;
} progress;

static char *progress_lines(ui_form *f)
{
	progress *p = (progress *)f;
	int width = getmaxx(stdscr) > 80 ? 60 : 50, fill;
	unsigned pct = p->total ? (unsigned)(p->done * 100 / p->total) : 0;
	char bar[128], left[32], *line, *out;

	fill = p->total ? (int)((double)p->done / (double)p->total * width) : 0;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(width - fill));
	bar[width] = '\0';
	rs_progress_time_left(&p->start, p->done, p->total, _("estimating"), left,
	    sizeof left);
	line = ui_strdupf(ngettext("%llu of %llu value", "%llu of %llu values",
	    (unsigned long)p->total), (unsigned long long)p->done,
	    (unsigned long long)p->total);
	out = ui_strdupf("[%s] %3u%%\n%s   %s %s", bar, pct, line, _("time left:"), left);
	free(line);
	return out;
}

static bool ask_cancel(progress *p)
{
	p->cancelled = ui_confirm(_("Cancel the change?"),
	    _("Stop re-encrypting? Everything done so far is rolled back and the "
	    "current key stays in use."), _("Stop and roll back"), _("Continue"));
	return p->cancelled;
}

/* Called by the core per batch: draw, follow resizes, watch for Esc and
 * for signals.  Non-zero cancels. */
static int on_progress(void *arg, uint64_t done, uint64_t total)
{
	progress *p = arg;
	int key;

	p->done = done;
	p->total = total;
	if (ui_quitting())
		return 1;
	while ((key = ui_pollkey(p->form.panel)) != ERR) {
		if (key == UI_KEY_SIGNAL)
			return 1;
		if (key == KEY_RESIZE)
			ui_relayout();
		else if ((key == KEY_ESC || key == KEY_ENTER || key == KEY_F(10)) && ask_cancel(p))
			return 1;
		else if (key == KEY_F(1))
			ui_help("change");
	}
	if (ui_quitting())
		return 1;
	if (rs_progress_elapsed(&p->last_draw) >= 0.1 || done == total) {
		ui_form_update_live(&p->form);
		rs_progress_clock_start(&p->last_draw);
	}
	return 0;
}

/* The review (doc/ssrs.md, Change: stop the services first): who runs,
 * from the members' heartbeats, and who gets the new key, with their
 * keys' fingerprints.  Not a snapshot: Refresh reads it again, Continue
 * checks again, and the change wraps only for the members shown (a row
 * planted meanwhile gets nothing; issue 14). */
typedef struct review {
	rs_running run;
	rs_reviewed *shown;        /* the candidates the admin saw */
	size_t nshown;
} review;

static void review_free(review *rv)
{
	free(rv->shown);
	rv->shown = NULL;
	rv->nshown = 0;
}

/* Running: what its service holds (an old key stands out); else the
 * service state, and when a stale one was last heard of. */
static void service_cell(const rs_member_view *v, char *out, size_t size)
{
	char when[64], key[64];

	if (v->running) {
		rs_member_key_text(v, key, sizeof key);
		snprintf(out, size, "%s%s%s", v->service_old_key ?
		    ui_on(UI_WARN) : "", key, v->service_old_key ?
		    ui_off(UI_WARN) : "");
		return;
	}
	if (!v->stale) {
		snprintf(out, size, "%s", rs_member_service_text(v));
		return;
	}
	ui_format_time(v->last_seen, when, sizeof when);
	snprintf(out, size, "%s %s", rs_member_service_text(v), when);
}

static void review_who_runs(char ***l, int *k, review *rv)
{
	rs_error err;
	char esc[sizeof rv->run.names * 3];

	rs_err_clear(&err);
	if (rs_op_who_runs(ui->ctx, &rv->run, &err) != RS_OK)
		ui_lines_add(l, k, "%s", err.message);
	if (rv->run.count == 0)
		return;
	ui_escape(rv->run.names, esc, sizeof esc);
	ui_lines_add(l, k, " ");
	ui_lines_add(l, k, "%s%s %s%s", ui_on(UI_WARN),
	    _("The report server service is running on:"), esc, ui_off(UI_WARN));
}

static void review_candidates(char ***l, int *k, review *rv)
{
	rs_error err;
	char a[RS_NAME_MAX * 3], s1[64];

	review_free(rv);
	rs_err_clear(&err);
	if (rs_op_change_candidates(ui->ctx, &rv->shown, &rv->nshown, &err) !=
	    RS_OK) {
		ui_lines_add(l, k, "%s", err.message);
		return;
	}
	ui_lines_add(l, k, " ");
	ui_lines_add(l, k, "</B>%s<!B>", _("These servers get the new key "
	    "(key fingerprints):"));
	for (size_t i = 0; i < rv->nshown; i++) {
		/* Cut to fit an 80-column review: 2 + 27 + 1 + 39. */
		snprintf(s1, sizeof s1, "%.14s\\%.12s", rv->shown[i].machine,
		    rv->shown[i].instance);
		ui_escape(s1, a, sizeof a);
		ui_lines_add(l, k, "  %-27s %s", a, rv->shown[i].fingerprint);
	}
}

static char *review_text(review *rv)
{
	rs_member_view *m = NULL;
	size_t n = 0, i;
	rs_error err;
	char **l = NULL, *out, a[RS_NAME_MAX * 3], b[RS_NAME_MAX * 3], svc[96];
	int k = 0;

	ui_lines_add(&l, &k, "%s", _("Every copy of the key in the scale-out deployment is "
	    "replaced. Review the servers: only valid report server instances "
	    "should get the new key. Stop the Report Server service on each of "
	    "them before you go on."));
	ui_lines_add(&l, &k, " ");
	ui_lines_add(&l, &k, "</B>%-18s %-12s %-15s %s<!B>", _("Server"), _("Instance"),
	    _("Status"), _("Service"));
	rs_err_clear(&err);
	if (rs_op_list_members(ui->ctx, &m, &n, &err) != RS_OK)
		ui_lines_add(&l, &k, "%s", err.message);
	for (i = 0; i < n; i++) {
		char s1[64], s2[64];

		snprintf(s1, sizeof s1, "%.16s%s", m[i].machine, m[i].is_local ? " *" : "");
		snprintf(s2, sizeof s2, "%.12s", m[i].instance);
		ui_escape(s1, a, sizeof a);
		ui_escape(s2, b, sizeof b);
		service_cell(&m[i], svc, sizeof svc);
		ui_lines_add(&l, &k, "%-18s %-12s %-15s %s", a, b,
		    rs_member_view_state_text(m[i].state), svc);
	}
	free(m);
	review_candidates(&l, &k, rv);
	review_who_runs(&l, &k, rv);
	out = ui_lines_join(l, k);
	ui_lines_free(&l, &k);
	return out;
}

static void stop_local(void)
{
	rs_error err;

	rs_err_clear(&err);
	if (rs_op_service_stop(ui->ctx, NULL, &err) != RS_OK)
		ui_error_box(_("Stop Service"), &err);
	else
		ui_results_add(RS_STEP_OK, "%s", _("Stopped the local report server service"));
}

/* Continue checks again, now: who runs (what the review showed may be
 * old) and whether the servers that get the key are still those shown.
 * true: go on with rv->run as it is now. */
static bool recheck(review *rv)
{
	rs_reviewed *now = NULL;
	size_t n = 0;
	rs_error err;
	bool same;

	rs_err_clear(&err);
	if (rs_op_who_runs(ui->ctx, &rv->run, &err) != RS_OK ||
	    rs_op_change_candidates(ui->ctx, &now, &n, &err) != RS_OK) {
		free(now);
		ui_error_box(_("Change Encryption Key"), &err);
		return false;
	}
	same = rs_reviewed_same(rv->shown, rv->nshown, now, n);
	free(now);
	if (!same)
		ui_message(_("Change Encryption Key"), _("The servers that would "
		    "get the new key changed since the review. Review them "
		    "again."));
	return same;
}

enum { REVIEW_STOP = -1, REVIEW_CONTINUE, REVIEW_CANCEL, REVIEW_REFRESH };

/* The review, again after the local service is stopped or on Refresh:
 * 0 continue, -1 cancel.  Refresh is last, so the keys that reach
 * Continue and Cancel are those of before. */
static int review_servers(review *rv)
{
	const char *with_stop[] = { _("Stop local service"), _("Continue"),
	    _("Cancel"), _("Refresh") };
	const char *plain[] = { _("Continue"), _("Cancel"), _("Refresh") };
	char *text;
	int r;

	for (;;) {
		text = review_text(rv);
		if (rv->run.local)
			r = ui_text_dialog(_("Change Encryption Key: review the servers"),
			    text, with_stop, 4, 0, "change") - 1;
		else
			r = ui_text_dialog(_("Change Encryption Key: review the servers"),
			    text, plain, 3, 1, "change");
		free(text);
		if (ui_quitting())
			return -1;
		if (r == REVIEW_STOP && rv->run.local)
			stop_local();
		else if (r == REVIEW_CONTINUE && recheck(rv))
			return 0;
		else if (r != REVIEW_CONTINUE && r != REVIEW_REFRESH)
			return -1;
	}
}

/* Another member still runs: refuse, unless the admin forces it knowing
 * which servers keep the old key. */
static bool confirm_force(const review *rv)
{
	char esc[sizeof rv->run.names * 3], *msg;
	bool yes;

	ui_escape(rv->run.names, esc, sizeof esc);
	msg = ui_strdupf(_("The report server service is still running on: %s. "
	    "Stop it there first (rskeymgmt --stop). Forcing the change now "
	    "leaves those servers using the old key, unable to read any value "
	    "until they are restarted."), esc);
	yes = ui_confirm(_("Services are running"), msg, _("Force the change"), _("Cancel"));
	free(msg);
	return yes;
}

static bool review_and_confirm(review *rv, bool *force)
{
	char *msg;
	bool yes;

	*force = false;
	if (review_servers(rv) != 0)
		return false;
	if (rv->run.count > 0) {
		if (!confirm_force(rv))
			return false;
		*force = true;
		ui_results_add(RS_STEP_WARNING, "%s", _("Forced while report server services run"));
	}
	msg = ui_strdupf(ngettext("Create a new key and re-encrypt the %llu "
	    "encrypted value now? The Report Server service must be stopped on "
	    "every server. This can take a while; Esc cancels and rolls back.",
	    "Create a new key and re-encrypt all %llu encrypted values now? The "
	    "Report Server service must be stopped on every server. This can "
	    "take a while; Esc cancels and rolls back.",
	    (unsigned long)ui->status.values_total),
	    (unsigned long long)ui->status.values_total);
	yes = ui_confirm(_("Change Encryption Key"), msg, _("Change key"), _("Cancel"));
	free(msg);
	return yes;
}

static void show_summary(const rs_change_result *r)
{
	char *msg = ui_strdupf("%s\n\n%-22s %u -> %u\n%-22s %s -> %s\n%-22s %llu\n%-22s %llu\n%-22s %llu\n\n%s",
	    _("The encryption key was changed."),
	    _("Key generation:"), (unsigned)r->old_generation, (unsigned)r->new_generation,
	    _("Key check value:"), r->old_kcv, r->new_kcv,
	    _("Values re-encrypted:"), (unsigned long long)r->values,
	    _("Servers given the key:"), (unsigned long long)r->members_rewrapped,
	    _("Servers still waiting:"), (unsigned long long)r->members_waiting,
	    _("Back up the new key now: older backups hold the old key."));

	ui_done_backup_now(_("Change complete"), msg);
	free(msg);
}

static int run_change(progress *p, const review *rv, bool force,
    rs_change_result *res, rs_error *err)
{
	rs_change_options opt = { .force = force, .reviewed = rv->shown,
	    .nreviewed = rv->nshown };
	const char *b[] = { _("Cancel (Esc)") };
	int rc;

	ui_form_init(&p->form);
	p->form.title = _("Changing the encryption key");
	p->form.help = "change";
	p->form.text = _("Re-encrypting every encrypted value with a new key. "
	    "Esc cancels and rolls back.");
	p->form.live_fn = progress_lines;
	p->form.buttons = b;
	p->form.nbuttons = 1;
	p->total = ui->status.values_total;
	rs_progress_clock_start(&p->start);
	p->last_draw = p->start;
	ui_push(&p->form.layer);
	rc = rs_op_change(ui->ctx, &opt, on_progress, p, res, err);
	ui_pop(&p->form.layer);
	ui_form_free(&p->form);
	return rc;
}

bool ui_dlg_change(void)
{
	progress p;
	rs_change_result res;
	rs_error err;
	review rv;
	bool force;
	int rc;

	memset(&rv, 0, sizeof rv);
	ui_results_clear(_("Change the encryption key"));
	if (!review_and_confirm(&rv, &force)) {
		review_free(&rv);
		rs_op_cancelled(ui->ctx, "change", NULL, NULL);
		ui_results_add(RS_STEP_SKIPPED, "%s", _("Change cancelled before it started"));
		return false;
	}
	memset(&p, 0, sizeof p);
	memset(&res, 0, sizeof res);
	rs_err_clear(&err);
	rc = run_change(&p, &rv, force, &res, &err);
	review_free(&rv);
	if (ui_quitting())
		return false;
	if (rc == RS_ERR_CANCELLED) {
		ui_message(_("Change cancelled"), _("The change was cancelled and rolled "
		    "back. The current key is still in use; nothing was changed."));
		return false;
	}
	if (rc != RS_OK) {
		ui_error_box(_("Change Encryption Key"), &err);
		return false;
	}
	show_summary(&res);
	return true;
}
