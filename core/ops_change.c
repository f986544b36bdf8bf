/* ops_change.c: not written yet */
#include "err.h"
