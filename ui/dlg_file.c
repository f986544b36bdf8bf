/* SPDX-License-Identifier: ISC */
/* dlg_file.c: the Browse button's file selector (CDK's CDKFSELECT) for the
 * backup file fields.  It opens in the folder of the field's path when that
 * exists, else in the default backup folder (the current folder, where
 * ui_default_backup_path puts new backups).  It only reads folders: the
 * chosen path goes back into the field, and the dialog's own checks (the
 * core's) decide what happens with it.  Only CDK and the layers are used
 * here, so the form code can call it without a loop between files. */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ui_int.h"

static void start_folder(const char *path, char *dir, size_t size)
{
	struct stat st;
	char *slash;

	snprintf(dir, size, "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		slash[slash == dir ? 1 : 0] = '\0';
	if (slash != NULL && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return;
	if (getcwd(dir, size) == NULL)
		snprintf(dir, size, "/");
}

static CDKFSELECT *make_selector(const char *dir)
{
	int h = LINES - 4 > 22 ? 22 : LINES - 4, w = COLS - 6 > 76 ? 76 : COLS - 6;
	char title[160];
	CDKFSELECT *fs;

	snprintf(title, sizeof title, "</B>%s<!B>", _("Choose the backup file"));
	fs = newCDKFselect(ui->screen, CENTER, CENTER, h, w, title,
	    _("File: "), A_UNDERLINE, ' ', A_REVERSE | A_BOLD, "</B>", "", "", "",
	    TRUE, FALSE);
	if (fs == NULL)
		return NULL;
	setCDKFselectDirectory(fs, dir);
	drawCDKFselect(fs, TRUE);
	return fs;
}

/* path: in, the field's text; out, the chosen file.  False on Esc, a
 * signal or a resize (the dialog comes back unchanged). */
bool ui_file_browse(char *path, size_t size)
{
	char dir[PATH_MAX];
	CDKFSELECT *fs;
	bool chosen = false;
	int key;

	start_folder(path, dir, sizeof dir);
	fs = make_selector(dir);
	if (fs == NULL)
		return false;
	for (;;) {
		ui_entry_cursor(fs->entryField);
		key = ui_getkey(fs->entryField->fieldWin);
		if (key == UI_KEY_SIGNAL || key == KEY_RESIZE || key == KEY_F(10))
			break;
		if (key == KEY_ESC)
			break;
		(void)injectCDKFselect(fs, (chtype)key);
		if (fs->exitType == vNORMAL && fs->pathname != NULL) {
			snprintf(path, size, "%s", fs->pathname);
			chosen = true;
			break;
		}
		if (fs->exitType == vESCAPE_HIT)
			break;
	}
	destroyCDKFselect(fs);
	if (key == KEY_RESIZE)
		ui_relayout();
	return chosen;
}
