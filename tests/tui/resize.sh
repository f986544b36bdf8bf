#!/bin/sh
# SPDX-License-Identifier: ISC
# Resizing at any moment: the frame and an open dialog are rebuilt for the
# new size, typed fields survive, and 80x24 shows everything again.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 100
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_page 1
tui_keys Tab Enter
tui_wait "Backup Encryption Key"
tui_type 'Abc1!'
t_screen typed_before_resize '[x] a digit (0-9)'
tui_tmux resize-window -t 0 -x 120 -y 40
t_screen dialog_after_grow "Backup Encryption Key"
t_screen checklist_after_grow '[x] a digit (0-9)'
t_screen password_kept_after_grow 'Password:         *****'
tui_capture
TUI_W=120 tui_nothing_cut fits_120x40
tui_tmux resize-window -t 0 -x 80 -y 24
t_screen dialog_after_shrink "Confirm password:"
t_screen buttons_after_shrink "Cancel"
tui_capture
tui_nothing_cut fits_80x24_again
tui_keys Escape
tui_wait_gone "Backup Encryption Key" 5
tui_tmux resize-window -t 0 -x 100 -y 30
t_screen frame_after_resize 'F10 Quit   (Esc 1: F1, Esc 0: F10)'
tui_keys F10
t_equal quits "$(tui_exit_status)" 0
t_done
