# SPDX-License-Identifier: ISC
# Shell tests driving rskeymgmt and rsdemo end to end (see tests/lib.sh).
CLI_TESTS += tests/cli/usage.sh
CLI_TESTS += tests/cli/members.sh
CLI_TESTS += tests/cli/backup.sh
CLI_TESTS += tests/cli/backup_trust.sh
CLI_TESTS += tests/cli/reencrypt.sh
CLI_TESTS += tests/cli/delete.sh
CLI_TESTS += tests/cli/account.sh
CLI_TESTS += tests/cli/busy.sh
CLI_TESTS += tests/cli/tty.sh
CLI_TESTS += tests/cli/commands.sh
CLI_TESTS += tests/cli/habits.sh
CLI_TESTS += tests/cli/includes.sh
CLI_TESTS += tests/cli/reentry.sh
CLI_TESTS += tests/cli/rsconfig_args.sh
CLI_TESTS += tests/cli/output.sh
CLI_TESTS += tests/cli/json_utf8.sh
