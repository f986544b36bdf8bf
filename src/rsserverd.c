/* rsserverd.c: the report server service, as far as the key is concerned.
 *
 *   rsserverd -c CONFIG [--heartbeat SECONDS] [--log-file FILE]
 *
 * Runs in the foreground (for systemd) as the instance's service account:
 * started as root it switches to that account before it touches the key
 * store; started as anyone else it refuses.  It unwraps its copy of the key
 * and checks it against the key check value; when it cannot it stays up,
 * "not activated", and says why.  Every interval it records a heartbeat in
 * the database.  It holds the instance's run lock and answers on a Unix
 * socket: "status", and "test-datasource NAME" (decrypts that data source
 * in memory and answers only ok or failed).  SIGHUP re-reads the key;
 * SIGTERM and SIGINT stop it cleanly.  No secret is ever logged or sent. */
#include "i18n.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "config.h"
#include "err.h"
#include "ops.h"
#include "secret.h"
#include "service.h"

#define PROG "rsserverd"
#define REQUEST_MAX 1024

struct daemon {
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
};

static volatile sig_atomic_t got_hup, got_term;

/* ------------------------------------------------------------------ */
/* logging: stderr (the journal, or the log file) and syslog           */

static void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_msg(int prio, const char *fmt, ...)
{
	char text[RS_ERROR_MESSAGE_MAX + 256], when[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		when[0] = '\0';
	fprintf(stderr, "%s %s[%ld]: %s\n", when, PROG, (long)getpid(), text);
	fflush(stderr);
	syslog(prio, "%s", text);
}

/* ------------------------------------------------------------------ */
/* command line                                                        */

static void help_print(void)
{
	printf(_("Usage: %s -c CONFIG [--heartbeat SECONDS] [--log-file FILE]\n"
	    "The report server service of one instance: holds the key in "
	    "memory,\nrecords a heartbeat, answers status requests. Runs in "
	    "the foreground.\n"), PROG);
	fputs(_("\n  -c, --config FILE        instance config (default: $RSCONFIG,"
	    " then the\n                           system path)\n"
	    "      --heartbeat SECONDS  heartbeat interval (default 5)\n"
	    "      --log-file FILE      log there instead of standard error\n"
	    "  -h, --help               show this help and exit\n"
	    "  -V, --version            show the version and exit\n"), stdout);
	printf(_("\nSignals: HUP re-reads the key, TERM and INT stop.\n"));
}

static int parse_interval(const char *text, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 1 || v > 3600)
		return -1;
	*out = (int)v;
	return 0;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct daemon *d)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "heartbeat", required_argument, NULL, 'b' },
		{ "log-file", required_argument, NULL, 'l' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': d->config_path = optarg; break;
		case 'l': d->log_file = optarg; break;
		case 'F': break;
		case 'b':
			if (parse_interval(optarg, &d->interval) == 0)
				break;
			fprintf(stderr, _("%s: --heartbeat needs 1 to 3600 seconds\n"),
			    PROG);
			return rs_err_exit_status(RS_ERR_USAGE);
		case 'h': help_print(); return 0;
		case 'V': printf("%s (%s) %s\n", PROG, PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		default:
			fprintf(stderr, _("Try '%s --help' for more information.\n"),
			    PROG);
			return rs_err_exit_status(RS_ERR_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, _("%s: unexpected argument '%s'\n"), PROG,
		    argv[optind]);
		return rs_err_exit_status(RS_ERR_USAGE);
	}
	if (d->config_path == NULL)
		d->config_path = rs_config_default_path();
	return -1;
}

/* ------------------------------------------------------------------ */
/* identity: the service account, and nobody else                     */

static int drop_to(const struct passwd *pw, rs_error *err)
{
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		return rs_err(err, RS_ERR_PERMISSION, _("cannot switch to the "
		    "service account %s: %s"), pw->pw_name, strerror(errno));
	/* A process that could get root back has not really dropped it. */
	if (pw->pw_uid != 0 && (setuid(0) == 0 || geteuid() == 0 ||
	    getegid() != pw->pw_gid))
		return rs_err(err, RS_ERR_PERMISSION, _("switched to %s but could "
		    "still regain root; refusing to run"), pw->pw_name);
	rs_harden_process();   /* changing identity resets "dumpable" */
	return RS_OK;
}

