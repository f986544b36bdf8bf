#!/bin/sh
# SPDX-License-Identifier: ISC
# Delete: consequences with counts, a backup offered, the typed word DELETE
# demanded; afterwards no encrypted values are left and a new key is in use.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 100
before=$(kcv "$DEMO_CONF")
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_page 1
tui_keys Tab Right Right Right Enter
t_screen explains_consequences "ALL encrypted content"
t_screen counts_connection_strings "data sources lose their connection strings"
t_screen offers_backup "Back up first"
tui_keys Left Enter
t_screen demands_typed_word "Type DELETE:"
tui_type 'delete'
tui_keys Enter
t_screen lowercase_refused "Type the word DELETE (in capitals)"
tui_keys Enter
tui_wait_gone "in capitals" 5
t_equal nothing_deleted_yet "$(kcv "$DEMO_CONF")" "$before"
tui_keys C-u
tui_type 'DELETE'
tui_keys Enter
t_screen delete_complete "Delete complete" 30
tui_keys Enter
rsk --status
t_grep no_values_left "$T_OUT" '"values_total":0'
t_differ new_key_in_use "$(kcv "$DEMO_CONF")" "$before"
t_screen reentry_listed "(id "
tui_stop
t_done
