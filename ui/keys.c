/* SPDX-License-Identifier: ISC */
/* keys.c: reading keys the same way in every loop of the program.
 *
 * Terminating signals only set a flag: the loops see UI_KEY_SIGNAL, a long
 * operation's progress callback sees ui_quitting() and cancels, and the
 * terminal is restored on the normal way out. */
#include <config.h>

#include <poll.h>
#include <unistd.h>

#include "ui_int.h"

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

void ui_signals_install(void)
{
	struct sigaction sa;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;   /* no SA_RESTART: let a blocked read return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A vanished terminal must not kill us before the rollback. */
	signal(SIGPIPE, SIG_IGN);
}

bool ui_quitting(void)
{
	return got_signal != 0;
}

int ui_signal_number(void)
{
	return (int)got_signal;
}

static int read_key(WINDOW *w, int delay_ms)
{
	wtimeout(w, delay_ms);
	return wgetch(w);
}

/* ESC then a digit is that F-key (ESC 0 is F10), for SSH clients whose
 * F-keys do not arrive; a lone ESC stays ESC. */
static int after_escape(WINDOW *w)
{
	int next = read_key(w, 80);

	if (next >= '1' && next <= '9')
		return KEY_F(next - '0');
	if (next == '0')
		return KEY_F(10);
	if (next != ERR)
		ungetch(next);
	return KEY_ESC;
}

/* CDK expects KEY_ENTER and KEY_BACKSPACE where terminals send bytes. */
static int normalise(int key)
{
	switch (key) {
	case '\r':
	case '\n':
		return KEY_ENTER;
	case 0x7f:
	case 0x08:
		return KEY_BACKSPACE;
	default:
		return key;
	}
}

/* While the window is too small nothing is built to take a key: only a
 * resize, a signal, and F10 on the frame (quit) get through. */
static int filter_too_small(int key)
{
	if (!ui->too_small || key == KEY_RESIZE || key == UI_KEY_SIGNAL)
		return key;
	if (key == KEY_F(10) && ui->top == &ui->frame)
		return key;
	return ERR;
}

/* A terminal that closed without a hang-up signal reaching us (the pane's
 * shell ignored it, say) reads end-of-file at once, forever: without this
 * the loops would spin.  It is a hang-up. */
static bool terminal_gone(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

static int get_one(WINDOW *w, int delay_ms)
{
	int key;

	if (got_signal)
		return UI_KEY_SIGNAL;
	keypad(w, TRUE);
	key = read_key(w, delay_ms);
	if (key == ERR && !got_signal && terminal_gone())
		got_signal = SIGHUP;
	if (key == ERR)
		return got_signal ? UI_KEY_SIGNAL : ERR;
	if (key == KEY_ESC)
		key = after_escape(w);
	else
		key = normalise(key);
	return filter_too_small(key);
}

int ui_getkey(WINDOW *w)
{
	int key;

	if (w == NULL)
		w = stdscr;
	do
		key = get_one(w, 250);
	while (key == ERR);
	return key;
}

int ui_pollkey(WINDOW *w)
{
	return get_one(w ? w : stdscr, 0);
}
