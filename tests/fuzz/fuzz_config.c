/* SPDX-License-Identifier: ISC */
/* fuzz_config.c: libFuzzer target for the instance config parser.
 * Each input is written to a private temp file (mode 0600) and loaded with
 * rs_config_load. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "instance.h"
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size);
	rs_config cfg;
	rs_error err;
	int rc;

	if (path == NULL)
		abort();
	memset(&err, 0, sizeof err);
	rc = rs_config_load(path, &cfg, &err);
	if (rc != 0 && err.message[0] == '\0')
		abort();
	/* A loaded config has absolute paths and a valid installation ID. */
	if (rc == 0 && (cfg.database[0] != '/' || cfg.keystore[0] != '/'
	    || !rs_uuid_valid(cfg.installation_id)))
		abort();
	return 0;
}
