/* SPDX-License-Identifier: ISC */
/* store.h: the report server database, reached only through this interface.
 *
 * The operations see members, key metadata and encrypted content; they never
 * see SQL.  store.c picks the backend from the config; store_sqlite.c (an
 * embedded SQLite database, WAL) and store_pg.c (PostgreSQL) each fill the
 * whole table of functions: every slot is required, so callers never test
 * one for NULL.  tests/unit/store_contract.c is the contract both keep. */
#ifndef RS_STORE_H
#define RS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "instance.h"
#include "crypto.h"
#include "err.h"

#define RS_SCHEMA_VERSION 1

typedef enum rs_member_state {
	RS_MEMBER_WAITING = 0,   /* public key stored, no copy of the key yet */
	RS_MEMBER_JOINED = 1     /* holds a wrapped copy of the key */
} rs_member_state;

typedef struct rs_member {
	char installation_id[RS_ID_LEN + 1];
	char machine[RS_NAME_MAX];
	char instance[RS_NAME_MAX];
	char service_account[RS_NAME_MAX];
	unsigned char *public_key;   /* DER; malloc'd, owned */
	size_t public_key_len;
	unsigned char *wrapped_key;  /* NULL while waiting; malloc'd, owned */
	size_t wrapped_key_len;
	uint32_t key_generation;     /* generation of the wrapped copy */
	int64_t created;             /* unix seconds */
	int64_t joined;              /* 0 while waiting */
} rs_member;

void rs_member_clear(rs_member *m);           /* frees the blobs */
void rs_members_free(rs_member *list, size_t n);

typedef struct rs_keyinfo {
	bool present;                /* false before the first initialization */
	uint32_t generation;
	char kcv[RS_KCV_HEX_LEN + 1];
	int64_t created;             /* when this key was made */
	int64_t last_backup;         /* 0: never backed up */
	int64_t last_change;         /* last change/delete/forced restore */
} rs_keyinfo;

/* Encrypted content: a fixed catalogue of tables and their sealed columns. */
enum rs_content_table { RS_TABLE_DATASOURCES = 0, RS_TABLE_SUBSCRIPTIONS, RS_TABLE_COUNT };
#define RS_MAX_CELLS 2

typedef struct rs_content_table_info {
	const char *table;                  /* SQL name, also in the AEAD place */
	const char *label;                  /* "data sources" (untranslated, N_) */
	int ncells;
	const char *columns[RS_MAX_CELLS];  /* SQL names, also in the place */
	const char *cell_labels[RS_MAX_CELLS]; /* "connection strings", ... (N_) */
} rs_content_table_info;

const rs_content_table_info *rs_content_info(int table);

/* One row of encrypted content as the store hands it out. */
typedef struct rs_content_row {
	int64_t id;
	char name[RS_NAME_MAX];               /* item name, for re-entry lists */
	const unsigned char *cell[RS_MAX_CELLS]; /* NULL when empty */
	size_t cell_len[RS_MAX_CELLS];
} rs_content_row;

/* A batch of rows; the store owns the memory until the next call or
 * rs_content_batch_free. */
#define RS_BATCH_ROWS 512
typedef struct rs_content_batch {
	rs_content_row rows[RS_BATCH_ROWS];
	size_t count;
	unsigned char *arena;
	size_t arena_len, arena_cap;
} rs_content_batch;
void rs_content_batch_free(rs_content_batch *b);

typedef struct rs_store rs_store;

/* The report server service's heartbeat, one row per instance (rsserverd
 * writes it every interval seconds; a row older than a few intervals means
 * the service died without saying so). */
#define RS_HEARTBEAT_STATE_MAX 24
typedef struct rs_heartbeat {
	char installation_id[RS_ID_LEN + 1];
	int64_t last_seen;           /* unix seconds */
	int64_t pid;
	char host[RS_NAME_MAX];
	char version[32];
	char state[RS_HEARTBEAT_STATE_MAX]; /* activated, not-activated, stopped */
	char reason[RS_ERROR_MESSAGE_MAX];  /* why not activated, or "" */
	int64_t interval;            /* seconds between heartbeats */
	int64_t key_generation;      /* of the key it holds; 0: none */
} rs_heartbeat;

/* Gives the replacement of one cell of row id named name (the item's
 * identity, bound into its value): *out must stay valid until the next
 * call.  A return other than RS_OK stops the rewrite (err says why). */
typedef int (*rs_cell_rewrite_fn)(void *arg, int table, int64_t id,
    const char *name, int cell, const unsigned char *in, size_t in_len,
    const unsigned char **out, size_t *out_len, rs_error *err);

/* Called in the caller's thread after each batch of a rewrite is written,
 * with the number of cells in it; a return other than RS_OK stops. */
typedef int (*rs_rewrite_batch_fn)(void *arg, uint64_t cells, rs_error *err);

