#!/bin/sh
# SPDX-License-Identifier: ISC
# rsconfig's command line (getopt_long): -h/--help, -V/--version,
# -c FILE, --config FILE, --config=FILE, "--", and a one-line usage error
# with "Try 'rsconfig --help'" and exit status 2.  Without a terminal it
# says so and exits 2, as rsconfig(8) states.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

RSCONFIG_BIN=$RS_BUILDDIR/src/rsconfig
for opt in -h --help; do
	t_expect_exit 0 "help$opt" "$RSCONFIG_BIN" "$opt"
	t_grep "help_text$opt" "$T_OUT" '^Usage: rsconfig'
done
for opt in -V --version; do
	t_expect_exit 0 "version$opt" "$RSCONFIG_BIN" "$opt"
	t_grep "version_text$opt" "$T_OUT" '^rsconfig [0-9]+\.[0-9]+'
done
t_grep help_names_short_version "$RS_SRCDIR/doc/rsconfig.8.in" '^\.It Fl V , Fl -version$'

t_expect_exit "$EX_USAGE" unknown_long "$RSCONFIG_BIN" --x
t_equal unknown_long_message "$(cat "$T_ERR")" "rsconfig: unrecognized option '--x'
Try 'rsconfig --help' for more information."
t_expect_exit "$EX_USAGE" unknown_short "$RSCONFIG_BIN" -q
t_equal unknown_short_message "$(head -n 1 "$T_ERR")" "rsconfig: invalid option -- 'q'"
t_expect_exit "$EX_USAGE" config_needs_file "$RSCONFIG_BIN" --config
t_grep config_needs_file_message "$T_ERR" "^rsconfig: option '--config' requires an argument$"
t_expect_exit "$EX_USAGE" no_arguments "$RSCONFIG_BIN" -- extra
t_grep no_arguments_message "$T_ERR" "^rsconfig: unexpected argument 'extra'$"
t_grep usage_error_says_try "$T_ERR" "^Try 'rsconfig --help' for more information\.$"

# Each form of the config option reaches the config (a missing one: 8).
for form in "-c $T_TMP/none.conf" "--config $T_TMP/none.conf" \
    "--config=$T_TMP/none.conf" "-c$T_TMP/none.conf"; do
	# shellcheck disable=SC2086
	t_expect_exit "$EX_CONFIG" "config_form_${form%% *}" "$RSCONFIG_BIN" $form
	t_grep "config_form_read_${form%% *}" "$T_ERR" "none\.conf"
done

# A usable config but no terminal: the exit status rsconfig(8) gives.
t_demo "$T_TMP/demo" 1 1
t_expect_exit "$EX_USAGE" no_terminal "$RSCONFIG_BIN" -c "$DEMO_CONF" -- </dev/null
t_grep no_terminal_message "$T_ERR" 'needs a terminal'
t_grep manual_no_terminal_status "$RS_SRCDIR/doc/rsconfig.8.in" \
    'and when there is no usable terminal'
t_done
