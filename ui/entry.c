/* SPDX-License-Identifier: ISC */
/* entry.c: entry fields.  A hidden (password) field refuses CDK's
 * copy/cut/paste keys, because the paste buffer is global and never wiped,
 * and its buffer is wiped before CDK frees it. */
#include <config.h>

#include <string.h>

#include "secret.h"
#include "ui_int.h"

static bool is_paste_key(chtype key)
{
	return key == CDK_PASTE || key == CDK_COPY || key == CDK_CUT;
}

static int refuse_paste(EObjectType type, void *object, void *data,
    chtype key)
{
	(void)type;
	(void)object;
	(void)data;
	return is_paste_key(key) ? 0 : 1;
}

CDKENTRY *ui_entry_new(int x, int y, const char *label, int width, int max,
    bool hidden)
{
	CDKENTRY *e;

	e = newCDKEntry(ui->screen, x, y, NULL, label, A_UNDERLINE, ' ',
	    hidden ? vHMIXED : vMIXED, width, 0, max, FALSE, FALSE);
	if (e == NULL)
		return NULL;
	if (hidden) {
		setCDKEntryHiddenChar(e, '*');
		setCDKEntryPreProcess(e, refuse_paste, NULL);
	}
	return e;
}

void ui_entry_destroy(CDKENTRY **e)
{
	if (*e == NULL)
		return;
	if ((*e)->info != NULL)
		rs_wipe((*e)->info, (size_t)(*e)->infoWidth);
	destroyCDKEntry(*e);
	*e = NULL;
}

void ui_entry_save(CDKENTRY *e, char *buf, size_t size)
{
	const char *v = e ? getCDKEntryValue(e) : NULL;
	size_t len = v ? strlen(v) : 0;

	rs_wipe(buf, size);
	if (len >= size)
		len = size - 1;
	if (len > 0)
		memcpy(buf, v, len);
	buf[len] = '\0';
}

void ui_entry_restore(CDKENTRY *e, const char *value)
{
	if (e != NULL && value != NULL)
		setCDKEntryValue(e, value);
}

bool ui_entry_key(CDKENTRY *e, int key)
{
	if (e == NULL)
		return false;
	switch (key) {
	case KEY_TAB:
	case KEY_BTAB:
	case KEY_ENTER:
	case KEY_ESC:
	case KEY_UP:
	case KEY_DOWN:
	case KEY_PPAGE:
	case KEY_NPAGE:
		return false;
	default:
		break;
	}
	if (key >= KEY_F(1) && key <= KEY_F(12))
		return false;
	if (key > KEY_MAX)
		return false;
	if (e->dispType == vHMIXED && is_paste_key((chtype)key))
		return true;   /* swallowed: no paste into or out of a password */
	(void)injectCDKEntry(e, (chtype)key);
	return true;
}

/* CDK leaves the cursor wherever the last widget drawn left it (the
 * dialog's bottom-right corner): put it back in the field the keys go to. */
void ui_entry_cursor(CDKENTRY *e)
{
	if (e == NULL || e->fieldWin == NULL)
		return;
	curs_set(1);
	wmove(e->fieldWin, 0, e->screenCol);
	wrefresh(e->fieldWin);
}
