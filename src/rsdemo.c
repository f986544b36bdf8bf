/* SPDX-License-Identifier: ISC */
/* rsdemo.c: makes a ready demo deployment without root, for trying the
 * tools and for the tests:
 *
 *   rsdemo create DIR [--values N] [--members K] [--json]
 *
 * Everything is done by rs_demo_create; this only parses, shows progress
 * and says which config to use. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ops.h"
#include "secret.h"

#define PROG "rsdemo"

struct demo_cli {
	const char *dir;
	rs_demo_options opt;
	bool json;
};

enum { OPT_VALUES = 256, OPT_MEMBERS, OPT_JSON, OPT_POSTGRES };

static void json_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void help_print(void)
{
	printf(_("Usage: %s create DIR [--values N] [--members K] "
	    "[--postgres CONNINFO] [--json]\n"
	    "Make a demo report server deployment in DIR (which must not exist "
	    "or be empty):\n"
	    "a database with N sample encrypted values (default 1000) and K "
	    "member instances\n"
	    "(default 2): members 1..K-1 initialized and joined, member K "
	    "waiting to join.\n"), PROG);
	printf("\n%s\n", _("Options:"));
	fputs(_("      --values N    number of sample encrypted values\n"
	    "      --members K   number of member instances (at least 1)\n"
	    "      --postgres CONNINFO  put the database on PostgreSQL (an empty\n"
	    "                    database; password from PGPASSFILE or ~/.pgpass)\n"
	    "      --json        print one JSON object on standard output\n"
	    "  -h, --help        show this help and exit\n"
	    "  -V, --version     show the version and exit\n"), stdout);
	printf(_("\nThen: export RSCONFIG=DIR/member1/rsreportserver.conf; "
	    "rskeymgmt --status\n"));
	printf(_("\nReport bugs to %s.\n"), PACKAGE_BUGREPORT);
}

/* Progress on a terminal only: a pipe or a log gets no carriage returns.
 * Ten million values take a minute or more: say how long is left, at
 * the rate since the first values (the members' keys come before). */
static int progress_show(void *arg, uint64_t done, uint64_t total)
{
	rs_progress_clock *start = arg;
	static rs_progress_clock last;
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
	char left[32];

	if (start->start_ns == 0)
		rs_progress_clock_start(start);
	if (done < total && last.start_ns != 0 &&
	    rs_progress_elapsed(&last) < 0.1)
		return 0;
	rs_progress_clock_start(&last);
	rs_progress_time_left(start, done, total, "--:--", left, sizeof left);
	fputc('\r', stderr);
	fprintf(stderr, _("Creating demo: %" PRIu64 "/%" PRIu64 " values "
	    "%3u%%  %s left "), done, total, pct, left);
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
	return 0;
}

static int parse_number(const char *opt, const char *text, uint64_t max,
    uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || text[0] == '-' ||
	    v > max) {
		fprintf(stderr, _("%s: %s: '%s' is not a number from 0 to %"
		    PRIu64 "\n"), PROG, opt, text, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "%s: %s\n", PROG, msg);
	fprintf(stderr, _("Try '%s --help' for more information.\n"), PROG);
	return rs_err_exit_status(RS_ERR_USAGE);
}

