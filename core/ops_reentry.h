/* SPDX-License-Identifier: ISC */
/* ops_reentry.h: what ops_reentry.c and ops_import.c share; not part of
 * the API. */
#ifndef RS_OPS_REENTRY_H
#define RS_OPS_REENTRY_H

#include "ops_internal.h"

/* Where an ITEM name points. */
typedef struct reentry_place {
	int table;
	int64_t id;
	int cell;
} reentry_place;

/* "datasources/12/credentials" -> place; false when it names nothing the
 * catalogue knows (the row may still be missing). */
bool reentry_item_parse(const char *item, size_t len, reentry_place *out);
void reentry_item_format(int table, int64_t id, int cell, char *out,
    size_t size);
rs_value_kind reentry_kind(int table, int cell);

/* The current key, ready to open and seal values. */
typedef struct reentry_sealer {
	ops_unlocked u;
	rs_aead *aead;
	unsigned char *plain;      /* secret, RS_VALUE_MAX + 1 bytes: opened values */
	unsigned char *sealed[RS_MAX_CELLS];
	size_t sealed_cap[RS_MAX_CELLS];
} reentry_sealer;

int reentry_sealer_open(rs_ctx *ctx, reentry_sealer *s, rs_error *err);
void reentry_sealer_close(reentry_sealer *s);
/* The state of one cell of a row (NULL cell: deleted). */
rs_value_state reentry_cell_state(reentry_sealer *s, int table,
    const rs_content_row *row, int cell);
/* Seals value for the cell of row into s->sealed[cell] and points the
 * row's cell at it. */
int reentry_seal_into(reentry_sealer *s, int table, rs_content_row *row,
    int cell, const char *value, size_t len, rs_error *err);
/* A value the store may hold: not empty, no NUL, at most RS_VALUE_MAX. */
const char *reentry_value_problem(const char *value, size_t len);

/* Opens path for reading secrets: no symbolic link, a regular file owned
 * by the caller that nobody else may read or write (RS_ERR_PERMISSION). */
int reentry_open_private(const char *path, int *fd, off_t *size,
    rs_error *err);

#endif
