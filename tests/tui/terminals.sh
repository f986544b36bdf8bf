#!/bin/sh
# SPDX-License-Identifier: ISC
# The common terminal types work; NO_COLOR draws without colour; an
# unknown TERM gets a clear message and exit status 2.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 10
for term in xterm xterm-256color screen tmux-256color vt100 linux; do
	if ! infocmp "$term" >/dev/null 2>&1; then
		t_skip "term_$term" "no terminfo entry here"
		continue
	fi
	tui_start "TERM=$term" -- || { t_fail "term_$term" "did not start"; continue; }
	t_screen "term_${term}_frame" 'F10 Quit'
	# vt100 has no F10 key: ESC 0 works everywhere.
	tui_keys Escape 0
	t_equal "term_${term}_exit" "$(tui_exit_status)" 0
done

# Colour: the title bar uses a colour pair unless NO_COLOR is set.
tui_start TERM=xterm-256color --
tui_tmux capture-pane -t 0 -e -p >"$T_TMP/color"
t_grep colour_by_default "$T_TMP/color" '\[3[0-7]m|\[4[0-7]m|\[38;|\[48;'
tui_keys F10
tui_exit_status >/dev/null
tui_start TERM=xterm-256color NO_COLOR=1 --
tui_tmux capture-pane -t 0 -e -p >"$T_TMP/mono"
t_no_grep no_colour_with_NO_COLOR "$T_TMP/mono" '\[3[0-7]m|\[4[0-7]m|\[38;|\[48;'
t_grep reverse_title_in_mono "$T_TMP/mono" '\[7m'
tui_keys F10
tui_exit_status >/dev/null

TUI_NOWAIT=1 tui_start TERM=no-such-terminal-xyz --
t_equal unknown_term_exit_2 "$(tui_exit_status)" 2
t_screen unknown_term_message 'terminal type "no-such-terminal-xyz" is unknown'
tui_stop
t_done
