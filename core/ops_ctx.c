/* ops_ctx.c: not written yet */
#include "err.h"
