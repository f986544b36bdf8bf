#!/bin/sh
# SPDX-License-Identifier: ISC
# The Results history (issue 18): the pane grows with the window; a Delete
# lists every item to re-enter (over 1,000 lines, no cut); the full-screen
# viewer (r) scrolls with PgDn/End/Home, searches with / and n, and saves
# to a new file of mode 0600, refusing an existing one; at 80x24 and
# 120x40.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"

# The pane's rows at a size: from its title to its bottom border.
pane_rows() {
	awk '/Results  \(r: history/ { s = NR } s && /^mq/ && NR > s { print NR - s - 1; exit }' "$TUI_SCREEN"
}

t_demo "$T_TMP/demo" 100
TUI_W=80 TUI_H=24
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_capture
small=$(pane_rows)
tui_stop
TUI_W=120 TUI_H=40
tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_capture
large=$(pane_rows)
tui_stop
if [ -n "$small" ] && [ -n "$large" ] && [ "$large" -gt "$small" ]; then
	t_ok results_grow_with_window
else
	t_fail results_grow_with_window "rows at 80x24: $small, at 120x40: $large"
fi

viewer_at() {  # W H
	TUI_W=$1 TUI_H=$2
	s=${1}x$2
	t_demo "$T_TMP/demo$s" 2000 1
	DEMO_CONF=$T_TMP/demo$s/member1/rsreportserver.conf
	tui_start -- || { t_fail "start_$s" "rsconfig did not start"; return; }
	tui_page 1
	tui_keys Tab Right Right Right Enter
	tui_wait "ALL encrypted content"
	tui_keys Left Enter
	tui_wait "Type DELETE:"
	tui_type DELETE
	tui_keys Enter
	t_screen "delete_complete_$s" "Delete complete" 60
	t_screen "delete_offers_backup_now_$s" "Back up now"
	if [ "$s" = 80x24 ]; then
		# The button opens Backup for the new key; Close is the default.
		tui_keys Left Enter
		t_screen backup_now_opens_backup "Back up the key now in use"
		tui_keys Escape
	else
		tui_keys Enter
	fi
	tui_wait "Go there"
	tui_keys Right Enter
	tui_wait_gone "Go there" 5
	tui_keys r
	t_screen "viewer_opens_$s" "Results history (lines:"
	n=$(sed -n 's/.*Results history (lines: \([0-9]*\)).*/\1/p' "$TUI_SCREEN" | head -1)
	if [ "${n:-0}" -gt 1000 ]; then
		t_ok "viewer_holds_all_lines_$s"
	else
		t_fail "viewer_holds_all_lines_$s" "only ${n:-0} lines"
	fi
	t_screen "viewer_starts_at_top_$s" "Delete the encryption key and encrypted content"
	tui_keys NPage
	t_screen "viewer_pgdn_scrolls_$s" "rows $((TUI_H - 1))-"
	tui_keys End
	t_screen "viewer_end_shows_last_$s" "Created a new key"
	tui_keys Home
	t_screen "viewer_home_back_$s" "rows 1-"
	tui_type '/'
	tui_type 'delivery settings of Monthly'
	tui_keys Enter
	t_screen "viewer_search_finds_$s" 'Found "delivery settings of Monthly"'
	r1=$(sed -n 's/.*Found ".*" on row \([0-9]*\).*/\1/p' "$TUI_SCREEN")
	tui_keys n
	tui_wait_gone "on row $r1 " 5
	t_screen "viewer_search_next_$s" 'Found "delivery settings of Monthly"'
	r2=$(sed -n 's/.*Found ".*" on row \([0-9]*\).*/\1/p' "$TUI_SCREEN")
	if [ -n "$r1" ] && [ -n "$r2" ] && [ "$r2" -gt "$r1" ]; then
		t_ok "viewer_n_goes_on_$s"
	else
		t_fail "viewer_n_goes_on_$s" "rows $r1 then $r2"
	fi
	tui_type '/'
	tui_type 'no such text here'
	tui_keys Enter
	t_screen "viewer_search_not_found_$s" 'Not found: "no such text here"'
	tui_keys s
	tui_wait "Save to file:"
	tui_keys C-u
	tui_type "$T_TMP/results$s.txt"
	tui_keys Enter
	t_screen "viewer_saved_$s" "Saved to"
	t_equal "saved_mode_0600_$s" "$(file_mode "$T_TMP/results$s.txt" 2>/dev/null)" 600
	t_equal "saved_all_lines_$s" "$(wc -l <"$T_TMP/results$s.txt")" "$n"
	t_grep "saved_has_last_item_$s" "$T_TMP/results$s.txt" 'Created a new key'
	t_no_grep "saved_no_markup_$s" "$T_TMP/results$s.txt" '</B>\|<!B>'
	sum=$(cksum <"$T_TMP/results$s.txt")
	tui_keys s
	tui_wait "Save to file:"
	tui_keys C-u
	tui_type "$T_TMP/results$s.txt"
	tui_keys Enter
	t_screen "viewer_refuses_existing_$s" "exists; choose a new name"
	t_equal "existing_unchanged_$s" "$(cksum <"$T_TMP/results$s.txt")" "$sum"
	ln -s "$T_TMP/target$s" "$T_TMP/link$s"
	tui_keys s
	tui_wait "Save to file:"
	tui_keys C-u
	tui_type "$T_TMP/link$s"
	tui_keys Enter
	t_screen "viewer_refuses_symlink_$s" "Not saved"
	t_absent "symlink_target_not_made_$s" "$T_TMP/target$s"
	tui_keys Escape
	tui_wait_gone "Results history" 5
	t_screen "viewer_closes_$s" "Report Server Configuration Manager"
	# The pane itself (the newest lines; r has all): Home and End jump to
	# its first and last lines.
	tui_keys Tab Home
	t_screen "pane_home_$s" "earlier lines: r shows them all)"
	if tui_wait_gone "Created a new key" 5; then
		t_ok "pane_home_leaves_end_$s"
	else
		t_fail "pane_home_leaves_end_$s" "the last line still shows"
	fi
	tui_keys End
	t_screen "pane_end_$s" "Created a new key"
	tui_stop
}

viewer_at 80 24
viewer_at 120 40
t_done
