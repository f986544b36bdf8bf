/* ops_account.c: not written yet */
#include "err.h"
