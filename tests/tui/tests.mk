# SPDX-License-Identifier: ISC
# tmux end-to-end tests of rsconfig (see tests/tui/tuilib.sh).
TUI_TESTS += tests/tui/frame.sh
TUI_TESTS += tests/tui/backup.sh
TUI_TESTS += tests/tui/restore.sh
TUI_TESTS += tests/tui/change.sh
TUI_TESTS += tests/tui/delete.sh
TUI_TESTS += tests/tui/account.sh
TUI_TESTS += tests/tui/scaleout.sh
TUI_TESTS += tests/tui/resize.sh
TUI_TESTS += tests/tui/terminals.sh
TUI_TESTS += tests/tui/signals.sh
TUI_TESTS += tests/tui/small.sh
TUI_TESTS += tests/tui/hangup.sh
TUI_TESTS += tests/tui/content.sh
# Focus, busy feedback, Check a backup, Results history (issues 18, 15).
TUI_TESTS += tests/tui/focus.sh
TUI_TESTS += tests/tui/results.sh
TUI_TESTS += tests/tui/review.sh
TUI_TESTS += tests/tui/flows.sh
