/* SPDX-License-Identifier: ISC */
/* fuzz_backup.c: libFuzzer target for the key backup reader.
 *
 * Each input is written to a private temp file and opened with
 * rs_backup_read and a fixed password (the seed corpus holds backups made
 * with that password, so mutations reach the CMS and payload parsers). */
#include <config.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backup.h"
#include "crypto.h"
#include "fuzzutil.h"

#define FUZZ_PASSWORD "Fuzz-Backup 2026!"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size);
	rs_symkey *key = rs_symkey_new();
	rs_backup_meta meta;
	rs_error err;

	if (path == NULL || key == NULL)
		abort();
	memset(&err, 0, sizeof err);
	(void)rs_backup_read(path, FUZZ_PASSWORD, strlen(FUZZ_PASSWORD), key,
	    &meta, &err);
	/* Every refusal must say why. */
	if (err.code != 0 && err.message[0] == '\0')
		abort();
	rs_symkey_free(key);
	return 0;
}
