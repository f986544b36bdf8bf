/* rskeymgmt.c: the command-line twin of SSRS's rskeymgmt utility.
 *
 * A thin face over core/ops.h: parse the command line, get passwords and
 * confirmations from the terminal (never from argv or the environment), call
 * one operation, print the outcome as text or as one JSON object, and exit
 * with the status the error table assigns.  Each command is one small
 * function listed in the command table. */
#include <config.h>     /* _GNU_SOURCE: fopencookie */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "err.h"
#include "ops.h"
#include "policy.h"
#include "secret.h"
#include "service.h"

#define PROG "rskeymgmt"
#define PASSWORD_TRIES 3

/* ------------------------------------------------------------------ */
/* command line                                                        */

enum {
	OPT_STATUS = 256, OPT_INIT, OPT_ACCOUNT, OPT_VERIFY, OPT_FORCE,
	OPT_OVERWRITE, OPT_YES, OPT_JSON, OPT_PWFILE, OPT_PWFD,
	OPT_BACKUP_EXISTS, OPT_ALLOW_LAST, OPT_MIGRATE,
	OPT_START, OPT_STOP, OPT_SVC_STATUS, OPT_HEARTBEAT, OPT_TEST_DS
};

struct run;

/* Command flags: what a command needs before it runs. */
#define F_FILE      0x01   /* -f FILE is required */
#define F_ARG       0x02   /* takes an argument (ID or USER) */
#define F_CONFIRM   0x04   /* destructive: typed confirmation or --yes */
#define F_INIT      0x08   /* opens the context for initialization */

struct command {
	int opt;               /* getopt value that selects it */
	const char *name;      /* long option and JSON "command" */
	int (*run)(struct run *r);
	unsigned flags;
};

struct cli {
	const struct command *cmd;
	const char *arg;       /* ID or USER of the command */
	const char *config;
	const char *file;
	const char *password_file;
	int password_fd;       /* -1: none */
	bool force, overwrite, yes, json, backup_exists, allow_last;
	int heartbeat;         /* --start: seconds, 0 for the default */
};

/* ------------------------------------------------------------------ */
/* output: text and JSON are built in memory and printed once the
 * command's outcome is known, so --json prints exactly one object.    */

#define JSON_DEPTH 8

struct out {
	bool json_mode;        /* --json: only JSON is built, else only text */
	FILE *text, *json;
	char *text_buf, *json_buf;
	size_t text_len, json_len;
	int depth;
	bool need_comma[JSON_DEPTH];
};

struct run {
	const struct cli *cli;
	rs_ctx *ctx;
	rs_error err;
	struct out out;
};

static volatile sig_atomic_t interrupted;
static int tty_fd = -2;        /* -2: not opened yet, -1: no terminal */

/* Writes runs of plain characters at once: --list --json of 10,000
 * members prints megabytes.  Unlocked stdio: only the main thread
 * writes output. */
static void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	putc_unlocked('"', f);
	for (; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != 0x7f && *p != '"' && *p != '\\')
			continue;
		fwrite_unlocked(run, 1, (size_t)(p - run), f);
		run = p + 1;
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default: fprintf(f, "\\u%04x", *p);
		}
	}
	fwrite_unlocked(run, 1, (size_t)(p - run), f);
	putc_unlocked('"', f);
}

/* False when no JSON is wanted: the caller writes nothing. */
static bool j_sep(struct out *o, const char *key)
{
	if (!o->json_mode)
		return false;
	if (o->need_comma[o->depth])
		putc_unlocked(',', o->json);
	o->need_comma[o->depth] = true;
	if (key != NULL) {
		json_string(o->json, key);
		putc_unlocked(':', o->json);
	}
	return true;
}

static void j_str(struct out *o, const char *key, const char *val)
{
	if (!j_sep(o, key))
		return;
	if (val != NULL)
		json_string(o->json, val);
	else
		fputs("null", o->json);
}

static void j_u64(struct out *o, const char *key, uint64_t val)
{
	if (!j_sep(o, key))
		return;
	fprintf(o->json, "%" PRIu64, val);
}

static void j_i64(struct out *o, const char *key, int64_t val)
{
	if (!j_sep(o, key))
		return;
	fprintf(o->json, "%" PRId64, val);
}

static void j_bool(struct out *o, const char *key, bool val)
{
	if (!j_sep(o, key))
		return;
	fputs(val ? "true" : "false", o->json);
}

/* Times as ISO 8601 UTC; 0 (never) as null. */
static void j_time(struct out *o, const char *key, int64_t t)
{
	char buf[80];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		j_str(o, key, NULL);
		return;
	}
	/* snprintf, not strftime (locale work): --list --json writes three
	 * per member. */
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	j_str(o, key, buf);
}

static void j_open(struct out *o, const char *key, char bracket)
{
	if (!j_sep(o, key))
		return;
	fputc(bracket, o->json);
	if (o->depth + 1 < JSON_DEPTH)
		o->depth++;
	o->need_comma[o->depth] = false;
}

static void j_close(struct out *o, char bracket)
{
	if (!o->json_mode)
		return;
	fputc(bracket, o->json);
	if (o->depth > 0)
		o->depth--;
}

static void out_text(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_text(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json_mode)
		return;
	va_start(ap, fmt);
	vfprintf(o->text, fmt, ap);
	va_end(ap);
}

/* A FILE appending to a buffer that grows by realloc: open_memstream
 * copies its whole buffer into a fresh one at each growth, 20% of the time
 * of --list --json over 10,000 members. */
struct membuf {
	char **buf;
	size_t *len;
	size_t cap;
};

/* Appends n bytes to *buf (len used, cap allocated, doubled from 4 KiB as
 * needed) and keeps a NUL after them.  -1 when out of memory (the buffer
 * stays as it was). */
static int bytes_append(char **buf, size_t *len, size_t *cap,
    const char *data, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t grow = *cap ? *cap : 4096;
		char *grown;

		while (*len + n + 1 > grow)
			grow *= 2;
		grown = realloc(*buf, grow);
		if (grown == NULL)
			return -1;
		*buf = grown;
		*cap = grow;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

static ssize_t membuf_write(void *cookie, const char *data, size_t n)
{
	struct membuf *m = cookie;

	return bytes_append(m->buf, m->len, &m->cap, data, n) == 0
	    ? (ssize_t)n : -1;
}

static int membuf_close(void *cookie)
{
	free(cookie);
	return 0;
}

static FILE *membuf_open(char **buf, size_t *len)
{
	static const cookie_io_functions_t io = {
		.write = membuf_write, .close = membuf_close,
	};
	struct membuf *m = calloc(1, sizeof *m);
	FILE *f;

	if (m == NULL)
		return NULL;
	m->buf = buf;
	m->len = len;
	f = fopencookie(m, "w", io);
	if (f == NULL)
		free(m);
	return f;
}

static int out_init(struct out *o, bool json_mode)
{
	memset(o, 0, sizeof *o);
	o->json_mode = json_mode;
	o->need_comma[0] = true;   /* after "command" and "ok" */
	o->text = membuf_open(&o->text_buf, &o->text_len);
	o->json = membuf_open(&o->json_buf, &o->json_len);
	return o->text != NULL && o->json != NULL ? 0 : -1;
}

static void out_free(struct out *o)
{
	if (o->text != NULL)
		fclose(o->text);
	if (o->json != NULL)
		fclose(o->json);
	free(o->text_buf);
	free(o->json_buf);
}

static void local_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(buf, size, "%" PRId64, t);
}

/* Each line of a message gets the program's prefix (policy failures give
 * one line per broken rule). */
static void error_print(const char *message)
{
	const char *p = message, *nl;

	do {
		nl = strchr(p, '\n');
		fprintf(stderr, "%s: %.*s\n", PROG,
		    (int)(nl ? (size_t)(nl - p) : strlen(p)), p);
		p = nl ? nl + 1 : NULL;
	} while (p != NULL && *p != '\0');
}

static const char *error_message(int code, const rs_error *err)
{
	return err->message[0] != '\0' ? err->message : rs_err_description(code);
}

