/* SPDX-License-Identifier: ISC */
/* fuzz_payload.c: libFuzzer target for the backup payload parser alone
 * (the decrypted text inside the CMS envelope), which rs_backup_read only
 * reaches after a successful decryption.  It includes backup.c to call the
 * static payload_parse directly. */
#include <config.h>

#include "../../core/backup.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rs_symkey *key = rs_symkey_new();
	rs_backup_meta meta;
	rs_error err;
	int rc;

	if (key == NULL)
		abort();
	if (size > PAYLOAD_MAX) {   /* rs_backup_read refuses these first */
		rs_symkey_free(key);
		return 0;
	}
	memset(&err, 0, sizeof err);
	memset(&meta, 0, sizeof meta);
	rc = payload_parse((const char *)data, size, key, &meta, "fuzz", &err);
	if (rc != RS_OK && err.message[0] == '\0')
		abort();
	if (rc == RS_OK) {
		/* What the parser accepts is self-consistent and one line each
		 * (a check value of either kind: old backups carry the one made
		 * with the key itself, new ones the HKDF one). */
		if (!rs_symkey_kcv_matches(key, meta.kcv) || !meta_ok(&meta))
			abort();
	}
	rs_symkey_free(key);
	return 0;
}
