/* SPDX-License-Identifier: ISC */
/* rsconfig: the Report Server Configuration Manager in a terminal.
 * A thin main: options, locale, then the CDK interface in ui/. */
#include <config.h>

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ops.h"     /* rs_config_default_path, rs_i18n_init */
#include "secret.h"
#include "../ui/ui.h"

#define EXIT_USAGE 2

static void usage(FILE *out)
{
	fprintf(out, _("Usage: rsconfig [-c CONFIG]\n"
	    "Manage the encryption keys, service account and scale-out deployment\n"
	    "of a report server instance in a terminal (80x24 or larger).\n\n"
	    "  -c, --config CONFIG  the instance config (default: %s)\n"
	    "  -h, --help           this text\n"
	    "  -V, --version        the version\n\n"
	    "Keys: F1 help, Tab next field, Enter select, F10 quit;\n"
	    "Esc then a digit is that F-key (Esc 1 = F1, Esc 0 = F10).\n"
	    "NO_COLOR=1 draws in monochrome.  For scripts use rskeymgmt.\n"),
	    rs_config_default_path());
	printf(_("\nReport bugs to %s.\n"), PACKAGE_BUGREPORT);
}

/* One line saying what is wrong, one saying where to look (as GNU). */
static int usage_error(int opt, const char *arg)
{
	if (opt == ':')
		fprintf(stderr, _("rsconfig: option '%s' requires an argument\n"),
		    arg);
	else if (opt == '?' && optopt != 0)
		fprintf(stderr, _("rsconfig: invalid option -- '%c'\n"), optopt);
	else if (opt == '?')
		fprintf(stderr, _("rsconfig: unrecognized option '%s'\n"), arg);
	else
		fprintf(stderr, _("rsconfig: unexpected argument '%s'\n"), arg);
	fprintf(stderr, _("Try 'rsconfig --help' for more information.\n"));
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	int opt;

	rs_harden_process();
	(void)rs_lock_memory();   /* keys and passwords never swapped */
	rs_stdout_close_at_exit("rsconfig");
	/* The TUI links the narrow ncurses: translations must reach it as
	 * single bytes ("Grusse", not UTF-8). */
	rs_i18n_init("ASCII//TRANSLIT");
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:hV", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("rsconfig %s\n", PACKAGE_VERSION);
			return 0;
		default:
			return usage_error(opt, argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(0, argv[optind]);
	if (config == NULL)
		config = rs_config_default_path();
	return rs_ui_run(config);
}
