/* SPDX-License-Identifier: ISC */
/* rskeymgmt.h: what the files of rskeymgmt share, grouped by the file that
 * defines it (as tmux.h does).  A reader learns the whole program here.
 *
 * rskeymgmt is a thin face over core/ops.h: parse the command line, get
 * passwords and confirmations from the terminal (never from argv or the
 * environment), call one operation, print the outcome as text or as one
 * JSON object, and exit with the status the error table assigns.
 *
 * Adding a command: one entry in table.c and one cmd_*() function. */
#ifndef RSKEYMGMT_H
#define RSKEYMGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#include "ops.h"
#include "secret.h"

#define PROG "rskeymgmt"

struct run;

/* ---- table.c: every option, commands included ---- */

/* Where an entry's line goes in --help. */
enum rk_section {
	SEC_COMMANDS, SEC_SERVICE, SEC_OPTIONS,
	SEC_HIDDEN,            /* parsed and completed, no line of its own */
	SEC_COUNT
};

/* Entry flags: what a command needs before it runs, how an option ends
 * parsing. */
#define F_FILE      0x01   /* -f FILE is required */
#define F_CONFIRM   0x02   /* destructive: typed confirmation or --yes */
#define F_INIT      0x04   /* opens the context for initialization */
#define F_UUID      0x08   /* the argument is an installation ID */
#define F_EXIT      0x10   /* an option that does its work and exits 0 */
#define F_HELP_ONLY 0x20   /* a second help line for an option listed
                              elsewhere: not given to getopt */
#define F_HABIT     0x40   /* an rskeymgmt.exe flag we do not take: short
                              only, out of --help and completion; says
                              what to use instead and fails (exit 2) */

struct cli;

struct rk_option {
	char short_name;       /* 0: long only */
	const char *name;      /* long option; a command's JSON "command" */
	const char *arg;       /* its argument in --help; NULL: none */
	enum rk_section section;
	unsigned flags;
	/* A command runs; an option sets its field of struct cli. */
	int (*run)(struct run *r);
	int (*set)(struct cli *c, const struct rk_option *o, const char *arg,
	    rs_error *err);
	size_t field;          /* offsetof(struct cli, ...) for set */
	const char *help;      /* N_(): lines after the first are indented */
};

extern const struct rk_option rk_options[];
extern const size_t rk_option_count;

/* ---- parse.c: the command line ---- */

struct cli {
	const struct rk_option *cmd;
	const char *arg;       /* ID or USER of the command */
	const char *config;
	const char *file;
	const char *password_file;
	int password_fd;       /* -1: none */
	bool force, overwrite, yes, json, backup_exists, allow_last;
	const char *value_file;    /* --set-value: the value's file */
	int value_fd;              /* -1: none */
	bool replace;              /* --import: also readable values */
	int heartbeat;         /* --start: seconds, 0 for the default */
	const char *backup_age;/* --status --check-backup-age DAYS */
	/* --recipient CERT (repeatable), --identity KEY */
	const char *recipients[RS_BACKUP_MAX_RECIPIENTS];
	size_t nrecipients;
	const char *identity;
};

enum parse_result { PARSE_RUN, PARSE_EXIT_OK, PARSE_USAGE };

enum parse_result cli_parse(int argc, char **argv, struct cli *c,
    rs_error *err);
int opt_string(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err);
int opt_true(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err);
int opt_fd(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err);
int opt_heartbeat(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err);
/* cmd_backup.c: --recipient adds to the list. */
int opt_recipient(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err);

/* ---- help.c: --help, --version and the completion's list ---- */

int opt_habit(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err);
int opt_help(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err);
int opt_version(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err);
/* The hidden "--list-options", for the bash completion and the tests: one
 * line per option, "--NAME<TAB>command|option<TAB>ARG<TAB>-X" (ARG and -X
 * empty when it has none). */
#define LIST_OPTIONS "--list-options"
void options_list(void);

/* ---- membuf.c: a FILE that appends to a growing buffer ---- */

int bytes_append(char **buf, size_t *len, size_t *cap, const char *data,
    size_t n);
FILE *membuf_open(char **buf, size_t *len);

/* ---- json.c: the JSON writer ---- */

#define JSON_DEPTH 8

/* Text and JSON are built in memory and printed once the command's
 * outcome is known, so --json prints exactly one object. */
struct out {
	bool json_mode;        /* --json: only JSON is built, else only text */
	FILE *text, *json;
	char *text_buf, *json_buf;
	size_t text_len, json_len;
	size_t text_shown;     /* printed already by out_show */
	int depth;
	bool need_comma[JSON_DEPTH];
};