static void give_to(const char *path, const struct passwd *pw)
{
	if (lchown(path, pw->pw_uid, pw->pw_gid) != 0 && errno != ENOENT)
		log_msg(LOG_WARNING, _("cannot give %s to %s: %s"), path,
		    pw->pw_name, strerror(errno));
}

/* As root: the runtime folder is made for the account before switching,
 * since its parent may not be writable by the account; a lock or log left
 * by a run under another account (before an account change) follows. */
static void runtime_prepare_as_root(const struct daemon *d,
    const struct passwd *pw)
{
	if (mkdir(d->paths.runtime, 0750) != 0 && errno != EEXIST)
		return;
	give_to(d->paths.runtime, pw);
	give_to(d->paths.lock, pw);
	give_to(d->paths.log, pw);
}

static int become_service_account(struct daemon *d, rs_error *err)
{
	struct passwd *pw = getpwnam(d->cfg.service_account);
	struct passwd *me;

	if (pw == NULL)
		return rs_err(err, RS_ERR_CONFIG, _("the service account %s of %s "
		    "does not exist"), d->cfg.service_account, d->cfg.path);
	if (geteuid() == 0 && pw->pw_uid != 0) {
		runtime_prepare_as_root(d, pw);
		return drop_to(pw, err);
	}
	if (geteuid() != pw->pw_uid) {
		me = getpwuid(geteuid());
		return rs_err(err, RS_ERR_PERMISSION, _("%s runs as the service "
		    "account %s, not as %s: start it as root (it switches to %s) "
		    "or as %s"), PROG, pw->pw_name, me ? me->pw_name : "?",
		    pw->pw_name, pw->pw_name);
	}
	return RS_OK;
}

/* ------------------------------------------------------------------ */
/* runtime folder, run lock, log, socket                               */

static int runtime_open(struct daemon *d, rs_error *err)
{
	struct stat st;

	if (mkdir(d->paths.runtime, 0750) != 0 && errno != EEXIST)
		return rs_err(err, RS_ERR_IO, _("cannot make the runtime folder "
		    "%s: %s"), d->paths.runtime, strerror(errno));
	if (stat(d->paths.runtime, &st) != 0 || !S_ISDIR(st.st_mode))
		return rs_err(err, RS_ERR_IO, _("%s is not a folder"),
		    d->paths.runtime);
	if (st.st_uid != geteuid() || (st.st_mode & S_IWOTH))
		return rs_err(err, RS_ERR_PERMISSION, _("the runtime folder %s must "
		    "belong to %s and not be writable by others"),
		    d->paths.runtime, d->account);
	return RS_OK;
}

static int lock_take(struct daemon *d, rs_error *err)
{
	char pid[32];
	int n;

	d->lock_fd = open(d->paths.lock, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY, 0640);
	if (d->lock_fd < 0)
		return rs_err(err, RS_ERR_IO, _("cannot open the run lock %s: %s"),
		    d->paths.lock, strerror(errno));
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK)
			return rs_err(err, RS_ERR_IO, _("cannot lock %s: %s"),
			    d->paths.lock, strerror(errno));
		n = (int)pread(d->lock_fd, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		return rs_err(err, RS_ERR_BUSY, _("the report server service of "
		    "%s\\%s is already running (pid %s)"), d->cfg.machine,
		    d->cfg.instance, pid[0] ? pid : "?");
	}
	d->lock_held = true;
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(d->lock_fd, 0) != 0 || pwrite(d->lock_fd, pid, (size_t)n, 0) != n)
		return rs_err(err, RS_ERR_IO, _("cannot write %s: %s"),
		    d->paths.lock, strerror(errno));
	return RS_OK;
}

/* From here on the starter's pipe is let go: output goes to the log. */
static int log_take(const struct daemon *d, rs_error *err)
{
	int fd;

	if (d->log_file == NULL)
		return RS_OK;
	fd = open(d->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY, 0640);
	if (fd < 0)
		return rs_err(err, RS_ERR_IO, _("cannot open the log %s: %s"),
		    d->log_file, strerror(errno));
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return RS_OK;
}

/* ------------------------------------------------------------------ */
/* the key                                                             */

