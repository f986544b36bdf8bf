#!/bin/sh
# SPDX-License-Identifier: ISC
# usage.sh: the command line itself: help, version, exit codes, and what
# it refuses before touching anything.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

# --help documents every exit code of core/err.h, with its status.
t_expect_exit 0 help_exits_zero "$RSKEYMGMT" --help
cp "$T_OUT" "$T_TMP/help"
sed -n 's/^[[:space:]]*X(\(RS_[A-Z_]*\), *\([0-9]*\), *"\([a-z-]*\)".*/\2 \3/p' \
    "$RS_SRCDIR/core/err.h" >"$T_TMP/codes"
if [ "$(wc -l <"$T_TMP/codes")" -lt 10 ]; then
	t_fail help_exit_table_source "could not read the error list from core/err.h"
fi
missing=
while read -r status name; do
	grep -Eq "^ +$status +$name " "$T_TMP/help" || missing="$missing $status:$name"
done <"$T_TMP/codes"
t_equal help_lists_every_exit_code "$missing" ""
for cmd in extract apply delete reencrypt list join remove status init \
    service-account verify config file password-file password-fd yes json; do
	t_grep "help_documents_$cmd" "$T_TMP/help" "--$cmd"
done

t_expect_exit 0 version_exits_zero "$RSKEYMGMT" --version
t_grep version_names_program "$T_OUT" '^rskeymgmt .*[0-9]+\.[0-9]+'

# Passwords never come from argv: there is no option for it.
t_expect_exit "$EX_USAGE" no_password_option "$RSKEYMGMT" --password x --status
t_expect_exit "$EX_USAGE" no_password_option_exact "$RSKEYMGMT" --password=x --extract -f "$T_TMP/b.pem"
t_no_grep password_not_echoed "$T_ERR" 'x --extract'

t_expect_exit "$EX_USAGE" no_command "$RSKEYMGMT"
t_grep no_command_says_so "$T_ERR" '^rskeymgmt: no command'
t_expect_exit "$EX_USAGE" two_commands "$RSKEYMGMT" --status --list
t_grep two_commands_says_so "$T_ERR" 'exactly one command'
t_expect_exit "$EX_USAGE" unknown_option "$RSKEYMGMT" --status --frobnicate
t_grep unknown_option_named "$T_ERR" "frobnicate"
t_expect_exit "$EX_USAGE" extract_needs_file "$RSKEYMGMT" --extract
t_grep extract_needs_file_says "$T_ERR" '-f FILE'
t_expect_exit "$EX_USAGE" join_needs_uuid "$RSKEYMGMT" --join not-a-uuid
t_expect_exit "$EX_USAGE" stray_argument "$RSKEYMGMT" --status extra
t_expect_exit "$EX_USAGE" password_fd_number "$RSKEYMGMT" --extract -f x --password-fd abc
t_expect_exit "$EX_USAGE" password_sources_exclusive "$RSKEYMGMT" --extract -f x \
    --password-fd 0 --password-file /dev/null

# A usage error with --json is still one JSON object.
t_expect_exit "$EX_USAGE" json_usage_error "$RSKEYMGMT" --json --status --list
t_json json_usage_error_is_json "$T_OUT"
t_grep json_usage_error_fields "$T_OUT" '"ok":false,"error":"usage"'

# A missing config is a config error, named.
t_expect_exit "$EX_CONFIG" missing_config "$RSKEYMGMT" -c "$T_TMP/none.conf" --status
t_grep missing_config_named "$T_ERR" 'none\.conf'

# rsdemo
t_expect_exit 0 rsdemo_help "$RSDEMO" --help
t_grep rsdemo_help_usage "$T_OUT" 'rsdemo create DIR'
t_expect_exit 0 rsdemo_version "$RSDEMO" --version
t_expect_exit "$EX_USAGE" rsdemo_no_command "$RSDEMO"
t_expect_exit "$EX_USAGE" rsdemo_bad_values "$RSDEMO" create "$T_TMP/d" --values many
t_expect_exit "$EX_USAGE" rsdemo_bad_members "$RSDEMO" create "$T_TMP/d" --members 0
t_absent rsdemo_usage_creates_nothing "$T_TMP/d"
t_expect_exit 0 rsdemo_json "$RSDEMO" create "$T_TMP/d" --values 5 --members 1 --json
t_json rsdemo_json_is_one_object "$T_OUT"
t_grep rsdemo_json_fields "$T_OUT" '^\{"command":"create","ok":true,"config":"[^"]+member1/rsreportserver.conf","waiting_config":null,"values":5,"members":1\}$'
t_no_grep rsdemo_no_progress_on_pipe "$T_ERR" 'Creating demo'
t_expect_exit "$EX_EXISTS" rsdemo_refuses_non_empty_dir "$RSDEMO" create "$T_TMP/d"
t_grep rsdemo_non_empty_says_so "$T_ERR" 'not empty'
t_expect_exit 0 rsdemo_text "$RSDEMO" create "$T_TMP/d2" --values 5
t_grep rsdemo_text_waiting_config "$T_OUT" 'member2/rsreportserver.conf'
t_grep rsdemo_text_export_hint "$T_OUT" "^export RSCONFIG=$T_TMP/d2/member1/rsreportserver.conf\$"
# shellcheck disable=SC2016
t_expect_exit 0 rsdemo_relative_dir sh -c 'cd "$1" && "$2" create rel --values 5' sh "$T_TMP" "$RSDEMO"
t_grep rsdemo_relative_dir_absolute_hint "$T_OUT" "^export RSCONFIG=/.*/rel/member1/rsreportserver.conf\$"

t_done
