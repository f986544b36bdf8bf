/* demo.c: not written yet */
#include "err.h"