static void set_state(struct daemon *d, const char *state, const char *reason)
{
	bool changed = strcmp(d->state, state) != 0 ||
	    strcmp(d->reason, reason) != 0;

	snprintf(d->state, sizeof d->state, "%s", state);
	snprintf(d->reason, sizeof d->reason, "%s", reason);
	if (!changed)
		return;
	d->since = (int64_t)time(NULL);
	if (d->key != NULL)
		log_msg(LOG_INFO, _("activated: key generation %" PRIu32 ", check "
		    "value %s"), rs_service_key_generation(d->key),
		    rs_service_key_kcv(d->key));
	else
		log_msg(LOG_ERR, _("not activated (RSReportServerNotActivated, "
		    "%s): %s"), rs_activation_name(d->activation), reason);
}

/* Opens the database and unwraps the key again: after SIGHUP, and while
 * the database could not be opened. */
static void key_load(struct daemon *d)
{
	rs_activation why = RS_NOT_INITIALIZED;
	rs_error err = { 0 };

	rs_service_key_free(d->key);
	d->key = NULL;
	rs_ctx_close(d->ctx);
	d->ctx = NULL;
	if (rs_ctx_open(d->config_path, &d->ctx, &err) != RS_OK) {
		d->activation = RS_NOT_INITIALIZED;
		set_state(d, "not-activated", err.message);
		return;
	}
	d->activation = RS_ACTIVATED;
	if (rs_service_unlock(d->ctx, &d->key, &why, &err) != RS_OK) {
		d->activation = why;
		set_state(d, "not-activated", err.message);
		return;
	}
	set_state(d, "activated", "");
}

/* ------------------------------------------------------------------ */
/* heartbeat                                                           */

static void heartbeat(struct daemon *d, const char *state)
{
	rs_heartbeat hb;
	rs_error err = { 0 };

	if (d->ctx == NULL)
		return;
	memset(&hb, 0, sizeof hb);
	snprintf(hb.installation_id, sizeof hb.installation_id, "%s",
	    d->cfg.installation_id);
	hb.last_seen = (int64_t)time(NULL);
	hb.pid = (int64_t)getpid();
	snprintf(hb.host, sizeof hb.host, "%s", d->host);
	snprintf(hb.version, sizeof hb.version, "%s", PACKAGE_VERSION);
	snprintf(hb.state, sizeof hb.state, "%s", state);
	snprintf(hb.reason, sizeof hb.reason, "%s", d->reason);
	hb.interval = d->interval;
	if (rs_service_heartbeat(d->ctx, &hb, &err) == RS_OK) {
		d->last_beat_error[0] = '\0';
		return;
	}
	/* Once per distinct failure: a busy database must not flood the log. */
	if (strcmp(err.message, d->last_beat_error) != 0)
		log_msg(LOG_WARNING, _("cannot record the heartbeat: %s"),
		    err.message);
	snprintf(d->last_beat_error, sizeof d->last_beat_error, "%s",
	    err.message);
}

/* ------------------------------------------------------------------ */
/* requests                                                            */

static void answer_status(struct daemon *d, FILE *f)
{
	fprintf(f, "state=%s\n", d->state);
	fprintf(f, "activation=%s\n", rs_activation_name(d->activation));
	fprintf(f, "reason=%s\n", d->reason);
	fprintf(f, "generation=%" PRIu32 "\n", rs_service_key_generation(d->key));
	fprintf(f, "kcv=%s\n", rs_service_key_kcv(d->key));
	fprintf(f, "pid=%ld\n", (long)getpid());
	fprintf(f, "since=%" PRId64 "\n", d->since);
	fprintf(f, "account=%s\n", d->account);
	fprintf(f, "heartbeat=%d\n", d->interval);
}

/* Answers only "ok" or "failed: WHY"; the value never leaves memory that
 * is wiped before this returns. */
static void answer_test(struct daemon *d, FILE *f, const char *name)
{
	rs_error err = { 0 };

	if (d->key == NULL) {
		fprintf(f, "failed: %s: %s\n", _("not activated"), d->reason);
		return;
	}
	if (rs_service_test_datasource(d->ctx, d->key, name, &err) == RS_OK) {
		fprintf(f, "ok\n");
		log_msg(LOG_INFO, _("test-datasource %s: ok"), name);
		return;
	}
	fprintf(f, "failed: %s\n", err.message);
	log_msg(LOG_WARNING, _("test-datasource %s: failed: %s"), name,
	    err.message);
}

