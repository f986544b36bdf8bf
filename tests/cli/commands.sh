#!/bin/sh
# SPDX-License-Identifier: ISC
# commands.sh: every entry of rskeymgmt's table (as its hidden
# --list-options prints it) is parsed, documented in --help, offered by the
# bash completion, and a command names itself in its JSON.  A command added
# to the table and forgotten in one of these places fails here.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

NONE=$T_TMP/none.conf
ID=00000000-0000-4000-8000-000000000000

t_expect_exit 0 list_options_exits_zero "$RSKEYMGMT" --list-options
cp "$T_OUT" "$T_TMP/table"
t_no_grep list_options_is_hidden "$T_TMP/table" '^--list-options'
t_equal list_options_has_every_command \
    "$(grep -c "$(printf '\tcommand\t')" "$T_TMP/table")" 20
t_expect_exit 0 help_exits_zero "$RSKEYMGMT" --help
cp "$T_OUT" "$T_TMP/help"

# The words bash offers for "rskeymgmt --", one per line.
if command -v bash >/dev/null 2>&1; then
	# shellcheck disable=SC2016
	PATH="$RS_BUILDDIR/src:$PATH" bash --norc --noprofile -c '
	    . "$1"; COMP_WORDS=(rskeymgmt --); COMP_CWORD=1
	    _rskeymgmt rskeymgmt -- rskeymgmt
	    printf "%s\n" "${COMPREPLY[@]}"' bash \
	    "$RS_SRCDIR/completions/rskeymgmt" >"$T_TMP/words"
	COMPLETION=yes
else
	t_skip completion_words "bash is not installed"
	COMPLETION=
fi

# A value the parser accepts for an option's argument.
sample_arg() {
	case $1 in
	ID|USER|NAME) echo "$ID" ;;
	CONNINFO) echo "dbname=none" ;;
	N) echo 0 ;;
	SECONDS) echo 5 ;;
	*) echo "$T_TMP/file" ;;
	esac
}

# A command with a missing config gets as far as the config: the parser
# took its option (and -f, --yes, an argument where it needs them).
check_command() { # NAME ARG SHORT
	if [ -n "$2" ]; then
		set -- "$1" "$(sample_arg "$2")" "$3"
	fi
	t_expect_exit "$EX_CONFIG" "parses_$1" "$RSKEYMGMT" -c "$NONE" --yes \
	    -f "$T_TMP/file" "--$1" ${2:+"$2"}
	t_grep "parses_${1}_to_the_config" "$T_ERR" 'none\.conf'
	t_no_grep "parses_${1}_option" "$T_ERR" 'unrecognized|needs an argument'
	t_expect_exit "$EX_CONFIG" "json_names_$1" "$RSKEYMGMT" -c "$NONE" \
	    --yes -f "$T_TMP/file" --json "--$1" ${2:+"$2"}
	t_grep "json_command_$1" "$T_OUT" "^\\{\"command\":\"$1\",\"ok\":false"
	if [ -n "$3" ]; then
		t_expect_exit "$EX_CONFIG" "parses_short_$1" "$RSKEYMGMT" \
		    -c "$NONE" --yes -f "$T_TMP/file" "$3" ${2:+"$2"}
	fi
}

# An option joins a command without an error of its own.
check_option() { # NAME ARG SHORT
	case $1 in
	help|version) want=0 ;;
	*) want=$EX_CONFIG ;;
	esac
	if [ -n "$2" ]; then
		set -- "$1" "$(sample_arg "$2")" "$3"
	fi
	t_expect_exit "$want" "parses_$1" "$RSKEYMGMT" -c "$NONE" --status \
	    "--$1" ${2:+"$2"}
	t_no_grep "parses_${1}_option" "$T_ERR" 'unrecognized|needs an argument'
	if [ -n "$3" ]; then
		t_expect_exit "$want" "parses_short_$1" "$RSKEYMGMT" -c "$NONE" \
		    --status "$3" ${2:+"$2"}
	fi
}

# Fields split at "|": tabs are white space to read, empty ones would merge.
tr '\t' '|' <"$T_TMP/table" >"$T_TMP/fields"
while IFS='|' read -r long kind arg short; do
	name=${long#--}
	if [ "$kind" = command ]; then
		check_command "$name" "$arg" "$short"
	else
		check_option "$name" "$arg" "$short"
	fi
	t_grep "help_documents_$name" "$T_TMP/help" "(^|[ (])--$name([ ]|\$)"
	if [ -n "$short" ]; then
		t_grep "help_documents_short_$name" "$T_TMP/help" "^  $short, --$name"
	fi
	if [ -n "$COMPLETION" ]; then
		t_grep "completes_$name" "$T_TMP/words" "^--$name\$"
	fi
done <"$T_TMP/fields"

t_done