static void json_result(const char *command, int code, const rs_error *err,
    const struct out *o)
{
	fputs("{\"command\":", stdout);
	if (command != NULL)
		json_string(stdout, command);
	else
		fputs("null", stdout);
	printf(",\"ok\":%s", code == RS_OK ? "true" : "false");
	if (code != RS_OK) {
		fputs(",\"error\":", stdout);
		json_string(stdout, rs_err_name(code));
		fputs(",\"message\":", stdout);
		json_string(stdout, error_message(code, err));
	}
	if (o != NULL && o->json_len > 0)
		fwrite(o->json_buf, 1, o->json_len, stdout);
	fputs("}\n", stdout);
}

/* Prints what the command produced, then the error if any; returns the
 * exit status. */
static int run_finish(struct run *r, int code)
{
	struct out *o = &r->out;

	fflush(o->text);
	fflush(o->json);
	if (r->cli->json)
		json_result(r->cli->cmd->name, code, &r->err, o);
	else if (o->text_len > 0)
		fwrite(o->text_buf, 1, o->text_len, stdout);
	fflush(stdout);
	if (code != RS_OK)
		error_print(error_message(code, &r->err));
	return rs_err_exit_status(code);
}

/* ------------------------------------------------------------------ */
/* signals and the terminal                                            */

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
static void signals_catch(bool on)
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

static int tty_get(void)
{
	if (tty_fd == -2)
		tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	return tty_fd;
}

static void tty_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void tty_print(const char *fmt, ...)
{
	va_list ap;

	if (tty_get() < 0)
		return;
	va_start(ap, fmt);
	vdprintf(tty_fd, fmt, ap);
	va_end(ap);
}

/* Reads one line byte by byte (no stdio buffer keeps a copy) into buf of
 * cap bytes.  Returns the length, -1 on end of file or error, -2 when the
 * line was longer than cap (the rest is consumed), -3 when interrupted. */
static ssize_t fd_read_line(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	bool overflow = false;
	ssize_t n;
	char c;

	for (;;) {
		if (interrupted)
			return -3;
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return len > 0 && !overflow ? (ssize_t)len : -1;
		if (c == '\n')
			break;
		if (len < cap)
			buf[len++] = c;
		else
			overflow = true;
	}
	rs_wipe(&c, sizeof c);
	if (overflow)
		return -2;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	return (ssize_t)len;
}

/* Echo off while the password is typed; the old settings come back on
 * every path, including Ctrl-C (which only sets a flag here). */
static int tty_read_secret(const char *prompt, rs_password *pw)
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
	n = fd_read_line(tty_fd, pw->text, RS_PASSWORD_MAX);
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

/* ------------------------------------------------------------------ */
/* passwords                                                           */

static int password_from_fd(struct run *r, int fd, const char *what,
    rs_password *pw)
{
	ssize_t n = fd_read_line(fd, pw->text, RS_PASSWORD_MAX);

	if (n == -2)
		return rs_err(&r->err, RS_ERR_POLICY,
		    _("%s: the password is longer than %d bytes"), what,
		    RS_PASSWORD_MAX);
	if (n <= 0)
		return rs_err(&r->err, RS_ERR_IO,
		    _("%s: no password on the first line"), what);
	pw->len = (size_t)n;
	pw->text[n] = '\0';
	return RS_OK;
}

static int password_from_source(struct run *r, rs_password *pw)
{
	const struct cli *c = r->cli;
	char what[64];
	int fd, rc;

	if (c->password_file == NULL) {
		snprintf(what, sizeof what, _("descriptor %d"), c->password_fd);
		if (fcntl(c->password_fd, F_GETFD) < 0)
			return rs_err(&r->err, RS_ERR_USAGE,
			    _("--password-fd %d: not an open descriptor"),
			    c->password_fd);
		return password_from_fd(r, c->password_fd, what, pw);
	}
	fd = open(c->password_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return rs_err(&r->err, errno == ENOENT ? RS_ERR_NOT_FOUND :
		    RS_ERR_IO, _("cannot open %s: %s"), c->password_file,
		    strerror(errno));
	rc = password_from_fd(r, fd, c->password_file, pw);
	close(fd);
	return rc;
}

static bool password_source_given(const struct cli *c)
{
	return c->password_file != NULL || c->password_fd >= 0;
}

/* One line per broken rule; returns true when the password passes. */
static bool policy_report(struct run *r, const rs_password *pw, bool to_tty)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	rs_policy_result res;
	size_t used = 0;
	int i;

	rs_policy_check(pw->text, pw->len, cfg->service_account, cfg->instance,
	    &res);
	if (rs_policy_passed(&res))
		return true;
	rs_err_clear(&r->err);
	r->err.code = RS_ERR_POLICY;
	for (i = 0; i < RS_RULE_COUNT; i++) {
		if (res.ok[i])
			continue;
		if (to_tty)
			tty_print("  %s\n", rs_policy_rule_message(i));
		used += (size_t)snprintf(r->err.message + used,
		    sizeof r->err.message - used, "%s%s", used ? "\n" : "",
		    rs_policy_rule_message(i));
		if (used >= sizeof r->err.message)
			break;
	}
	return false;
}

static int no_terminal(struct run *r)
{
	return rs_err(&r->err, RS_ERR_USAGE,
	    _("no terminal to ask for the password: use --password-file FILE "
	    "or --password-fd N"));
}

/* A new backup password: policy checked, asked twice, up to 3 tries. */
static int password_new_tty(struct run *r, rs_password *pw)
{
	rs_password again;
	int tries, rc = RS_ERR_POLICY;

	if (rs_password_init(&again) != 0)
		return rs_err(&r->err, RS_ERR_INTERNAL, _("out of memory"));
	for (tries = 0; tries < PASSWORD_TRIES; tries++) {
		rc = tty_read_secret(_("New password for the key backup: "), pw);
		if (rc != RS_OK)
			break;
		if (!policy_report(r, pw, true)) {
			rc = RS_ERR_POLICY;
			continue;
		}
		rc = tty_read_secret(_("Type the password again: "), &again);
		if (rc != RS_OK)
			break;
		if (again.len == pw->len &&
		    memcmp(again.text, pw->text, pw->len) == 0)
			break;
		tty_print("  %s\n", _("The passwords do not match."));
		rs_err_clear(&r->err);
		rc = rs_err(&r->err, RS_ERR_POLICY,
		    _("The passwords do not match."));
	}
	rs_password_free(&again);
	if (rc == RS_OK)
		rs_err_clear(&r->err);
	else if (r->err.message[0] == '\0')
		rs_err(&r->err, rc, "%s", rs_err_description(rc));
	return rc;
}

static int password_get(struct run *r, bool new_backup, rs_password *pw)
{
	int rc;

	if (password_source_given(r->cli)) {
		rc = password_from_source(r, pw);
		if (rc == RS_OK && new_backup && !policy_report(r, pw, false))
			rc = RS_ERR_POLICY;
		return rc;
	}
	if (tty_get() < 0)
		return no_terminal(r);
	if (new_backup)
		return password_new_tty(r, pw);
	rc = tty_read_secret(_("Password of the backup file: "), pw);
	if (rc != RS_OK)
		return rs_err(&r->err, rc, "%s", rs_err_description(rc));
	return RS_OK;
}

/* ------------------------------------------------------------------ */
/* confirmation                                                        */

static int need_yes(rs_error *err)
{
	return rs_err(err, RS_ERR_USAGE,
	    _("this command changes or destroys key material and there is no "
	    "terminal to confirm it: add --yes"));
}

/* The admin types word (for --delete "DELETE", else "yes"). */
static int confirm(struct run *r, const char *word)
{
	char line[64];
	ssize_t n;

	if (r->cli->yes)
		return RS_OK;
	if (tty_get() < 0)
		return need_yes(&r->err);
	signals_catch(true);
	tty_print(_("Type %s to continue: "), word);
	n = fd_read_line(tty_fd, line, sizeof line);
	signals_catch(false);
	if (n >= 0 && (size_t)n == strlen(word) &&
	    memcmp(line, word, (size_t)n) == 0)
		return RS_OK;
	if (n == -3)
		tty_print("\n");
	return rs_err(&r->err, RS_ERR_CANCELLED,
	    _("not confirmed; nothing was changed"));
}

/* ------------------------------------------------------------------ */
/* progress                                                            */

