#include <config.h>
#include "ui_int.h"
bool ui_dlg_delete(void) { ui_message("Delete", "not yet"); return false; }
