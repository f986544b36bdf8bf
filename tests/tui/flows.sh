#!/bin/sh
# SPDX-License-Identifier: ISC
# flows.sh (issue 18), at 80x24 and 120x40: Initialize on an instance that
# is not in the database yet, and on a database file that does not exist
# yet; Add Server's confirmation shows the key
# fingerprint that rskeymgmt --status prints on the waiting server; a
# cancelled Remove logs [skipped]; counts in the singular ("1 servers"
# nowhere); the Status page after Service Account has whole corners (and
# the entry row its borders); German columns, page names and buttons are
# not cut or run together at 80x24.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"
# shellcheck source=../i18n/doclib.sh
. "$RS_SRCDIR/tests/i18n/doclib.sh"

NAV=24   # ui/app.c NAV_WIDTH: the page area starts in column 25

# new_instance DIR NAME: a config for an instance of DIR's demo database
# that was never initialized (no member row, no key pair).
new_instance() {
	mkdir -p "$1/$2"
	cat >"$1/$2/rsreportserver.conf" <<CONF
installation_id = $(cat /proc/sys/kernel/random/uuid)
machine         = $(sed -n 's/^machine *= *//p' "$1/member1/rsreportserver.conf")
instance        = $2
database        = ../reportserver.db
service_account = $(id -un)
keystore        = keys
runtime         = keys.run
audit_log       = ../reportserver.db-audit.log
CONF
	chmod 0640 "$1/$2/rsreportserver.conf"
}

