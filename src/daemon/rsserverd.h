/* SPDX-License-Identifier: ISC */
/* rsserverd.h: the report server service, as far as the key is concerned.
 *
 *   rsserverd -c CONFIG [--heartbeat SECONDS] [--log-file FILE]
 *
 * Runs in the foreground (for systemd, Type=notify) as the instance's
 * service account: started as root it switches to that account before it
 * touches the key store; started as anyone else it refuses.  It unwraps its
 * copy of the key and checks it against the key check value; when it cannot
 * it stays up, "not activated", and says why.  Every interval it records a
 * heartbeat in the database.  It holds the instance's run lock and answers
 * on a Unix socket: "status", and "test-datasource NAME" (decrypts that
 * data source in memory and answers only ok or failed).  SIGHUP re-reads
 * the key and reopens --log-file; SIGTERM and SIGINT stop it cleanly.  No
 * secret is ever logged or sent.
 *
 * One file per concern; this header declares what they share. */
#ifndef RSSERVERD_H
#define RSSERVERD_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>
#include "ops.h"

#define PROG "rsserverd"

struct daemon {
	sigset_t wait_mask;        /* what ppoll lets through (serve.c) */
	const char *config_path;
	const char *log_file;
	int interval;              /* heartbeat, seconds */
	rs_config cfg;
	rs_service_paths paths;
	int lock_fd, listen_fd;
	bool lock_held;
	rs_ctx *ctx;
	rs_service_key *key;
	rs_activation activation;
	char state[RS_HEARTBEAT_STATE_MAX];
	char reason[RS_ERROR_MESSAGE_MAX];
	char last_beat_error[RS_ERROR_MESSAGE_MAX];
	int64_t since;
	char host[RS_NAME_MAX];
	char account[RS_NAME_MAX];
	uint64_t member_stamp;     /* membership when the key was loaded */
};

/* args.c: the command line.  Returns -1 to go on, else the exit status. */
int args_parse(int argc, char **argv, struct daemon *d);

/* log.c: one sink per line.  Under journald (JOURNAL_STREAM names standard
 * error) "<N>EVENT: text" on standard error only; otherwise a timestamped
 * line on standard error (a terminal, --log-file) and the same in syslog
 * (LOG_DAEMON).  EVENT is a stable keyword, never translated. */
void log_init(void);
/* --log-file: standard output and error go there from now on; again after
 * SIGHUP, so that a log moved away by logrotate is let go. */
int log_file_open(const char *path, rs_error *err);
void log_event(int prio, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* notify.c: the sd_notify protocol of Type=notify units, written out (one
 * datagram of "KEY=value" lines to $NOTIFY_SOCKET); nothing is sent when
 * the variable is not set. */
void notify_init(void);
void notify_ready(const char *status);
void notify_status(const char *status);
void notify_reloading(void);
void notify_stopping(void);
/* The watchdog ping interval (half of $WATCHDOG_USEC) in seconds, 0 when
 * systemd watches nothing. */
double notify_watchdog_interval(void);
void notify_watchdog(void);

/* account.c: the service account, and nobody else. */
int account_become(struct daemon *d, rs_error *err);
/* mlockall as the account, once the log is open; warns when it cannot. */
void account_lock_memory(void);

/* runtime.c: the runtime folder and the run lock.  As root, before the
 * switch: makes the folder for the account, or refuses one it did not make. */
struct passwd;
int runtime_prepare_as_root(const struct daemon *d, const struct passwd *pw,
    rs_error *err);
int runtime_open(struct daemon *d, rs_error *err);
int runtime_lock(struct daemon *d, rs_error *err);
void runtime_unlock(struct daemon *d);

/* key.c: the key and the heartbeat. */
void key_load(struct daemon *d);
/* "activated, key generation N" or "NOT ACTIVATED: reason". */
void key_status_text(const struct daemon *d, char *out, size_t size);
void heartbeat(struct daemon *d, const char *state);
/* The membership or the key changed since the key was loaded (logged). */
bool membership_changed(struct daemon *d);

/* requests.c: one request per connection on the socket, at most
 * CLIENTS_MAX connections at once, each non-blocking with a deadline.
 * serve.c polls requests_pollfds()'s descriptors (clients in order) until
 * requests_deadline() (0: none), hands them back to requests_run(), then
 * takes new connections with requests_accept(). */
#define CLIENTS_MAX 64
struct pollfd;
void requests_accept(struct daemon *d, double now);
int requests_pollfds(struct pollfd *pfd);
double requests_deadline(void);
void requests_run(struct daemon *d, const struct pollfd *pfd, int n,
    double now);
void requests_close_all(void);

/* serve.c: the main loop until SIGTERM or SIGINT. */
void serve_signals_setup(sigset_t *wait_mask);
void serve(struct daemon *d);

#endif
