/* SPDX-License-Identifier: ISC */
/* grow.c: the doubling realloc every list the core collects needs. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"

int rs_grow(void *items, size_t n, size_t *cap, size_t size, size_t first)
{
	void *p, *grown;
	size_t want;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : first;
	if (size == 0 || want > SIZE_MAX / size)
		return -1;
	memcpy(&p, items, sizeof p);
	grown = realloc(p, want * size);
	if (grown == NULL)
		return -1;
	memcpy(items, &grown, sizeof grown);
	*cap = want;
	return 0;
}
