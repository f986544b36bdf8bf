/* SPDX-License-Identifier: ISC */
/* i18n.h: gettext wiring shared by core, ui and the programs. */
#ifndef RS_I18N_H
#define RS_I18N_H

#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#if ENABLE_NLS
#include <libintl.h>
#include <stdlib.h>
#include <unistd.h>
#define _(s) gettext(s)

/* Where the programs look for their catalogs: RSCONFIG_LOCALEDIR when set
 * (the tests run from the build tree), else the installed LOCALEDIR.  A
 * set-id process ignores the variable. */
static inline const char *rs_localedir(void)
{
	const char *dir = getenv("RSCONFIG_LOCALEDIR");

	if (dir == NULL || dir[0] == '\0' || getuid() != geteuid() ||
	    getgid() != getegid())
		return LOCALEDIR;
	return dir;
}
#else
#define _(s) (s)
#endif

#include <locale.h>

/* The programs' first step: the user's locale and our catalog.  codeset
 * NULL keeps the locale's own (the TUI asks for single bytes). */
static inline void rs_i18n_init(const char *codeset)
{
	setlocale(LC_ALL, "");
#if ENABLE_NLS
	bindtextdomain(PACKAGE, rs_localedir());
	if (codeset != NULL)
		bind_textdomain_codeset(PACKAGE, codeset);
	textdomain(PACKAGE);
#else
	(void)codeset;
#endif
}

/* Marks a string for extraction where it must stay a constant (tables). */
#define N_(s) (s)

#endif
