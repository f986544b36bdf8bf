/* SPDX-License-Identifier: ISC */
/* ui_int.h: what the ui/ files share.  Grouped by the file that defines it.
 *
 * The screen is a stack of layers: the frame (title, navigation, page,
 * results, key hints) at the bottom and any open dialogs above it.  Each
 * layer keeps its state outside its CDK widgets, so that on KEY_RESIZE every
 * layer can drop its widgets and build them again for the new size. */
#ifndef RS_UI_INT_H
#define RS_UI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <cdk.h>

#include "ops.h"

/* Keys the dialog loops see besides curses keys. */
#define UI_KEY_SIGNAL  (KEY_MAX + 1)   /* SIGINT/SIGTERM/SIGHUP arrived */
#define UI_KEY_IDLE    (KEY_MAX + 2)   /* nothing typed for a while */

/* ---- app.c: the frame and the application state ---- */

typedef struct ui_layer ui_layer;
struct ui_layer {
	void (*build)(ui_layer *self);   /* make widgets for LINES x COLS, draw */
	void (*destroy)(ui_layer *self); /* drop widgets, keep state */
	void (*draw)(ui_layer *self);    /* draw again (a layer above closed) */
	ui_layer *below;
};

typedef struct ui_app {
	rs_ctx *ctx;
	CDKSCREEN *screen;
	SCREEN *term;
	bool color;
	bool too_small;            /* below 80x24: layers unbuilt, a message shown */
	ui_layer frame;
	ui_layer *top;
	rs_status status;
	bool status_ok;
	char status_error[RS_ERROR_MESSAGE_MAX];
	/* Results: every step of the last action (the history viewer shows
	 * them all; the pane the newest). */
	char **results;
	int nresults, results_cap;
} ui_app;

extern ui_app *ui;

