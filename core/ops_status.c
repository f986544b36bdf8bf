/* SPDX-License-Identifier: ISC */
/* ops_status.c: is this instance activated, and why not (doc/ssrs.md,
 * Initialization and scale-out). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ops_internal.h"

const char *rs_activation_name(rs_activation a)
{
	static const char *const names[] = {
		[RS_ACTIVATED] = "activated",
		[RS_NOT_INITIALIZED] = "not-initialized",
		[RS_WAITING_TO_JOIN] = "waiting-to-join",
		[RS_NO_PRIVATE_KEY] = "no-private-key",
		[RS_KEYSTORE_UNSAFE] = "keystore-unsafe",
		[RS_PUBLIC_KEY_MISMATCH] = "public-key-mismatch",
		[RS_UNWRAP_FAILED] = "unwrap-failed",
		[RS_KCV_MISMATCH] = "key-check-mismatch",
		[RS_NO_KEY] = "no-key",
		[RS_PRIVATE_KEY_UNUSABLE] = "private-key-unusable",
	};

	if ((unsigned)a >= sizeof names / sizeof names[0] || !names[a])
		return "unknown";
	return names[a];
}

static void fingerprint_of(const rs_keypair *kp, rs_status *st)
{
	rs_error e = { 0 };
	unsigned char *der;
	size_t len;

	if (rs_keypair_public_der(kp, &der, &len, &e) == RS_OK) {
		rs_public_fingerprint(der, len, st->fingerprint);
		free(der);
	}
}

/* From the key store itself: a fingerprint read from the database would
 * prove nothing when compared with the database's.  Only when the unlock
 * did not keep the key pair: loading it (checks of the key store's
 * owners and modes, PEM decoding) is a good part of --status. */
static void own_fingerprint(rs_ctx *ctx, rs_status *st)
{
	rs_error e = { 0 };
	rs_keypair *kp;

	if (ops_load_keypair(ctx, &kp, &e) != RS_OK)
		return;
	fingerprint_of(kp, st);
	rs_keypair_free(kp);
}

int rs_op_status(rs_ctx *ctx, rs_status *st, rs_error *err)
{
	ops_unlocked unlocked;
	rs_error why_err = { 0 };
	int rc;

	memset(st, 0, sizeof *st);
	rc = ctx->store->ops->database_id(ctx->store, st->database_id, err);
	if (rc == RS_OK)
		rc = ctx->store->ops->keyinfo_get(ctx->store, &st->key, err);
	if (rc == RS_OK)
		rc = ctx->store->ops->member_count(ctx->store,
		    &st->members_joined, &st->members_waiting, err);
	if (rc == RS_OK)
		rc = ctx->store->ops->content_count(ctx->store, st->cells, err);
	if (rc != RS_OK)
		return rc;
	st->values_total = ops_count_values(st->cells);
	rc = ops_unlock(ctx, &unlocked, &st->activation, &why_err);
	if (rc == RS_OK) {
		fingerprint_of(unlocked.keypair, st);
		ops_unlocked_free(&unlocked);
		snprintf(st->reason, sizeof st->reason, "%s",
		    _("This instance can encrypt and decrypt report server data."));
		return RS_OK;
	}
	if (rc == RS_ERR_DATABASE || rc == RS_ERR_BUSY || rc == RS_ERR_INTERNAL)
		return rs_err(err, rc, "%s", why_err.message);
	own_fingerprint(ctx, st);
	if (rc == RS_ERR_PERMISSION)
		st->activation = RS_KEYSTORE_UNSAFE;
	snprintf(st->reason, sizeof st->reason, "%s", why_err.message);
	return RS_OK;
}
