CLI_TESTS += tests/cli/smoke.sh
