# SPDX-License-Identifier: ISC
# tests/tui/tuilib.sh: drive rsconfig in a private tmux server, as an admin
# at a terminal would, and read the screen back.  Sourced after lib.sh.
# shellcheck shell=sh

RSCONFIG_BIN=$RS_BUILDDIR/src/rsconfig
TUI_BASE=rs-$T_NAME-$$
TUI_N=0
TUI_SOCK=$TUI_BASE-0
TUI_EXIT=$T_TMP/rsconfig.exit
TUI_SCREEN=$T_TMP/screen

if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - tmux is not installed"
	exit 77
fi
T_AT_EXIT="tui_kill_all; $T_AT_EXIT"

# Each start gets a fresh server: a server being killed may still hold
# its socket for a moment.
tui_kill_all() {
	_i=0
	while [ "$_i" -le "$TUI_N" ]; do
		tmux -L "$TUI_BASE-$_i" kill-server 2>/dev/null
		_i=$((_i + 1))
	done
}

tui_tmux() {
	tmux -L "$TUI_SOCK" "$@"
}

# tui_start [VAR=VALUE]... -- [rsconfig ARGS]: starts rsconfig on DEMO_CONF
# in an 80x24 window (TUI_W x TUI_H) and waits for its frame (not with
# TUI_NOWAIT set); its exit status goes to TUI_EXIT.
tui_start() {
	_env=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		_env="$_env $1"
		shift
	done
	[ $# -gt 0 ] && shift
	rm -f "$TUI_EXIT"
	tui_tmux kill-server 2>/dev/null
	TUI_N=$((TUI_N + 1))
	TUI_SOCK=$TUI_BASE-$TUI_N
	tui_tmux -f /dev/null new-session -d -x "${TUI_W:-80}" -y "${TUI_H:-24}" \
	    "cd '$T_TMP' && env$_env '$RSCONFIG_BIN' -c '$DEMO_CONF' $*; echo \$? >'$TUI_EXIT'; echo RSCONFIG-DONE; sleep 600"
	[ -n "${TUI_NOWAIT:-}" ] && return 0
	tui_wait "Report Server Configuration Manager" 10 || {
		tui_dump
		return 1
	}
}

tui_keys() {
	tui_tmux send-keys -t 0 "$@"
}

# Literal text, so that words like "Enter" are typed, not pressed.
tui_type() {
	tui_tmux send-keys -t 0 -l "$1"
}

tui_capture() {
	tui_tmux capture-pane -t 0 -p >"$TUI_SCREEN" 2>/dev/null
}

tui_dump() {
	tui_capture
	sed 's/^/# | /' "$TUI_SCREEN"
}

# tui_wait TEXT [SECONDS]: polls the screen until it shows TEXT (a fixed
# string); returns 1 after the deadline (default 15 s).
tui_wait() {
	t_until "${2:-15}" tui_shows "$1"
}

# tui_wait_gone TEXT [SECONDS]
tui_wait_gone() {
	t_until "${2:-15}" tui_shows_not "$1"
}

# tui_shows TEXT: the screen shows TEXT now.
tui_shows() {
	tui_capture
	grep -Fq -- "$1" "$TUI_SCREEN"
}

tui_shows_not() {
	! tui_shows "$1"
}

# t_screen NAME TEXT [SECONDS]: a check that the screen shows TEXT.
t_screen() {
	if tui_wait "$2" "${3:-15}"; then
		t_ok "$1"
	else
		t_fail "$1" "screen never showed '$2'"
		tui_dump
	fi
}

# tui_exit_status [SECONDS]: rsconfig's exit status, once it has exited.
# shellcheck disable=SC2120
tui_exit_status() {
	t_until "${1:-15}" test -s "$TUI_EXIT"
	cat "$TUI_EXIT" 2>/dev/null || echo none
}

# The pid of rsconfig in the pane (a child of the pane's shell).
tui_pid() {
	pgrep -P "$(tui_tmux display -p -t 0 '#{pane_pid}')" -x rsconfig
}

tui_stop() {
	tui_tmux kill-server 2>/dev/null
}

# Goes to page N (0 = Report Server Status) from the navigation list,
# where the focus is right after tui_start.
tui_page() {
	_i=0
	while [ "$_i" -lt "$1" ]; do
		tui_keys Down
		_i=$((_i + 1))
	done
}

# json_of CMD...: rskeymgmt --json output (last line) in $T_OUT.
rsk() {
	t_run "$RSKEYMGMT" -c "$DEMO_CONF" "$@" --json
}

# A password file for rskeymgmt.
tui_pwfile() {
	printf '%s\n' "$1" >"$T_TMP/pw"
	chmod 600 "$T_TMP/pw"
	echo "$T_TMP/pw"
}

# Every line of the last capture fits: no line wider than the window and
# the key hints shown whole.
tui_nothing_cut() {
	_w=${TUI_W:-80}
	if awk -v w="$_w" 'length($0) > w { bad = 1 } END { exit bad }' "$TUI_SCREEN"; then
		t_ok "$1"
	else
		t_fail "$1" "a line is wider than $_w"
	fi
}
