/* SPDX-License-Identifier: ISC */
/* args.c: rsserverd's command line. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "rsserverd.h"

static void help_print(void)
{
	printf(_("Usage: %s -c CONFIG [--heartbeat SECONDS] [--log-file FILE]\n"
	    "The report server service of one instance: holds the key in "
	    "memory,\nrecords a heartbeat, answers status requests. Runs in "
	    "the foreground.\n"), PROG);
	fputs(_("\n  -c, --config FILE        instance config (default: $RSCONFIG,"
	    " then the\n                           system path)\n"
	    "      --heartbeat SECONDS  heartbeat interval (default 5)\n"
	    "      --log-file FILE      log there instead of standard error\n"
	    "  -h, --help               show this help and exit\n"
	    "  -V, --version            show the version and exit\n"), stdout);
	printf(_("\nSignals: HUP re-reads the key, TERM and INT stop.\n"));
	printf(_("\nReport bugs to %s.\n"), PACKAGE_BUGREPORT);
}

static int parse_interval(const char *text, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 1 || v > 3600)
		return -1;
	*out = (int)v;
	return 0;
}

int args_parse(int argc, char **argv, struct daemon *d)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "heartbeat", required_argument, NULL, 'b' },
		{ "log-file", required_argument, NULL, 'l' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': d->config_path = optarg; break;
		case 'l': d->log_file = optarg; break;
		case 'F': break;
		case 'b':
			if (parse_interval(optarg, &d->interval) == 0)
				break;
			fprintf(stderr, _("%s: --heartbeat needs 1 to 3600 seconds\n"),
			    PROG);
			return rs_err_exit_status(RS_ERR_USAGE);
		case 'h': help_print(); return rs_stdout_close(PROG);
		case 'V': printf("%s (%s) %s\n", PROG, PACKAGE_NAME, PACKAGE_VERSION);
			return rs_stdout_close(PROG);
		default:
			fprintf(stderr, _("Try '%s --help' for more information.\n"),
			    PROG);
			return rs_err_exit_status(RS_ERR_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, _("%s: unexpected argument '%s'\n"), PROG,
		    argv[optind]);
		return rs_err_exit_status(RS_ERR_USAGE);
	}
	if (d->config_path == NULL)
		d->config_path = rs_config_default_path();
	return -1;
}
