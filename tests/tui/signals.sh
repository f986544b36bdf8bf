#!/bin/sh
# SPDX-License-Identifier: ISC
# Signals: SIGTERM restores the terminal; SIGHUP (a dropped SSH session)
# during a change cancels it, the core rolls back, every value stays
# readable with the unchanged key.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

t_demo "$T_TMP/demo" 200000
before=$(kcv "$DEMO_CONF")

tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
kill -TERM "$(tui_pid)"
t_equal sigterm_exit_143 "$(tui_exit_status)" 143
t_screen sigterm_terminal_restored RSCONFIG-DONE

# Hold the change inside its progress callback (the cancel question),
# then hang up.
tui_start --
tui_page 1
tui_keys Tab Right Right Enter
tui_wait "review the servers"
tui_keys Left Enter
tui_wait "Change key"
tui_keys Left Enter Escape
t_screen change_paused "Cancel the change?" 30
kill -HUP "$(tui_pid)"
t_equal sighup_exit_129 "$(tui_exit_status 60)" 129
t_equal sighup_key_unchanged "$(kcv "$DEMO_CONF")" "$before"
rsk --verify
t_grep sighup_values_readable "$T_OUT" '"unreadable":0'

# A hang-up of the whole pane (the pty goes away) mid-change.
tui_start --
tui_page 1
tui_keys Tab Right Right Enter
tui_wait "review the servers"
tui_keys Left Enter
tui_wait "Change key"
tui_keys Left Enter
tui_wait "Changing the encryption key" 30
pid=$(tui_pid)
tui_tmux kill-pane -t 0 2>/dev/null
tui_stop
n=0
while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$n" -lt 600 ]; do
	sleep 0.1
	n=$((n + 1))
done
rsk --verify
t_grep hangup_values_readable "$T_OUT" '"unreadable":0'
t_done
