# TUI_TESTS += tests/tui/x.sh
