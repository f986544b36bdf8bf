/* ops_verify.c: not written yet */
#include "err.h"