static const struct option long_options[] = {
	{ "values", required_argument, NULL, OPT_VALUES },
	{ "members", required_argument, NULL, OPT_MEMBERS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "postgres", required_argument, NULL, OPT_POSTGRES },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* Returns -1 to go on, else the exit status. */
static int parse_option(struct demo_cli *c, int opt)
{
	uint64_t v;

	switch (opt) {
	case OPT_VALUES:
		if (parse_number("--values", optarg, UINT64_MAX / 2, &v) != 0)
			return rs_err_exit_status(RS_ERR_USAGE);
		c->opt.values = v;
		return -1;
	case OPT_MEMBERS:
		if (parse_number("--members", optarg, 64, &v) != 0 || v < 1)
			return usage_error(_("--members needs 1 to 64"));
		c->opt.members = (unsigned)v;
		return -1;
	case OPT_JSON:
		c->json = true;
		return -1;
	case OPT_POSTGRES:
		c->opt.postgres = optarg;
		return -1;
	case 'h':
		help_print();
		return 0;
	case 'V':
		printf("%s (%s) %s\n", PROG, PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	default:
		return usage_error(_("unrecognized option or missing argument"));
	}
}

static int cli_parse(int argc, char **argv, struct demo_cli *c)
{
	int opt, rc;

	memset(c, 0, sizeof *c);
	c->opt.values = 1000;
	c->opt.members = 2;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "hV", long_options, NULL)) != -1)
		if ((rc = parse_option(c, opt)) >= 0)
			return rc;
	if (optind >= argc)
		return usage_error(_("no command given (try: rsdemo create DIR)"));
	if (strcmp(argv[optind], "create") != 0)
		return usage_error(_("unknown command (the command is: create)"));
	if (optind + 2 != argc)
		return usage_error(_("create needs exactly one DIR"));
	c->dir = argv[optind + 1];
	return -1;
}

static void report_json(const rs_demo_result *res, int code,
    const rs_error *err)
{
	fputs("{\"command\":\"create\",\"ok\":", stdout);
	if (code != RS_OK) {
		fputs("false,\"error\":", stdout);
		json_string(stdout, rs_err_name(code));
		fputs(",\"message\":", stdout);
		json_string(stdout, err->message);
		fputs("}\n", stdout);
		return;
	}
	fputs("true,\"config\":", stdout);
	json_string(stdout, res->config_path);
	fputs(",\"waiting_config\":", stdout);
	if (res->waiting_config_path[0] != '\0')
		json_string(stdout, res->waiting_config_path);
	else
		fputs("null", stdout);
	printf(",\"values\":%" PRIu64 ",\"members\":%u}\n", res->values,
	    res->members);
}

static void report_text(const struct demo_cli *c, const rs_demo_result *res)
{
	printf(_("Created a demo deployment in %s: %u members, %" PRIu64
	    " encrypted values.\n"), c->dir, res->members, res->values);
	printf(_("Config of member 1 (activated):  %s\n"), res->config_path);
	if (res->waiting_config_path[0] != '\0')
		printf(_("Config of member %u (waiting to join): %s\n"),
		    res->members, res->waiting_config_path);
	printf(_("To use it:\n"));
	printf("export RSCONFIG=%s\n", res->config_path);
}

/* The hint must work from any folder: print absolute paths even when DIR
 * was given relative. */
static void paths_absolute(rs_demo_result *res)
{
	char abs[PATH_MAX];

	if (realpath(res->config_path, abs) != NULL)
		snprintf(res->config_path, sizeof res->config_path, "%s", abs);
	if (res->waiting_config_path[0] != '\0' &&
	    realpath(res->waiting_config_path, abs) != NULL)
		snprintf(res->waiting_config_path,
		    sizeof res->waiting_config_path, "%s", abs);
}

int main(int argc, char **argv)
{
	rs_error err = { RS_OK, "" };
	rs_demo_result res;
	rs_progress_clock start;
	struct demo_cli c;
	int rc;

	rs_harden_process();
	rs_stdout_close_at_exit(PROG);
	rs_i18n_init(NULL);
	if ((rc = cli_parse(argc, argv, &c)) >= 0)
		return rc;
	if (!c.json && isatty(STDERR_FILENO)) {
		start.start_ns = 0;
		c.opt.progress = progress_show;
		c.opt.progress_arg = &start;
	}
	memset(&res, 0, sizeof res);
	rc = rs_demo_create(c.dir, &c.opt, &res, &err);
	if (rc == RS_OK)
		paths_absolute(&res);
	if (c.json)
		report_json(&res, rc, &err);
	else if (rc == RS_OK)
		report_text(&c, &res);
	if (rc != RS_OK)
		fprintf(stderr, "%s: %s\n", PROG, err.message[0] ? err.message :
		    rs_err_description(rc));
	return rs_err_exit_status(rc);
}
