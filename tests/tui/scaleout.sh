#!/bin/sh
# SPDX-License-Identifier: ISC
# Scale-out: Add Server confirms, then joins the selected waiting member; Remove Server
# offers a backup, confirms, removes; the last member gets a warning.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 100
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_page 3
t_screen database_shown "Database: SQLite"
t_screen mode_shown "Mode: scale-out deployment"
t_screen waiting_member "Waiting to join"
# No service runs in this demo: the Services line says so, with no key
# generation it would have to invent (issue 14).
t_screen services_none_running "Services: none running"
tui_keys Tab Down Tab Enter
# Add Server confirms first, showing the key fingerprint (issue 18).
t_screen add_confirms "Key fingerprint:"
tui_keys Left Enter
t_screen joined_in_results "joined the scale-out deployment" 30
rsk --list
t_no_grep no_member_waiting "$T_OUT" 'waiting-to-join'

tui_keys Right Enter
t_screen remove_offers_backup "Back up the encryption key before removing"
tui_keys Right Enter
t_screen remove_confirms "from the scale-out deployment?"
tui_keys Left Enter
t_screen removed_in_results "Server removed" 30
rsk --list
t_equal one_member_left "$(grep -o '"installation_id"' "$T_OUT" | wc -l)" 1

# The remaining member is the last: the warning says so.
tui_keys Enter
tui_wait "before removing"
tui_keys Right Enter
t_screen last_member_warning "is the LAST server that holds the key"
tui_keys Enter
tui_wait_gone "LAST server" 5
rsk --list
t_equal last_member_kept "$(grep -o '"installation_id"' "$T_OUT" | wc -l)" 1
tui_stop
t_done
