/* store_common.c: helpers both database backends use (store_internal.h). */
#include "i18n.h"   /* first: <config.h> turns on the GNU extensions */
#include <stdlib.h>
#include "store_internal.h"

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
