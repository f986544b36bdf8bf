/* store_internal.h: what the database backends (store_sqlite.c,
 * store_pg.c) share; not part of the API. */
#ifndef RS_STORE_INTERNAL_H
#define RS_STORE_INTERNAL_H

#include <stddef.h>
#include "store.h"

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
