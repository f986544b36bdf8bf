/* SPDX-License-Identifier: ISC */
/* dlg_text.c: message boxes and confirmations, as forms without fields. */
#include <config.h>

#include <stdio.h>

#include "ui_int.h"

int ui_text_dialog(const char *title, const char *text, const char **buttons,
    int nbuttons, int initial, const char *help)
{
	ui_form f;
	int r;

	ui_form_init(&f);
	f.title = title;
	f.text = text;
	f.buttons = buttons;
	f.nbuttons = nbuttons;
	f.button = initial;
	f.help = help;
	r = ui_form_run(&f);
	ui_form_free(&f);
	return r;
}

void ui_message(const char *title, const char *text)
{
	const char *ok[] = { _("OK") };

	(void)ui_text_dialog(title, text, ok, 1, 0, "message");
}

/* The safe answer is the default: No is selected first. */
bool ui_confirm(const char *title, const char *text, const char *yes,
    const char *no)
{
	const char *b[2];

	b[0] = yes ? yes : _("Yes");
	b[1] = no ? no : _("No");
	return ui_text_dialog(title, text, b, 2, 1, "message") == 0;
}

void ui_error_box(const char *title, const rs_error *err)
{
	char esc[RS_ERROR_MESSAGE_MAX * 3], msg[sizeof esc + 256];

	ui_escape(err->message[0] ? err->message : rs_err_description(err->code),
	    esc, sizeof esc);
	snprintf(msg, sizeof msg, "</B>%s<!B>\n\n%s", _("The operation did not complete."), esc);
	ui_message(title, msg);
}
