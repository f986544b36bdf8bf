#!/bin/sh
# SPDX-License-Identifier: ISC
# A window below 80x24 shows what to do instead of a cut-off layout; keys
# other than F10 (on the frame) do nothing meanwhile, and an open dialog
# comes back intact, with what was typed, once the window is large enough.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 10

# Started in a 40x10 window.
TUI_W=40 TUI_H=10 TUI_NOWAIT=1 tui_start --
t_screen small_start_says_size 'Window too small: 40x10'
t_screen small_start_says_minimum 'rsconfig needs at least 80x24.'
t_screen small_start_says_f10 'F10 quits.'
tui_capture
TUI_W=40 tui_nothing_cut small_start_fits_40
t_no_grep small_start_no_frame "$TUI_SCREEN" 'Report Server Configuration Manager'
# Keys that would act on the frame do nothing.
tui_keys Down Tab Enter
sleep 0.3
tui_tmux resize-window -t 0 -x 80 -y 24
t_screen frame_after_enlarge 'F10 Quit   (Esc 1: F1, Esc 0: F10)'
tui_capture
t_grep keys_ignored_while_small "$TUI_SCREEN" 'Report Server Status  \(Up/Down'
tui_nothing_cut frame_fits_80x24

# A dialog open when the window shrinks: typing and Esc are ignored.
tui_page 1
tui_keys Tab Enter
tui_wait "Backup Encryption Key"
tui_type 'Abc1!'
t_screen typed_before_shrink '[x] a digit (0-9)'
tui_tmux resize-window -t 0 -x 50 -y 12
t_screen dialog_shrunk_says_size 'Window too small: 50x12'
t_screen dialog_shrunk_says_dialog_waits 'the open dialog comes'
tui_type 'xyz'
tui_keys Escape
sleep 0.3
tui_tmux resize-window -t 0 -x 79 -y 24
t_screen one_column_short_is_too_small 'Window too small: 79x24'
tui_tmux resize-window -t 0 -x 80 -y 24
t_screen dialog_back "Backup Encryption Key"
t_screen typed_value_kept 'Password:         *****'
tui_capture
t_no_grep typing_while_small_ignored "$TUI_SCREEN" 'Password:         \*\*\*\*\*\*'
t_grep checklist_back "$TUI_SCREEN" '\[x\] a digit \(0-9\)'
tui_keys Escape
tui_wait_gone "Backup Encryption Key" 5

# Too small again on the frame: F10 quits cleanly.
tui_tmux resize-window -t 0 -x 40 -y 10
t_screen frame_shrunk_says_f10 'F10 quits.'
tui_keys F10
t_equal f10_quits_when_small "$(tui_exit_status)" 0

# Ctrl-C in a dialog while too small: the terminal comes back, status 130.
tui_start --
tui_page 1
tui_keys Tab Enter
tui_wait "Backup Encryption Key"
tui_tmux resize-window -t 0 -x 40 -y 10
t_screen ctrl_c_setup 'Window too small: 40x10'
tui_keys C-c
t_equal ctrl_c_exit_130 "$(tui_exit_status)" 130
t_screen shell_after_ctrl_c RSCONFIG-DONE
t_done
