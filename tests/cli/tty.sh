#!/bin/sh
# SPDX-License-Identifier: ISC
# tty.sh: what an admin at a terminal sees: echo-off password prompts that
# list the broken rules and ask twice, Ctrl-C that restores the terminal,
# typed confirmations, and the progress bar.  Runs rskeymgmt in a private
# tmux server.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux is not installed"
	exit 77
fi
# One private tmux server per scenario, its socket in $T_TMP: restarting a
# server under the same name races with its shutdown.
TM=:
# shellcheck disable=SC2016
T_AT_EXIT='$TM kill-server 2>/dev/null'
PW='Bkp 2026!Strong-xY'
t_demo "$T_TMP/demo" 200
C=$DEMO_CONF
B=$T_TMP/key.pem

# tty_run NAME ARGS...: runs rskeymgmt -c C ARGS in a fresh 120x40 pane,
# then prints its exit status and whether echo is still off.
tty_run() {
	_script=$T_TMP/$1.run
	_name=$1
	shift
	{
		# Ctrl-C must not kill this shell; a trapped (not ignored)
		# signal is reset to the default in rskeymgmt.
		printf 'trap : INT\n'
		printf '"%s" -c "%s"' "$RSKEYMGMT" "$C"
		printf ' "%s"' "$@"
		printf '\necho "exit=$?"\n'
		printf 'if stty -a | tr " ;" "\\n\\n" | grep -qx -- -echo; then echo echo=off; else echo echo=on; fi\n'
		printf 'sleep 600\n'
	} >"$_script"
	$TM kill-server 2>/dev/null
	TM="tmux -S $T_TMP/tmux-$_name -f /dev/null"
	$TM new-session -d -x 120 -y 40 "sh '$_script'"
}

# shellcheck disable=SC2317  # run by screen_shows
screen() {
	$TM capture-pane -p -J -S -100 >"$T_TMP/screen" 2>/dev/null
}

# wait_screen PATTERN [COUNT]: until PATTERN is on COUNT lines (default 1).
wait_screen() {
	t_until 10 screen_shows "$1" "${2:-1}"
}

# shellcheck disable=SC2317  # run by t_until
screen_shows() {
	screen
	[ "$(grep -Ec -- "$1" "$T_TMP/screen")" -ge "$2" ]
}

# t_screen NAME PATTERN [COUNT]: a check that waits for the screen.
t_screen() {
	if wait_screen "$2" "${3:-1}"; then
		t_ok "$1"
	else
		t_fail "$1" "not on screen: /$2/: $(tr -s ' \n' ' ' <"$T_TMP/screen" | head -c 400)"
	fi
}

type_line() {
	$TM send-keys -l "$1"
	$TM send-keys Enter
}

# 1. A new backup password: rules listed, asked twice, three tries.
tty_run extract -e -f "$B"
t_screen prompt_new_password 'New password for the key backup:'
type_line weakpass
t_screen prompt_lists_upper_case 'must contain an upper-case'
t_screen prompt_lists_digit 'must contain a digit'
t_screen prompt_asks_again_after_rules 'New password for the key backup:' 2
type_line "$PW"
t_screen prompt_confirmation 'Type the password again:'
type_line 'Bkp 2026!Other-xY'
t_screen prompt_mismatch 'do not match'
t_screen prompt_third_try 'New password for the key backup:' 3
type_line "$PW"
t_screen prompt_confirmation_again 'Type the password again:' 2
type_line "$PW"
t_screen extract_from_prompt_done '^exit=0$'
t_screen extract_echo_restored '^echo=on$'
t_no_grep password_never_echoed "$T_TMP/screen" 'weakpass|Strong|Other-xY'
if openssl cms -decrypt -inform PEM -in "$B" -pwri_password "$PW" 2>/dev/null |
    grep -Eq '^key: [0-9a-f]{64}$'; then
	t_ok prompted_password_opens_backup
else
	t_fail prompted_password_opens_backup "openssl cannot open $B with the typed password"
fi

# 2. Ctrl-C at the prompt: cancelled, terminal restored, no file.
tty_run cancel -e -f "$T_TMP/cancelled.pem"
t_screen cancel_prompt 'New password for the key backup:'
$TM send-keys -l 'half'
$TM send-keys C-c
t_screen ctrl_c_exit_cancelled "^exit=$EX_CANCELLED\$"
t_screen ctrl_c_echo_restored '^echo=on$'
t_absent ctrl_c_no_file "$T_TMP/cancelled.pem"

# 3. Apply with the password typed once.
tty_run apply -a -f "$B"
t_screen prompt_backup_password 'Password of the backup file:'
type_line "$PW"
t_screen apply_from_prompt '^exit=0$'
t_no_grep apply_password_not_echoed "$T_TMP/screen" 'Strong'

# 4. Re-encrypt: members for review, typed "yes", then the progress bar.
KCV=$(kcv "$C")
tty_run reencrypt --reencrypt
t_screen reencrypt_shows_members 'RSDEMO2 +Waiting to join'
t_screen reencrypt_says_stop_services 'Stop the report server service'
# Who gets the new key, with 128-bit fingerprints (issue 14).
t_screen reencrypt_lists_who_gets_it 'Members that get the new key \(1\)'
t_screen reencrypt_shows_fingerprint 'RSDEMO1 +[0-9a-f-]{36} +([0-9a-f]{4}:){7}[0-9a-f]{4}'
t_screen reencrypt_asks_yes 'Type yes to continue:'
type_line yes
t_screen reencrypt_done '^exit=0$'
t_screen progress_bar 'Re-encrypting \[#+\] 200/200 +100%'
t_differ reencrypt_from_tty_changed_key "$(kcv "$C")" "$KCV"

# 5. Delete wants the word DELETE; "yes" is not enough.
KCV=$(kcv "$C")
tty_run delete_no --delete
t_screen delete_says_what_is_lost 'deletes the symmetric key .*200 values'
t_screen delete_asks_word 'Type DELETE to continue:'
type_line yes
t_screen delete_yes_not_enough "^exit=$EX_CANCELLED\$"
t_equal delete_unconfirmed_keeps_key "$(kcv "$C")" "$KCV"
tty_run delete_yes --delete
t_screen delete_asks_word_again 'Type DELETE to continue:'
type_line DELETE
t_screen delete_confirmed '^exit=0$'
t_screen delete_lists_reentry 'Re-enter these items:'
t_differ delete_from_tty_new_key "$(kcv "$C")" "$KCV"

$TM kill-server 2>/dev/null
t_done
