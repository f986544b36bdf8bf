/* ops_status.c: not written yet */
#include "err.h"
