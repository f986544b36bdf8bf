/* SPDX-License-Identifier: ISC */
/* store.c: what the store's callers and both backends share: the catalogue
 * of encrypted content, the memory helpers, and the arena the backends fill
 * batches from.  The backends (store_sqlite.c, store_pg.c) are leaves that
 * fill the table of functions and call only this file; the picker that
 * knows them is store_open.c, so no two store files call each other. */
#include <config.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "i18n.h"
#include "store_internal.h"

/* ---- the catalogue of encrypted content ---- */

static const rs_content_table_info content_tables[RS_TABLE_COUNT] = {
	[RS_TABLE_DATASOURCES] = {
		"datasources", N_("data sources"), 2,
		{ "connection_string", "credentials" },
		{ N_("connection strings"), N_("stored credentials") } },
	[RS_TABLE_SUBSCRIPTIONS] = {
		"subscriptions", N_("subscriptions"), 1,
		{ "settings", NULL },
		{ N_("subscription delivery settings"), NULL } },
};

const rs_content_table_info *rs_content_info(int table)
{
	if (table < 0 || table >= RS_TABLE_COUNT)
		return NULL;
	return &content_tables[table];
}

/* ---- memory helpers shared with the callers ---- */

void rs_member_clear(rs_member *m)
{
	if (m == NULL)
		return;
	free(m->public_key);
	free(m->wrapped_key);
	m->public_key = NULL;
	m->public_key_len = 0;
	m->wrapped_key = NULL;
	m->wrapped_key_len = 0;
}

void rs_members_free(rs_member *list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		rs_member_clear(&list[i]);
	free(list);
}

void rs_content_batch_free(rs_content_batch *b)
{
	if (b == NULL)
		return;
	free(b->arena);
	b->arena = NULL;
	b->arena_len = b->arena_cap = 0;
	b->count = 0;
}

#define ARENA_MIN (64 * 1024)

int rs_arena_reserve(unsigned char **arena, size_t *cap, size_t len,
    size_t need)
{
	size_t size = *cap ? *cap : ARENA_MIN;
	unsigned char *p;

	if (len + need <= *cap)
		return 0;
	while (size < len + need)
		size *= 2;
	p = realloc(*arena, size);
	if (p == NULL)
		return -1;
	*arena = p;
	*cap = size;
	return 0;
}
