#include "../core/err.h"
#include "ui.h"
