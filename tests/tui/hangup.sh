#!/bin/sh
# SPDX-License-Identifier: ISC
# Hang-ups: SIGHUP to rsconfig (kill -HUP) and the pane closed under it
# (tmux kill-pane or kill-server: what a dropped SSH session does), while a
# backup, a restore (same key and a forced different key), a delete and a
# service-account change run, and while each one's dialogs wait for an
# answer.  The signal goes at a fixed point (a dialog on screen), right
# after the final Enter, or after a small random delay (RS_HUP_SEED repeats
# a run); nothing assumes where it landed.  Afterwards:
#   - rsconfig is gone (129 after kill -HUP, with the terminal restored);
#   - rskeymgmt --verify passes (which also takes the admin lock) and the
#     lock file is free;
#   - the key is the old one or, for an operation that completed, the new
#     one: never a mixture (delete: all values and the old key, or none and
#     generation + 1);
#   - a backup file is absent (and none recorded) or complete, 0600, opens
#     with openssl to the current key (and is recorded); one is restored
#     with rskeymgmt --apply in a copy of the deployment;
#   - no temp file, pending key or account-change marker is left;
#   - config, database and key store agree on the service account;
#   - a hang-up while a dialog waits changes nothing;
#   - with the pane's shell ignoring SIGHUP ("keep"), rsconfig gets no
#     signal, only a dead terminal, and still exits 129 (it used to spin
#     on the end-of-file).
# The scenarios run in two streams at once (each its own copy, tmux servers
# and random delays), which halves the time on two cores; output comes
# stream by stream at the end.
# The drive_* functions are called by name (drive_$1): not unreachable.
# shellcheck disable=SC2317
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"
# An account change as root needs the new account to reach the config
# through this folder (the product refuses to open an admin's folder).
if [ "$(id -u)" -eq 0 ]; then chmod 0711 "$T_TMP"; fi

if ! command -v jq >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - jq is not installed"
	exit 77
fi
# At exit: the streams, their tmux servers and the shells of "keep"
# scenarios (they ignore SIGHUP, so closing their pane does not end them).
SOCKDIR=${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)
STREAM_PIDS=
hup_cleanup() {
	# The streams first, so that none starts a server after the sweep.
	for _p in $STREAM_PIDS; do
		kill "$_p" 2>/dev/null
	done
	for _p in $STREAM_PIDS; do
		wait "$_p" 2>/dev/null
	done
	for _s in "$SOCKDIR/$TUI_BASE"-*; do
		[ -S "$_s" ] && tmux -S "$_s" kill-server 2>/dev/null
		rm -f "$_s"
	done
	[ -f "$T_TMP/keep.pids" ] && while read -r _p; do
		kill "$_p" 2>/dev/null
	done <"$T_TMP/keep.pids"
}
T_AT_EXIT="hup_cleanup; $T_AT_EXIT"
HAVE_OPENSSL=0
command -v openssl >/dev/null 2>&1 && HAVE_OPENSSL=1
HAVE_FLOCK=0
command -v flock >/dev/null 2>&1 && HAVE_FLOCK=1
ACCOUNT=
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	ACCOUNT=nobody
fi

