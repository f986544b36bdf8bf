/* SPDX-License-Identifier: ISC */
/* fuzzutil.h: shared by the fuzz targets.  fuzz_file writes the input to
 * one private temp file (made once per process, mode 0600) and returns its
 * path; the readers under test take paths, not buffers. */
#ifndef RS_FUZZUTIL_H
#define RS_FUZZUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_path[4096];
static int fuzz_fd = -1;

static void fuzz_remove(void)
{
	if (fuzz_path[0] != '\0')
		unlink(fuzz_path);
}

static const char *fuzz_file(const uint8_t *data, size_t size)
{
	const char *dir = getenv("TMPDIR");
	size_t done = 0;
	ssize_t n;

	if (fuzz_fd < 0) {
		snprintf(fuzz_path, sizeof fuzz_path, "%s/rsfuzz.XXXXXX",
		    dir != NULL && *dir != '\0' ? dir : "/tmp");
		umask(077);
		fuzz_fd = mkstemp(fuzz_path);
		if (fuzz_fd < 0)
			return NULL;
		atexit(fuzz_remove);
	}
	if (ftruncate(fuzz_fd, 0) != 0)
		return NULL;
	while (done < size) {
		n = pwrite(fuzz_fd, data + done, size - done, (off_t)done);
		if (n <= 0)
			return NULL;
		done += (size_t)n;
	}
	return fuzz_path;
}

#endif
