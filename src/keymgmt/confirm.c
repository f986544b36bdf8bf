/* SPDX-License-Identifier: ISC */
/* confirm.c: destructive commands ask the admin to type a word, or need
 * --yes when there is no terminal. */
#include <config.h>

#include <string.h>
#include "rskeymgmt.h"

int need_yes(rs_error *err)
{
	return rs_err(err, RS_ERR_USAGE,
	    _("this command changes or destroys key material and there is no "
	    "terminal to confirm it: add --yes"));
}

/* The admin types word (for --delete "DELETE", else "yes"). */
int confirm(struct run *r, const char *word)
{
	char line[64];
	ssize_t n;

	if (r->cli->yes)
		return RS_OK;
	if (tty_get() < 0) {
		need_yes(&r->err);
		rs_op_audit_attempt(r->ctx, r->cli->cmd->name, "refused",
		    r->err.message);
		return r->err.code;
	}
	signals_catch(true);
	tty_print(_("Type %s to continue: "), word);
	n = fd_read_line(tty_get(), line, sizeof line - 1, true);
	signals_catch(false);
	if (n >= 0 && (size_t)n == strlen(word) &&
	    memcmp(line, word, (size_t)n) == 0)
		return RS_OK;
	if (n == -3)
		tty_print("\n");
	return rs_op_cancelled(r->ctx, r->cli->cmd->name, NULL, &r->err);
}