PW='Hang-up!Pass7'
printf '%s\n' "$PW" >"$T_TMP/pw"
chmod 600 "$T_TMP/pw"
VALUES=40
SEED=${RS_HUP_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "# hangup: seed $SEED (RS_HUP_SEED=$SEED repeats the random delays)"

k() {  # k OUT ARGS...: rskeymgmt on DEMO_CONF, with a deadline; stderr in OUT.err
	_o=$1
	shift
	timeout 120 "$RSKEYMGMT" -c "$DEMO_CONF" "$@" </dev/null >"$_o" 2>"$_o.err"
}

# ---- the deployment every scenario starts from, and two backups ----

TPL=$T_TMP/tpl
# Another deployment's key, for the forced restore, made meanwhile.
OTHER_CONF=$T_TMP/other/member1/rsreportserver.conf
("$RSDEMO" create "$T_TMP/other" --values 3 --members 1 &&
    "$RSKEYMGMT" -c "$OTHER_CONF" -e -f "$T_TMP/other.rskey" \
    --password-file "$T_TMP/pw") </dev/null >"$T_TMP/other.out" 2>&1 &
OTHER_JOB=$!
t_demo "$TPL" "$VALUES"
TPL_CONF=$DEMO_CONF
k "$T_TMP/st.json" --status --json
OLD_KCV=$(tail -n 1 "$T_TMP/st.json" | jq -r .key.kcv)
OLD_GEN=$(tail -n 1 "$T_TMP/st.json" | jq -r .key.generation)
# A backup of this key, made in a copy so that the template records none.
cp -a "$TPL" "$T_TMP/scratch"
DEMO_CONF=$T_TMP/scratch/member1/rsreportserver.conf
k "$T_TMP/out" -e -f "$T_TMP/same.rskey" --password-file "$T_TMP/pw" ||
    { echo "Bail out! backup of the template: $(cat "$T_TMP/out.err")"; exit 99; }
rm -rf "$T_TMP/scratch"
DEMO_CONF=$TPL_CONF
wait "$OTHER_JOB" ||
    { echo "Bail out! backup of another key: $(cat "$T_TMP/other.out")"; exit 99; }
OTHER_KCV=$(kcv "$OTHER_CONF")

# ---- random delays ----

next_delay() {  # next_delay MAX_MS: DELAY_MS in [0, MAX_MS)
	SEED=$(( (SEED * 1103515245 + 12345) % 2147483648 ))
	DELAY_MS=$(( (SEED / 65536) % $1 ))
}
pause_ms() {
	sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"
}

# ---- starting rsconfig on a copy ----
#
# Each stream has its own folder S, holding the copy W (with the backup
# file BACKUP) and the checks' scratch files.

# hup_start [keep]: like tui_start, in the copy's folder; with "keep" the
# pane's shell ignores SIGHUP and outlives the terminal (so rsconfig gets
# no SIGHUP when the pane closes, only a dead terminal), and its pid goes
# to keep.pids.  Sanitizer reports go to files, since the terminal may be
# gone when they are written.
hup_start() {
	_trap=
	[ "${1:-}" = keep ] && _trap="trap '' HUP; "
	rm -f "$TUI_EXIT"
	tui_tmux kill-server 2>/dev/null
	TUI_N=$((TUI_N + 1))
	TUI_SOCK=$TUI_BASE-$TUI_N
	tui_tmux -f /dev/null new-session -d -x 80 -y 24 \
	    "${_trap}cd '$W' && env ASAN_OPTIONS='${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$S/san' UBSAN_OPTIONS='${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$S/san' '$RSCONFIG_BIN' -c '$DEMO_CONF'; echo \$? >'$TUI_EXIT'; echo RSCONFIG-DONE; sleep 600"
	tui_wait "Report Server Configuration Manager" 20 || return 1
	PANE_PID=$(tui_tmux display -p -t 0 '#{pane_pid}')
	PANE_TTY=$(tui_tmux display -p -t 0 '#{pane_tty}')
	PID=$(tui_pid)
	[ "${1:-}" = keep ] && echo "$PANE_PID" >>"$T_TMP/keep.pids"
	[ -n "$PID" ]
}

# ---- driving each operation to a moment ----
#
# drive_OP MOMENT: goes as far as MOMENT and returns; a dialog moment stops
# with that dialog on screen, "enter" right after the key that starts the
# work, "rand" after a random delay (DELAY_MS) past it.

after_enter() {  # after_enter MOMENT MAX_MS
	tui_keys Enter
	DELAY_MS=0
	case $1 in
	*rand)
		next_delay "$2"
		pause_ms "$DELAY_MS" ;;
	esac
}

fill_backup_form() {  # the backup dialog: password, confirmation, file
	tui_type "$PW"
	tui_keys Tab
	tui_type "$PW"
	tui_keys Tab C-u
	tui_type "$BACKUP"
	tui_wait '[x] password and confirmation match'
}

drive_backup() {
	tui_page 1
	tui_keys Tab Enter
	tui_wait "Backup Encryption Key" || return 1
	fill_backup_form || return 1
	case $1 in
	dialog) return 0 ;;
	enter | rand)
		after_enter "$1" 1500
		return 0 ;;
	esac
	tui_keys Enter
	tui_wait "already exists" || return 1
	case $1 in
	replace) return 0 ;;
	esac
	tui_keys Left
	after_enter "$1" 1500
}