void ui_reload(void);               /* status and page data from the core */
void ui_results_clear(const char *action);
void ui_results_view(void);         /* viewer.c: the full-screen history */
void ui_results_add(int outcome, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool ui_quitting(void);             /* a terminating signal arrived */
int ui_signal_number(void);
void ui_step_cb(void *arg, const char *step, int outcome);
/* Markup around text: colour when the terminal has it, bold otherwise. */
enum ui_style { UI_GOOD, UI_BAD, UI_WARN, UI_EMPH };
const char *ui_on(enum ui_style s);
const char *ui_off(enum ui_style s);
const char *ui_instance_name(void);   /* MACHINE\INSTANCE */

/* ---- layers.c: the stack of layers ---- */

void ui_push(ui_layer *layer);
void ui_pop(ui_layer *layer);
void ui_relayout(void);             /* after KEY_RESIZE: rebuild every layer */
void ui_redraw(void);               /* draw every layer again */
bool ui_window_too_small(void);     /* below 80x24 */

/* ---- keys.c: reading keys ---- */

/* Blocks until a key; ESC + digit gives that F-key; UI_KEY_SIGNAL when a
 * terminating signal arrived.  w is the window whose cursor matters. */
int ui_getkey(WINDOW *w);
/* Does not block: ERR when nothing is waiting. */
int ui_pollkey(WINDOW *w);
void ui_signals_install(void);

/* ---- text.c: wrapping and escaping ---- */

/* Splits text into lines of at most width visible characters; paragraphs
 * break at '\n'.  Returns a NULL-terminated list (CDKfreeStrings). */
char **ui_wrap(const char *text, int width, int *count);
/* Makes user text safe inside CDK markup. out gets at most size bytes. */
void ui_escape(const char *in, char *out, size_t size);
/* asprintf that never fails (aborts on ENOMEM). */
char *ui_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ui_format_time(int64_t t, char *out, size_t size);
/* Appends a formatted line to a growing string list. */
void ui_lines_add(char ***lines, int *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ui_lines_free(char ***lines, int *n);
char *ui_lines_join(char **lines, int n);   /* with '\n', malloc'd */

/* ---- dlg_text.c: message box, confirmation, scrolled text ---- */

/* Shows text (wrapped, scrollable) with buttons; returns the index of the
 * chosen button, or -1 on Esc or signal.  help: topic for F1 or NULL. */
int ui_text_dialog(const char *title, const char *text, const char **buttons,
    int nbuttons, int initial, const char *help);
void ui_message(const char *title, const char *text);
bool ui_confirm(const char *title, const char *text, const char *yes,
    const char *no);
void ui_error_box(const char *title, const rs_error *err);

/* ---- entry.c: entry fields ---- */

/* A password field: hidden, paste keys refused, buffer wiped. */
CDKENTRY *ui_entry_new(int x, int y, const char *label, int width, int max,
    bool hidden);
void ui_entry_destroy(CDKENTRY **e);  /* wipes the buffer first */
/* Copies the value out (wiping the old copy) so a rebuild can restore it. */
void ui_entry_save(CDKENTRY *e, char *buf, size_t size);
void ui_entry_restore(CDKENTRY *e, const char *value);
/* Passes a key to the entry; returns true when it is an editing key it
 * took (Tab, Enter and Esc are left to the caller). */
bool ui_entry_key(CDKENTRY *e, int key);
/* Puts the terminal cursor at the entry's insertion point (visible focus). */
void ui_entry_cursor(CDKENTRY *e);

/* ---- help.c: the help texts ---- */

/* Title and text of a topic (translated); an unknown topic gets the
 * general help. */
void ui_help_topic(const char *topic, const char **title, const char **text);

/* ---- dialogs: each returns true when the action happened ---- */

bool ui_dlg_backup(const char *why, rs_backup_info *out);   /* dlg_backup.c */
void ui_default_backup_path(char *out, size_t size);         /* dlg_backup.c */
void ui_latest_backup_path(char *out, size_t size);          /* dlg_backup.c */
bool ui_dlg_restore(void);                                  /* dlg_restore.c */
bool ui_dlg_change(void);                                   /* dlg_change.c */
bool ui_dlg_delete(void);                                   /* dlg_delete.c */
bool ui_dlg_check_backup(void);                             /* dlg_restore.c */
/* A finished Change, Delete or forced restore: the summary with a "Back
 * up now" button that opens Backup (dlg_backup.c). */
void ui_done_backup_now(const char *title, const char *text);

/* ---- dlg_file.c: the Browse button's file selector ---- */

/* path: the field's text in, the chosen file out; false when none. */
bool ui_file_browse(char *path, size_t size);

/* ---- busy.c: work that takes a while (key derivation) ---- */

/* Runs fn(arg) on a worker thread; after 200 ms a "Working: what" box with
 * a spinner and the seconds so far shows.  Keys are ignored meanwhile, but
 * Esc when cancellable: then the result is dropped once fn returns and
 * RS_ERR_CANCELLED comes back.  fn must not touch curses. */
int ui_busy_run(const char *title, const char *what, bool cancellable,
    int (*fn)(void *arg), void *arg);

/* ---- dlg_form.c: a dialog of text, entries and buttons ---- */

#define UI_FORM_MAX_ENTRIES 3
typedef struct ui_form ui_form;
struct ui_form {
	ui_layer layer;
	const char *title;
	const char *help;
	/* Static text above the fields; built by text_fn when set. */
	const char *text;
	char *(*text_fn)(ui_form *f);
	/* Live lines under the fields (checklist); may be NULL. */
	char *(*live_fn)(ui_form *f);
	int nentries;
	const char *labels[UI_FORM_MAX_ENTRIES];
	bool hidden[UI_FORM_MAX_ENTRIES];
	bool browse[UI_FORM_MAX_ENTRIES];  /* a Browse button beside it */
	int max[UI_FORM_MAX_ENTRIES];
	char *values[UI_FORM_MAX_ENTRIES]; /* secret memory, RS_PASSWORD_MAX+1 */
	const char **buttons;
	int nbuttons;
	/* Called on Enter on a button; return true to close. */
	bool (*on_button)(ui_form *f, int button);
	void *arg;
	/* Widgets and state. */
	int focus;       /* 0..nentries-1 entries, nentries: buttons,
	                  * UI_FOCUS_BROWSE + i: entry i's Browse button */
	int button;
	int default_button;  /* where button focus starts (set at run) */
	int browse_y[UI_FORM_MAX_ENTRIES], browse_x;  /* panel cells */
	int result;      /* button that closed the form, -1 on Esc */
	CDKSWINDOW *sw;
	CDKENTRY *entry[UI_FORM_MAX_ENTRIES];
	CDKSWINDOW *live;
	CDKBUTTONBOX *bbox;
	WINDOW *panel;
	int live_rows;
};

#define UI_FOCUS_BROWSE 16
void ui_form_init(ui_form *f);
int ui_form_run(ui_form *f);   /* returns result */
void ui_form_free(ui_form *f); /* wipes the values */
void ui_form_update_live(ui_form *f);
/* F1: the help topic in a form of its own. */
void ui_help(const char *topic);

/* ---- pages ---- */

typedef struct ui_page {
	const char *name;      /* N_() */
	const char *help;      /* help topic */
	void (*load)(void);    /* data from the core */
	char *(*text)(int width);  /* the page's explanatory text */
	const char **buttons;
	int nbuttons;
	void (*action)(int button);
	/* Optional: a table under the text (scale-out), an entry (account). */
	char **(*table)(int width, int *rows, char **header);
	const char *table_empty;   /* N_(): the table's one row when it has none */
	const char *entry_label;
	int text_height;       /* rows for the text box; 0: all that is left */
} ui_page;

extern const ui_page ui_page_status;   /* page_status.c */
void ui_status_initialize(void);       /* its Initialize button */
extern const ui_page ui_page_keys;     /* page_keys.c */
extern const ui_page ui_page_account;  /* page_account.c */
extern const ui_page ui_page_scaleout; /* page_scaleout.c */
extern const ui_page ui_page_audit;    /* page_audit.c */
extern const ui_page ui_page_content;  /* page_content.c */
/* page_content.c: after a Delete or a forced restore, offers to go to
 * Encrypted Content when values need re-entry. */
void ui_offer_content(void);
/* app.c: shows page p once the current action returns. */
void ui_show_page(const ui_page *p);

/* state.c, for pages: the selected table row and the entry's text, as the
 * frame (app.c) answers through the hooks it registers. */
typedef struct ui_frame_hooks {
	int (*table_row)(void);
	const char *(*entry_value)(void);
	void (*entry_clear)(void);
	void (*page_load)(void);
	void (*show_page)(const ui_page *p);
} ui_frame_hooks;
void ui_frame_hooks_set(const ui_frame_hooks *h);
int ui_page_table_row(void);
const char *ui_page_entry_value(void);
void ui_page_entry_clear(void);

#endif