struct progress {
	const struct run *r;
	const char *label;
	bool bar;              /* stderr is a terminal */
	bool drawn;
	struct timespec start, last;
};

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void progress_start(struct progress *p, const struct run *r,
    const char *label)
{
	memset(p, 0, sizeof *p);
	p->r = r;
	p->label = label;
	p->bar = isatty(STDERR_FILENO) != 0;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
}

static void progress_draw(struct progress *p, uint64_t done, uint64_t total)
{
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
	double elapsed = seconds_since(&p->start);
	char left[32] = "--:--", bar[31];
	unsigned fill = pct * 30 / 100, i;

	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	if (done >= total) {
		snprintf(left, sizeof left, "0:00");
	} else if (done > 0 && elapsed >= 0.5) {
		uint64_t s = (uint64_t)(elapsed * (double)(total - done) /
		    (double)done + 0.5);
		snprintf(left, sizeof left, "%" PRIu64 ":%02" PRIu64, s / 60,
		    s % 60);
	}
	fputc('\r', stderr);
	fprintf(stderr, _("%s [%s] %" PRIu64 "/%" PRIu64 " %3u%%  %s left "),
	    p->label, bar, done, total, pct, left);
	fflush(stderr);
	p->drawn = true;
}

/* The core's progress callback; non-zero cancels (and rolls back). */
static int progress_update(void *arg, uint64_t done, uint64_t total)
{
	struct progress *p = arg;
	bool first = p->last.tv_sec == 0 && p->last.tv_nsec == 0;

	if (interrupted)
		return 1;
	if (!first && done < total && seconds_since(&p->last) < 0.1)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &p->last);
	if (p->r->cli->json) {
		printf("{\"event\":\"progress\",\"done\":%" PRIu64
		    ",\"total\":%" PRIu64 "}\n", done, total);
		fflush(stdout);
	}
	if (p->bar)
		progress_draw(p, done, total);
	return 0;
}

static void progress_end(struct progress *p)
{
	if (p->drawn)
		fputc('\n', stderr);
}

/* ------------------------------------------------------------------ */
/* members                                                             */

static const char *member_state_name(rs_member_view_state s)
{
	switch (s) {
	case RS_VIEW_JOINED: return "joined";
	case RS_VIEW_WAITING: return "waiting-to-join";
	default: return "not-activated";
	}
}

static size_t width_max(size_t w, const char *s)
{
	size_t n = strlen(s);

	return n > w ? n : w;
}

/* The table's rows, compact (10,000 members in about a megabyte, not
 * 8 MiB of views): names in one growing string buffer, texts by pointer. */
struct member_row {
	char installation_id[RS_ID_LEN + 1];
	bool is_local;
	size_t machine, instance;    /* offsets into the table's names */
	const char *state, *service; /* translated, static */
	int64_t last_seen;
};

struct member_table {
	struct member_row *rows;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
	size_t ws, wi, wt, wv;       /* column widths */
	bool failed;
};

/* Where name now starts in the table's names (each ends with its NUL). */
static size_t table_name(struct member_table *t, const char *name)
{
	size_t off = t->names_len;

	if (bytes_append(&t->names, &t->names_len, &t->names_cap, name,
	    strlen(name) + 1) != 0)
		t->failed = true;
	return off;
}

static int member_row_add(void *arg, const rs_member_view *v)
{
	struct member_table *t = arg;
	struct member_row *r;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct member_row *grown = realloc(t->rows, cap * sizeof *grown);

		if (grown == NULL)
			return RS_ERR_INTERNAL;
		t->rows = grown;
		t->cap = cap;
	}
	r = &t->rows[t->n++];
	memcpy(r->installation_id, v->installation_id, sizeof r->installation_id);
	r->is_local = v->is_local;
	r->machine = table_name(t, v->machine);
	r->instance = table_name(t, v->instance);
	r->state = rs_member_view_state_text(v->state);
	r->service = rs_member_service_text(v);
	r->last_seen = v->last_seen;
	t->ws = width_max(t->ws, v->machine);
	t->wi = width_max(t->wi, v->instance);
	t->wt = width_max(t->wt, r->state);
	t->wv = width_max(t->wv, r->service);
	return t->failed ? RS_ERR_INTERNAL : RS_OK;
}

static int member_table_load(struct run *r, struct member_table *t)
{
	int rc = rs_op_each_member(r->ctx, member_row_add, t, &r->err);

	if (rc == RS_ERR_INTERNAL && r->err.code == RS_OK)
		rs_err(&r->err, rc, _("out of memory"));
	return rc;
}

static void member_table_free(struct member_table *t)
{
	free(t->rows);
	free(t->names);
	memset(t, 0, sizeof *t);
}

/* The service columns: Running / Stopped / Stale, and when it was last
 * heard of (a stale member's time is the point of showing it). */
static void members_table(FILE *f, const struct member_table *t)
{
	int ws = (int)width_max(t->ws, _("Server"));
	int wi = (int)width_max(t->wi, _("Instance"));
	int wt = (int)width_max(t->wt, _("Status"));
	int wv = (int)width_max(t->wv, _("Service"));
	char seen[64];

	fprintf(f, "  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", ws, _("Server"),
	    wi, _("Instance"), wt, _("Status"), RS_ID_LEN,
	    _("Installation ID"), wv, _("Service"), _("Last seen"));
	for (size_t i = 0; i < t->n; i++) {
		const struct member_row *r = &t->rows[i];

		if (r->last_seen == 0)
			snprintf(seen, sizeof seen, "-");
		else
			local_time(r->last_seen, seen, sizeof seen);
		fprintf(f, "%s %-*s  %-*s  %-*s  %-*s  %-*s  %s\n",
		    r->is_local ? "*" : " ", ws, t->names + r->machine, wi,
		    t->names + r->instance, wt, r->state, RS_ID_LEN,
		    r->installation_id, wv, r->service, seen);
	}
	fprintf(f, _("(* this instance)\n"));
}

static const char *member_service_name(const rs_member_view *v)
{
	return v->running ? "running" : v->stale ? "stale"
	    : v->last_seen ? "stopped" : "never-started";
}

static int member_json(void *arg, const rs_member_view *m)
{
	struct out *o = arg;

	j_open(o, NULL, '{');
	j_str(o, "installation_id", m->installation_id);
	j_str(o, "machine", m->machine);
	j_str(o, "instance", m->instance);
	j_str(o, "service_account", m->service_account);
	j_str(o, "fingerprint", m->fingerprint);
	j_str(o, "status", member_state_name(m->state));
	j_bool(o, "local", m->is_local);
	j_time(o, "created", m->created);
	j_time(o, "joined", m->joined);
	j_str(o, "service", member_service_name(m));
	j_bool(o, "running", m->running);
	j_bool(o, "stale", m->stale);
	j_time(o, "last_seen", m->last_seen);
	j_i64(o, "service_pid", m->service_pid);
	j_close(o, '}');
	return RS_OK;
}

/* Members left waiting after a key change or a forced restore: say how to
 * let them join again (the CLI's way of "offering" it). */
static void members_hint_join(struct run *r)
{
	rs_member_view *m = NULL;
	rs_error ignored = { 0, "" };
	size_t n = 0, i;

	if (rs_op_list_members(r->ctx, &m, &n, &ignored) != RS_OK)
		return;
	for (i = 0; i < n; i++)
		if (m[i].state != RS_VIEW_JOINED && !m[i].is_local)
			out_text(&r->out, _("  %s\\%s must join again: "
			    "rskeymgmt -c %s --join %s\n"), m[i].machine,
			    m[i].instance, rs_ctx_config(r->ctx)->path,
			    m[i].installation_id);
	free(m);
}

/* ------------------------------------------------------------------ */
/* commands                                                            */

static const char *cell_label(int table, int cell)
{
	return _(rs_content_info(table)->cell_labels[cell]);
}

static void status_values(struct run *r, const rs_status *st)
{
	const rs_content_table_info *ti;
	int t, c;

	j_open(&r->out, "values", '{');
	for (t = 0; t < RS_TABLE_COUNT; t++) {
		ti = rs_content_info(t);
		j_open(&r->out, ti->table, '{');
		for (c = 0; c < ti->ncells; c++) {
			j_u64(&r->out, ti->columns[c], st->cells[t][c]);
			out_text(&r->out, "  %-36s %" PRIu64 "\n", cell_label(t, c),
			    st->cells[t][c]);
		}
		j_close(&r->out, '}');
	}
	j_close(&r->out, '}');
}

