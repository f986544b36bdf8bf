/* lock.c: not written yet */
#include "err.h"
