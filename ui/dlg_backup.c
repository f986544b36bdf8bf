#include <config.h>
#include "ui_int.h"
bool ui_dlg_backup(const char *why, rs_backup_info *out) { (void)why; (void)out; ui_message("Backup", "not yet"); return false; }