static void key_json(struct out *o, const rs_keyinfo *k)
{
	j_open(o, "key", '{');
	j_bool(o, "present", k->present);
	j_u64(o, "generation", k->generation);
	j_str(o, "kcv", k->present ? k->kcv : NULL);
	j_time(o, "created", k->created);
	j_time(o, "last_backup", k->last_backup);
	j_time(o, "last_change", k->last_change);
	j_close(o, '}');
}

static void status_key_text(struct out *o, const rs_keyinfo *k)
{
	char when[64];

	if (!k->present) {
		out_text(o, "%-20s %s\n", _("Key:"), _("none"));
		return;
	}
	local_time(k->created, when, sizeof when);
	out_text(o, _("%-20s generation %" PRIu32 ", check value %s, created %s\n"),
	    _("Key:"), k->generation, k->kcv, when);
	if (k->last_backup != 0)
		local_time(k->last_backup, when, sizeof when);
	else
		snprintf(when, sizeof when, "%s", _("never (rskeymgmt -e -f FILE)"));
	out_text(o, "%-20s %s\n", _("Last backup:"), when);
}

static void status_text(struct run *r, const rs_status *st)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	struct out *o = &r->out;

	out_text(o, "%-20s %s\\%s (%s)\n", _("Instance:"), cfg->machine,
	    cfg->instance, cfg->installation_id);
	out_text(o, "%-20s %s\n", _("Config:"), cfg->path);
	out_text(o, "%-20s %s\n", _("Database:"), rs_ctx_store_description(r->ctx));
	out_text(o, "%-20s %s\n", _("Service account:"), cfg->service_account);
	if (st->activation == RS_ACTIVATED)
		out_text(o, "%-20s %s\n", _("Status:"), _("activated"));
	else
		out_text(o, "%-20s %s: %s\n", _("Status:"), _("not activated"),
		    st->reason);
	status_key_text(o, &st->key);
	out_text(o, _("%-20s %" PRIu64 " joined, %" PRIu64 " waiting to join\n"),
	    _("Scale-out members:"), st->members_joined, st->members_waiting);
	out_text(o, "%-20s %" PRIu64 "\n", _("Encrypted values:"),
	    st->values_total);
}

static void status_json(struct run *r, const rs_status *st)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	struct out *o = &r->out;

	j_bool(o, "activated", st->activation == RS_ACTIVATED);
	j_str(o, "activation", rs_activation_name(st->activation));
	j_str(o, "reason", st->reason);
	j_str(o, "installation_id", cfg->installation_id);
	j_str(o, "machine", cfg->machine);
	j_str(o, "instance", cfg->instance);
	j_str(o, "service_account", cfg->service_account);
	j_str(o, "config", cfg->path);
	j_str(o, "database", rs_ctx_store_description(r->ctx));
	j_str(o, "database_id", st->database_id);
	key_json(o, &st->key);
	j_u64(o, "members_joined", st->members_joined);
	j_u64(o, "members_waiting", st->members_waiting);
	j_u64(o, "values_total", st->values_total);
}

static int cmd_status(struct run *r)
{
	rs_status st;
	int rc;

	memset(&st, 0, sizeof st);
	rc = rs_op_status(r->ctx, &st, &r->err);
	if (rc != RS_OK)
		return rc;
	status_text(r, &st);
	status_json(r, &st);
	status_values(r, &st);
	if (st.activation != RS_ACTIVATED)
		return rs_err(&r->err, RS_ERR_NOT_ACTIVATED, "%s", st.reason);
	return RS_OK;
}

static int cmd_init(struct run *r)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	rs_init_result res;
	int rc;

	memset(&res, 0, sizeof res);
	rc = rs_op_init(r->ctx, &res, &r->err);
	if (rc != RS_OK)
		return rc;
	j_bool(&r->out, "created_keypair", res.created_keypair);
	j_bool(&r->out, "created_member", res.created_member);
	j_bool(&r->out, "created_key", res.created_key);
	j_str(&r->out, "state", res.state == RS_MEMBER_JOINED ? "joined" :
	    "waiting-to-join");
	j_str(&r->out, "installation_id", cfg->installation_id);
	if (res.created_keypair)
		out_text(&r->out, _("Created the instance's key pair in %s.\n"),
		    cfg->keystore);
	if (res.created_key)
		out_text(&r->out, _("Created the symmetric key of the database.\n"));
	if (res.state == RS_MEMBER_JOINED)
		out_text(&r->out, _("%s\\%s is initialized and holds the key.\n"),
		    cfg->machine, cfg->instance);
	else
		out_text(&r->out, _("%s\\%s is waiting to join. On an activated "
		    "member run: rskeymgmt --join %s\n"), cfg->machine,
		    cfg->instance, cfg->installation_id);
	return RS_OK;
}

static int cmd_list(struct run *r)
{
	struct member_table t = { .rows = NULL };
	int rc;

	/* JSON streams; the table needs every row for its column widths. */
	if (r->cli->json) {
		j_open(&r->out, "members", '[');
		rc = rs_op_each_member(r->ctx, member_json, &r->out, &r->err);
		j_close(&r->out, ']');
		return rc;
	}
	rc = member_table_load(r, &t);
	if (rc == RS_OK)
		members_table(r->out.text, &t);
	member_table_free(&t);
	return rc;
}

static int cmd_join(struct run *r)
{
	int rc = rs_op_join(r->ctx, r->cli->arg, &r->err);

	if (rc != RS_OK)
		return rc;
	j_str(&r->out, "installation_id", r->cli->arg);
	out_text(&r->out, _("Member %s joined: it now holds a copy of the key.\n"),
	    r->cli->arg);
	return RS_OK;
}

/* Shows which member goes before asking, so a pasted wrong ID is seen. */
static void remove_describe(struct run *r)
{
	rs_member_view *m = NULL;
	rs_error ignored = { 0, "" };
	size_t n = 0, i;

	if (r->cli->yes || rs_op_list_members(r->ctx, &m, &n, &ignored) != RS_OK)
		return;
	for (i = 0; i < n; i++)
		if (strcmp(m[i].installation_id, r->cli->arg) == 0)
			tty_print(_("Remove %s\\%s (%s, %s) from the scale-out "
			    "deployment? It loses its copy of the key.\n"),
			    m[i].machine, m[i].instance, m[i].installation_id,
			    rs_member_view_state_text(m[i].state));
	free(m);
}

static int cmd_remove(struct run *r)
{
	int rc;

	remove_describe(r);
	rc = confirm(r, "yes");
	if (rc == RS_OK)
		rc = rs_op_remove(r->ctx, r->cli->arg, r->cli->allow_last, &r->err);
	if (rc != RS_OK)
		return rc;
	j_str(&r->out, "installation_id", r->cli->arg);
	out_text(&r->out, _("Member %s removed from the scale-out deployment.\n"),
	    r->cli->arg);
	return RS_OK;
}

static void backup_report(struct run *r, const rs_backup_info *info)
{
	j_str(&r->out, "file", info->path);
	j_str(&r->out, "kcv", info->meta.kcv);
	j_u64(&r->out, "generation", info->meta.generation);
	j_bool(&r->out, "verified", info->verified);
	j_str(&r->out, "database_id", info->meta.database_id);
	out_text(&r->out, _("Key backed up to %s (generation %" PRIu32
	    ", check value %s)%s.\n"), info->path, info->meta.generation,
	    info->meta.kcv, info->verified ? _("; read back and verified") : "");
	out_text(&r->out, _("Keep the password safe: without it the backup "
	    "cannot be opened.\n"));
}

