/* SPDX-License-Identifier: ISC */
/* cmd_service.c: the report server service (rsserverd) of this instance:
 * --start, --stop, --service-status and --test-datasource. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "rskeymgmt.h"

static void service_json(struct out *o, const rs_service_status *st)
{
	j_bool(o, "running", st->running);
	j_bool(o, "answered", st->answered);
	j_i64(o, "pid", st->pid);
	j_str(o, "state", st->answered ? st->state : NULL);
	j_str(o, "reason", st->answered ? st->reason : NULL);
	j_u64(o, "generation", st->generation);
	j_str(o, "kcv", st->answered && st->kcv[0] ? st->kcv : NULL);
	j_time(o, "since", st->since);
	j_str(o, "account", st->answered ? st->account : NULL);
}

static void service_text(struct out *o, const rs_config *cfg,
    const rs_service_status *st)
{
	char when[64];

	if (!st->running) {
		out_text(o, _("The report server service of %s\\%s is stopped.\n"),
		    cfg->machine, cfg->instance);
		return;
	}
	out_text(o, _("The report server service of %s\\%s is running (pid %"
	    PRId64 ", as %s).\n"), cfg->machine, cfg->instance, st->pid,
	    st->answered ? st->account : "?");
	if (!st->answered) {
		out_text(o, "%s\n", _("It does not answer on its socket."));
		return;
	}
	local_time(st->since, when, sizeof when);
	if (strcmp(st->state, "activated") == 0)
		out_text(o, _("Activated since %s: key generation %" PRIu32
		    ", check value %s.\n"), when, st->generation, st->kcv);
	else
		out_text(o, _("Not activated since %s: %s\n"), when, st->reason);
}

/* Which way start and stop go (went): "systemctl" or "directly". */
static void service_how(struct out *o, const rs_service_done *done,
    const char *text)
{
	char how[400];

	j_str(o, "by", done->by_systemd ? "systemctl" : "directly");
	j_str(o, "unit", done->by_systemd ? done->unit : NULL);
	rs_service_done_how(done, how, sizeof how);
	if (text != NULL)
		out_text(o, "%s %s.\n", text, how);
}

int cmd_service_status(struct run *r)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	rs_service_status st;
	rs_service_done done = { .by_systemd = false };
	int rc = rs_op_service_status(r->ctx, &st, &r->err);

	if (rc != RS_OK)
		return rc;
	done.by_systemd = rs_op_service_unit(r->ctx, done.unit,
	    sizeof done.unit);
	service_json(&r->out, &st);
	service_how(&r->out, &done, NULL);
	service_text(&r->out, cfg, &st);
	return RS_OK;
}

int cmd_start(struct run *r)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	rs_service_status st;
	rs_service_done done;
	int rc = rs_op_service_control(r->ctx, RS_SERVICE_START,
	    r->cli->heartbeat, &done, &r->err);

	if (rc != RS_OK)
		return rc;
	rs_op_service_status(r->ctx, &st, &r->err);
	service_json(&r->out, &st);
	service_how(&r->out, &done, _("Started"));
	service_text(&r->out, cfg, &st);
	return RS_OK;
}

int cmd_stop(struct run *r)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	rs_service_done done;
	int rc = rs_op_service_control(r->ctx, RS_SERVICE_STOP, 0, &done,
	    &r->err);
	bool was_running = done.was_running;

	if (rc != RS_OK)
		return rc;
	j_bool(&r->out, "was_running", was_running);
	service_how(&r->out, &done, was_running ? _("Stopped") : NULL);
	if (was_running)
		out_text(&r->out, _("Stopped the report server service of %s\\%s.\n"),
		    cfg->machine, cfg->instance);
	else
		out_text(&r->out, _("The report server service of %s\\%s was not "
		    "running.\n"), cfg->machine, cfg->instance);
	return RS_OK;
}

/* The service answers "ok" or "failed: WHY", never the value itself. */
int cmd_test_datasource(struct run *r)
{
	char answer[RS_SERVICE_ANSWER_MAX];
	int rc = rs_op_service_test_datasource(r->ctx, r->cli->arg, answer,
	    sizeof answer, &r->err);

	if (rc != RS_OK && rc != RS_ERR_FAILED)
		return rc;
	j_str(&r->out, "datasource", r->cli->arg);
	j_str(&r->out, "answer", answer);
	if (rc == RS_OK)
		out_text(&r->out, _("%s: the service decrypted it (ok).\n"),
		    r->cli->arg);
	return rc;
}