static bool read_request(int fd, char *buf, size_t size)
{
	size_t used = 0;
	ssize_t n;

	while (used + 1 < size) {
		n = read(fd, buf + used, size - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		if (memchr(buf, '\n', used) != NULL)
			break;
	}
	buf[used] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return used > 0;
}

static void client_serve(struct daemon *d)
{
	struct timeval tv = { 2, 0 };
	char req[REQUEST_MAX];
	int fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	FILE *f;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (!read_request(fd, req, sizeof req) || (f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return;
	}
	if (strcmp(req, "status") == 0)
		answer_status(d, f);
	else if (strncmp(req, "test-datasource ", 16) == 0 && req[16] != '\0')
		answer_test(d, f, req + 16);
	else
		fprintf(f, "failed: %s\n", _("unknown request (status, "
		    "test-datasource NAME)"));
	fclose(f);
}

/* ------------------------------------------------------------------ */
/* main loop                                                           */

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/* The signals stay blocked except inside ppoll, so none is lost between
 * a check of the flags and the wait. */
static void signals_setup(sigset_t *wait_mask)
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

static void serve(struct daemon *d)
{
	sigset_t wait_mask;
	struct pollfd pfd = { d->listen_fd, POLLIN, 0 };
	double next_beat = 0, now, left;
	struct timespec ts;

	signals_setup(&wait_mask);
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			log_msg(LOG_INFO, "%s", _("SIGHUP: reloading the key"));
			key_load(d);
			next_beat = 0;
		}
		now = now_mono();
		if (now >= next_beat) {
			if (d->ctx == NULL)
				key_load(d);
			heartbeat(d, d->state);
			next_beat = now + d->interval;
		}
		left = next_beat - now;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		if (ppoll(&pfd, 1, &ts, &wait_mask) > 0)
			client_serve(d);
	}
}

static void shutdown_clean(struct daemon *d)
{
	if (d->lock_held) {
		log_msg(LOG_INFO, "%s", _("stopping"));
		heartbeat(d, "stopped");
	}
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->paths.socket);
	}
	rs_service_key_free(d->key);
	rs_ctx_close(d->ctx);
	/* Only our own pid is cleared; the lock itself goes with close. */
	if (d->lock_held) {
		if (ftruncate(d->lock_fd, 0) != 0)
			log_msg(LOG_WARNING, _("cannot clear %s"), d->paths.lock);
	}
	if (d->lock_fd >= 0)
		close(d->lock_fd);
}

static int start(struct daemon *d, rs_error *err)
{
	struct passwd *pw;
	int rc = rs_config_load(d->config_path, &d->cfg, err);

	if (rc != RS_OK)
		return rc;
	rs_service_paths_of(&d->cfg, &d->paths);
	rc = become_service_account(d, err);
	pw = getpwuid(geteuid());
	snprintf(d->account, sizeof d->account, "%s", pw ? pw->pw_name : "?");
	if (rc == RS_OK)
		rc = runtime_open(d, err);
	if (rc == RS_OK)
		rc = lock_take(d, err);
	if (rc == RS_OK)
		rc = log_take(d, err);
	if (rc == RS_OK) {
		d->listen_fd = rs_unix_listen(d->paths.socket, err);
		if (d->listen_fd < 0)
			rc = err->code;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct daemon d;
	rs_error err = { 0 };
	int rc;

	rs_harden_process();
	rs_i18n_init(NULL);
	memset(&d, 0, sizeof d);
	d.interval = RS_SERVICE_HEARTBEAT_DEFAULT;
	d.lock_fd = d.listen_fd = -1;
	rc = parse_args(argc, argv, &d);
	if (rc >= 0)
		return rc;
	umask(007);
	openlog(PROG, LOG_PID, LOG_DAEMON);
	if (gethostname(d.host, sizeof d.host) != 0)
		snprintf(d.host, sizeof d.host, "localhost");
	rc = start(&d, &err);
	if (rc != RS_OK) {
		log_msg(LOG_ERR, "%s", err.message);
		shutdown_clean(&d);
		return rs_err_exit_status(rc);
	}
	log_msg(LOG_INFO, _("started for %s\\%s as %s, socket %s, heartbeat "
	    "every %d s"), d.cfg.machine, d.cfg.instance, d.account,
	    d.paths.socket, d.interval);
	key_load(&d);
	serve(&d);
	shutdown_clean(&d);
	return 0;
}
