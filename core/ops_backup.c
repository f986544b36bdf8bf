/* ops_backup.c: not written yet */
#include "err.h"
