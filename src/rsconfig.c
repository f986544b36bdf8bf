/* rsconfig: the Report Server Configuration Manager in a terminal.
 * A thin main: options, locale, then the CDK interface in ui/. */
#include <config.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ops.h"     /* rs_config_default_path, rs_i18n_init */
#include "secret.h"
#include "../ui/ui.h"

static void usage(FILE *out)
{
	fprintf(out, _("Usage: rsconfig [-c CONFIG]\n"
	    "Manage the encryption keys, service account and scale-out deployment\n"
	    "of a report server instance in a terminal (80x24 or larger).\n\n"
	    "  -c CONFIG   the instance config (default: %s)\n"
	    "  --help      this text\n"
	    "  --version   the version\n\n"
	    "Keys: F1 help, Tab next field, Enter select, F10 quit;\n"
	    "Esc then a digit is that F-key (Esc 1 = F1, Esc 0 = F10).\n"
	    "NO_COLOR=1 draws in monochrome.  For scripts use rskeymgmt.\n"),
	    rs_config_default_path());
}

int main(int argc, char **argv)
{
	const char *config = NULL;
	int i;

	rs_harden_process();
	/* The TUI links the narrow ncurses: translations must reach it as
	 * single bytes ("Grusse", not UTF-8). */
	rs_i18n_init("ASCII//TRANSLIT");
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("rsconfig %s\n", PACKAGE_VERSION);
			return 0;
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			config = argv[i] + 9;
		} else {
			fprintf(stderr, _("rsconfig: unknown option %s\n"), argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (config == NULL)
		config = rs_config_default_path();
	return rs_ui_run(config);
}
