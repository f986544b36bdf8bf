/* SPDX-License-Identifier: ISC */
/* ops_service.c: the report server service (rsserverd) of this instance:
 * what it needs from the key, and starting, stopping and asking it.  What
 * its heartbeats say about the members is in ops_members.c. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ops_internal.h"
#include "secret.h"
#include "service.h"

struct rs_service_key {
	rs_symkey *key;
	rs_keyinfo info;
	char database_id[RS_ID_LEN + 1];
};

int rs_service_unlock(rs_ctx *ctx, rs_service_key **out, rs_activation *why,
    rs_error *err)
{
	rs_service_key *k;
	ops_unlocked u;
	int rc;

	*out = NULL;
	k = calloc(1, sizeof *k);
	if (k == NULL)
		return rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	rc = ops_unlock(ctx, &u, why, err);
	if (rc != RS_OK) {
		free(k);
		return rc;
	}
	/* The service needs only the symmetric key: the private key goes. */
	k->key = u.key;
	k->info = u.info;
	memcpy(k->database_id, u.database_id, sizeof k->database_id);
	u.key = NULL;
	ops_unlocked_free(&u);
	*out = k;
	return RS_OK;
}

void rs_service_key_free(rs_service_key *k)
{
	if (k == NULL)
		return;
	rs_symkey_free(k->key);
	free(k);
}

uint32_t rs_service_key_generation(const rs_service_key *k)
{
	return k ? k->info.generation : 0;
}

const char *rs_service_key_kcv(const rs_service_key *k)
{
	return k ? k->info.kcv : "";
}

/* ---- test-datasource ---- */

typedef struct ds_test {
	rs_aead *aead;
	unsigned char *plain;
	size_t plain_cap;
	const char *name;
	uint64_t found;
} ds_test;

static int open_cell(ds_test *t, const rs_content_row *row, int c,
    rs_error *err)
{
	const rs_content_table_info *ti = rs_content_info(RS_TABLE_DATASOURCES);
	rs_value_place place = { ti->table, row->id, ti->columns[c],
	    row->name };
	size_t plain_len = 0;
	int status = RS_OPEN_MALFORMED;

	if (row->cell_len[c] >= RS_SEAL_OVERHEAD &&
	    row->cell_len[c] - RS_SEAL_OVERHEAD <= t->plain_cap)
		status = rs_aead_open(t->aead, &place, row->cell[c],
		    row->cell_len[c], t->plain, &plain_len, NULL);
	rs_wipe(t->plain, plain_len);
	if (status == RS_OPEN_OK)
		return RS_OK;
	if (status == RS_OPEN_OTHER_GENERATION)
		return rs_err(err, RS_ERR_CRYPTO, _("the %s is sealed with another "
		    "key generation: the key changed; reload the service"),
		    _(ti->cell_labels[c]));
	return rs_err(err, RS_ERR_CRYPTO, _("the %s does not decrypt (%s)"),
	    _(ti->cell_labels[c]), rs_open_status_text(status));
}

static int test_batch(ds_test *t, const rs_content_batch *b, rs_error *err)
{
	int rc = RS_OK;

	for (size_t i = 0; rc == RS_OK && i < b->count; i++) {
		if (strcmp(b->rows[i].name, t->name) != 0)
			continue;
		t->found++;
		for (int c = 0; rc == RS_OK && c < RS_MAX_CELLS; c++)
			if (b->rows[i].cell[c] != NULL)
				rc = open_cell(t, &b->rows[i], c, err);
	}
	return rc;
}

static int test_all(rs_ctx *ctx, ds_test *t, rs_error *err)
{
	rs_content_batch batch = { .count = 0 };
	int64_t after = 0;
	int rc;

	for (;;) {
		rc = ctx->store->ops->content_next(ctx->store,
		    RS_TABLE_DATASOURCES, after, &batch, err);
		if (rc != RS_OK || batch.count == 0)
			break;
		rc = test_batch(t, &batch, err);
		if (rc != RS_OK)
			break;
		after = batch.rows[batch.count - 1].id;
	}
	rs_content_batch_free(&batch);
	return rc;
}

int rs_service_test_datasource(rs_ctx *ctx, const rs_service_key *k,
    const char *name, rs_error *err)
{
	ds_test t = { .name = name, .plain_cap = 1 << 16 };
	int rc = RS_OK;

	if (k == NULL)
		return rs_err(err, RS_ERR_NOT_ACTIVATED, _("the service is not "
		    "activated"));
	t.plain = rs_secret_alloc(t.plain_cap);
	t.aead = rs_aead_new(k->key, k->info.generation, k->database_id,
	    err);
	if (t.plain == NULL)
		rc = rs_err(err, RS_ERR_INTERNAL, _("out of memory"));
	else if (t.aead == NULL)
		rc = err ? err->code : RS_ERR_CRYPTO;
	if (rc == RS_OK)
		rc = test_all(ctx, &t, err);
	if (rc == RS_OK && t.found == 0)
		rc = rs_err(err, RS_ERR_NOT_FOUND, _("no data source named %s "
		    "with encrypted settings"), name);
	rs_aead_free(t.aead);
	rs_secret_free(t.plain, t.plain_cap);
	return rc;
}

int rs_service_heartbeat(rs_ctx *ctx, const rs_heartbeat *hb, rs_error *err)
{
	return ctx->store->ops->heartbeat_put(ctx->store, hb, err);
}

bool ops_service_reload_local(rs_ctx *ctx)
{
	rs_error err = { 0 };
	rs_service_done done;
	char how[400];

	if (rs_service_control(&ctx->cfg, RS_SERVICE_RELOAD, 0, &done,
	    &err) != RS_OK) {
		ops_step(ctx, RS_STEP_WARNING, "%s", err.message);
		return false;
	}
	if (done.was_running) {
		rs_service_done_how(&done, how, sizeof how);
		ops_step(ctx, RS_STEP_OK, "%s, %s", _("Told the local report "
		    "server service to reload the key"), how);
	}
	return done.was_running;
}

/* ---- start, stop, status and test of this instance's service ---- */

int rs_op_service_status(rs_ctx *ctx, rs_service_status *st, rs_error *err)
{
	return rs_service_status_get(&ctx->cfg, st, err);
}

int rs_op_service_start(rs_ctx *ctx, int heartbeat, rs_error *err)
{
	return rs_service_start(&ctx->cfg, heartbeat, err);
}

int rs_op_service_control(rs_ctx *ctx, rs_service_action action,
    int heartbeat, rs_service_done *done, rs_error *err)
{
	return rs_service_control(&ctx->cfg, action, heartbeat, done, err);
}

bool rs_op_service_unit(rs_ctx *ctx, char *unit, size_t size)
{
	return rs_service_unit(&ctx->cfg, unit, size);
}

int rs_op_service_stop(rs_ctx *ctx, bool *was_running, rs_error *err)
{
	return rs_service_stop(&ctx->cfg, was_running, err);
}

int rs_op_service_test_datasource(rs_ctx *ctx, const char *name,
    char *answer, size_t size, rs_error *err)
{
	int rc = rs_service_test_request(&ctx->cfg, name, answer, size, err);

	if (rc == RS_OK && strcmp(answer, "ok") != 0)
		rc = rs_err(err, RS_ERR_FAILED, "%s: %s", name, answer);
	return rc;
}
