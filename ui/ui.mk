# SPDX-License-Identifier: ISC
# ui/ sources, owned by the TUI work (issue 4).
ui_librsui_a_SOURCES += ui/ui.h ui/ui_int.h ui/app.c ui/state.c ui/keys.c ui/text.c \
	ui/layers.c ui/entry.c ui/dlg_form.c ui/dlg_text.c ui/help.c \
	ui/page_status.c ui/page_keys.c ui/page_account.c ui/page_scaleout.c \
	ui/page_audit.c \
	ui/dlg_backup.c ui/dlg_restore.c ui/dlg_change.c ui/dlg_delete.c
# Encrypted Content (issue 17).
ui_librsui_a_SOURCES += ui/page_content.c
# Focus, Browse, busy feedback, Results history (issue 18).
ui_librsui_a_SOURCES += ui/dlg_file.c ui/busy.c ui/viewer.c