/* Makes a backup to -f FILE; used by --extract and --service-account. */
static int backup_make(struct run *r)
{
	rs_backup_info info;
	rs_password pw;
	int rc;

	if (rs_password_init(&pw) != 0)
		return rs_err(&r->err, RS_ERR_INTERNAL, _("out of memory"));
	memset(&info, 0, sizeof info);
	rc = password_get(r, true, &pw);
	if (rc == RS_OK)
		rc = rs_op_backup(r->ctx, r->cli->file, pw.text, pw.len,
		    r->cli->overwrite, &info, &r->err);
	rs_password_free(&pw);
	if (rc == RS_OK)
		backup_report(r, &info);
	return rc;
}

static int cmd_extract(struct run *r)
{
	return backup_make(r);
}

/* A forced restore of a different key is the destructive case: say what
 * is lost and ask, only then. */
static int apply_confirm(struct run *r, const rs_password *pw)
{
	rs_backup_info info;
	rs_status st;
	int rc;

	memset(&info, 0, sizeof info);
	memset(&st, 0, sizeof st);
	rc = rs_op_backup_inspect(r->ctx, r->cli->file, pw->text, pw->len,
	    &info, &r->err);
	if (rc != RS_OK || info.matches_database)
		return rc;
	if (!r->cli->yes && rs_op_status(r->ctx, &st, &r->err) == RS_OK)
		tty_print(_("%s holds key %s, the database uses %s: the %"
		    PRIu64 " values sealed with the database's key become "
		    "unreadable.\n"), r->cli->file, info.meta.kcv, st.key.kcv,
		    st.values_total);
	rs_err_clear(&r->err);
	return confirm(r, "yes");
}

static void apply_report(struct run *r, const rs_restore_result *res)
{
	j_str(&r->out, "file", res->file.path);
	j_str(&r->out, "kcv", res->file.meta.kcv);
	j_bool(&r->out, "key_replaced", res->key_replaced);
	j_u64(&r->out, "unreadable_values", res->unreadable_values);
	j_u64(&r->out, "members_reset", res->members_reset);
	out_text(&r->out, _("Applied the key from %s (check value %s).\n"),
	    res->file.path, res->file.meta.kcv);
	if (res->key_replaced)
		out_text(&r->out, _("The database's key was replaced: %" PRIu64
		    " values sealed with the old key are unreadable now; "
		    "re-enter them, or run rskeymgmt --delete.\n"),
		    res->unreadable_values);
	if (res->members_reset > 0) {
		out_text(&r->out, _("%" PRIu64 " other members wait to join "
		    "again:\n"), res->members_reset);
		members_hint_join(r);
	}
}

static int cmd_apply(struct run *r)
{
	rs_restore_result res;
	rs_password pw;
	int rc;

	if (rs_password_init(&pw) != 0)
		return rs_err(&r->err, RS_ERR_INTERNAL, _("out of memory"));
	memset(&res, 0, sizeof res);
	rc = password_get(r, false, &pw);
	if (rc == RS_OK && r->cli->force)
		rc = apply_confirm(r, &pw);
	if (rc == RS_OK)
		rc = rs_op_restore(r->ctx, r->cli->file, pw.text, pw.len,
		    r->cli->force, &res, &r->err);
	rs_password_free(&pw);
	if (rc == RS_OK)
		apply_report(r, &res);
	return rc;
}

/* ---- delete ---- */

struct reentry {
	int table;
	int64_t id;
	char *name, *what;
};

struct reentry_list {
	struct reentry *items;
	size_t n, cap;
	bool failed;
};

static void reentry_add(void *arg, int table, int64_t id, const char *name,
    const char *what)
{
	struct reentry_list *l = arg;
	struct reentry *grown;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		grown = realloc(l->items, l->cap * sizeof *grown);
		if (grown == NULL) {
			l->failed = true;
			return;
		}
		l->items = grown;
	}
	l->items[l->n].table = table;
	l->items[l->n].id = id;
	l->items[l->n].name = strdup(name ? name : "");
	l->items[l->n].what = strdup(what ? what : "");
	l->n++;
}

static void reentry_free(struct reentry_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->items[i].name);
		free(l->items[i].what);
	}
	free(l->items);
}

static void reentry_report(struct run *r, const struct reentry_list *l)
{
	const struct reentry *e;
	size_t i;

	j_open(&r->out, "reenter", '[');
	if (l->n > 0)
		out_text(&r->out, _("Re-enter these items:\n"));
	for (i = 0; i < l->n; i++) {
		e = &l->items[i];
		j_open(&r->out, NULL, '{');
		j_str(&r->out, "table", rs_content_info(e->table)->table);
		j_i64(&r->out, "id", e->id);
		j_str(&r->out, "name", e->name ? e->name : "");
		j_str(&r->out, "what", e->what ? e->what : "");
		j_close(&r->out, '}');
		out_text(&r->out, "  %s #%" PRId64 " %s: %s\n",
		    _(rs_content_info(e->table)->label), e->id,
		    e->name ? e->name : "", e->what ? e->what : "");
	}
	j_close(&r->out, ']');
}

static void delete_report(struct run *r, const rs_delete_result *res)
{
	j_u64(&r->out, "values", res->values);
	j_u64(&r->out, "datasources", res->datasources);
	j_u64(&r->out, "credentials", res->credentials);
	j_u64(&r->out, "subscriptions", res->subscriptions);
	j_u64(&r->out, "new_generation", res->new_generation);
	j_str(&r->out, "new_kcv", res->new_kcv);
	j_u64(&r->out, "members_rewrapped", res->members_rewrapped);
	out_text(&r->out, _("Deleted the key and %" PRIu64 " encrypted values. "
	    "A new key is in place (generation %" PRIu32 ", check value %s), "
	    "copied to %" PRIu64 " member(s).\n"), res->values,
	    res->new_generation, res->new_kcv, res->members_rewrapped);
}

static int delete_confirm(struct run *r)
{
	rs_delete_result pre;
	int rc;

	if (r->cli->yes)
		return RS_OK;
	memset(&pre, 0, sizeof pre);
	rc = rs_op_delete_preview(r->ctx, &pre, &r->err);
	if (rc != RS_OK)
		return rc;
	tty_print(_("This deletes the symmetric key and all encrypted content: "
	    "%" PRIu64 " values (%" PRIu64 " connection strings, %" PRIu64
	    " stored credentials, %" PRIu64 " subscription settings). It cannot "
	    "be undone.\n"), pre.values, pre.datasources, pre.credentials,
	    pre.subscriptions);
	return confirm(r, "DELETE");
}

static int cmd_delete(struct run *r)
{
	struct reentry_list l = { NULL, 0, 0, false };
	rs_delete_result res;
	int rc;

	memset(&res, 0, sizeof res);
	rc = delete_confirm(r);
	if (rc == RS_OK)
		rc = rs_op_delete(r->ctx, reentry_add, &l, &res, &r->err);
	if (rc == RS_OK) {
		delete_report(r, &res);
		reentry_report(r, &l);
		if (l.failed)
			out_text(&r->out, _("(out of memory: the list above is "
			    "incomplete)\n"));
	}
	reentry_free(&l);
	return rc;
}

/* ---- re-encrypt ---- */

/* Seed 000: review the scale-out members and stop their services first. */
static int reencrypt_confirm(struct run *r)
{
	struct member_table t = { .rows = NULL };
	int rc;

	if (r->cli->yes)
		return RS_OK;
	if (tty_get() < 0)
		return need_yes(&r->err);
	rc = member_table_load(r, &t);
	if (rc != RS_OK) {
		member_table_free(&t);
		return rc;
	}
	tty_print("%s\n", _("A new key will be made and every encrypted value "
	    "re-encrypted. Joined members get a copy of the new key; members "
	    "waiting to join must join afterwards:"));
	if (tty_fd >= 0) {
		FILE *f = fdopen(dup(tty_fd), "w");

		if (f != NULL) {
			members_table(f, &t);
			fclose(f);
		}
	}
	member_table_free(&t);
	tty_print("%s\n", _("Stop the report server service on every member "
	    "before you continue."));
	return confirm(r, "yes");
}