typedef struct rs_store_ops {
	void (*close)(rs_store *s);
	/* One write transaction at a time; begin takes the database's write
	 * lock at once (BEGIN IMMEDIATE). */
	int (*begin)(rs_store *s, rs_error *err);
	int (*commit)(rs_store *s, rs_error *err);
	void (*rollback)(rs_store *s);
	/* The one-admin-at-a-time lock: RS_ERR_BUSY "in use by USER (pid N)
	 * since TIME" when held elsewhere; a lock left by a dead process is
	 * taken over. */
	int (*admin_lock)(rs_store *s, const char *operation, rs_error *err);
	void (*admin_unlock)(rs_store *s);

	int (*database_id)(rs_store *s, char out[RS_ID_LEN + 1], rs_error *err);
	int (*keyinfo_get)(rs_store *s, rs_keyinfo *out, rs_error *err);
	int (*keyinfo_put)(rs_store *s, const rs_keyinfo *info, rs_error *err);

	int (*member_get)(rs_store *s, const char *id, rs_member *out,
	    rs_error *err);                 /* RS_ERR_NOT_FOUND */
	int (*member_put)(rs_store *s, const rs_member *m, rs_error *err); /* upsert */
	int (*member_delete)(rs_store *s, const char *id, rs_error *err);
	/* Calls fn for each member in member_list's order, without copying:
	 * the blobs are valid only during the call; a non-RS_OK return from
	 * fn stops and is returned. */
	int (*member_each)(rs_store *s, int (*fn)(void *arg, const rs_member *m),
	    void *arg, rs_error *err);
	int (*member_list)(rs_store *s, rs_member **out, size_t *n,
	    rs_error *err);                 /* ordered by machine, instance */
	/* Members holding a copy of the key (any generation) and members
	 * without one. */
	int (*member_count)(rs_store *s, uint64_t *with_copy,
	    uint64_t *without_copy, rs_error *err);

	/* Cells that are not NULL, per table and cell. */
	int (*content_count)(rs_store *s, uint64_t counts[RS_TABLE_COUNT][RS_MAX_CELLS],
	    rs_error *err);
	/* Per table, max(id) - min(id) + 1 (0 when empty): at least the
	 * number of rows, read from the primary key alone.  A key change's
	 * progress starts from it; counting the cells reads every row. */
	int (*content_span)(rs_store *s, uint64_t rows[RS_TABLE_COUNT],
	    rs_error *err);
	/* Rows with id > after_id that have at least one cell, in id order,
	 * at most RS_BATCH_ROWS. count 0 means done. */
	int (*content_next)(rs_store *s, int table, int64_t after_id,
	    rs_content_batch *batch, rs_error *err);
	/* Writes every cell of the row (NULL clears). */
	int (*content_update)(rs_store *s, int table, const rs_content_row *row,
	    rs_error *err);
	/* Adds a row with empty cells; *id receives its id. */
	int (*content_insert)(rs_store *s, int table, const char *name,
	    int64_t *id, rs_error *err);
	/* Replaces every non-NULL cell of the table with what fn gives, in
	 * one pass inside the current transaction (key change).  fn may run
	 * on another thread, never two calls at once; batch_done runs in the
	 * caller's thread (progress, cancel). */
	int (*content_rewrite)(rs_store *s, int table, rs_cell_rewrite_fn fn,
	    rs_rewrite_batch_fn batch_done, void *arg, rs_error *err);
	/* Sets every cell of the table to NULL (delete). */
	int (*content_clear)(rs_store *s, int table, rs_error *err);

	const char *(*describe)(rs_store *s);  /* "SQLite /path/db" */

	/* ---- migration between backends (either can be the source or the
	 * target) ---- */
	/* Like content_next, but also rows whose cells are all NULL (a name
	 * still to re-enter after a delete). */
	int (*content_scan)(rs_store *s, int table, int64_t after_id,
	    rs_content_batch *batch, rs_error *err);
	/* Inserts the rows of batch with their own ids, names and cells, as
	 * they are: the ids are part of every value's AEAD place. */
	int (*content_import)(rs_store *s, int table,
	    const rs_content_batch *batch, rs_error *err);
	/* Gives a freshly created database the identity of the one it copies,
	 * so that key backups still name it. */
	int (*database_id_set)(rs_store *s, const char *id, rs_error *err);

	/* ---- service heartbeats (rsserverd) ---- */
	/* Upserts the row of hb->installation_id, outside any transaction of
	 * the caller's. */
	int (*heartbeat_put)(rs_store *s, const rs_heartbeat *hb, rs_error *err);
	/* Every row, any order; *out malloc'd (free()), none when the table
	 * does not exist yet. */
	int (*heartbeat_list)(rs_store *s, rs_heartbeat **out, size_t *n,
	    rs_error *err);
} rs_store_ops;

struct rs_store {
	const rs_store_ops *ops;
};

/* Opens the database of cfg on the backend it names (store.c).  create:
 * make the file and schema when missing (initialization, demo); otherwise a
 * missing database is RS_ERR_DATABASE with a message saying to run --init.
 * A database of a newer schema is refused. */
int rs_store_open(const rs_config *cfg, bool create, rs_store **out,
    rs_error *err);

/* Thin wrappers so call sites read as sentences. */
static inline void rs_store_close(rs_store *s) { if (s) s->ops->close(s); }
static inline int rs_store_begin(rs_store *s, rs_error *e) { return s->ops->begin(s, e); }
static inline int rs_store_commit(rs_store *s, rs_error *e) { return s->ops->commit(s, e); }
static inline void rs_store_rollback(rs_store *s) { s->ops->rollback(s); }

#endif
