/* ops_delete.c: not written yet */
#include "err.h"
