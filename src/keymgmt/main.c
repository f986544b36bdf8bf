/* SPDX-License-Identifier: ISC */
/* main.c: rskeymgmt, the command-line twin of SSRS's rskeymgmt utility.
 *
 * Parse the command line (parse.c, from the table in table.c), refuse
 * early what could never be confirmed, open the instance, run the one
 * command and print its outcome (out.c).  The rest is in rskeymgmt.h. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include "rskeymgmt.h"

static int usage_fail(const struct cli *c, rs_error *err)
{
	if (c->json)
		json_result(c->cmd ? c->cmd->name : NULL, RS_ERR_USAGE, err, NULL);
	error_print(err->message);
	fprintf(stderr, _("Try '%s --help' for more information.\n"), PROG);
	return rs_err_exit_status(RS_ERR_USAGE);
}

/* Refuse early, before any password is asked, what could never be
 * confirmed (--apply --force is checked once the key is known to differ). */
static int precheck(const struct cli *c, rs_error *err)
{
	if ((c->cmd->flags & F_CONFIRM) && !c->yes && tty_get() < 0)
		return need_yes(err);
	return RS_OK;
}

static int command_run(const struct cli *c)
{
	struct run r;
	int rc;

	memset(&r, 0, sizeof r);
	r.cli = c;
	if (out_init(&r.out, c->json) != 0) {
		fprintf(stderr, "%s: %s\n", PROG, _("out of memory"));
		return rs_err_exit_status(RS_ERR_INTERNAL);
	}
	rc = precheck(c, &r.err);
	if (rc == RS_OK)
		rc = (c->cmd->flags & F_INIT) ?
		    rs_ctx_open_for_init(c->config, &r.ctx, &r.err) :
		    rs_ctx_open(c->config, &r.ctx, &r.err);
	if (rc == RS_OK)
		rc = c->cmd->run(&r);
	rc = run_finish(&r, rc);
	if (r.ctx != NULL)
		rs_ctx_close(r.ctx);
	out_free(&r.out);
	return rc;
}

int main(int argc, char **argv)
{
	rs_error err = { RS_OK, "" };
	struct cli c;

	rs_harden_process();
	(void)rs_lock_memory();   /* keys and passwords never swapped */
	rs_stdout_close_at_exit("rskeymgmt");
	rs_i18n_init(NULL);
	switch (cli_parse(argc, argv, &c, &err)) {
	case PARSE_EXIT_OK:
		return 0;
	case PARSE_USAGE:
		return usage_fail(&c, &err);
	default:
		break;
	}
	if (c.config == NULL)
		c.config = rs_config_default_path();
	return command_run(&c);
}