static void reencrypt_report(struct run *r, const rs_change_result *res)
{
	j_u64(&r->out, "values", res->values);
	j_u64(&r->out, "old_generation", res->old_generation);
	j_u64(&r->out, "new_generation", res->new_generation);
	j_str(&r->out, "old_kcv", res->old_kcv);
	j_str(&r->out, "new_kcv", res->new_kcv);
	j_u64(&r->out, "members_rewrapped", res->members_rewrapped);
	j_u64(&r->out, "members_waiting", res->members_waiting);
	out_text(&r->out, _("Re-encrypted %" PRIu64 " values with a new key: "
	    "generation %" PRIu32 " -> %" PRIu32 ", check value %s -> %s.\n"),
	    res->values, res->old_generation, res->new_generation,
	    res->old_kcv, res->new_kcv);
	out_text(&r->out, _("%" PRIu64 " members hold a copy of the new key; "
	    "%" PRIu64 " wait to join.\n"), res->members_rewrapped,
	    res->members_waiting);
	out_text(&r->out, _("Make a new backup: rskeymgmt -e -f FILE\n"));
}

static int cmd_reencrypt(struct run *r)
{
	rs_change_options opt = { .force = false };
	rs_change_result res;
	struct progress p;
	int rc;

	memset(&res, 0, sizeof res);
	rc = reencrypt_confirm(r);
	if (rc != RS_OK)
		return rc;
	progress_start(&p, r, _("Re-encrypting"));
	signals_catch(true);
	opt.force = r->cli->force;
	rc = rs_op_change_ex(r->ctx, &opt, progress_update, &p, &res, &r->err);
	signals_catch(false);
	progress_end(&p);
	if (rc == RS_OK)
		reencrypt_report(r, &res);
	return rc;
}

/* ---- verify ---- */

static void verify_failures(struct run *r, const rs_verify_result *res)
{
	const rs_content_table_info *ti;
	int t, c;

	j_open(&r->out, "failed_values", '{');
	for (t = 0; t < RS_TABLE_COUNT; t++) {
		ti = rs_content_info(t);
		j_open(&r->out, ti->table, '{');
		for (c = 0; c < ti->ncells; c++) {
			j_u64(&r->out, ti->columns[c], res->failed_cells[t][c]);
			if (res->failed_cells[t][c] > 0)
				out_text(&r->out, _("  unreadable %s: %" PRIu64 "\n"),
				    cell_label(t, c), res->failed_cells[t][c]);
		}
		j_close(&r->out, '}');
	}
	j_close(&r->out, '}');
}

static void verify_report(struct run *r, const rs_verify_result *res)
{
	rs_status st;
	rs_error ignored = { 0, "" };

	j_u64(&r->out, "checked", res->checked);
	j_u64(&r->out, "readable", res->ok);
	j_u64(&r->out, "unreadable", res->failed);
	j_u64(&r->out, "malformed", res->malformed);
	j_u64(&r->out, "other_generation", res->other_generation);
	j_u64(&r->out, "auth_failed", res->auth_failed);
	memset(&st, 0, sizeof st);
	if (rs_op_status(r->ctx, &st, &ignored) == RS_OK) {
		key_json(&r->out, &st.key);
		out_text(&r->out, _("Key: generation %" PRIu32 ", check value "
		    "%s.\n"), st.key.generation, st.key.present ? st.key.kcv : "-");
	}
	out_text(&r->out, _("Checked %" PRIu64 " values: %" PRIu64 " readable, "
	    "%" PRIu64 " unreadable.\n"), res->checked, res->ok, res->failed);
	verify_failures(r, res);
	if (res->failed > 0)
		out_text(&r->out, _("  by cause: %" PRIu64 " malformed, %" PRIu64
		    " from another key generation, %" PRIu64 " do not open with "
		    "this key\n"), res->malformed, res->other_generation,
		    res->auth_failed);
}

static int cmd_verify(struct run *r)
{
	rs_verify_result res;
	struct progress p;
	int rc;

	memset(&res, 0, sizeof res);
	progress_start(&p, r, _("Verifying"));
	signals_catch(true);
	rc = rs_op_verify(r->ctx, progress_update, &p, &res, &r->err);
	signals_catch(false);
	progress_end(&p);
	if (rc == RS_OK || rc == RS_ERR_FAILED)
		verify_report(r, &res);
	return rc;
}

/* ---- service account ---- */

static void account_report(struct run *r, const rs_account_result *res)
{
	j_str(&r->out, "old_account", res->old_account);
	j_str(&r->out, "new_account", res->new_account);
	j_bool(&r->out, "ownership_changed", res->ownership_changed);
	j_str(&r->out, "note", res->note);
	out_text(&r->out, _("Service account changed from %s to %s; the key was "
	    "re-wrapped for the new identity.\n"), res->old_account,
	    res->new_account);
	if (res->note[0] != '\0')
		out_text(&r->out, "%s\n", res->note);
}

static void account_restart(struct run *r, bool was_running);

static int cmd_account(struct run *r)
{
	rs_backup_assurance assurance = RS_BACKUP_NONE;
	bool was_running = false;
	rs_account_result res;
	int rc = RS_OK;

	memset(&res, 0, sizeof res);
	if (r->cli->file != NULL || r->cli->backup_exists)
		rc = confirm(r, "yes");
	if (rc == RS_OK && r->cli->file != NULL) {
		rc = backup_make(r);
		assurance = RS_BACKUP_MADE;
	} else if (rc == RS_OK && r->cli->backup_exists) {
		assurance = RS_BACKUP_STATED;
	}
	/* Without a backup the core refuses, in its own words. */
	if (rc == RS_OK && assurance != RS_BACKUP_NONE)
		rc = rs_service_stop(rs_ctx_config(r->ctx), &was_running, &r->err);
	if (rc == RS_OK)
		rc = rs_op_change_account(r->ctx, r->cli->arg, assurance, &res,
		    &r->err);
	if (rc == RS_OK)
		account_report(r, &res);
	/* Under the new account, or the old one if the change failed. */
	account_restart(r, was_running);
	return rc;
}

/* ---- migrate to PostgreSQL ---- */

static void migrate_report(struct run *r, const rs_migrate_result *res)
{
	j_str(&r->out, "database", res->target);
	j_bool(&r->out, "copied", res->copied);
	j_u64(&r->out, "rows", res->rows);
	j_u64(&r->out, "members", res->members);
	j_u64(&r->out, "values", res->values);
	if (res->copied)
		out_text(&r->out, _("Copied %" PRIu64 " rows and %" PRIu64 " members "
		    "to %s without decrypting them.\n"), res->rows, res->members,
		    res->target);
	else
		out_text(&r->out, _("%s already holds this database; nothing was "
		    "copied.\n"), res->target);
	out_text(&r->out, _("All %" PRIu64 " values open there with this "
	    "instance's key; %s now uses it.\nThe SQLite database was left as "
	    "it was.  Point every other member at the same database: "
	    "rskeymgmt --migrate-to on each.\n"), res->values,
	    rs_ctx_config(r->ctx)->path);
}

static int cmd_migrate(struct run *r)
{
	rs_migrate_result res;
	struct progress p;
	int rc;

	memset(&res, 0, sizeof res);
	progress_start(&p, r, _("Migrating"));
	signals_catch(true);
	rc = rs_op_migrate(r->ctx, r->cli->arg, NULL, progress_update, &p, &res,
	    &r->err);
	signals_catch(false);
	progress_end(&p);
	if (rc == RS_OK)
		migrate_report(r, &res);
	return rc;
}

/* ---- the report server service (rsserverd) of this instance ---- */

static void service_json(struct out *o, const rs_service_status *st)
{
	j_bool(o, "running", st->running);
	j_bool(o, "answered", st->answered);
	j_i64(o, "pid", st->pid);
	j_str(o, "state", st->answered ? st->state : NULL);
	j_str(o, "reason", st->answered ? st->reason : NULL);
	j_u64(o, "generation", st->generation);
	j_str(o, "kcv", st->answered && st->kcv[0] ? st->kcv : NULL);
	j_time(o, "since", st->since);
	j_str(o, "account", st->answered ? st->account : NULL);
}

