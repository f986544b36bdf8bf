#!/bin/sh
# SPDX-License-Identifier: ISC
# completion.sh: the bash completion of rskeymgmt completes its options,
# files after -c and -f, and members' installation IDs after --join; those
# of rsconfig and rsserverd their options and files after -c; all three
# complete files after "--config=" (which bash splits at the "=").
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

if ! command -v bash >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - bash is not installed"
	exit 77
fi

# complete WORDS...: the completions bash offers for the last word of
# "rskeymgmt WORDS..." (the words after the program), one per line.
complete_words() {
	# shellcheck disable=SC2016
	(cd "$T_TMP" && PATH="$RS_BUILDDIR/src:$PATH" bash --norc --noprofile -c '
	    . "$1"; shift
	    COMP_WORDS=(rskeymgmt "$@"); COMP_CWORD=$#
	    COMP_LINE="rskeymgmt $*"; COMP_POINT=${#COMP_LINE}
	    _rskeymgmt rskeymgmt "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	    printf "%s\n" "${COMPREPLY[@]}"' bash "$RS_SRCDIR/completions/rskeymgmt" "$@")
}

complete_words --re >"$T_TMP/re"
t_equal completes_re "$(sort "$T_TMP/re" | tr '\n' ' ')" "--recipient --reencrypt --remove --replace "
complete_words --ex >"$T_TMP/ex"
t_equal completes_ex "$(cat "$T_TMP/ex")" "--extract"
complete_words --pass >"$T_TMP/pass"
t_equal completes_password_options "$(sort "$T_TMP/pass" | tr '\n' ' ')" "--password-fd --password-file "

# Every long option of --help is offered for a bare "--".
complete_words -- >"$T_TMP/all"
"$RSKEYMGMT" --help | sed -n 's/^ *\(-[A-Za-z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' |
    sort -u >"$T_TMP/help_opts"
missing=$(sort -u "$T_TMP/all" | comm -13 - "$T_TMP/help_opts" | tr '\n' ' ')
t_equal completes_every_help_option "$missing" ""

# Files after -c, --config and -f.
mkdir "$T_TMP/etc"
: >"$T_TMP/etc/rsreportserver.conf"
: >"$T_TMP/etc/other.conf"
complete_words -c etc/rs >"$T_TMP/c"
t_equal completes_config_file "$(cat "$T_TMP/c")" "etc/rsreportserver.conf"
complete_words --status --config etc/o >"$T_TMP/c2"
t_equal completes_config_long "$(cat "$T_TMP/c2")" "etc/other.conf"
complete_words -e -f et >"$T_TMP/f"
t_equal completes_backup_file "$(cat "$T_TMP/f")" "etc"

# --config=<TAB>: bash hands over "--config" "=" "etc/o" (COMP_WORDBREAKS).
complete_words --status --config = etc/o >"$T_TMP/c3"
t_equal completes_config_equals "$(cat "$T_TMP/c3")" "etc/other.conf"
complete_words --config = >"$T_TMP/c4"
t_grep completes_config_equals_empty "$T_TMP/c4" '^etc$'

# complete_prog PROG WORDS...: the same for rsconfig and rsserverd.
complete_prog() {
	# shellcheck disable=SC2016
	(cd "$T_TMP" && PATH="$RS_BUILDDIR/src:$PATH" bash --norc --noprofile -c '
	    p=$1; . "$2"; shift 2
	    COMP_WORDS=("$p" "$@"); COMP_CWORD=$#
	    COMP_LINE="$p $*"; COMP_POINT=${#COMP_LINE}
	    "_$p" "$p" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	    printf "%s\n" "${COMPREPLY[@]}"' bash "$1" "$RS_SRCDIR/completions/$1" "$@")
}
for p in rsconfig rsserverd; do
	[ -x "$RS_BUILDDIR/src/$p" ] || continue
	complete_prog "$p" -- >"$T_TMP/$p.all"
	LC_ALL=C "$RS_BUILDDIR/src/$p" --help |
	    sed -n 's/^ *\(-[A-Za-z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' |
	    sort -u >"$T_TMP/$p.help"
	t_equal "${p}_completes_every_option" "$(sort -u "$T_TMP/$p.all" | tr '\n' ' ')" \
	    "$(tr '\n' ' ' <"$T_TMP/$p.help")"
	complete_prog "$p" --ver >"$T_TMP/$p.ver"
	t_equal "${p}_completes_version" "$(cat "$T_TMP/$p.ver")" "--version"
	complete_prog "$p" -c etc/rs >"$T_TMP/$p.c"
	t_equal "${p}_completes_config_file" "$(cat "$T_TMP/$p.c")" "etc/rsreportserver.conf"
	complete_prog "$p" --config = etc/o >"$T_TMP/$p.eq"
	t_equal "${p}_completes_config_equals" "$(cat "$T_TMP/$p.eq")" "etc/other.conf"
done
complete_prog rsserverd --log-file et >"$T_TMP/log"
t_equal rsserverd_completes_log_file "$(cat "$T_TMP/log")" "etc"
complete_prog rsserverd --heartbeat "" >"$T_TMP/beat"
t_equal rsserverd_heartbeat_no_files "$(cat "$T_TMP/beat")" ""
t_grep completions_installed "$RS_SRCDIR/doc/doc.mk" 'completions/rsconfig'

# Installation IDs of the members after --join, from the config on the line.
t_demo "$T_TMP/demo" 5 2
waiting=$("$RSKEYMGMT" -c "$DEMO_WAIT" --status --json 2>/dev/null | json_field /dev/stdin installation_id)
complete_words -c "$DEMO_CONF" --join "" >"$T_TMP/ids"
t_grep completes_member_ids "$T_TMP/ids" "^$waiting\$"
t_equal completes_two_members "$(wc -l <"$T_TMP/ids" | tr -d ' ')" 2

t_done
