/* SPDX-License-Identifier: ISC */
/* help.c: --help and --version, and the hidden --list-options of the bash
 * completion, all made from table.c. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include "rskeymgmt.h"

/* Where the help text of an option starts; a longer label is followed by
 * two spaces. */
#define HELP_COLUMN 27

static const char *const section_titles[SEC_COUNT] = {
	[SEC_COMMANDS] = N_("Commands (exactly one):"),
	[SEC_SERVICE] = N_("Report server service (rsserverd) of this instance:"),
	[SEC_OPTIONS] = N_("Options:"),
};

static void help_exit_codes(void)
{
	static const struct { int status; const char *name, *desc; } rows[] = {
#define RS_EXIT_ROW(code, status, name, desc) { status, name, desc },
		RS_ERROR_LIST(RS_EXIT_ROW)
#undef RS_EXIT_ROW
	};
	size_t i;

	printf("\n%s\n", _("Exit status:"));
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		printf("  %3d  %-16s %s\n", rows[i].status, rows[i].name,
		    _(rows[i].desc));
}

/* "  -e, --extract            back up the key to -f FILE", the lines
 * after the first of a help text indented to the same column. */
static void help_line(const struct rk_option *o)
{
	const char *text = _(o->help), *nl;
	char letter[4] = "", label[64];

	if (o->short_name)
		snprintf(letter, sizeof letter, "-%c,", o->short_name);
	snprintf(label, sizeof label, "  %-3s --%s%s%s", letter, o->name,
	    o->arg ? " " : "", o->arg ? o->arg : "");
	if (strlen(label) < HELP_COLUMN)
		printf("%-*s", HELP_COLUMN, label);
	else
		printf("%s  ", label);
	while ((nl = strchr(text, '\n')) != NULL) {
		printf("%.*s\n%*s", (int)(nl - text), text, HELP_COLUMN, "");
		text = nl + 1;
	}
	printf("%s\n", text);
}

static void help_section(enum rk_section section)
{
	size_t i;

	printf("\n%s\n", _(section_titles[section]));
	for (i = 0; i < rk_option_count; i++)
		if (rk_options[i].section == section)
			help_line(&rk_options[i]);
}

int opt_help(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err)
{
	(void)c, (void)o, (void)arg, (void)err;
	printf(_("Usage: %s COMMAND [OPTION]...\n"
	    "Manage the report server's symmetric encryption key.\n"), PROG);
	help_section(SEC_COMMANDS);
	help_section(SEC_SERVICE);
	help_section(SEC_OPTIONS);
	printf("\n%s\n", _("Passwords are never taken from the command line or "
	    "the environment:\nwithout --password-file or --password-fd they are "
	    "asked on the terminal."));
	printf(_("Default config: %s\n"), rs_config_default_path());
	help_exit_codes();
	printf(_("\nReport bugs to %s.\n"), PACKAGE_BUGREPORT);
	return RS_OK;
}

int opt_version(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err)
{
	(void)c, (void)o, (void)arg, (void)err;
	printf("%s (%s) %s\n", PROG, PACKAGE_NAME, PACKAGE_VERSION);
	return RS_OK;
}

void options_list(void)
{
	const struct rk_option *o;
	size_t i;

	for (i = 0; i < rk_option_count; i++) {
		o = &rk_options[i];
		if (o->flags & (F_HELP_ONLY | F_HABIT))
			continue;
		printf("--%s\t%s\t%s\t", o->name, o->run ? "command" : "option",
		    o->arg ? o->arg : "");
		if (o->short_name)
			printf("-%c", o->short_name);
		putchar('\n');
	}
}
