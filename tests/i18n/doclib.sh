# SPDX-License-Identifier: ISC
# tests/i18n/doclib.sh: helpers of the issue-8 tests (translations, man
# pages, completion, JSON document).  Sourced after tests/lib.sh.
# shellcheck shell=sh

# Every program this build made, as NAME:PATH (rsserverd only once it exists).
doc_programs() {
	for _p in rsconfig rskeymgmt rsdemo rsserverd; do
		[ -x "$RS_BUILDDIR/src/$_p" ] && echo "$_p:$RS_BUILDDIR/src/$_p"
	done
}

# doc_catalog DIR: compiles po/de.po into DIR/de/LC_MESSAGES/rsconfig.mo
# (the programs find it through RSCONFIG_LOCALEDIR=DIR); falls back on the
# distributed po/de.gmo.  Returns 1 when neither works.
doc_catalog() {
	mkdir -p "$1/de/LC_MESSAGES" || return 1
	if command -v msgfmt >/dev/null 2>&1 &&
	    msgfmt -o "$1/de/LC_MESSAGES/rsconfig.mo" "$RS_SRCDIR/po/de.po" 2>/dev/null; then
		return 0
	fi
	[ -f "$RS_SRCDIR/po/de.gmo" ] &&
	    cp "$RS_SRCDIR/po/de.gmo" "$1/de/LC_MESSAGES/rsconfig.mo"
}

# A German UTF-8 locale, or nothing.
doc_de_locale() {
	locale -a 2>/dev/null | grep -Eix 'de_DE\.utf-?8' | head -n 1
}
