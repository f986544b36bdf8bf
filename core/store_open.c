/* SPDX-License-Identifier: ISC */
/* store_open.c: the backend picker (rs_store_open).  It alone knows both
 * backends, and checks that the one it opened fills every slot of the table
 * of functions (so no caller needs a fallback for a missing one). */
#include <config.h>

#include <stddef.h>
#include <string.h>
#include "i18n.h"
#include "store_internal.h"

/* ---- every slot of the table is required ---- */

typedef void (*any_fn)(void);

#define SLOT(name) { #name, offsetof(rs_store_ops, name) }
static const struct ops_slot {
	const char *name;
	size_t offset;
} ops_slots[] = {
	SLOT(close), SLOT(begin), SLOT(commit), SLOT(rollback),
	SLOT(admin_lock), SLOT(admin_unlock),
	SLOT(database_id), SLOT(keyinfo_get), SLOT(keyinfo_put),
	SLOT(member_get), SLOT(member_put), SLOT(member_delete),
	SLOT(member_each), SLOT(member_list), SLOT(member_count),
	SLOT(content_count), SLOT(content_span), SLOT(content_next), SLOT(content_update),
	SLOT(content_insert), SLOT(content_rewrite), SLOT(content_clear),
	SLOT(describe),
	SLOT(content_scan), SLOT(content_import), SLOT(database_id_set),
	SLOT(heartbeat_put), SLOT(heartbeat_list),
};
#undef SLOT

/* A slot added to rs_store_ops but not to the list above fails here. */
_Static_assert(sizeof(rs_store_ops) ==
    sizeof ops_slots / sizeof ops_slots[0] * sizeof(any_fn),
    "ops_slots names every slot of rs_store_ops");

const char *rs_store_ops_missing(const rs_store_ops *ops)
{
	for (size_t i = 0; i < sizeof ops_slots / sizeof ops_slots[0]; i++) {
		any_fn fn;

		memcpy(&fn, (const char *)ops + ops_slots[i].offset, sizeof fn);
		if (fn == NULL)
			return ops_slots[i].name;
	}
	return NULL;
}

/* ---- the picker ---- */

static int open_backend(const rs_config *cfg, bool create, rs_store **out,
    rs_error *err)
{
	if (!rs_config_is_postgresql(cfg))
		return rs_store_sqlite_open(cfg, create, out, err);
#if HAVE_POSTGRESQL
	return rs_store_pg_open(cfg, create, out, err);
#else
	(void)create;
	(void)out;
	return rs_err(err, RS_ERR_CONFIG, _("%s says backend = postgresql, "
	    "but this rsconfig was built without PostgreSQL (configure "
	    "--with-postgresql)"), cfg->path);
#endif
}

int rs_store_open(const rs_config *cfg, bool create, rs_store **out,
    rs_error *err)
{
	const char *missing;
	int rc;

	*out = NULL;
	rc = open_backend(cfg, create, out, err);
	if (rc != RS_OK)
		return rc;
	missing = rs_store_ops_missing((*out)->ops);
	if (missing != NULL) {
		rc = rs_err(err, RS_ERR_INTERNAL, _("the database backend of %s "
		    "lacks %s"), (*out)->ops->describe ? (*out)->ops->describe(*out)
		    : cfg->path, missing);
		if ((*out)->ops->close)
			(*out)->ops->close(*out);
		*out = NULL;
	}
	return rc;
}