void json_string(FILE *f, const char *s);
void j_str(struct out *o, const char *key, const char *val);
void j_u64(struct out *o, const char *key, uint64_t val);
void j_i64(struct out *o, const char *key, int64_t val);
void j_bool(struct out *o, const char *key, bool val);
void j_time(struct out *o, const char *key, int64_t t);
void j_open(struct out *o, const char *key, char bracket);
void j_close(struct out *o, char bracket);

/* ---- out.c: a command's outcome, text or JSON, and errors ---- */

struct run {
	const struct cli *cli;
	rs_ctx *ctx;
	rs_error err;
	struct out out;
};

int out_init(struct out *o, bool json_mode);
void out_free(struct out *o);
/* Prints the text built so far now, not at the end (what a --yes
 * command is about to do, visible even if it never finishes). */
void out_show(struct out *o);
void out_text(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void local_time(int64_t t, char *buf, size_t size);
void error_print(const char *message);
/* s with control characters and invalid UTF-8 escaped (core/text.h), in
 * one of eight static buffers: for names in printf arguments. */
const char *out_safe(const char *s);
void json_result(const char *command, int code, const rs_error *err,
    const struct out *o);
int run_finish(struct run *r, int code);

/* ---- tty.c: signals and the terminal ---- */

void signals_catch(bool on);
bool signals_interrupted(void);
int tty_get(void);
void tty_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
ssize_t fd_read_line(int fd, char *buf, size_t cap, bool drain);
int tty_read_secret(const char *prompt, rs_password *pw);

/* ---- password.c: passwords from a file, a descriptor or the terminal ---- */

int password_get(struct run *r, bool new_backup, rs_password *pw);

/* ---- confirm.c: typed confirmation of destructive commands ---- */

int need_yes(rs_error *err);
int confirm(struct run *r, const char *word);

/* ---- progress.c: the bar on stderr, events in --json ---- */

struct progress {
	const struct run *r;
	const char *label;
	bool bar;              /* stderr is a terminal */
	bool drawn;
	rs_progress_clock start, last;
};

void progress_start(struct progress *p, const struct run *r,
    const char *label);
int progress_update(void *arg, uint64_t done, uint64_t total);
void progress_end(struct progress *p);

/* ---- members.c: the member table and its JSON ---- */

/* The table's rows, compact (10,000 members in about a megabyte, not
 * 8 MiB of views): names in one growing string buffer, texts by pointer. */
struct member_row {
	char installation_id[RS_ID_LEN + 1];
	bool is_local;
	size_t machine, instance;    /* offsets into the table's names */
	const char *state, *service; /* translated, static */
	int64_t last_seen;
	char key[64];                /* what its service holds (translated) */
};

struct member_table {
	struct member_row *rows;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
	size_t ws, wi, wt, wv;       /* column widths */
	bool failed;
};

int member_table_load(struct run *r, struct member_table *t);
void members_table(FILE *f, const struct member_table *t);
void member_table_free(struct member_table *t);
int member_json(void *arg, const rs_member_view *m);
void members_hint_join(struct run *r);

/* ---- cmd_*.c: the commands (one function each) ---- */

/* cmd_status.c */
int cmd_status(struct run *r);
int cmd_init(struct run *r);
int cmd_list(struct run *r);
void key_json(struct out *o, const rs_keyinfo *k);
const char *cell_label(int table, int cell);
/* cmd_members.c */
int cmd_join(struct run *r);
int cmd_remove(struct run *r);
/* cmd_backup.c */
int backup_make(struct run *r);
int cmd_extract(struct run *r);
int cmd_apply(struct run *r);
int cmd_check_backup(struct run *r);
/* cmd_key.c */
int cmd_delete(struct run *r);
int cmd_reencrypt(struct run *r);
int cmd_verify(struct run *r);
/* cmd_account.c */
int cmd_account(struct run *r);
/* cmd_migrate.c */
int cmd_migrate(struct run *r);
/* cmd_service.c */
int cmd_service_status(struct run *r);
int cmd_start(struct run *r);
int cmd_stop(struct run *r);
int cmd_test_datasource(struct run *r);
/* cmd_reentry.c */
int cmd_missing(struct run *r);
int cmd_set_value(struct run *r);
int cmd_import(struct run *r);
int opt_value_fd(struct cli *c, const struct rk_option *o, const char *arg,
    rs_error *err);
void missing_save_report(struct run *r);

#endif