static void service_text(struct out *o, const rs_config *cfg,
    const rs_service_status *st)
{
	char when[64];

	if (!st->running) {
		out_text(o, _("The report server service of %s\\%s is stopped.\n"),
		    cfg->machine, cfg->instance);
		return;
	}
	out_text(o, _("The report server service of %s\\%s is running (pid %"
	    PRId64 ", as %s).\n"), cfg->machine, cfg->instance, st->pid,
	    st->answered ? st->account : "?");
	if (!st->answered) {
		out_text(o, "%s\n", _("It does not answer on its socket."));
		return;
	}
	local_time(st->since, when, sizeof when);
	if (strcmp(st->state, "activated") == 0)
		out_text(o, _("Activated since %s: key generation %" PRIu32
		    ", check value %s.\n"), when, st->generation, st->kcv);
	else
		out_text(o, _("Not activated since %s: %s\n"), when, st->reason);
}

static int cmd_service_status(struct run *r)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	rs_service_status st;
	int rc = rs_service_status_get(cfg, &st, &r->err);

	if (rc != RS_OK)
		return rc;
	service_json(&r->out, &st);
	service_text(&r->out, cfg, &st);
	return RS_OK;
}

static int cmd_start(struct run *r)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	rs_service_status st;
	int rc = rs_service_start(cfg, r->cli->heartbeat, &r->err);

	if (rc != RS_OK)
		return rc;
	rs_service_status_get(cfg, &st, &r->err);
	service_json(&r->out, &st);
	service_text(&r->out, cfg, &st);
	return RS_OK;
}

static int cmd_stop(struct run *r)
{
	const rs_config *cfg = rs_ctx_config(r->ctx);
	bool was_running = false;
	int rc = rs_service_stop(cfg, &was_running, &r->err);

	if (rc != RS_OK)
		return rc;
	j_bool(&r->out, "was_running", was_running);
	if (was_running)
		out_text(&r->out, _("Stopped the report server service of %s\\%s.\n"),
		    cfg->machine, cfg->instance);
	else
		out_text(&r->out, _("The report server service of %s\\%s was not "
		    "running.\n"), cfg->machine, cfg->instance);
	return RS_OK;
}

/* The service answers "ok" or "failed: WHY", never the value itself. */
static int cmd_test_datasource(struct run *r)
{
	char answer[RS_SERVICE_ANSWER_MAX], request[RS_NAME_MAX + 32];
	int rc;

	if (strpbrk(r->cli->arg, "\r\n") != NULL)
		return rs_err(&r->err, RS_ERR_USAGE, _("a data source name is one "
		    "line"));
	snprintf(request, sizeof request, "test-datasource %s", r->cli->arg);
	rc = rs_service_request(rs_ctx_config(r->ctx), request, answer,
	    sizeof answer, &r->err);
	if (rc != RS_OK)
		return rc;
	j_str(&r->out, "datasource", r->cli->arg);
	j_str(&r->out, "answer", answer);
	if (strcmp(answer, "ok") != 0)
		return rs_err(&r->err, RS_ERR_FAILED, "%s: %s", r->cli->arg, answer);
	out_text(&r->out, _("%s: the service decrypted it (ok).\n"), r->cli->arg);
	return RS_OK;
}

/* A service account change restarts a running service under the new
 * account: stopped before (it runs as the old one), started after. */
static void account_restart(struct run *r, bool was_running)
{
	char path[PATH_MAX];
	rs_config cfg;
	rs_error err = { 0 };

	if (!was_running)
		return;
	/* Our connection goes first: database files this (root) process made
	 * would otherwise be left for the new account to trip over. */
	snprintf(path, sizeof path, "%s", rs_ctx_config(r->ctx)->path);
	rs_ctx_close(r->ctx);
	r->ctx = NULL;
	if (rs_config_load(path, &cfg, &err) == RS_OK &&
	    rs_service_start(&cfg, r->cli->heartbeat, &err) == RS_OK) {
		out_text(&r->out, _("Restarted the report server service as %s.\n"),
		    cfg.service_account);
		return;
	}
	out_text(&r->out, _("Warning: the report server service could not be "
	    "restarted: %s\n"), err.message);
}

static const struct command commands[] = {
	{ 'e', "extract", cmd_extract, F_FILE },
	{ 'a', "apply", cmd_apply, F_FILE },
	{ 'd', "delete", cmd_delete, F_CONFIRM },
	{ 's', "reencrypt", cmd_reencrypt, F_CONFIRM },
	{ 'l', "list", cmd_list, 0 },
	{ 'j', "join", cmd_join, F_ARG },
	{ 'r', "remove", cmd_remove, F_ARG | F_CONFIRM },
	{ OPT_STATUS, "status", cmd_status, 0 },
	{ OPT_INIT, "init", cmd_init, F_INIT },
	{ OPT_ACCOUNT, "service-account", cmd_account, F_ARG | F_CONFIRM },
	{ OPT_VERIFY, "verify", cmd_verify, 0 },
	{ OPT_MIGRATE, "migrate-to", cmd_migrate, F_ARG },
	{ OPT_START, "start", cmd_start, 0 },
	{ OPT_STOP, "stop", cmd_stop, 0 },
	{ OPT_SVC_STATUS, "service-status", cmd_service_status, 0 },
	{ OPT_TEST_DS, "test-datasource", cmd_test_datasource, F_ARG },
};

/* ------------------------------------------------------------------ */
/* help                                                                */

static void help_exit_codes(void)
{
	static const struct { int status; const char *name, *desc; } rows[] = {
#define RS_EXIT_ROW(code, status, name, desc) { status, name, desc },
		RS_ERROR_LIST(RS_EXIT_ROW)
#undef RS_EXIT_ROW
	};
	size_t i;

	printf("\n%s\n", _("Exit status:"));
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		printf("  %3d  %-16s %s\n", rows[i].status, rows[i].name,
		    _(rows[i].desc));
}

static void help_service(void)
{
	printf("\n%s\n", _("Report server service (rsserverd) of this instance:"));
	fputs(_("      --start              start it in the background; wait until it\n"
	    "                           answers (--heartbeat SECONDS, default 5)\n"
	    "      --stop               stop it and wait until it is gone\n"
	    "      --service-status     is it running, and is it activated\n"
	    "      --test-datasource NAME  ask it to decrypt that data source\n"
	    "                           (answers ok or failed, never the value)\n"
	    "      --force              with --reencrypt: change the key although\n"
	    "                           members' services run (restart them after)\n"),
	    stdout);
}

static void help_print(void)
{
	printf(_("Usage: %s COMMAND [OPTION]...\n"
	    "Manage the report server's symmetric encryption key.\n"), PROG);
	printf("\n%s\n", _("Commands (exactly one):"));
	fputs(_(
	    "  -e, --extract            back up the key to -f FILE\n"
	    "  -a, --apply              restore the key from -f FILE\n"
	    "                           (--force to accept a different key)\n"
	    "  -d, --delete             delete the key and all encrypted content\n"
	    "  -s, --reencrypt          change the key and re-encrypt every value\n"
	    "  -l, --list               list scale-out members and their status\n"
	    "  -j, --join ID            join a member waiting to join\n"
	    "  -r, --remove ID          remove a member\n"
	    "      --status             is this instance activated, and why not\n"
	    "      --init               initialize this instance (first start or join)\n"
	    "      --service-account USER  change the service account; needs\n"
	    "                           -f FILE (a backup is made first) or\n"
	    "                           --backup-exists\n"
	    "      --verify             decrypt every value and report counts\n"
	    "      --migrate-to CONNINFO  copy this SQLite database to PostgreSQL\n"
	    "                           (libpq connection string, password in\n"
	    "                           PGPASSFILE or ~/.pgpass), check every\n"
	    "                           value there, then use it\n"),
	    stdout);
	help_service();
	printf("\n%s\n", _("Options:"));
	fputs(_(
	    "  -c, --config FILE        instance config (default: $RSCONFIG, then\n"
	    "                           the system path)\n"
	    "  -f, --file FILE          backup file\n"
	    "      --password-file FILE read the password from the first line of FILE\n"
	    "      --password-fd N      read the password from descriptor N\n"
	    "      --force              with --apply: accept a different key\n"
	    "      --overwrite          with --extract: replace an existing file\n"
	    "      --yes                do not ask for confirmation\n"
	    "      --backup-exists      with --service-account: a backup exists\n"
	    "      --allow-last         with --remove: remove the last joined member\n"
	    "      --json               print one JSON object on standard output\n"
	    "  -h, --help               show this help and exit\n"
	    "  -V, --version            show the version and exit\n"),
	    stdout);
	printf("\n%s\n", _("Passwords are never taken from the command line or "
	    "the environment:\nwithout --password-file or --password-fd they are "
	    "asked on the terminal."));
	printf(_("Default config: %s\n"), rs_config_default_path());
	help_exit_codes();
}

