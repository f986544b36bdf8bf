/* i18n.h: gettext wiring shared by core, ui and the programs. */
#ifndef RS_I18N_H
#define RS_I18N_H

#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#if ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#else
#define _(s) (s)
#endif
/* Marks a string for extraction where it must stay a constant (tables). */
#define N_(s) (s)

#endif
