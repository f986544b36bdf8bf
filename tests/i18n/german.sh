#!/bin/sh
# SPDX-License-Identifier: ISC
# german.sh: the German catalog is complete and used: rskeymgmt, rsdemo
# (and rsserverd) speak German in UTF-8 under LANG=de_DE.UTF-8, rsconfig
# speaks German in ASCII (narrow curses), JSON keeps its stable names.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=doclib.sh
. "$RS_SRCDIR/tests/i18n/doclib.sh"

# ---- the catalog itself: complete, checked, every source listed ----
if command -v msgfmt >/dev/null 2>&1; then
	if msgfmt -c --statistics -o /dev/null "$RS_SRCDIR/po/de.po" \
	    >"$T_TMP/stats" 2>&1; then
		t_ok catalog_checks
	else
		t_fail catalog_checks "$(head -c 300 "$T_TMP/stats")"
	fi
	t_no_grep catalog_no_untranslated "$T_TMP/stats" 'untranslated|fuzzy'
else
	t_skip catalog_checks "msgfmt is not installed"
fi

# POTFILES.in names every source file with a translatable string.
missing=
for f in "$RS_SRCDIR"/core/*.[ch] "$RS_SRCDIR"/ui/*.[ch] "$RS_SRCDIR"/src/*.c \
    "$RS_SRCDIR"/src/*/*.[ch]; do
	[ -f "$f" ] || continue
	rel=${f#"$RS_SRCDIR"/}
	grep -Eq '(^|[^A-Za-z0-9_])N?_\("' "$f" || continue
	grep -qx "$rel" "$RS_SRCDIR/po/POTFILES.in" || missing="$missing $rel"
done
t_equal potfiles_lists_every_source "$missing" ""

# Every message in the sources has a German translation.
if command -v xgettext >/dev/null 2>&1 && command -v msgcmp >/dev/null 2>&1; then
	(cd "$RS_SRCDIR" && grep -v '^#' po/POTFILES.in | grep . |
	    xargs xgettext --keyword=_ --keyword=N_ --from-code=UTF-8 \
	    -o "$T_TMP/now.pot" 2>/dev/null)
	if msgcmp "$RS_SRCDIR/po/de.po" "$T_TMP/now.pot" >"$T_TMP/cmp" 2>&1; then
		t_ok catalog_covers_sources
	else
		t_fail catalog_covers_sources "$(grep -c 'this message' "$T_TMP/cmp") messages without German: $(grep -A1 'this message' "$T_TMP/cmp" | head -n 6 | tr '\n' ' ')"
	fi
else
	t_skip catalog_covers_sources "xgettext or msgcmp is not installed"
fi

LOC=$(doc_de_locale)
if [ -z "$LOC" ]; then
	t_skip german_locale "no de_DE.UTF-8 locale (bash dev.sh test generates it)"
	t_done
fi
if ! doc_catalog "$T_TMP/locale"; then
	t_fail german_catalog_builds "neither msgfmt nor po/de.gmo"
	t_done
fi
# The programs under German, through t_run (which runs a command, not a
# function): "$@" of this set.
set -- env LANG="$LOC" LC_ALL="$LOC" LANGUAGE= RSCONFIG_LOCALEDIR="$T_TMP/locale"

# ---- rskeymgmt: German, UTF-8 ----
t_expect_exit 0 rskeymgmt_help_de "$@" "$RSKEYMGMT" --help
t_grep rskeymgmt_help_usage_de "$T_OUT" '^Aufruf: rskeymgmt BEFEHL'
t_grep rskeymgmt_help_commands_de "$T_OUT" '^Befehle \(genau einer\):'
t_grep rskeymgmt_help_utf8 "$T_OUT" 'Schlüssel'
t_grep rskeymgmt_help_exit_codes_de "$T_OUT" 'falsches Kennwort für die Sicherungsdatei'
t_expect_exit "$EX_CONFIG" rskeymgmt_error_de "$@" "$RSKEYMGMT" -c "$T_TMP/none.conf" --status
t_grep rskeymgmt_error_text_de "$T_ERR" 'Konfigurationsdatei .*none\.conf'

t_demo "$T_TMP/demo" 20 3
t_expect_exit 0 rskeymgmt_status_de "$@" "$RSKEYMGMT" -c "$DEMO_CONF" --status
t_grep rskeymgmt_status_text_de "$T_OUT" 'Dienstkonto:'
t_expect_exit 0 rskeymgmt_list_de "$@" "$RSKEYMGMT" -c "$DEMO_CONF" --list
t_grep rskeymgmt_list_joined_de "$T_OUT" 'Beigetreten'
t_grep rskeymgmt_list_waiting_de "$T_OUT" 'Wartet auf Beitritt'
t_grep rskeymgmt_list_header_de "$T_OUT" 'Installations-ID'
# Machine output does not change with the language.
t_expect_exit 0 rskeymgmt_json_de "$@" "$RSKEYMGMT" -c "$DEMO_CONF" --list --json
t_grep rskeymgmt_json_stable_names "$T_OUT" '"status":"waiting-to-join"'
printf 'kurz\n' >"$T_TMP/pw"
t_expect_exit "$EX_POLICY" rskeymgmt_policy_de "$@" "$RSKEYMGMT" -c "$DEMO_CONF" \
    --extract -f "$T_TMP/b.rskey" --password-file "$T_TMP/pw"
t_grep rskeymgmt_policy_text_de "$T_ERR" 'Das Kennwort muss einen Großbuchstaben'

# ---- rsdemo ----
t_expect_exit 0 rsdemo_help_de "$@" "$RSDEMO" --help
t_grep rsdemo_help_text_de "$T_OUT" '^Aufruf: rsdemo create VERZ'
t_expect_exit "$EX_USAGE" rsdemo_usage_de "$@" "$RSDEMO"
t_grep rsdemo_usage_text_de "$T_ERR" 'kein Befehl angegeben'

# ---- rsserverd, once it exists ----
if [ -x "$RS_BUILDDIR/src/rsserverd" ]; then
	t_expect_exit 0 rsserverd_help_de "$@" "$RS_BUILDDIR/src/rsserverd" --help
	t_grep rsserverd_help_text_de "$T_OUT" '^Aufruf: rsserverd'
fi

# ---- rsconfig: German through narrow curses, as ASCII ----
t_expect_exit 0 rsconfig_help_de "$@" "$RS_BUILDDIR/src/rsconfig" --help
t_grep rsconfig_help_text_de "$T_OUT" '^Aufruf: rsconfig'
t_no_grep rsconfig_help_ascii "$T_OUT" "$(printf '[\200-\377]')"
if command -v tmux >/dev/null 2>&1; then
	# shellcheck source=../tui/tuilib.sh
	. "$RS_SRCDIR/tests/tui/tuilib.sh"
	TUI_NOWAIT=1 tui_start LANG="$LOC" LC_ALL="$LOC" LANGUAGE= \
	    RSCONFIG_LOCALEDIR="$T_TMP/locale" --
	t_screen rsconfig_title_de "Berichtsserver-Konfigurations-Manager" 10
	t_screen rsconfig_nav_transliterated "Schluesselverwaltung"
	t_screen rsconfig_status_de "Aktiviert"
	tui_capture
	t_no_grep rsconfig_no_meta_escapes "$TUI_SCREEN" 'M-[A-Za-z]|~[A-Z]'
	tui_keys Down Down Down
	t_screen rsconfig_scaleout_de "Server hinzufuegen"
	tui_keys F1
	t_screen rsconfig_help_de "Hilfe: Horizontale Skalierung"
	tui_keys Escape
	tui_keys F10
	t_equal rsconfig_exits_de "$(tui_exit_status)" 0
	tui_stop
else
	t_skip rsconfig_tmux_de "tmux is not installed"
fi

t_done
