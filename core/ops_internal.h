/* SPDX-License-Identifier: ISC */
/* ops_internal.h: what the operation files share; not part of the API. */
#ifndef RS_OPS_INTERNAL_H
#define RS_OPS_INTERNAL_H

#include "backup.h"
#include "crypto.h"
#include "ops.h"
#include "store.h"

struct rs_ctx {
	rs_config cfg;
	rs_store *store;
	rs_step_fn step_fn;
	void *step_arg;
	/* Set by a successful rs_op_backup: lets a service-account change in
	 * the same flow proceed with RS_BACKUP_MADE. */
	bool backup_made;
	char backup_kcv[RS_KCV_HEX_LEN + 1];
	/* Certificates a backup is made for, the key one is opened with. */
	rs_backup_keys *backup_keys;
	/* Set by a passing rs_op_account_check: the account a change is
	 * about to name, which a backup password must not contain either. */
	char account_next[RS_NAME_MAX];
	/* What the last join or removal did to the member's service. */
	rs_member_reach reach;
};

/* The unlocked state of this instance: its key pair and the symmetric key. */
typedef struct ops_unlocked {
	rs_keypair *keypair;
	rs_symkey *key;
	rs_keyinfo info;
	char database_id[RS_ID_LEN + 1];   /* bound into values and copies */
	bool legacy_copy;   /* this instance's copy has no OAEP label yet */
} ops_unlocked;

void ops_step(rs_ctx *ctx, int outcome, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Takes the admin lock and begins a write transaction. */
int ops_begin(rs_ctx *ctx, const char *operation, rs_error *err);
/* Commits (rc == RS_OK) or rolls back, then releases the lock.  Returns the
 * final code (a failed commit turns RS_OK into an error). */
int ops_finish(rs_ctx *ctx, int rc, rs_error *err);

/* Unwraps this instance's copy of the key and checks it against the key
 * check value.  On failure: RS_ERR_NOT_ACTIVATED (or a storage error), with
 * *why and err's message saying why and what to do. */
int ops_unlock(rs_ctx *ctx, ops_unlocked *out, rs_activation *why,
    rs_error *err);
void ops_unlocked_free(ops_unlocked *u);

/* Loads this instance's key pair; RS_ERR_NOT_FOUND when there is none. */
int ops_load_keypair(rs_ctx *ctx, rs_keypair **out, rs_error *err);

/* Wraps key for member m and stores the copy as of generation. */
int ops_wrap_for(rs_ctx *ctx, rs_member *m, const rs_symkey *key,
    uint32_t generation, rs_error *err);
/* This instance's copy under the key pair it has now (its row made or
 * replaced); RS_ERR_NOT_FOUND when it has no key pair. */
int ops_wrap_for_self(rs_ctx *ctx, const rs_symkey *key, uint32_t generation,
    rs_error *err);
/* Gives every member that holds a copy a copy of the new key. */
/* The reviewed member with installation ID id, or NULL (ops_members.c). */
const rs_reviewed *ops_reviewed_find(const rs_reviewed *list, size_t n,
    const char *id);
int ops_rewrap_joined(rs_ctx *ctx, const rs_symkey *key, uint32_t generation,
    uint64_t *rewrapped, uint64_t *waiting, rs_error *err);

/* Makes this instance's member row from the config and a public key. */
int ops_member_from_keypair(rs_ctx *ctx, const rs_keypair *kp, rs_member *m,
    rs_error *err);

/* Writes the "begin" record; when it cannot be written the operation must
 * not start, and err says so, naming the log and the fix. */
int ops_audit_begin(rs_ctx *ctx, const char *operation, const char *target,
    rs_error *err);
/* Audits the outcome (NULL: from rc: ok, failed, cancelled); never
 * changes rc. */
int ops_audit_outcome(rs_ctx *ctx, const char *operation, const char *target,
    const char *outcome, int rc, const rs_error *err);
/* The audit target of a key change: "instance=MACHINE\\INSTANCE" and, when
 * new_gen is not 0, " generation=OLD->NEW members=M\\I,..." (the instances
 * holding a copy, read in the running transaction). */
void ops_audit_target(rs_ctx *ctx, char *buf, size_t size, uint32_t old_gen,
    uint32_t new_gen);
/* Audits the outcome of an operation; never changes rc. */
int ops_audit(rs_ctx *ctx, const char *operation, const char *target, int rc,
    const rs_error *err);
/* The end every operation shares: a failure becomes a step (a cancel a
 * skipped one), then the audit.  Returns rc. */
int ops_conclude(rs_ctx *ctx, const char *operation, const char *target,
    int rc, const rs_error *err);

/* One operation, which names itself once.  ops_run runs before (checks,
 * no lock yet), takes the admin lock and a transaction around work, then
 * commits; after a commit, committed runs still under the lock (the
 * steps outside the database), after a rollback rolled_back undoes them;
 * the lock goes, done runs on success (steps, the service's reload), and
 * ops_conclude reports and audits.  Every hook but work may be NULL. */
typedef struct ops_op {
	const char *name;          /* the lock's holder and the audit's name */
	const char *audit_as;      /* when the audit says more; NULL: name */
	const char *target;        /* audited; NULL: "" */
	void *arg;
	int (*before)(rs_ctx *ctx, void *arg, rs_error *err);
	int (*work)(rs_ctx *ctx, void *arg, rs_error *err);
	int (*committed)(rs_ctx *ctx, void *arg, rs_error *err);
	void (*rolled_back)(rs_ctx *ctx, void *arg);
	void (*done)(rs_ctx *ctx, void *arg);
} ops_op;
int ops_run(rs_ctx *ctx, const ops_op *op, rs_error *err);

/* Walks every value of one content table in id order, a batch at a time:
 * cell() for each non-empty cell; after each batch, batch_done() (may be
 * NULL) can stop the walk with a code (e.g. a cancel).  batch is reused
 * across calls; the caller frees it. */
typedef struct ops_cell_walk {
	void (*cell)(void *arg, const rs_content_table_info *ti,
	    const rs_content_row *row, int c);
	int (*batch_done)(void *arg, rs_error *err);
	void *arg;
} ops_cell_walk;
int ops_walk_cells(rs_ctx *ctx, int table, rs_content_batch *batch,
    const ops_cell_walk *w, rs_error *err);

/* ops_open.c: the service-account change's marker (naming the new
 * account) and its last step, shared by the change and crash recovery. */
int ops_marker_write(rs_ctx *ctx, const char *account, rs_error *err);
void ops_marker_remove(rs_ctx *ctx);
/* Puts the pending key in place, rewrites the config, chowns the key
 * store, removes the marker; idempotent. */
int ops_account_complete(rs_ctx *ctx, const char *account, bool *owned,
    rs_error *err);

/* ops_members.c: refuses (RS_ERR_STATE, naming them) while a member's
 * service runs, or with force only warns. */
int ops_members_check_stopped(rs_ctx *ctx, bool force, rs_error *err);
/* After the key changed: a running local service re-reads it (SIGHUP). */
/* true: the running service was told. */
bool ops_service_reload_local(rs_ctx *ctx);

int64_t ops_now(void);
uint64_t ops_count_values(const uint64_t cells[RS_TABLE_COUNT][RS_MAX_CELLS]);

#endif
