#!/bin/sh
# SPDX-License-Identifier: ISC
# manpages.sh: every man page passes mandoc's lint with no warning; every
# long option in a program's --help is in its page; every exit status of
# core/err.h is in rskeymgmt(8); every config key is in
# rsreportserver.conf(5); every program has --help and --version.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=doclib.sh
. "$RS_SRCDIR/tests/i18n/doclib.sh"

MAN=$RS_BUILDDIR/doc
page_of() {
	case $1 in
	rsdemo) echo "$MAN/rsdemo.1" ;;
	*) echo "$MAN/$1.8" ;;
	esac
}

# Plain text of a page: mandoc's rendering without overstrikes.
render() {
	mandoc -T ascii "$1" 2>/dev/null | sed 's/.\x08//g' >"$2"
}

if ! command -v mandoc >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - mandoc is not installed (apt-get install mandoc)"
	exit 77
fi

for page in rsconfig.8 rskeymgmt.8 rsserverd.8 rsdemo.1 rsreportserver.conf.5; do
	if [ ! -f "$MAN/$page" ]; then
		t_fail "exists_$page" "$MAN/$page was not built"
		continue
	fi
	mandoc -T lint -W warning "$MAN/$page" >"$T_TMP/lint" 2>&1
	t_no_grep "lint_$page" "$T_TMP/lint" 'WARNING|ERROR|UNSUPP|BADARG'
	t_no_grep "substituted_$page" "$MAN/$page" '@[a-zA-Z]+@'
done

for entry in $(doc_programs); do
	prog=${entry%%:*} bin=${entry#*:}
	t_expect_exit 0 "${prog}_help" "$bin" --help
	cp "$T_OUT" "$T_TMP/help"
	t_expect_exit 0 "${prog}_version" "$bin" --version
	t_grep "${prog}_version_text" "$T_OUT" "^$prog .*[0-9]+\.[0-9]+"
	page=$(page_of "$prog")
	if [ ! -f "$page" ]; then
		t_fail "${prog}_page" "no $page"
		continue
	fi
	render "$page" "$T_TMP/page"
	# Long options as --help shows them, at the start of an option line.
	sed -n 's/^ *\(-[A-Za-z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' \
	    "$T_TMP/help" | sort -u >"$T_TMP/opts"
	grep -Eo -- '--(help|version)' "$T_TMP/help" | sort -u >>"$T_TMP/opts"
	missing=
	while read -r opt; do
		grep -Fq -- "$opt" "$T_TMP/page" || missing="$missing $opt"
	done <<-EOT
	$(sort -u "$T_TMP/opts")
	EOT
	t_equal "${prog}_page_has_every_option" "$missing" ""
	[ "$(wc -l <"$T_TMP/opts")" -ge 2 ] ||
	    t_fail "${prog}_help_options_read" "found no options in --help"
done

# Exit statuses: each "status name" of core/err.h in rskeymgmt(8).
render "$MAN/rskeymgmt.8" "$T_TMP/rskeymgmt"
sed -n 's/^[[:space:]]*X(\(RS_[A-Z_]*\), *\([0-9]*\), *"\([a-z-]*\)".*/\2 \3/p' \
    "$RS_SRCDIR/core/err.h" >"$T_TMP/codes"
missing=
while read -r status name; do
	grep -Eq "^ +$status +$name: " "$T_TMP/rskeymgmt" ||
	    missing="$missing $status:$name"
done <"$T_TMP/codes"
t_equal rskeymgmt_page_lists_every_exit_status "$missing" ""

# Config keys: each key of core/instance.c's table in rsreportserver.conf(5).
render "$MAN/rsreportserver.conf.5" "$T_TMP/conf"
sed -n 's/^[[:space:]]*KEY(\([a-z_]*\),.*/\1/p' "$RS_SRCDIR/core/instance.c" \
    >"$T_TMP/keys"
[ -s "$T_TMP/keys" ] || t_fail config_keys_read "no KEY() lines in core/instance.c"
missing=
while read -r key; do
	grep -Eq "^ +$key\$" "$T_TMP/conf" || missing="$missing $key"
done <"$T_TMP/keys"
t_equal config_page_lists_every_key "$missing" ""

# The sample config is one the tools accept.
if [ -f "$RS_BUILDDIR/doc/rsreportserver.conf.example" ]; then
	cp "$RS_BUILDDIR/doc/rsreportserver.conf.example" "$T_TMP/sample.conf"
	chmod 600 "$T_TMP/sample.conf"
	t_run "$RSKEYMGMT" -c "$T_TMP/sample.conf" --status
	t_no_grep sample_config_parses "$T_ERR" 'sample\.conf(:[0-9]+)?: '
else
	t_fail sample_config_built "no doc/rsreportserver.conf.example"
fi

t_done
