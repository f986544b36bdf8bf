/* SPDX-License-Identifier: ISC */
/* ops.h: the key operations.  The TUI and the CLI are two faces of these
 * calls and include nothing else from the core but secret.h: every flow
 * both run is decided here, and the faces only collect input and format
 * results.
 *
 * Every operation that changes something takes the admin lock, works in one
 * database transaction and audits its outcome; a crash at any moment leaves
 * every value readable with the current key.  Long operations report
 * progress through a callback whose non-zero return cancels (and rolls back).
 * Steps are reported to an optional step callback, so a Results pane or a
 * verbose CLI can show them. */
#ifndef RS_OPS_H
#define RS_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "audit.h"
#include "backup.h"
#include "instance.h"
#include "err.h"
#include "policy.h"
#include "store.h"
#include "text.h"
#include "users.h"

typedef struct rs_ctx rs_ctx;

enum rs_step_outcome { RS_STEP_OK, RS_STEP_FAILED, RS_STEP_SKIPPED, RS_STEP_WARNING };
typedef void (*rs_step_fn)(void *arg, const char *step, int outcome);
/* Return non-zero to cancel. */
typedef int (*rs_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* Loads the config, checks the key store's permissions if it exists, opens
 * the database (a missing one is an error: run --init), and completes or
 * rolls back a service-account change interrupted by a crash. */
int rs_ctx_open(const char *config_path, rs_ctx **out, rs_error *err);
/* Like rs_ctx_open but creates the database when missing (for --init). */
int rs_ctx_open_for_init(const char *config_path, rs_ctx **out, rs_error *err);
/* True when config_path loads, passes the ownership checks and names an
 * SQLite database file that does not exist yet: what --init would create
 * (a face may offer that instead of refusing).  path gets its name. */
bool rs_ctx_database_missing(const char *config_path, char *path,
    size_t size);
void rs_ctx_close(rs_ctx *ctx);
const rs_config *rs_ctx_config(const rs_ctx *ctx);
const char *rs_ctx_store_description(rs_ctx *ctx);
void rs_ctx_set_step_callback(rs_ctx *ctx, rs_step_fn fn, void *arg);

/* ---- initialize and status ----
 * (doc/ssrs.md, Initialization and scale-out) */

typedef enum rs_activation {
	RS_ACTIVATED = 0,
	RS_NOT_INITIALIZED,     /* no row for this instance in the database */
	RS_WAITING_TO_JOIN,     /* row present, no copy of the key yet */
	RS_NO_PRIVATE_KEY,      /* key store has no key for this instance */
	RS_KEYSTORE_UNSAFE,     /* key store permissions refused */
	RS_PUBLIC_KEY_MISMATCH, /* private key does not match the stored public key */
	RS_UNWRAP_FAILED,       /* copy does not decrypt with the private key */
	RS_KCV_MISMATCH,        /* copy decrypts to a key other than the database's */
	RS_NO_KEY,              /* the database has no key metadata */
	RS_PRIVATE_KEY_UNUSABLE /* a private key is there but cannot be used */
} rs_activation;

typedef struct rs_status {
	rs_activation activation;
	char reason[RS_ERROR_MESSAGE_MAX]; /* translated sentence, with what to do */
	rs_keyinfo key;
	char database_id[RS_ID_LEN + 1];
	uint64_t members_joined, members_waiting;
	uint64_t cells[RS_TABLE_COUNT][RS_MAX_CELLS];
	uint64_t values_total;
	/* Of this instance's own key pair (key store, not database): what an
	 * admin compares with Add Server's confirmation.  "": no key pair. */
	char fingerprint[65];
} rs_status;

/* Fills st; returns RS_OK even when not activated (see st->activation). */
int rs_op_status(rs_ctx *ctx, rs_status *st, rs_error *err);
const char *rs_activation_name(rs_activation a);   /* "activated", ... */

typedef struct rs_init_result {
	bool created_keypair;
	bool created_member;
	bool created_key;          /* first instance: a new symmetric key */
	rs_member_state state;
} rs_init_result;

/* First start: key pair, member row, and the symmetric key if the database
 * has none; otherwise the instance is left waiting to join. Idempotent. */
int rs_op_init(rs_ctx *ctx, rs_init_result *res, rs_error *err);

/* ---- backup and restore (seeds 000, 001, 003) ---- */

typedef struct rs_backup_info {
	char path[PATH_MAX];
	rs_backup_meta meta;
	bool verified;             /* read back and opened to the same key */
	bool matches_database;     /* meta.kcv == database's key check value */
	bool same_database;        /* meta.database_id == this database */
} rs_backup_info;

/* The password must pass the policy (RS_ERR_POLICY, one sentence per broken
 * rule).  Records last_backup in the key metadata. */
int rs_op_backup(rs_ctx *ctx, const char *path, const char *password,
    size_t pwlen, bool overwrite, rs_backup_info *out, rs_error *err);
/* RS_ERR_USAGE when path is one of the instance's own files (database,
 * WAL, lock, audit log, config, key store), or an existing file that is
 * neither empty nor a key backup, which rs_op_backup never replaces: a
 * face asks "Replace?" only for a file it may replace. */
int rs_op_backup_target_check(rs_ctx *ctx, const char *path, rs_error *err);
/* Certificate recipients of the next backups (RSA, PEM; repeatable): a
 * backup made with a NULL password has only them.  The identity (a PEM
 * private key) opens backups by its certificate recipient instead of the
 * password, for restore, preview, check and inspect. */
int rs_ctx_backup_recipient(rs_ctx *ctx, const char *cert_path,
    rs_error *err);
int rs_ctx_backup_identity(rs_ctx *ctx, const char *key_path, rs_error *err);

/* A backup of the key in use (this generation) was made: last_backup is
 * reset with every new key, and a restore sets it to the file's date. */
bool rs_backup_current(const rs_keyinfo *k);
/* Opens a backup and says what it holds, changing nothing. */
int rs_op_backup_inspect(rs_ctx *ctx, const char *path, const char *password,
    size_t pwlen, rs_backup_info *out, rs_error *err);

typedef struct rs_restore_result {
	rs_backup_info file;
	bool key_replaced;         /* a different key was forced in */
	uint64_t unreadable_values;/* values the applied key does not open */
	uint64_t members_reset;    /* other members now waiting to join again */
	struct rs_restore_trial {
		uint64_t values;       /* encrypted values tried: all of them */
		uint64_t backup_opens; /* of those, open with the backup's key */
		uint64_t current_opens;/* open with the key in use now */
		bool current_known;    /* this instance could unlock the key in use */
		/* Readable now and not with the backup: lost by applying it.
		 * When the key in use is unknown here and differs from the
		 * backup's, every value the backup does not open counts. */
		uint64_t lost;
	} trial;
} rs_restore_result;
typedef struct rs_restore_trial rs_restore_trial;
/* "This backup opens N of M values; the key in use opens K." (translated) */
void rs_restore_trial_text(const rs_restore_trial *t, char *out, size_t size);

/* Applies a backup: re-wraps its key for this instance.  Both keys are
 * tried on every value first (res->trial); a file whose key would lose
 * values readable now is refused (RS_ERR_KEY_MISMATCH, saying how many)
 * unless force.  When the key changes, the other members are set waiting
 * to join (offer rs_op_join for each); unreadable_values counts the values
 * the applied key does not open. */
int rs_op_restore(rs_ctx *ctx, const char *path, const char *password,
    size_t pwlen, bool force, rs_restore_result *res, rs_error *err);
/* What applying the backup would do, judged by trial decryption (both keys
 * on every value), changing nothing: fills res->file and res->trial.  The
 * faces show it before rs_op_restore, which needs force only when
 * res->trial.lost > 0. */
int rs_op_restore_preview(rs_ctx *ctx, const char *path, const char *password,
    size_t pwlen, rs_restore_result *res, rs_error *err);
/* The restore drill: the same as rs_op_restore_preview, audited as
 * "check-backup"; RS_ERR_KEY_MISMATCH (res filled) when applying the file
 * would lose values readable now. */
int rs_op_backup_check(rs_ctx *ctx, const char *path, const char *password,
    size_t pwlen, rs_restore_result *res, rs_error *err);

/* ---- change (re-encrypt) ---- */

typedef struct rs_change_result {
	uint32_t old_generation, new_generation;
	char old_kcv[RS_KCV_HEX_LEN + 1], new_kcv[RS_KCV_HEX_LEN + 1];
	uint64_t values;
	uint64_t members_rewrapped;
	uint64_t members_waiting;
	uint64_t members_skipped;  /* held a copy but were not reviewed (or
	                            * not at the current generation) */
} rs_change_result;

/* A member the admin saw in the change review.  The database is writable
 * by every member's service account, so a row could have been planted:
 * the change gives the new key only to the reviewed members, and only
 * while the row still has the public key with this fingerprint and a copy
 * of the current key generation (issue 14). */
typedef struct rs_reviewed {
	char installation_id[RS_ID_LEN + 1];
	char machine[RS_NAME_MAX];
	char instance[RS_NAME_MAX];
	char fingerprint[RS_FINGERPRINT_LEN + 1];
} rs_reviewed;

/* The members a change would give the new key to now: those holding a
 * copy of the current generation (*out malloc'd, also when *n is 0). */
int rs_op_change_candidates(rs_ctx *ctx, rs_reviewed **out, size_t *n,
    rs_error *err);
/* Whether two candidate lists name the same members with the same keys. */
bool rs_reviewed_same(const rs_reviewed *a, size_t na, const rs_reviewed *b,
    size_t nb);

/* The members' report server services must be stopped first (doc/ssrs.md,
 * Change).
 * rs_op_change refuses (RS_ERR_STATE, naming them) while any member's
 * heartbeat says its service runs (see rs_op_who_runs); force goes ahead
 * with a warning step that names them.  options may be NULL. */
typedef struct rs_change_options {
	bool force;
	/* The reviewed members (rs_op_change_candidates when the review was
	 * shown); NULL: the candidates at the time of the change. */
	const rs_reviewed *reviewed;
	size_t nreviewed;
} rs_change_options;
int rs_op_change(rs_ctx *ctx, const rs_change_options *options,
    rs_progress_fn progress, void *arg, rs_change_result *res, rs_error *err);

/* ---- delete ---- */

typedef struct rs_delete_result {
	uint64_t datasources;      /* items that lose their connection string */
	uint64_t credentials;      /* items that lose stored credentials */
	uint64_t subscriptions;    /* subscriptions that lose delivery settings */
	uint64_t values;           /* cells removed */
	uint32_t new_generation;
	char new_kcv[RS_KCV_HEX_LEN + 1];
	uint64_t members_rewrapped;
} rs_delete_result;

/* Called for each item the admin must re-enter: what is e.g.
 * "connection string, stored credentials". */
typedef void (*rs_reentry_fn)(void *arg, int table, int64_t id,
    const char *name, const char *what);

/* Counts only, changes nothing (for the confirmation dialog). */
int rs_op_delete_preview(rs_ctx *ctx, rs_delete_result *res, rs_error *err);
/* Works when not activated (that is what it is for).  each is called inside
 * the transaction: show the list only when the call returns RS_OK. */
int rs_op_delete(rs_ctx *ctx, rs_reentry_fn each, void *arg,
    rs_delete_result *res, rs_error *err);
/* The same, checking first who runs as rs_op_change does: refused
 * (RS_ERR_STATE, naming them) while members' services run, unless force
 * (then a warning step names them).  rs_op_delete is force = false. */
int rs_op_delete_opt(rs_ctx *ctx, bool force, rs_reentry_fn each, void *arg,
    rs_delete_result *res, rs_error *err);

/* ---- scale-out ---- */

typedef enum rs_member_view_state {
	RS_VIEW_JOINED = 0,
	RS_VIEW_WAITING,
	RS_VIEW_NOT_ACTIVATED,     /* holds a copy from another key generation */
	RS_VIEW_REMOVED            /* no member row, but its service still runs */
} rs_member_view_state;

typedef struct rs_member_view {
	char installation_id[RS_ID_LEN + 1];
	char machine[RS_NAME_MAX];
	char instance[RS_NAME_MAX];
	char service_account[RS_NAME_MAX];
	char fingerprint[RS_FINGERPRINT_LEN + 1];
	rs_member_view_state state;
	bool is_local;             /* the instance of this config */
	int64_t created, joined;
	/* Its report server service, from the heartbeat rsserverd records. */
	bool running;              /* heartbeat fresh and not stopped */
	bool stale;                /* said running, silent for too long */
	bool service_activated;    /* running with the current key */
	uint32_t service_generation; /* the key generation it holds; 0: none */
	bool service_old_key;      /* running on an older key generation (a
	                            * forced change): NOT activated */
	int64_t last_seen;         /* 0: never seen */
	int64_t service_pid;
} rs_member_view;

int rs_op_list_members(rs_ctx *ctx, rs_member_view **out, size_t *n,
    rs_error *err);            /* *out malloc'd */
/* The same members, one at a time in the same order (machine, instance,
 * installation ID; then, as RS_VIEW_REMOVED, services still running with no
 * member row), without holding them all: fn returns RS_OK to go on;
 * any other code stops the walk and is returned (fn sets err itself). */
int rs_op_each_member(rs_ctx *ctx, int (*fn)(void *arg,
    const rs_member_view *v), void *arg, rs_error *err);
const char *rs_member_view_state_text(rs_member_view_state s); /* translated */
/* Whether another server still needs a copy of the current key (waiting
 * to join, or holding another generation's): what rs_op_join is for. */
bool rs_member_must_join(const rs_member_view *v);
/* "Running", "Stopped", "Stale" or "Never started" (translated). */
const char *rs_member_service_text(const rs_member_view *v);
/* What its running service holds (translated): "Activated, generation N",
 * "OLD key, generation N", "Not activated", or "-" when it does not run. */
void rs_member_key_text(const rs_member_view *v, char *out, size_t size);
/* Who runs: the members whose report server service runs, from their
 * heartbeats.  Call it again to re-check (a review's Continue or Refresh). */
typedef struct rs_running {
	size_t count;              /* members whose service runs */
	bool local;                /* this instance's service is among them */
	char names[RS_ERROR_MESSAGE_MAX / 2]; /* "MACHINE\INSTANCE (pid N), ..." */
} rs_running;
int rs_op_who_runs(rs_ctx *ctx, rs_running *out, rs_error *err);
/* Wraps a copy of the key for a waiting member (this instance must be
 * activated). */
int rs_op_join(rs_ctx *ctx, const char *installation_id, rs_error *err);
/* Refuses to remove the last joined member unless allow_last. */
int rs_op_remove(rs_ctx *ctx, const char *installation_id, bool allow_last,
    rs_error *err);
/* What the last join or removal did to that member's running service
 * (issue 14): one on this machine is told at once (a SIGHUP to the pid its
 * heartbeat names, verified first) and its heartbeat confirms; one
 * elsewhere, or one that cannot be told, notices at its next heartbeat.
 * The same text is also a step (the TUI's results); the CLI prints it. */
typedef enum rs_reach_how {
	RS_REACH_NONE = 0,         /* no join or removal on this ctx yet */
	RS_REACH_NOT_RUNNING,      /* reads its membership when it starts */
	RS_REACH_CONFIRMED,        /* told here; activated / dropped the key */
	RS_REACH_NEXT_HEARTBEAT    /* within `within` seconds */
} rs_reach_how;
typedef struct rs_member_reach {
	rs_reach_how how;
	int within;                /* RS_REACH_NEXT_HEARTBEAT: seconds */
	char text[RS_ERROR_MESSAGE_MAX];
} rs_member_reach;
const rs_member_reach *rs_op_member_reach(const rs_ctx *ctx);
/* "not-running", "confirmed", "next-heartbeat" (JSON), "" for none. */
const char *rs_reach_name(rs_reach_how how);

/* ---- service account ---- */

typedef enum rs_backup_assurance {
	RS_BACKUP_NONE = 0,        /* refused: RS_ERR_BACKUP_REQUIRED */
	RS_BACKUP_MADE,            /* rs_op_backup succeeded on this ctx */
	RS_BACKUP_STATED           /* the admin states one exists */
} rs_backup_assurance;

typedef struct rs_account_options {
	const char *account;
	rs_backup_assurance assurance;
	int heartbeat;             /* the restarted service's; 0: its default */
} rs_account_options;

typedef struct rs_account_result {
	char old_account[RS_NAME_MAX];
	char new_account[RS_NAME_MAX];
	bool ownership_changed;    /* false when not root: said in note */
	char note[512];
	bool was_running;          /* the local service ran and was stopped */
	bool restarted;            /* and runs again (as service_account) */
	char service_account[RS_NAME_MAX]; /* what it runs as now */
	char restart_error[RS_ERROR_MESSAGE_MAX]; /* why it did not restart */
} rs_account_result;

/* The whole change, for both faces: checks the backup assurance, stops the
 * local service if it runs (it runs as the old account), re-wraps the key
 * for the new identity, closes this context's store connection (files a
 * root process made must not be left for the new account) and starts the
 * service again, under the new account or the old one if the change failed.
 * Every step goes to the step callback; res says what happened to the
 * service even when the change failed.  The context stays usable. */
int rs_op_account_change(rs_ctx *ctx, const rs_account_options *opt,
    rs_account_result *res, rs_error *err);
/* The checks the change makes before anything changes, for the faces to
 * run before they ask for a backup: the account exists and differs; not
 * root, only the invoking user may take the instance (the message says
 * what root would do); as root, the grants the new account needs are
 * possible (else the fix-it command).  rs_op_account_change runs them
 * again. */
int rs_op_account_check(rs_ctx *ctx, const char *account, rs_error *err);

/* ---- verify ---- */

typedef struct rs_verify_result {
	uint64_t checked, ok, failed;
	uint64_t failed_cells[RS_TABLE_COUNT][RS_MAX_CELLS];
	uint64_t malformed, other_generation, auth_failed;
} rs_verify_result;

/* Opens every value with the current key; RS_OK when all open,
 * RS_ERR_FAILED (with counts in res) when some do not. */
int rs_op_verify(rs_ctx *ctx, rs_progress_fn progress, void *arg,
    rs_verify_result *res, rs_error *err);

/* ---- migration to PostgreSQL ---- */

typedef struct rs_migrate_result {
	char target[1024];         /* "PostgreSQL host=... dbname=...", no password */
	bool copied;               /* false: the target already held this database */
	uint64_t rows;             /* content rows copied */
	uint64_t members;          /* members copied */
	uint64_t values;           /* values that open through the new backend */
} rs_migrate_result;

/* Copies this instance's SQLite database, as it is (nothing decrypted), to
 * the PostgreSQL database named by connection (a libpq connection string
 * without a password; pgpassfile may be NULL), checks that every value opens
 * there with this instance's key, and only then rewrites the config to use
 * it.  The SQLite file is not changed.  A target that already holds this
 * same database (another member moved first) is checked and used; one that
 * holds another is refused (RS_ERR_EXISTS).  Progress: values copied, then
 * values checked. */
int rs_op_migrate(rs_ctx *ctx, const char *connection, const char *pgpassfile,
    rs_progress_fn progress, void *arg, rs_migrate_result *res,
    rs_error *err);

/* ---- the report server service (rsserverd) of this instance ---- */

#define RS_SERVICE_ANSWER_MAX 2048

/* What the service says about itself ("status"). */
typedef struct rs_service_status {
	bool running;              /* the run lock is held */
	bool answered;             /* and the socket answered */
	int64_t pid;
	char state[RS_HEARTBEAT_STATE_MAX]; /* activated, not-activated */
	char activation[32];       /* rs_activation_name */
	char reason[RS_ERROR_MESSAGE_MAX];
	uint32_t generation;
	char kcv[RS_KCV_HEX_LEN + 1];
	int64_t since;             /* when it (re)loaded the key */
	char account[RS_NAME_MAX]; /* the user it runs as */
	int heartbeat;             /* its heartbeat interval, seconds */
} rs_service_status;

/* Fills st; RS_OK also when the service is not running (st->running). */
int rs_op_service_status(rs_ctx *ctx, rs_service_status *st, rs_error *err);
/* Starts it in the background and waits until it answers; heartbeat 0:
 * its default.  RS_ERR_STATE when it already runs. */
int rs_op_service_start(rs_ctx *ctx, int heartbeat, rs_error *err);
/* Stopping a service that is not running is RS_OK with *was_running false
 * (was_running may be NULL). */
int rs_op_service_stop(rs_ctx *ctx, bool *was_running, rs_error *err);
typedef enum rs_service_action {
	RS_SERVICE_START, RS_SERVICE_STOP, RS_SERVICE_RELOAD
} rs_service_action;

/* What a start, stop or reload did, and how. */
typedef struct rs_service_done {
	bool by_systemd;           /* through "systemctl ACTION unit" */
	char unit[300];            /* rsserverd@NAME.service */
	bool was_running;          /* before the action */
} rs_service_done;

/* The one way the faces and the core start, stop and reload the service:
 * through systemctl when systemd runs and its unit rsserverd@NAME runs this
 * config (SYSCONFDIR/rsconfig/NAME.conf), else directly (a detached
 * rsserverd, SIGTERM, SIGHUP).  heartbeat 0: the default (systemd: the
 * config's).  RS_ERR_STATE when starting one that runs. */
int rs_op_service_control(rs_ctx *ctx, rs_service_action action,
    int heartbeat, rs_service_done *done, rs_error *err);
/* True and the unit (rsserverd@NAME.service) when start, stop and reload
 * go through systemctl. */
bool rs_op_service_unit(rs_ctx *ctx, char *unit, size_t size);
/* "through systemctl (UNIT)" or "directly (...)", for a step. */
void rs_service_done_how(const rs_service_done *done, char *out, size_t size);
/* Asks the running service to decrypt the data source NAME; answer gets
 * "ok" or "failed: WHY" (never a value).  RS_ERR_FAILED unless "ok". */
int rs_op_service_test_datasource(rs_ctx *ctx, const char *name,
    char *answer, size_t size, rs_error *err);

/* ---- for rsserverd: the service side (service.c, ops_service.c) ---- */

#define RS_SERVICE_HEARTBEAT_DEFAULT 5

typedef struct rs_service_paths {
	char runtime[PATH_MAX];
	char socket[PATH_MAX + 16];
	char lock[PATH_MAX + 16];
	char log[PATH_MAX + 16];
} rs_service_paths;

void rs_service_paths_of(const rs_config *cfg, rs_service_paths *out);

/* Binds and listens at path (0660), replacing a stale socket. */
int rs_unix_listen(const char *path, rs_error *err);

/* ---- the wire format: formatted and parsed only here ----
 * A request is one line; the answer to "status" is KEY=VALUE lines, to
 * "test-datasource NAME" one line, "ok" or "failed: WHY". */

enum rs_service_request_kind {
	RS_REQUEST_UNKNOWN = 0,
	RS_REQUEST_STATUS,
	RS_REQUEST_TEST_DATASOURCE
};
/* *arg: the data source name of a test-datasource request. */
enum rs_service_request_kind rs_service_request_parse(const char *line,
    const char **arg);
/* What a client sent (len bytes, any bytes; buf[len] is writable): ends the
 * text at len and at the first line break, then parses it. */
enum rs_service_request_kind rs_service_request_read(char *buf, size_t len,
    const char **arg);
/* Parses a "status" answer (KEY=VALUE lines; answer is cut up) into st;
 * unknown keys and lines are skipped, numbers are clamped to their type. */
void rs_service_status_parse(char *answer, rs_service_status *st);
/* The answer to "status" (st->running and st->answered are not sent). */
void rs_service_status_write(FILE *f, const rs_service_status *st);
/* "ok", or "failed: WHY" (why NULL: "ok"). */
void rs_service_answer_write(FILE *f, const char *why);
void rs_service_unknown_write(FILE *f);

/* The key in use. */
typedef struct rs_service_key rs_service_key;

/* Unwraps this instance's copy and checks it against the key check value
 * (the same path as every key operation).  Not activated: RS_ERR_NOT_ACTIVATED
 * with *why and err saying why. */
int rs_service_unlock(rs_ctx *ctx, rs_service_key **out, rs_activation *why,
    rs_error *err);
void rs_service_key_free(rs_service_key *k);
uint32_t rs_service_key_generation(const rs_service_key *k);
const char *rs_service_key_kcv(const rs_service_key *k);
/* Decrypts every cell of the data source NAME in memory and wipes it:
 * RS_OK, or an error whose message never holds a value. */
int rs_service_test_datasource(rs_ctx *ctx, const rs_service_key *k,
    const char *name, rs_error *err);
/* Records the heartbeat. */
int rs_service_heartbeat(rs_ctx *ctx, const rs_heartbeat *hb, rs_error *err);
/* A digest of this instance's member row and the key metadata: the service
 * compares it at every heartbeat and reloads the key when it changed (a
 * join, a removal, a new key), so membership reaches a running service on
 * this machine and on any other one within a heartbeat (issue 14). */
int rs_service_member_stamp(rs_ctx *ctx, uint64_t *stamp, rs_error *err);

/* ---- progress ---- */

/* The faces' clock for a long operation's progress. */
typedef struct rs_progress_clock {
	int64_t start_ns;
} rs_progress_clock;
void rs_progress_clock_start(rs_progress_clock *c);
double rs_progress_elapsed(const rs_progress_clock *c);    /* seconds */
/* Seconds left at the rate so far; -1 while it is too early to say. */
int64_t rs_progress_seconds_left(const rs_progress_clock *c, uint64_t done,
    uint64_t total);
/* The same as "M:SS", or unknown (e.g. "--:--") while too early. */
void rs_progress_time_left(const rs_progress_clock *c, uint64_t done,
    uint64_t total, const char *unknown, char *out, size_t size);

/* ---- the strong-password policy (policy.h) ---- */

/* Checks a new backup password for this instance (its service account and
 * instance name).  RS_ERR_POLICY with one sentence per broken rule. */
int rs_op_password_check(rs_ctx *ctx, const char *password, size_t len,
    rs_policy_result *result, rs_error *err);

/* ---- demo (rsdemo and the tests) ---- */

/* A ready demo deployment without root.  DIR/reportserver.db, DIR/audit
 * next to it, and for each member i (1..K) DIR/memberI/rsreportserver.conf
 * and DIR/memberI/keys (0700).  Members 1..K-1 are initialized and joined;
 * member K is waiting to join.  N sample values are sealed: data sources
 * (connection string, stored credentials) and subscriptions (delivery
 * settings). */
typedef struct rs_demo_options {
	uint64_t values;      /* default 1000 */
	unsigned members;     /* default 2, at least 1 */
	rs_progress_fn progress;
	void *progress_arg;
	/* NULL: SQLite in DIR.  Else a libpq connection string (no password)
	 * of an empty database: members' configs point at it. */
	const char *postgres;
} rs_demo_options;

typedef struct rs_demo_result {
	char config_path[PATH_MAX];         /* member 1 */
	char waiting_config_path[PATH_MAX]; /* member K, or "" when K == 1 */
	uint64_t values;
	unsigned members;
} rs_demo_result;

/* DIR must not exist or be empty. */
int rs_demo_create(const char *dir, const rs_demo_options *opt,
    rs_demo_result *res, rs_error *err);

/* ---- audit ---- */

/* Records an attempt that ended before the core ran it: a face's
 * confirmation declined (outcome "cancelled") or refused ("refused"). */
void rs_op_audit_attempt(rs_ctx *ctx, const char *operation,
    const char *outcome, const char *why);
/* A confirmation the admin declined (a "no" at the CLI's prompt, Cancel
 * in a TUI dialog): audited as outcome "cancelled" under the operation's
 * own name (the CLI's "reencrypt" and "apply" are "change" and
 * "restore"), with target (may be NULL); sets err to RS_ERR_CANCELLED,
 * "nothing was changed", and returns it. */
int rs_op_cancelled(rs_ctx *ctx, const char *operation, const char *target,
    rs_error *err);
int rs_op_audit_read(rs_ctx *ctx, size_t max, rs_audit_entry **out,
    size_t *n, rs_error *err);

/* ---- encrypted content: what is missing, and re-entering it (issue 17) ----
 *
 * Every value has an ITEM name, "TABLE/ID/COLUMN" (datasources/12/credentials),
 * that --missing prints and --set-value and --import take as they are.  A
 * value needs attention when it is absent (deleted), or does not open with
 * the current key (sealed with another key, or damaged).  Re-entered values
 * are sealed exactly as every value: AES-256-GCM with the table, row, column
 * and key generation as associated data. */

typedef enum rs_value_kind {
	RS_KIND_CONNECTION_STRING = 0, /* a shared data source's connection string */
	RS_KIND_CREDENTIALS,           /* a data source's stored credentials */
	RS_KIND_DELIVERY_SETTINGS,     /* a subscription's delivery settings */
	RS_KIND_COUNT
} rs_value_kind;

typedef enum rs_value_state {
	RS_VALUE_READABLE = 0,
	RS_VALUE_DELETED,              /* absent: deleted, or never set */
	RS_VALUE_OTHER_KEY,            /* sealed with another key or generation */
	RS_VALUE_DAMAGED               /* not a sealed value */
} rs_value_state;

#define RS_ITEM_MAX 64
/* The largest value --set-value and --import take. */
#define RS_VALUE_MAX 65536

typedef struct rs_content_item {
	char item[RS_ITEM_MAX];        /* "datasources/12/credentials" */
	rs_value_kind kind;
	rs_value_state state;
	char name[RS_NAME_MAX];        /* the report server item's name */
} rs_content_item;

typedef struct rs_content_summary {
	uint64_t readable[RS_KIND_COUNT];
	uint64_t missing[RS_KIND_COUNT];     /* RS_VALUE_DELETED */
	uint64_t unreadable[RS_KIND_COUNT];  /* other key or damaged */
} rs_content_summary;

const char *rs_value_kind_name(rs_value_kind k);   /* "credentials" (JSON) */
const char *rs_value_kind_text(rs_value_kind k);   /* translated */
const char *rs_value_state_name(rs_value_state s); /* "other_key" (JSON) */
const char *rs_value_state_text(rs_value_state s); /* translated */

/* Walks every value (or, with attention_only, those not readable) in
 * table and id order; fn returns RS_OK to go on.  sum (may be NULL) gets
 * the counts of the whole walk.  Needs the key (RS_ERR_NOT_ACTIVATED). */
int rs_op_content_each(rs_ctx *ctx, bool attention_only,
    int (*fn)(void *arg, const rs_content_item *it), void *arg,
    rs_content_summary *sum, rs_error *err);

/* Writes the items that need attention (names, kinds and reasons, never a
 * value) to a new 0600 file beside the audit log; path receives its name. */
int rs_op_missing_save(rs_ctx *ctx, char *path, size_t size, uint64_t *count,
    rs_error *err);

/* Seals value with the current key into item, in one transaction, audited
 * by the item's name.  Unknown item: RS_ERR_NOT_FOUND; empty or too long
 * a value: RS_ERR_USAGE.  out (may be NULL) describes the item as it was. */
int rs_op_set_value(rs_ctx *ctx, const char *item, const char *value,
    size_t len, rs_content_item *out, rs_error *err);

typedef enum rs_import_outcome {
	RS_IMPORT_SET = 0,
	RS_IMPORT_SKIPPED,             /* already readable (no replace) */
	RS_IMPORT_REFUSED              /* unknown item, bad line or bad value */
} rs_import_outcome;

typedef struct rs_import_line {
	uint64_t line;                 /* 1-based */
	rs_import_outcome outcome;
	const char *item;              /* "" when the line did not parse */
	const char *reason;            /* translated, for refused */
} rs_import_line;

typedef struct rs_import_result {
	uint64_t lines, set, skipped, refused;
	bool applied;                  /* false: nothing was changed */
} rs_import_result;

/* --import: a JSON Lines file of {"item": ..., "value": ...}, refused
 * unless a regular file of the caller's, mode 0600 (RS_ERR_PERMISSION).
 * All or nothing: any refused line rolls everything back (RS_ERR_FAILED).
 * each gets every line in file order once the outcome is known; when
 * nothing was applied only the refused ones.  The file is read into
 * secret memory and never copied. */
int rs_op_import(rs_ctx *ctx, const char *path, bool replace,
    void (*each)(void *arg, const rs_import_line *l), void *arg,
    rs_import_result *res, rs_error *err);

/* Reads a whole value file (the same ownership and mode rules) into secret
 * memory: *value from rs_secret_alloc(*cap), one trailing newline dropped. */
int rs_value_file_read(const char *path, int fd, char **value, size_t *len,
    size_t *cap, rs_error *err);

#endif
