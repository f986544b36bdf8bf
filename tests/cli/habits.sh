#!/bin/sh
# SPDX-License-Identifier: ISC
# habits.sh: rskeymgmt.exe's flags.  -? is help; -p -i -m -n -u -v -t say
# in one line what to use instead and exit 2, before any config is read;
# none of them is offered by --help or the completion.  Also: rsdemo
# create makes missing parent folders, as mkdir -p would.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

NONE=$T_TMP/none.conf

t_expect_exit 0 question_mark_is_help "$RSKEYMGMT" '-?'
t_grep question_mark_prints_usage "$T_OUT" '^Usage: rskeymgmt '
cp "$T_OUT" "$T_TMP/help"
t_expect_exit 0 list_options "$RSKEYMGMT" --list-options
cp "$T_OUT" "$T_TMP/table"
# Unknown options stay unknown (getopt also says '?' for them).
t_expect_exit "$EX_USAGE" unknown_short_still_unknown "$RSKEYMGMT" -x
t_grep unknown_short_message "$T_ERR" "unrecognized option"
t_no_grep unknown_short_no_help "$T_OUT" 'Usage:'
t_expect_exit "$EX_USAGE" unknown_long_still_unknown "$RSKEYMGMT" --bogus
t_no_grep unknown_long_no_help "$T_OUT" 'Usage:'

# habit FLAG PATTERN: the flag (with an argument, as rskeymgmt.exe takes
# it) exits 2 with its explanation on one line of its own.
habit() {
	t_expect_exit "$EX_USAGE" "habit_$1_exits_2" "$RSKEYMGMT" -c "$NONE" \
	    -l "-$1" value
	t_grep "habit_$1_explains" "$T_ERR" "^rskeymgmt: -$1: $2"
	t_no_grep "habit_$1_not_unrecognized" "$T_ERR" 'unrecognized'
	t_no_grep "habit_$1_before_config" "$T_ERR" 'none\.conf'
	t_no_grep "habit_$1_not_in_help" "$T_TMP/help" "^ +-$1,"
	t_no_grep "habit_$1_not_completed" "$T_TMP/table" "	-$1\$"
}
habit p 'passwords are never taken from the command line; use --password-file'
habit i '.*-c FILE'
habit m '.*--init on the new server.*--join ID'
habit n '.*--init on the new server.*--join ID'
habit u '.*--init on the new server.*--join ID'
habit v '.*passwords are never taken from the command line'
habit t '.*audit log'
# The password given after -p is never echoed back.
t_expect_exit "$EX_USAGE" habit_p_secret "$RSKEYMGMT" -p 'S3cret!pw'
t_no_grep habit_p_no_echo "$T_ERR" 'S3cret'
# German, with the catalogue built from po/de.po.
. "$RS_SRCDIR/tests/i18n/doclib.sh"
LOC=$(doc_de_locale)
if [ -n "$LOC" ] && doc_catalog "$T_TMP/locale"; then
	t_expect_exit "$EX_USAGE" habit_p_german env LANG="$LOC" LC_ALL="$LOC" \
	    LANGUAGE= RSCONFIG_LOCALEDIR="$T_TMP/locale" "$RSKEYMGMT" -p
	t_grep habit_p_german_text "$T_ERR" 'nie von der Kommandozeile'
else
	t_skip habit_p_german "no de_DE.UTF-8 locale or no catalogue"
fi

# rsdemo create new/demo with no "new": made, as mkdir -p would.
# (A parent that is a file: exit 16, RS_ERR_IO, naming the path.)
t_expect_exit 0 demo_missing_parent "$RSDEMO" create "$T_TMP/new/deeper/demo" \
    --values 3 --members 1
t_grep demo_missing_parent_config "$T_OUT" '^export RSCONFIG='
if [ -d "$T_TMP/new/deeper/demo/member1" ]; then
	t_ok demo_missing_parent_made
else
	t_fail demo_missing_parent_made "no $T_TMP/new/deeper/demo/member1"
fi
t_equal demo_folder_private "$(stat -c %a "$T_TMP/new/deeper/demo")" 700
: >"$T_TMP/afile"
t_expect_exit 16 demo_parent_is_a_file "$RSDEMO" create "$T_TMP/afile/demo" \
    --values 1 --members 1
t_grep demo_parent_is_a_file_says "$T_ERR" "afile/demo: Not a directory"

t_done
