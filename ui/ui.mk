# ui/ sources, owned by the TUI work (issue 4).
ui_librsui_a_SOURCES += ui/ui.h ui/app.c
