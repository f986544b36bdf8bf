/* SPDX-License-Identifier: ISC */
/* store_internal.h: inside the store package (store.c and the backends
 * store_sqlite.c, store_pg.c); not part of the API.  store.c picks the
 * backend and holds what they share; a backend never calls another. */
#ifndef RS_STORE_INTERNAL_H
#define RS_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include "store.h"

/* The backends' open functions, called by rs_store_open only.  Each sets
 * *out to a store whose table has every slot filled, or to NULL. */
int rs_store_sqlite_open(const rs_config *cfg, bool create, rs_store **out,
    rs_error *err);
#if HAVE_POSTGRESQL
/* Judges a connection string with libpq's PQconninfoParse (libpq loaded on
 * demand): RS_ERR_CONFIG when it holds a non-empty password in any form
 * libpq reads (password=, a URI's user:pass@, ?password=, percent-encoded)
 * or does not parse; messages name host, database and user only.  Without
 * libpq *judged stays false and RS_OK comes back. */
int rs_pg_conninfo_check(const char *conninfo, bool *judged, rs_error *err);
int rs_store_pg_open(const rs_config *cfg, bool create, rs_store **out,
    rs_error *err);
#endif

/* The name of the first slot of ops that is NULL, or NULL when every slot
 * is filled (rs_store_open refuses a backend that leaves one out). */
const char *rs_store_ops_missing(const rs_store_ops *ops);

/* Room for need more bytes after the len used of *arena (*cap bytes):
 * grows it by doubling, from 64 KiB.  0, or -1 when out of memory (the
 * arena is kept as it was). */
int rs_arena_reserve(unsigned char **arena, size_t *cap, size_t len,
    size_t need);

/* The same for a batch's arena.  Rows keep offsets until the batch is
 * full, so moving the arena here invalidates nothing. */
static inline int rs_batch_reserve(rs_content_batch *b, size_t need)
{
	return rs_arena_reserve(&b->arena, &b->arena_cap, b->arena_len, need);
}

#endif