drive_restore() {
	tui_page 1
	tui_keys Tab Right Enter
	tui_wait "Restore Encryption Key" || return 1
	tui_type "$PW"
	tui_keys Tab C-u
	case $1 in
	forced*) tui_type "$T_TMP/other.rskey" ;;
	*) tui_type "$T_TMP/same.rskey" ;;
	esac
	case $1 in
	dialog) return 0 ;;
	open-enter | open-rand)
		after_enter "$1" 800
		return 0 ;;
	esac
	tui_keys Enter
	tui_wait "Restore: what the file holds" || return 1
	case $1 in
	confirm) return 0 ;;
	apply-enter | apply-rand)
		tui_keys Left
		after_enter "$1" 800
		return 0 ;;
	esac
	tui_keys Left Enter
	tui_wait "Apply a DIFFERENT key?" || return 1
	case $1 in
	forced-confirm) return 0 ;;
	esac
	tui_keys Left
	after_enter "$1" 800
}

drive_delete() {
	tui_page 1
	tui_keys Tab Right Right Right Enter
	tui_wait "ALL encrypted content" || return 1
	case $1 in
	explain) return 0 ;;
	esac
	tui_keys Left Enter
	tui_wait "Type DELETE:" || return 1
	tui_type DELETE
	case $1 in
	typed) return 0 ;;
	esac
	after_enter "$1" 300
}

drive_account() {
	tui_page 2
	tui_keys Tab
	tui_type "$ACCOUNT"
	tui_keys Tab Enter
	tui_wait "Back up the encryption key" || return 1
	case $1 in
	prompt) return 0 ;;
	stated*)
		tui_keys Right Enter
		tui_wait "Do you have a current backup" || return 1
		[ "$1" = stated ] && return 0
		tui_keys Left
		after_enter "$1" 300
		return 0 ;;
	esac
	tui_keys Enter
	tui_wait "Backup before the service account change" || return 1
	fill_backup_form || return 1
	case $1 in
	backup-dialog) return 0 ;;
	backup-enter | backup-rand)
		after_enter "$1" 1500
		return 0 ;;
	esac
	tui_keys Enter
	tui_wait "Backup complete" 60 || return 1
	case $1 in
	backup-done) return 0 ;;
	esac
	after_enter "$1" 300
}

# ---- hanging up ----

hang_up() {  # hang_up hup|pane|server
	HUPS=$((HUPS + 1))
	case $1 in
	hup) kill -HUP "$PID" ;;
	pane) tui_tmux kill-pane -t 0 2>/dev/null ;;
	server) tui_tmux kill-server 2>/dev/null ;;
	esac
}

# running PID: the process exists and is not a zombie (a zombie is gone
# already: it waits only for init to reap it, its parent shell having died
# with the pane).
running() {
	_stat=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -n "$_stat" ] && [ "${_stat#Z}" = "$_stat" ]
}

gone() {  # gone PID SECONDS: the process has exited
	_n=$(($2 * 10))
	while running "$1"; do
		[ "$_n" -le 0 ] && return 1
		sleep 0.1
		_n=$((_n - 1))
	done
	return 0
}

# The pane's terminal is as the shell left it: normal screen, cursor
# shown, keypad and cursor keys in normal mode, echo and line editing on.
terminal_restored() {
	_f=$(tui_tmux display -p -t 0 \
	    '#{alternate_on} #{cursor_flag} #{keypad_flag} #{keypad_cursor_flag}')
	[ "$_f" = "0 1 0 0" ] || { bad "terminal left in modes '$_f' (alternate cursor keypad keypad-cursor)"; return; }
	_s=$(stty -F "$PANE_TTY" -a 2>/dev/null | tr ' ;' '\n' |
	    grep -Ex -- '-?(echo|icanon|isig|icrnl|onlcr)' | sort | tr '\n' ' ')
	[ "$_s" = "echo icanon icrnl isig onlcr " ] || bad "terminal settings left as '$_s'"
	tui_wait RSCONFIG-DONE 5 || bad "the shell did not get its terminal back"
}

# ---- the checks ----

REASON=
bad() {
	REASON="${REASON:+$REASON; }$1"
}

check_exit() {  # check_exit METHOD
	REASON=
	case $1 in
	hup)
		_st=$(tui_exit_status 60)
		[ "$_st" = 129 ] || bad "exit status $_st, expected 129"
		[ "$_st" = none ] || terminal_restored ;;
	*)
		gone "$PID" 60 || bad "rsconfig (pid $PID) still runs after the pane closed"
		;;
	esac
	check_san
	report "${NAME}_rsconfig_exits"
}

