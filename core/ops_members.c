/* ops_members.c: not written yet */
#include "err.h"
