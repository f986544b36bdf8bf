#include <config.h>
#include "ui_int.h"
bool ui_dlg_restore(void) { ui_message("Restore", "not yet"); return false; }
