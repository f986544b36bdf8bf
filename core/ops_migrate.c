/* ops_migrate.c: placeholder */
#include "ops_internal.h"
