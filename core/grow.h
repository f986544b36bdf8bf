/* SPDX-License-Identifier: ISC */
/* grow.h: room for one more element in a growing array. */
#ifndef RS_GROW_H
#define RS_GROW_H

#include <stddef.h>

/* Makes room for element n of the array at *items (cap elements of size
 * bytes allocated), doubling from first.  Returns 0, or -1 when out of
 * memory (the array is then unchanged). */
int rs_grow(void *items, size_t n, size_t *cap, size_t size, size_t first);

#endif