# A sanitizer report from rsconfig (a sanitizer build) fails the exit.
check_san() {
	for _f in "$S"/san*; do
		[ -e "$_f" ] || continue
		bad "sanitizer report: $(head -c 300 "$_f" | tr '\n' ' ')"
		mv "$_f" "$S/reported.$HUPS"
	done
}

report() {
	if [ -z "$REASON" ]; then
		t_ok "$1"
	else
		t_fail "$1" "$REASON"
	fi
	REASON=
}

# Every file in the copy is one the deployment or the test made: no temp
# file (.rsbackup.*, .key.*, rsreportserver.conf.*), pending key or
# account-change marker.
check_files() {
	find "$W" -type f >"$S/files"
	while IFS= read -r _f; do
		case ${_f#"$W"/} in
		reportserver.db | reportserver.db-wal | reportserver.db-shm | \
		    reportserver.db-audit.log | reportserver.db.lock | out.rskey | \
		    member[12]/rsreportserver.conf | \
		    member[12]/keys/*-*-*-*-[0-9a-f]*[0-9a-f].key) ;;
		*) bad "stray file ${_f#"$W"/}" ;;
		esac
	done <"$S/files"
}

# backup_state LAST_BACKUP: BACKUP_STATE none (no file, none recorded),
# same (the file put there before, none recorded) or new (a complete
# backup of the current key, recorded).  A restore records the date of the
# backup it applied (that file is a backup of the key now in use), so after
# a restore a date may be recorded with no file here.
backup_state() {
	_last=$1
	if [ ! -e "$BACKUP" ]; then
		BACKUP_STATE=none
		[ "$_last" = null ] || [ "$_op" = restore ] ||
		    bad "backup recorded at $_last, but there is no file"
		return
	fi
	if cmp -s "$BACKUP" "$T_TMP/same.rskey"; then
		BACKUP_STATE=same
		[ "$_last" = null ] || bad "backup recorded at $_last, but the file was not replaced"
		return
	fi
	BACKUP_STATE=new
	[ "$_last" != null ] || bad "a new backup file, but none recorded"
	[ "$(file_mode "$BACKUP")" = 600 ] || bad "backup mode $(file_mode "$BACKUP")"
	if [ "$HAVE_OPENSSL" = 1 ]; then
		openssl cms -decrypt -inform PEM -in "$BACKUP" -pwri_password "$PW" \
		    >"$S/payload" 2>/dev/null || bad "openssl cannot open the backup"
		grep -q "^kcv: $OLD_KCV\$" "$S/payload" ||
		    bad "the backup does not hold key $OLD_KCV"
		grep -Eq '^key: [0-9a-f]{64}$' "$S/payload" ||
		    bad "the backup holds no whole key"
	fi
	[ -z "$RESTORED" ] && restore_in_copy
}

# The first complete backup is applied with rskeymgmt, in a copy of the
# deployment, to the member waiting to join: afterwards that member reads
# every value with it.
restore_in_copy() {
	RESTORED=yes
	_c=$S/restore-copy
	_conf=$_c/member2/rsreportserver.conf
	rm -rf "$_c"
	cp -a "$W" "$_c"
	if timeout 120 "$RSKEYMGMT" -c "$_conf" -a -f "$BACKUP" \
	    --password-file "$T_TMP/pw" </dev/null >"$S/apply.out" 2>&1 &&
	    timeout 120 "$RSKEYMGMT" -c "$_conf" --verify --json </dev/null \
	    >"$S/apply.out" 2>"$S/apply.err" &&
	    tail -n 1 "$S/apply.out" | jq -e ".checked == $VALUES" >/dev/null; then
		t_ok backup_restorable_with_rskeymgmt
	else
		t_fail backup_restorable_with_rskeymgmt "$(tail -c 300 "$S/apply.out")"
	fi
	rm -rf "$_c"
}

# check_state OP MOMENT
check_state() {
	_op=$1 _moment=$2
	REASON=
	check_files
	if [ "$HAVE_FLOCK" = 1 ] && ! flock -n "$(t_lock_path "$W/reportserver.db")" true; then
		bad "the admin lock is still held"
	fi
	k "$S/st.json" --status --json || bad "--status failed: $(tail -c 300 "$S/st.json.err")"
	k "$S/verify.json" --verify --json
	_vrc=$?
	# One jq for all the fields (jq costs a start-up each time).
	read -r _kcv _gen _values _acct _act _last _checked _unreadable <<-EOF
	$( (tail -n 1 "$S/st.json"; tail -n 1 "$S/verify.json") | jq -rs \
	    '[.[0].key.kcv, .[0].key.generation, .[0].values_total,
	      .[0].service_account, .[0].activation, .[0].key.last_backup,
	      .[1].checked, .[1].unreadable] | map(tostring) | join(" ")')
	EOF
	[ "$_act" = activated ] || bad "not activated: $_act"

	if [ "$_op" = restore ] && [ "$_kcv" = "$OTHER_KCV" ]; then
		# The forced restore completed: every value sealed with the
		# replaced key is unreadable, as the second dialog said.
		case $_moment in
		forced-enter | forced-rand) ;;
		*) bad "the other key applied at moment $_moment" ;;
		esac
		[ "$_vrc" -eq "$EX_FAILED" ] || bad "verify exit $_vrc after the forced restore"
		[ "$_unreadable" = "$VALUES" ] || bad "$_unreadable unreadable, expected all $VALUES"
	elif [ "$_op" = delete ] && [ "$_kcv" != "$OLD_KCV" ]; then
		case $_moment in
		enter | rand) ;;
		*) bad "deleted at moment $_moment" ;;
		esac
		[ "$_vrc" -eq 0 ] || bad "verify exit $_vrc: $(tail -c 300 "$S/verify.json.err")"
		[ "$_gen" = $((OLD_GEN + 1)) ] || bad "generation $_gen after delete, expected $((OLD_GEN + 1))"
		if [ "$_values" != 0 ] || [ "$_checked" != 0 ]; then
			bad "new key but $_values values left ($_checked checked)"
		fi
	else
		[ "$_vrc" -eq 0 ] || bad "verify exit $_vrc: $(tail -c 300 "$S/verify.json.err")"
		if [ "$_kcv" != "$OLD_KCV" ] || [ "$_gen" != "$OLD_GEN" ]; then
			bad "key $_kcv generation $_gen, expected the old $OLD_KCV generation $OLD_GEN"
		fi
		if [ "$_values" != "$VALUES" ] || [ "$_checked" != "$VALUES" ]; then
			bad "$_values values ($_checked checked), expected $VALUES"
		fi
	fi

	backup_state "$_last"
	case $_op/$_moment in
	backup/dialog | account/prompt | account/backup-dialog | account/stated*)
		[ "$BACKUP_STATE" = none ] || bad "backup file after a hang-up at $_moment" ;;
	backup/replace)
		[ "$BACKUP_STATE" = same ] || bad "the file was replaced after a hang-up at $_moment" ;;
	account/backup-done)
		[ "$BACKUP_STATE" = new ] || bad "the backup shown complete is not there" ;;
	esac
	[ "$_op" = account ] && check_account "$_moment" "$_acct"
	report "${NAME}_all_or_nothing"
}

# Config, database and key store name the same account; a hang-up before
# the change was under way leaves root.
check_account() {
	_cfg=$(sed -n 's/^service_account *= *//p' "$DEMO_CONF")
	_id=$(sed -n 's/^installation_id *= *//p' "$DEMO_CONF")
	k "$S/list.json" --list --json
	_row=$(tail -n 1 "$S/list.json" |
	    jq -r --arg id "$_id" '.members[] | select(.installation_id == $id) | .service_account')
	_owner=$(stat -c %U "$W/member1/keys")
	if [ "$_cfg" != "$2" ] || [ "$_row" != "$2" ] || [ "$_owner" != "$2" ]; then
		bad "service account: config $_cfg, status $2, database $_row, key store owner $_owner"
	fi
	case $1 in
	change-enter | change-rand | stated-enter | stated-rand)
		[ "$2" = root ] || [ "$2" = "$ACCOUNT" ] || bad "account $2" ;;
	*)
		[ "$2" = root ] || bad "account changed to $2 after a hang-up at $1" ;;
	esac
}

