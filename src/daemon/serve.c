/* SPDX-License-Identifier: ISC */
/* serve.c: the main loop.  It waits for clients (requests.c), a signal or
 * the next deadline: the heartbeat every interval, the watchdog ping at
 * half of systemd's WatchdogSec=, and the earliest client deadline.  The
 * wait ends at the first of them, and clients never block (non-blocking
 * sockets), so no client can delay a heartbeat.  The ping is sent from this
 * loop, right after the heartbeat had its turn, so a service stuck anywhere
 * stops pinging and systemd restarts it. */
#include <config.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "rsserverd.h"

static volatile sig_atomic_t got_hup, got_term;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/* The signals stay blocked except inside ppoll, so none is lost between
 * a check of the flags and the wait.  Set up before anything else: a
 * SIGHUP (logrotate, a reload) that came between "started" and the loop
 * would otherwise kill the service with the default action. */
void serve_signals_setup(sigset_t *wait_mask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, wait_mask);
	sigdelset(wait_mask, SIGHUP);
	sigdelset(wait_mask, SIGTERM);
	sigdelset(wait_mask, SIGINT);
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* SIGHUP: systemctl reload, a key operation, a join or removal of this
 * member, or logrotate.  systemd hears
 * RELOADING=1 first and READY=1 once the key is read again. */
static void reload(struct daemon *d)
{
	char status[RS_ERROR_MESSAGE_MAX + 64];
	rs_error err = { 0 };

	notify_reloading();
	if (d->log_file != NULL && log_file_open(d->log_file, &err) != RS_OK)
		log_event(LOG_WARNING, "reload", "%s", err.message);
	log_event(LOG_INFO, "reload", "%s", _("SIGHUP: reloading the key"));
	/* An admin's join or removal here sends the SIGHUP (issue 14): the
	 * log says so as when a heartbeat finds it. */
	(void)membership_changed(d);
	key_load(d);
	key_status_text(d, status, sizeof status);
	notify_ready(status);
}

static struct timespec until(double deadline, double now)
{
	double left = deadline > now ? deadline - now : 0;
	struct timespec ts;

	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
	return ts;
}

static double earliest(double a, double b)
{
	return b > 0 && b < a ? b : a;
}

/* Heartbeat and watchdog first, whatever the clients are doing. */
static void timers(struct daemon *d, double now, double *next_beat,
    double *next_ping, double ping_every)
{
	if (now >= *next_beat) {
		if (d->ctx == NULL)
			key_load(d);
		heartbeat(d, d->state);
		*next_beat = now_mono() + d->interval;
	}
	if (ping_every > 0 && now >= *next_ping) {
		notify_watchdog();
		*next_ping = now + ping_every;
	}
}

void serve(struct daemon *d)
{
	struct pollfd pfd[1 + CLIENTS_MAX];
	double next_beat = 0, next_ping = 0, now, due;
	double ping_every = notify_watchdog_interval();
	struct timespec ts;
	int n;

	fcntl(d->listen_fd, F_SETFL, fcntl(d->listen_fd, F_GETFL) | O_NONBLOCK);
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			reload(d);
			next_beat = 0;
		}
		timers(d, now_mono(), &next_beat, &next_ping, ping_every);
		pfd[0].fd = d->listen_fd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		n = requests_pollfds(pfd + 1);
		due = earliest(next_beat, ping_every > 0 ? next_ping : 0);
		due = earliest(due, requests_deadline());
		ts = until(due, now_mono());
		if (ppoll(pfd, (nfds_t)n + 1, &ts, &d->wait_mask) < 0)
			continue;
		now = now_mono();
		requests_run(d, pfd + 1, n, now);
		if (pfd[0].revents & POLLIN)
			requests_accept(d, now);
	}
	requests_close_all();
}
