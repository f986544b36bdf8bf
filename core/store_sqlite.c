/* store_sqlite.c: not written yet */
#include "err.h"
