#include <config.h>
#include "ui_int.h"
bool ui_dlg_change(void) { ui_message("Change", "not yet"); return false; }
