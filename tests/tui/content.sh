#!/bin/sh
# SPDX-License-Identifier: ISC
# Encrypted Content: after a Delete the result offers to go there; the page
# counts each kind, lists what needs attention, filters by kind, explains
# the kinds (F1) and re-enters a value typed twice, hidden; rskeymgmt
# --verify then counts it readable.  With nothing to re-enter the list says
# so.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 30
# Nothing to re-enter yet: the empty list says so (it said "(no servers)",
# the Scale-out table's words; issue 18).
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_page 5
t_screen empty_list_says_nothing_to_reenter "(nothing to re-enter)"
tui_capture
t_no_grep empty_list_not_servers "$TUI_SCREEN" 'no servers'
tui_stop
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_page 1
tui_keys Tab Right Right Right Enter
t_screen explains_consequences "ALL encrypted content"
tui_keys Left Enter
t_screen demands_typed_word "Type DELETE:"
tui_type 'DELETE'
tui_keys Enter
t_screen delete_complete "Delete complete" 30
tui_keys Enter
t_screen offers_to_go_there "Go to the Encrypted Content page"
tui_keys Enter
t_screen shows_the_page "Showing: all kinds, 30 to re-enter."
t_screen counts_credentials "stored credentials           0        12          0"
t_screen lists_items "datasources/1/connection_string  deleted"
tui_nothing_cut page_fits_80x24

tui_keys F1
t_screen help_explains_kinds "Stored credentials: the user name"
tui_keys Enter
tui_wait_gone "Help: Encrypted Content" 5

# Filter: the second button, once: connection strings only.
tui_keys Right Enter
t_screen filter_connection_strings "Showing: connection string, 12 to re-enter."
tui_keys Left

# Re-enter the first listed value, confirmation first mistyped.
tui_keys Enter
t_screen reenter_dialog "Re-enter Value"
t_screen names_item "Item: datasources/1/connection_string"
tui_type 'Data Source=sql07;Initial Catalog=HR'
tui_keys Tab
tui_type 'Data Source=sql07;Initial Catalog=Hr'
tui_keys Tab Enter
t_screen refuses_mismatch "The value and its confirmation differ."
tui_capture
t_no_grep value_hidden "$TUI_SCREEN" 'sql07'
tui_keys Enter
tui_wait_gone "confirmation differ" 5
tui_keys BTab C-u
tui_type 'Data Source=sql07;Initial Catalog=HR'
tui_keys Tab Enter
t_screen reentered "Set datasources/1/connection_string" 15
t_screen count_drops "Showing: connection string, 11 to re-enter."
rsk --verify
t_grep verify_counts_it "$T_OUT" '"checked":1,"readable":1,"unreadable":0'
rsk --missing
t_grep missing_29 "$T_OUT" '"count":29,'
tui_stop
t_done