# corner NAME ROW-PATTERN CHAR-LEFT CHAR-RIGHT OFFSET: the line OFFSET
# lines below the first line matching ROW-PATTERN starts the page area
# with CHAR-LEFT and ends the window with CHAR-RIGHT.
corner() {
	_got=$(awk -v pat="$2" -v off="$5" -v c="$((NAV + 1))" -v w="$W" '
	    { line[NR] = $0 }
	    found == 0 && index($0, pat) { found = NR }
	    END { if (found) {
		l = line[found + off]; printf "%s%s", substr(l, c, 1), substr(l, w, 1) } }' \
	    "$TUI_SCREEN")
	t_equal "$1" "$_got" "$3$4"
}

for size in 80x24 120x40; do
	W=${size%x*} H=${size#*x}
	TUI_W=$W TUI_H=$H
	export TUI_W TUI_H
	D=$T_TMP/demo$W
	t_demo "$D" 20 2
	M1=$DEMO_CONF
	new_instance "$D" NEWINST
	NEW=$D/NEWINST/rsreportserver.conf
	MACHINE=$(sed -n 's/^machine *= *//p' "$M1")

	# ---- Initialize ----
	DEMO_CONF=$NEW
	tui_start -- || { t_fail "start_$W" "rsconfig did not start"; continue; }
	t_screen "init_reason_in_words_$W" "not in the report server database"
	tui_capture
	t_no_grep "init_no_code_$W" "$TUI_SCREEN" 'not-initialized'
	t_no_grep "init_not_sent_to_cli_$W" "$TUI_SCREEN" 'Run rskeymgmt --init'
	tui_keys Tab Right Right Right Enter
	t_screen "init_result_$W" "NEWINST is waiting to join" 30
	t_screen "init_status_shows_waiting_$W" "waiting to join the scale-out"
	tui_capture
	t_no_grep "init_reason_gone_$W" "$TUI_SCREEN" 'not in the report server database'
	tui_stop
	t_expect_exit "$EX_NOT_ACTIVATED" "init_cli_agrees_$W" "$RSKEYMGMT" \
	    -c "$NEW" --status --json
	t_grep "init_cli_waiting_$W" "$T_OUT" '"activation":"waiting-to-join"'
	FP=$(json_field "$T_OUT" fingerprint)
	t_grep "status_json_fingerprint_$W" "$T_OUT" '"fingerprint":"[0-9a-f:]{32,}"'
	t_expect_exit "$EX_NOT_ACTIVATED" "status_text_$W" "$RSKEYMGMT" -c "$NEW" --status
	t_grep "status_text_fingerprint_$W" "$T_OUT" "^Key fingerprint: +$FP\$"

	# ---- Add Server: the same fingerprint, then joined ----
	DEMO_CONF=$M1
	tui_start -- || { t_fail "start2_$W" "rsconfig did not start"; continue; }
	tui_page 3
	t_screen "scaleout_count_$W" "scale-out deployment of 3 servers"
	# The table's rows are in --list's order: down to NEWINST's row.
	tui_keys Tab
	"$RSKEYMGMT" -c "$M1" --list | tail -n +2 | grep -n NEWINST | cut -d: -f1 >"$T_TMP/row"
	_i=1
	while [ "$_i" -lt "$(cat "$T_TMP/row")" ]; do
		tui_keys Down
		_i=$((_i + 1))
	done
	tui_keys Tab Enter
	t_screen "add_confirm_names_$W" "Give $MACHINE\\NEWINST a copy"
	t_screen "add_confirm_fingerprint_$W" "Key fingerprint: $FP"
	t_screen "add_confirm_id_$W" "$(sed -n 's/^installation_id *= *//p' "$NEW")"
	t_screen "add_confirm_how_$W" "Compare the fingerprint with"
	tui_keys Left Enter
	t_screen "add_result_machine_instance_$W" "$MACHINE\\NEWINST joined the scale-out" 30
	t_expect_exit 0 "added_is_activated_$W" "$RSKEYMGMT" -c "$NEW" --status

	# ---- Remove, cancelled: named, and a [skipped] line ----
	tui_keys Right Enter
	t_screen "remove_names_$W" "before removing $MACHINE\\NEWINST?"
	tui_keys Right Right Enter
	t_screen "remove_cancel_skipped_$W" "[skipped] $MACHINE\\NEWINST was not removed"
	# Back up now (the default): the backup names the server, and
	# cancelling it logs under Remove's own heading (the backup used to
	# clear the Results and say nothing of the server).
	tui_keys Enter
	t_screen "remove_asks_backup_$W" "Back up the encryption key before removing"
	tui_keys Enter
	t_screen "remove_backup_names_$W" "Backup before removing $MACHINE\\NEWINST"
	tui_keys Escape
	t_screen "remove_backup_cancel_skipped_$W" "[skipped] $MACHINE\\NEWINST was not removed"
	t_screen "remove_keeps_heading_$W" "Remove server"
	tui_capture
	t_no_grep "no_1_servers_$W" "$TUI_SCREEN" '(^|[^0-9])1 servers|servers\)'

	# ---- Service Account, then Status: whole corners ----
	tui_keys Escape Up
	t_screen "account_page_$W" "New account:"
	tui_keys Tab
	tui_type someone
	tui_capture
	corner "entry_row_borders_$W" "New account:" x x 0
	tui_keys Escape Up Up
	t_screen "status_again_$W" "Initialize"
	tui_capture
	corner "status_buttons_top_$W" "Initialize" l k -1
	corner "status_buttons_side_$W" "Initialize" x x 0
	corner "status_buttons_bottom_$W" "Initialize" m j 1
	tui_keys C-l
	sleep 0.3
	t_screen "ctrl_l_redraws_$W" "Initialize"
	corner "ctrl_l_corners_$W" "Initialize" m j 1
	tui_stop
done

# ---- no database file yet: rsconfig offers Initialize (as --init) ----
# Quit is the default and leaves nothing behind (exit 15, the CLI's
# "no report server database"); Initialize makes the database, the key
# and this instance's key pair, and opens on an activated Status page.
for size in 80x24 120x40; do
	W=${size%x*} H=${size#*x}
	TUI_W=$W TUI_H=$H
	F=$T_TMP/fresh$W
	mkdir -p "$F/FRESH"
	sed 's/^machine .*/machine = fresh/' "$NEW" >"$F/FRESH/rsreportserver.conf"
	chmod 0640 "$F/FRESH/rsreportserver.conf"
	DEMO_CONF=$F/FRESH/rsreportserver.conf
	TUI_NOWAIT=1 tui_start --
	# (The paths may wrap: the screen joined, borders and spaces dropped.)
	t_screen "nodb_offers_init_$W" "There is no report server database at"
	t_screen "nodb_says_what_init_does_$W" "Initialize creates it"
	tr -d ' x\n' <"$TUI_SCREEN" >"$T_TMP/joined"
	t_grep "nodb_names_database_$W" "$T_TMP/joined" "$(printf %s "$F/reportserver.db" | tr -d x)yet"
	t_grep "nodb_names_config_$W" "$T_TMP/joined" "databaselinein$(printf %s "$DEMO_CONF" | tr -d x)"
	tui_tmux capture-pane -t 0 -e -p >"$T_TMP/attr"
	t_grep "nodb_quit_is_default_$W" "$T_TMP/attr" "$(printf '\033')\[1;7mQuit"
	tui_keys Enter
	t_equal "nodb_quit_exit_$W" "$(tui_exit_status)" 15
	t_screen "nodb_quit_says_why_$W" "no report server database at"
	t_absent "nodb_quit_makes_nothing_$W" "$F/reportserver.db"
	TUI_NOWAIT=1 tui_start --
	tui_wait "There is no report server database" 10
	tui_keys Left Enter
	t_screen "nodb_init_opens_frame_$W" "Report Server Configuration Manager" 30
	t_screen "nodb_init_result_$W" "fresh\\NEWINST is initialized and holds the key"
	t_screen "nodb_init_activated_$W" "Activation:      Activated"
	tui_keys F10
	t_equal "nodb_init_exit_$W" "$(tui_exit_status)" 0
	t_expect_exit 0 "nodb_init_cli_activated_$W" "$RSKEYMGMT" -c "$DEMO_CONF" --status
done

# ---- one server: "single server", never "(1 servers)" ----
TUI_W=80 TUI_H=24
t_demo "$T_TMP/one" 5 1
tui_start -- || { t_fail start_one "rsconfig did not start"; t_done; }
tui_page 3
t_screen single_server "Mode: single server"
tui_capture
t_no_grep single_no_count "$TUI_SCREEN" 'servers\)|1 servers'
tui_stop

# ---- German: "Wartet auf Beitritt" whole, a space before Service ----
LOC=$(doc_de_locale)
if [ -z "$LOC" ]; then
	t_skip german_columns "no de_DE.UTF-8 locale"
elif ! doc_catalog "$T_TMP/locale"; then
	t_fail german_catalog "neither msgfmt nor po/de.gmo"
else
	t_demo "$T_TMP/de" 5 2
	TUI_NOWAIT=1 tui_start LANG="$LOC" LC_ALL="$LOC" LANGUAGE= \
	    RSCONFIG_LOCALEDIR="$T_TMP/locale" --
	t_screen german_started "Berichtsserver-Konfigurations-Manager" 10
	# The navigation is as wide as the longest page name; the Status
	# page's buttons stand apart (they ran together: "AktualisierenDienst
	# startenDienst beenden...").
	tui_capture
	t_grep german_nav_whole "$TUI_SCREEN" '^xVerschluesselte Inhalte *x'
	t_grep german_status_buttons_apart "$TUI_SCREEN" \
	    'Aktualisieren  +Starten  +Stoppen  +Initialisieren '
	tui_page 3
	t_screen german_waiting_whole "Wartet auf Beitritt "
	tui_capture
	t_grep german_column_gap "$TUI_SCREEN" 'Wartet auf Beitritt +[^ ]'
	# Server and Instance get what their names need: no "RSDEMO" cut.
	t_grep german_instance_whole "$TUI_SCREEN" 'RSDEMO1 +Beigetreten'
	t_grep german_instance2_whole "$TUI_SCREEN" 'RSDEMO2 +Wartet auf Beitritt'
	# Encrypted Content: each kind with its three counts on its line (the
	# German kinds pushed the counts onto a line of their own).
	tui_keys Down Down
	t_screen german_content_page "Lesbar"
	tui_capture
	for kind in Verbindungszeichenfolge 'gespeicherte Anmeldedaten' \
	    UEbermittlungseinstellungen; do
		t_grep "german_counts_$(echo "$kind" | cut -c1-8)" "$TUI_SCREEN" \
		    "$kind +[0-9]+ +[0-9]+ +[0-9]+ +x\$"
	done
	tui_nothing_cut german_content_fits
	tui_stop
fi
t_done