# ---- the scenarios ----

# scenario OP MOMENT METHOD [keep]: a fresh copy, rsconfig driven to
# MOMENT, a hang-up by METHOD, the checks.
scenario() {
	rm -rf "$W"
	cp -a "$TPL" "$W"
	DEMO_CONF=$W/member1/rsreportserver.conf
	case $2 in
	replace*) cp -p "$T_TMP/same.rskey" "$BACKUP" ;;
	esac
	NAME=$1_$2_$3${4:+_$4}
	DELAY_MS=0
	if ! hup_start "${4:-}" || ! "drive_$1" "$2"; then
		t_fail "${NAME}_reached" "the dialogs did not come as expected"
		tui_dump
		tui_stop
		return
	fi
	[ "$DELAY_MS" -gt 0 ] && echo "# $NAME: hang-up ${DELAY_MS} ms after Enter"
	hang_up "$3"
	if [ -n "${4:-}" ]; then
		check_exit_keep
	else
		check_exit "$3"
	fi
	if running "$PID"; then
		kill -KILL "$PID"
		gone "$PID" 10
	fi
	tui_stop
	check_state "$1" "$2"
}

# The pane closed, its shell still there: rsconfig gets no SIGHUP, only a
# terminal that reads end-of-file, and must take that as a hang-up.
check_exit_keep() {
	REASON=
	_st=$(tui_exit_status 30)
	[ "$_st" = 129 ] || bad "exit status $_st, expected 129"
	if running "$PID"; then
		bad "rsconfig still runs ($(ps -o pcpu= -p "$PID" | tr -d ' ')% CPU) on the closed terminal"
		kill -TERM "$PID"
		gone "$PID" 10
	fi
	check_san
	report "${NAME}_rsconfig_exits"
	for _p in $(pgrep -P "$PANE_PID") "$PANE_PID"; do
		kill "$_p" 2>/dev/null
	done
	rm -f "$T_TMP/keep.pids"   # no stale pid for the cleanup to kill
}

