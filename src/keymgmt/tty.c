/* SPDX-License-Identifier: ISC */
/* tty.c: signals and the terminal (as minisign's get_line.c): lines read
 * byte by byte, echo off for secrets and always restored, Ctrl-C only
 * sets a flag while a prompt or a long operation runs. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "rskeymgmt.h"

static volatile sig_atomic_t interrupted;
static int tty_fd = -2;        /* -2: not opened yet, -1: no terminal */

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* While on, SIGINT/SIGTERM/SIGHUP only set a flag, so a prompt can restore
 * the terminal and a long operation can roll back.  Off, the previous
 * actions come back (kill as usual: the core is crash-safe).  A signal
 * ignored when we started stays ignored, so `nohup rskeymgmt -s` is not
 * cancelled by a hang-up. */
void signals_catch(bool on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static struct sigaction saved[3];
	static bool caught;
	struct sigaction sa;
	size_t i;

	if (on == caught)
		return;
	caught = on;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		if (!on) {
			sigaction(sigs[i], &saved[i], NULL);
			continue;
		}
		sigaction(sigs[i], NULL, &saved[i]);
		if (saved[i].sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

/* Polled by prompts and by the progress callback (which cancels). */
bool signals_interrupted(void)
{
	return interrupted != 0;
}

int tty_get(void)
{
	if (tty_fd == -2)
		tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	return tty_fd;
}

void tty_print(const char *fmt, ...)
{
	va_list ap;

	if (tty_get() < 0)
		return;
	va_start(ap, fmt);
	vdprintf(tty_fd, fmt, ap);
	va_end(ap);
}

/* A final CR (of a CR LF line end) goes, the same for every source. */
static size_t strip_final_cr(const char *buf, size_t len)
{
	return len > 0 && buf[len - 1] == '\r' ? len - 1 : len;
}

/* Reads one line byte by byte (no stdio buffer keeps a copy) into buf,
 * which holds cap + 1 bytes: cap bytes and the CR of a CR LF end.  Returns
 * the length, -1 on end of file or error, -2 when the line is longer than
 * cap, -3 when interrupted.  drain reads the rest of a longer line (a
 * terminal: the rest must not become the next answer); without it the
 * reading stops at once (an endless pipe is not drained). */
ssize_t fd_read_line(int fd, char *buf, size_t cap, bool drain)
{
	size_t len = 0;
	bool overflow = false;
	ssize_t n;
	char c;

	for (;;) {
		if (signals_interrupted())
			return -3;
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (len == 0 || overflow)
				return -1;
			break;
		}
		if (c == '\n')
			break;
		if (!overflow && (len < cap || (len == cap && c == '\r')))
			buf[len++] = c;
		else if (drain)
			overflow = true;
		else {
			rs_wipe(&c, sizeof c);
			return -2;
		}
	}
	rs_wipe(&c, sizeof c);
	len = strip_final_cr(buf, len);
	return overflow || len > cap ? -2 : (ssize_t)len;
}

/* Echo off while the password is typed; the old settings come back on
 * every path, including Ctrl-C (which only sets a flag here). */
int tty_read_secret(const char *prompt, rs_password *pw)
{
	struct termios old, quiet;
	struct sigaction ign, old_tstp;
	ssize_t n;

	if (tcgetattr(tty_fd, &old) != 0)
		return RS_ERR_IO;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;      /* a stopped prompt would keep echo off */
	sigaction(SIGTSTP, &ign, &old_tstp);
	signals_catch(true);
	tty_print("%s", prompt);
	tcsetattr(tty_fd, TCSAFLUSH, &quiet);
	n = fd_read_line(tty_fd, pw->text, RS_PASSWORD_MAX, true);
	tcsetattr(tty_fd, TCSAFLUSH, &old);
	tty_print("\n");
	signals_catch(false);
	sigaction(SIGTSTP, &old_tstp, NULL);
	if (n == -3)
		return RS_ERR_CANCELLED;
	if (n < 0)
		return n == -2 ? RS_ERR_POLICY : RS_ERR_IO;
	pw->len = (size_t)n;
	pw->text[n] = '\0';
	return RS_OK;
}
