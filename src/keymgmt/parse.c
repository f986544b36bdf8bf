/* SPDX-License-Identifier: ISC */
/* parse.c: the command line, read with getopt_long from the options that
 * table.c lists; the rules between options that getopt cannot express. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "rskeymgmt.h"

/* getopt's value of a long-only option: past every character. */
#define LONG_ONLY_BASE 256

/* ---- the setters of table.c's options ---- */

static void *cli_field(struct cli *c, const struct rk_option *o)
{
	return (char *)c + o->field;
}

int opt_string(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err)
{
	(void)err;
	*(const char **)cli_field(c, o) = arg;
	return RS_OK;
}

int opt_true(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err)
{
	(void)arg;
	(void)err;
	*(bool *)cli_field(c, o) = true;
	return RS_OK;
}

int opt_heartbeat(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 1 || v > 3600)
		return rs_err(err, RS_ERR_USAGE,
		    _("--heartbeat: '%s' is not 1 to 3600 seconds"), arg);
	*(int *)cli_field(c, o) = (int)v;
	return RS_OK;
}

int opt_fd(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 0 || v > INT_MAX)
		return rs_err(err, RS_ERR_USAGE,
		    _("--password-fd: '%s' is not a descriptor number"), arg);
	*(int *)cli_field(c, o) = (int)v;
	return RS_OK;
}

int opt_habit(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err)
{
	(void)c, (void)arg;
	return rs_err(err, RS_ERR_USAGE, "%s", _(o->help));
}

/* ---- getopt's tables, made from rk_options ---- */

static bool option_parsed(const struct rk_option *o)
{
	return !(o->flags & F_HELP_ONLY);
}

static int option_value(size_t i)
{
	return rk_options[i].short_name ? rk_options[i].short_name :
	    LONG_ONLY_BASE + (int)i;
}

/* ":" first (a missing argument is told apart), then "e", "j:", ... */
static void short_options_make(char *s)
{
	size_t i;

	*s++ = ':';
	for (i = 0; i < rk_option_count; i++) {
		if (!option_parsed(&rk_options[i]) || !rk_options[i].short_name)
			continue;
		*s++ = rk_options[i].short_name;
		if (rk_options[i].arg != NULL)
			*s++ = ':';
	}
	*s = '\0';
}

/* long_opts has room for rk_option_count + 1 entries. */
static void long_options_make(struct option *long_opts)
{
	size_t i, n = 0;

	for (i = 0; i < rk_option_count; i++) {
		if (!option_parsed(&rk_options[i]) ||
		    rk_options[i].name == NULL)
			continue;
		long_opts[n].name = rk_options[i].name;
		long_opts[n].has_arg = rk_options[i].arg != NULL ?
		    required_argument : no_argument;
		long_opts[n].flag = NULL;
		long_opts[n].val = option_value(i);
		n++;
	}
	memset(&long_opts[n], 0, sizeof long_opts[n]);
}

static const struct rk_option *option_by_value(int val)
{
	size_t i;

	for (i = 0; i < rk_option_count; i++)
		if (option_parsed(&rk_options[i]) && option_value(i) == val)
			return &rk_options[i];
	return NULL;
}

/* ---- parsing ---- */

static int parse_command(struct cli *c, const struct rk_option *cmd,
    rs_error *err)
{
	if (c->cmd != NULL)
		return rs_err(err, RS_ERR_USAGE,
		    _("give exactly one command (--%s and --%s given)"),
		    c->cmd->name, cmd->name);
	c->cmd = cmd;
	if (cmd->arg != NULL)
		c->arg = optarg;
	return RS_OK;
}

static int parse_unknown(int opt, char **argv, rs_error *err)
{
	if (opt == ':')
		return rs_err(err, RS_ERR_USAGE, _("option '%s' needs an argument"),
		    argv[optind - 1]);
	return rs_err(err, RS_ERR_USAGE, _("unrecognized option '%s'"),
	    argv[optind - 1]);
}

/* Cross-option rules that getopt cannot express. */
static int parse_check(const struct cli *c, int argc, char **argv,
    rs_error *err)
{
	if (optind < argc)
		return rs_err(err, RS_ERR_USAGE, _("unexpected argument '%s'"),
		    argv[optind]);
	if (c->cmd == NULL)
		return rs_err(err, RS_ERR_USAGE, _("no command given"));
	if ((c->cmd->flags & F_FILE) && c->file == NULL)
		return rs_err(err, RS_ERR_USAGE, _("--%s needs -f FILE"),
		    c->cmd->name);
	if (c->password_file != NULL && c->password_fd >= 0)
		return rs_err(err, RS_ERR_USAGE,
		    _("give --password-file or --password-fd, not both"));
	if ((c->cmd->flags & F_UUID) && !rs_uuid_valid(c->arg))
		return rs_err(err, RS_ERR_USAGE,
		    _("'%s' is not an installation ID (a UUID)"), c->arg);
	return RS_OK;
}

/* The hidden --list-options only alone, and outside getopt: as a long
 * option it would make "--lis" ambiguous. */
static bool list_options_asked(int argc, char **argv)
{
	return argc == 2 && strcmp(argv[1], LIST_OPTIONS) == 0;
}

enum parse_result cli_parse(int argc, char **argv, struct cli *c,
    rs_error *err)
{
	struct option long_opts[rk_option_count + 1];
	char short_opts[2 * rk_option_count + 2];
	const struct rk_option *o;
	int opt, rc;

	memset(c, 0, sizeof *c);
	c->password_fd = -1;
	c->value_fd = -1;
	if (list_options_asked(argc, argv)) {
		options_list();
		return PARSE_EXIT_OK;
	}
	short_options_make(short_opts);
	long_options_make(long_opts);
	opterr = 0;
	optopt = 0;
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL))
	    != -1) {
		/* rskeymgmt.exe's "-?": getopt says '?' with optopt '?'
		 * (an unknown long option leaves optopt 0). */
		if (opt == '?' && optopt == '?')
			opt = 'h';
		o = option_by_value(opt);
		if (o == NULL)
			rc = parse_unknown(opt, argv, err);
		else if (o->run != NULL)
			rc = parse_command(c, o, err);
		else
			rc = o->set(c, o, optarg, err);
		if (rc != RS_OK)
			return PARSE_USAGE;
		if (o->flags & F_EXIT)
			return PARSE_EXIT_OK;
	}
	return parse_check(c, argc, argv, err) == RS_OK ? PARSE_RUN : PARSE_USAGE;
}
