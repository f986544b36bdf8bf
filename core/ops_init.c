/* ops_init.c: not written yet */
#include "err.h"