/* ------------------------------------------------------------------ */
/* parsing                                                             */

static const struct option long_options[] = {
	{ "extract", no_argument, NULL, 'e' },
	{ "apply", no_argument, NULL, 'a' },
	{ "delete", no_argument, NULL, 'd' },
	{ "reencrypt", no_argument, NULL, 's' },
	{ "list", no_argument, NULL, 'l' },
	{ "join", required_argument, NULL, 'j' },
	{ "remove", required_argument, NULL, 'r' },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "init", no_argument, NULL, OPT_INIT },
	{ "service-account", required_argument, NULL, OPT_ACCOUNT },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "migrate-to", required_argument, NULL, OPT_MIGRATE },
	{ "config", required_argument, NULL, 'c' },
	{ "file", required_argument, NULL, 'f' },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "password-file", required_argument, NULL, OPT_PWFILE },
	{ "password-fd", required_argument, NULL, OPT_PWFD },
	{ "backup-exists", no_argument, NULL, OPT_BACKUP_EXISTS },
	{ "allow-last", no_argument, NULL, OPT_ALLOW_LAST },
	{ "start", no_argument, NULL, OPT_START },
	{ "stop", no_argument, NULL, OPT_STOP },
	{ "service-status", no_argument, NULL, OPT_SVC_STATUS },
	{ "heartbeat", required_argument, NULL, OPT_HEARTBEAT },
	{ "test-datasource", required_argument, NULL, OPT_TEST_DS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

enum parse_result { PARSE_RUN, PARSE_EXIT_OK, PARSE_USAGE };

static const struct command *command_by_opt(int opt)
{
	size_t i;

	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].opt == opt)
			return &commands[i];
	return NULL;
}

static int parse_heartbeat(const char *text, int *out, rs_error *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 1 || v > 3600)
		return rs_err(err, RS_ERR_USAGE,
		    _("--heartbeat: '%s' is not 1 to 3600 seconds"), text);
	*out = (int)v;
	return RS_OK;
}

static int parse_fd(const char *text, int *fd, rs_error *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 0 || v > INT_MAX)
		return rs_err(err, RS_ERR_USAGE,
		    _("--password-fd: '%s' is not a descriptor number"), text);
	*fd = (int)v;
	return RS_OK;
}

static int parse_command(struct cli *c, const struct command *cmd,
    rs_error *err)
{
	if (c->cmd != NULL)
		return rs_err(err, RS_ERR_USAGE,
		    _("give exactly one command (--%s and --%s given)"),
		    c->cmd->name, cmd->name);
	c->cmd = cmd;
	if (cmd->flags & F_ARG)
		c->arg = optarg;
	return RS_OK;
}

static int parse_flag(struct cli *c, int opt, char **argv, rs_error *err)
{
	switch (opt) {
	case 'c': c->config = optarg; return RS_OK;
	case 'f': c->file = optarg; return RS_OK;
	case OPT_FORCE: c->force = true; return RS_OK;
	case OPT_OVERWRITE: c->overwrite = true; return RS_OK;
	case OPT_YES: c->yes = true; return RS_OK;
	case OPT_JSON: c->json = true; return RS_OK;
	case OPT_PWFILE: c->password_file = optarg; return RS_OK;
	case OPT_PWFD: return parse_fd(optarg, &c->password_fd, err);
	case OPT_BACKUP_EXISTS: c->backup_exists = true; return RS_OK;
	case OPT_ALLOW_LAST: c->allow_last = true; return RS_OK;
	case OPT_HEARTBEAT: return parse_heartbeat(optarg, &c->heartbeat, err);
	case ':':
		return rs_err(err, RS_ERR_USAGE, _("option '%s' needs an argument"),
		    argv[optind - 1]);
	default:
		return rs_err(err, RS_ERR_USAGE, _("unrecognized option '%s'"),
		    argv[optind - 1]);
	}
}

/* Cross-option rules that getopt cannot express. */
static int parse_check(const struct cli *c, int argc, char **argv,
    rs_error *err)
{
	if (optind < argc)
		return rs_err(err, RS_ERR_USAGE, _("unexpected argument '%s'"),
		    argv[optind]);
	if (c->cmd == NULL)
		return rs_err(err, RS_ERR_USAGE, _("no command given"));
	if ((c->cmd->flags & F_FILE) && c->file == NULL)
		return rs_err(err, RS_ERR_USAGE, _("--%s needs -f FILE"),
		    c->cmd->name);
	if (c->password_file != NULL && c->password_fd >= 0)
		return rs_err(err, RS_ERR_USAGE,
		    _("give --password-file or --password-fd, not both"));
	if ((c->cmd->opt == 'j' || c->cmd->opt == 'r') && !rs_uuid_valid(c->arg))
		return rs_err(err, RS_ERR_USAGE,
		    _("'%s' is not an installation ID (a UUID)"), c->arg);
	return RS_OK;
}

static enum parse_result cli_parse(int argc, char **argv, struct cli *c,
    rs_error *err)
{
	const struct command *cmd;
	int opt;

	memset(c, 0, sizeof *c);
	c->password_fd = -1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":eadslj:r:c:f:hV", long_options,
	    NULL)) != -1) {
		if (opt == 'h' || opt == 'V') {
			if (opt == 'h')
				help_print();
			else
				printf("%s (%s) %s\n", PROG, PACKAGE_NAME,
				    PACKAGE_VERSION);
			return PARSE_EXIT_OK;
		}
		cmd = command_by_opt(opt);
		if ((cmd ? parse_command(c, cmd, err) :
		    parse_flag(c, opt, argv, err)) != RS_OK)
			return PARSE_USAGE;
	}
	return parse_check(c, argc, argv, err) == RS_OK ? PARSE_RUN : PARSE_USAGE;
}

/* ------------------------------------------------------------------ */
/* main                                                                */

static int usage_fail(const struct cli *c, rs_error *err)
{
	if (c->json)
		json_result(c->cmd ? c->cmd->name : NULL, RS_ERR_USAGE, err, NULL);
	error_print(err->message);
	fprintf(stderr, _("Try '%s --help' for more information.\n"), PROG);
	return rs_err_exit_status(RS_ERR_USAGE);
}

/* Refuse early, before any password is asked, what could never be
 * confirmed (--apply --force is checked once the key is known to differ). */
static int precheck(const struct cli *c, rs_error *err)
{
	if ((c->cmd->flags & F_CONFIRM) && !c->yes && tty_get() < 0)
		return need_yes(err);
	return RS_OK;
}

static int command_run(const struct cli *c)
{
	struct run r;
	int rc;

	memset(&r, 0, sizeof r);
	r.cli = c;
	if (out_init(&r.out, c->json) != 0) {
		fprintf(stderr, "%s: %s\n", PROG, _("out of memory"));
		return rs_err_exit_status(RS_ERR_INTERNAL);
	}
	rc = precheck(c, &r.err);
	if (rc == RS_OK)
		rc = (c->cmd->flags & F_INIT) ?
		    rs_ctx_open_for_init(c->config, &r.ctx, &r.err) :
		    rs_ctx_open(c->config, &r.ctx, &r.err);
	if (rc == RS_OK)
		rc = c->cmd->run(&r);
	rc = run_finish(&r, rc);
	if (r.ctx != NULL)
		rs_ctx_close(r.ctx);
	out_free(&r.out);
	return rc;
}

int main(int argc, char **argv)
{
	rs_error err = { RS_OK, "" };
	struct cli c;

	rs_harden_process();
	rs_i18n_init(NULL);
	switch (cli_parse(argc, argv, &c, &err)) {
	case PARSE_EXIT_OK:
		return fflush(stdout) == 0 ? 0 : rs_err_exit_status(RS_ERR_IO);
	case PARSE_USAGE:
		return usage_fail(&c, &err);
	default:
		break;
	}
	if (c.config == NULL)
		c.config = rs_config_default_path();
	return command_run(&c);
}