stream_a() {
	scenario backup dialog hup
	scenario backup enter hup
	scenario backup enter pane
	scenario backup rand hup
	scenario backup rand server
	scenario backup replace pane
	scenario backup replace-rand hup

	scenario restore dialog server
	scenario restore open-rand hup
	scenario restore confirm pane
	scenario restore apply-enter hup
	scenario restore apply-rand pane
	scenario restore forced-confirm hup
	scenario restore forced-rand server
}

stream_b() {
	scenario delete explain server
	scenario delete typed hup
	scenario delete enter hup
	scenario delete rand pane

	scenario backup dialog pane keep
	scenario backup rand pane keep

	if [ -z "$ACCOUNT" ]; then
		t_skip account "needs root and the account nobody"
		return
	fi
	scenario account prompt pane
	scenario account backup-dialog hup
	scenario account backup-rand pane
	scenario account backup-done hup
	scenario account change-rand server
	scenario account stated hup
	scenario account stated-enter hup
	scenario account stated-rand pane
}

# in_stream N FUNCTION: runs FUNCTION in the background with its own
# folder, tmux servers and random delays; its lines go to S/log, its
# counts to S/counts.
in_stream() {
	(
		# Not the script's traps: the parent cleans up, and a TERM from
		# it ends the stream at once.
		trap - EXIT INT TERM HUP
		S=$T_TMP/stream$1
		mkdir "$S" || exit 1
		W=$S/w
		BACKUP=$W/out.rskey
		TUI_BASE=$TUI_BASE-$1
		TUI_N=0
		TUI_SOCK=$TUI_BASE-0
		TUI_EXIT=$S/rsconfig.exit
		TUI_SCREEN=$S/screen
		SEED=$((SEED + $1 * 7919))
		HUPS=0 RESTORED='' DELAY_MS=0
		"$2"
		echo "$T_PASSED $T_FAILED $HUPS" >"$S/counts"
	) >"$T_TMP/stream$1.log" 2>&1 </dev/null &
	STREAM_PIDS="$STREAM_PIDS $!"
}

in_stream 1 stream_a
in_stream 2 stream_b
wait
STREAM_PIDS=
HUPS=0
for n in 1 2; do
	cat "$T_TMP/stream$n.log"
	if read -r p f h <"$T_TMP/stream$n/counts"; then
		T_PASSED=$((T_PASSED + p)) T_FAILED=$((T_FAILED + f)) HUPS=$((HUPS + h))
	else
		t_fail "stream${n}_finished" "it stopped before its end"
	fi
done

echo "# $HUPS hang-ups (kill -HUP, tmux kill-pane, tmux kill-server) across backup, restore, delete${ACCOUNT:+ and service-account change}"
t_done
