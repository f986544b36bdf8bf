/* SPDX-License-Identifier: ISC */
/* busy.c: feedback for work that takes a while without progress of its own
 * (the password's key derivation in backup, check and restore takes 1-2 s):
 * the work runs on a worker thread while this thread shows a spinner and
 * the seconds so far.  Only this thread touches curses; the worker may add
 * Results lines (the core's step callback), which nothing reads until it is
 * joined: a resize meanwhile is handled after the join for that reason. */
#include <config.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ui_int.h"

#define SHOW_AFTER 0.2     /* seconds before the box shows */
#define TICK_MS 100

typedef struct busy {
	ui_form form;
	int (*fn)(void *arg);
	void *arg;
	atomic_int done;
	int rc;
	bool cancel;
	unsigned tick;
	rs_progress_clock start;
} busy;

static void *worker(void *arg)
{
	busy *b = arg;
	sigset_t all;

	/* Signals go to the screen's thread, whose key loop sees them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	b->rc = b->fn(b->arg);
	atomic_store(&b->done, 1);
	return NULL;
}

static char *spinner(ui_form *f)
{
	busy *b = (busy *)f;
	static const char turn[] = "|/-\\";

	return ui_strdupf("%c  %.1f s%s%s", turn[b->tick % 4],
	    rs_progress_elapsed(&b->start), b->cancel ? "   " : "",
	    b->cancel ? _("cancelling...") : "");
}

static void wait_shortly(busy *b)
{
	while (!atomic_load(&b->done) && rs_progress_elapsed(&b->start) < SHOW_AFTER)
		napms(10);
}

/* Keys while busy: Esc cancels when it can; everything else is dropped. */
static void watch(busy *b, bool cancellable, bool *resized)
{
	const char *bt[1];
	int key;

	bt[0] = cancellable ? _("Cancel (Esc)") : _("Please wait");
	b->form.buttons = bt;
	b->form.nbuttons = 1;
	ui_push(&b->form.layer);
	curs_set(0);
	while (!atomic_load(&b->done)) {
		napms(TICK_MS);
		/* A signal stays pending (every read answers it): note it and
		 * wait for the worker, whose result is then dropped if it can be. */
		while ((key = ui_pollkey(b->form.panel)) != ERR) {
			if (key == KEY_RESIZE)
				*resized = true;
			else if (cancellable && (key == KEY_ESC || key == UI_KEY_SIGNAL))
				b->cancel = true;
			if (key == UI_KEY_SIGNAL)
				break;
		}
		b->tick++;
		if (!ui->too_small)
			ui_form_update_live(&b->form);
	}
	ui_pop(&b->form.layer);
}

int ui_busy_run(const char *title, const char *what, bool cancellable,
    int (*fn)(void *arg), void *arg)
{
	busy *b = calloc(1, sizeof *b);
	pthread_t t;
	bool resized = false;
	int rc;

	if (b == NULL)
		return fn(arg);
	ui_form_init(&b->form);
	b->form.title = title;
	b->form.text = what;
	b->form.help = "message";
	b->form.live_fn = spinner;
	b->fn = fn;
	b->arg = arg;
	rs_progress_clock_start(&b->start);
	if (pthread_create(&t, NULL, worker, b) != 0) {
		b->rc = fn(arg);
	} else {
		wait_shortly(b);
		if (!atomic_load(&b->done))
			watch(b, cancellable, &resized);
		pthread_join(t, NULL);
	}
	if (resized)
		ui_relayout();
	rc = b->cancel ? RS_ERR_CANCELLED : b->rc;
	ui_form_free(&b->form);
	free(b);
	return rc;
}
