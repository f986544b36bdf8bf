# Shell tests driving rskeymgmt and rsdemo end to end (see tests/lib.sh).
CLI_TESTS += tests/cli/usage.sh
CLI_TESTS += tests/cli/members.sh
CLI_TESTS += tests/cli/backup.sh
