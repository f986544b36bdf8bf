#!/bin/sh
# SPDX-License-Identifier: ISC
# passwords.sh: a backup password must be text that can be typed back
# anywhere (issue 15): no control character, well-formed UTF-8, no BOM;
# a final CR LF is stripped; characters, not bytes, are counted; only a
# regular file, a pipe or a terminal is read, and only so far; a password
# file others can read is warned about.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

PW='Bkp 2026!Strong-xY'
t_demo "$T_TMP/demo" 200 3
C=$DEMO_CONF
B=$T_TMP/key.pem

# pwfile NAME PRINTF-FORMAT: a private password file.
pwfile() {
	(umask 077 && printf "$2" >"$T_TMP/$1")
}

refused() {
	t_expect_exit "$EX_POLICY" "$1" "$RSKEYMGMT" -c "$C" -e -f "$B" \
	    --password-file "$T_TMP/$2"
	t_grep "$1"_says_why "$T_ERR" "$3"
	t_absent "$1"_writes_nothing "$B"
}

pwfile nul 'Bkp 2026!\000Strong-xY\n'
refused nul_byte_refused nul 'control character'
pwfile cr 'Bkp 2026!\rStrong-xY\n'
refused cr_in_middle_refused cr 'control character'
pwfile tab 'Bkp\t2026!Strong-xY\n'
refused tab_refused tab 'control character'
# NEL (U+0085), a C1 control: a Windows-1252 ellipsis read as Latin-1
pwfile nel 'Bkp 2026!\302\205Strong-xY\n'
refused c1_control_refused nel 'control character'
pwfile latin1 'Bkp 2026!Str\351ng-xY\n'
refused invalid_utf8_refused latin1 'not valid UTF-8'
pwfile bom '\357\273\277Bkp 2026!Strong-xY\n'
refused bom_refused bom 'byte-order mark'
t_grep bom_says_what_to_do "$T_ERR" 'without a BOM'
# UTF-16LE as Windows' Notepad saves it: FF FE, then a NUL after each byte
pwfile utf16 '\377\376B\000k\000p\000 \0002\0000\0002\0006\000!\000S\000t\000r\000o\000n\000g\000-\000x\000Y\000\r\000\n\000'
refused utf16_refused utf16 'byte-order mark'

# A final CR LF is stripped: the backup opens with the password alone.
pwfile crlf "$PW\r\n"
t_expect_exit 0 final_crlf_stripped "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file "$T_TMP/crlf"
if openssl cms -decrypt -inform PEM -in "$B" -pwri_password "$PW" \
    >"$T_TMP/plain" 2>"$T_TMP/openssl.err"; then
	t_ok crlf_backup_opens_without_cr
else
	t_fail crlf_backup_opens_without_cr "$(head -c 300 "$T_TMP/openssl.err")"
fi
rm -f "$T_TMP/plain"
# ... and the same CR LF is stripped when the backup is checked and by fd
t_expect_exit 0 crlf_check_backup "$RSKEYMGMT" -c "$C" --check-backup -f "$B" --password-file "$T_TMP/crlf"
t_expect_exit 0 crlf_by_fd "$RSKEYMGMT" -c "$C" --check-backup -f "$B" --password-fd 3 3<"$T_TMP/crlf"
pwfile crlf_noeol "$PW\r"
t_expect_exit 0 final_cr_without_newline "$RSKEYMGMT" -c "$C" --check-backup -f "$B" --password-file "$T_TMP/crlf_noeol"
rm -f "$B"

# 8 characters, 12 bytes: counted as 8, so long enough.
pwfile multibyte 'Äa1!ßéüX\n'
t_expect_exit 0 eight_multibyte_characters_pass "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file "$T_TMP/multibyte"
rm -f "$B"
pwfile seven 'Äa1!ßéX\n'
refused seven_multibyte_characters_short seven '8 to 128 characters'

# Too long: refused without reading on (an endless pipe ends).
pwfile long "$(printf 'Aa1!%0600d' 0)\n"
refused long_file_refused long 'longer than'
t_expect_exit "$EX_POLICY" endless_pipe_refused timeout 5 sh -c \
    'yes Aa1! | tr -d "\n" | "$0" -c "$1" -e -f "$2" --password-fd 0' \
    "$RSKEYMGMT" "$C" "$B"
t_absent endless_pipe_writes_nothing "$B"

# A device never ends its line: refused at once, not read.
start=$(date +%s)
t_expect_exit "$EX_USAGE" dev_zero_refused timeout 5 "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file /dev/zero
t_grep dev_zero_says_why "$T_ERR" 'not a regular file, a pipe or a terminal'
t_equal dev_zero_within_a_second "$(( $(date +%s) - start <= 1 ))" 1
t_expect_exit "$EX_USAGE" dev_zero_fd_refused timeout 5 "$RSKEYMGMT" -c "$C" -e -f "$B" --password-fd 3 3</dev/zero
t_expect_exit "$EX_USAGE" directory_refused "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file "$T_TMP"
t_absent devices_write_nothing "$B"

# A password file others can read: a warning, the backup still made.
printf '%s\n' "$PW" >"$T_TMP/open"
chmod 644 "$T_TMP/open"
t_expect_exit 0 readable_file_works "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file "$T_TMP/open"
t_grep readable_file_warned "$T_ERR" 'warning: .*read by other users.*chmod 600'
rm -f "$B"
pwfile private "$PW\n"
t_expect_exit 0 private_file_works "$RSKEYMGMT" -c "$C" -e -f "$B" --password-file "$T_TMP/private"
t_no_grep private_file_not_warned "$T_ERR" 'warning'

# Opening an existing backup is not held to the policy's text rules.
t_expect_exit "$EX_BAD_PASSWORD" open_with_control_char_is_wrong_password "$RSKEYMGMT" -c "$C" --check-backup -f "$B" --password-file "$T_TMP/tab"
t_no_grep open_not_policy "$T_ERR" 'control character'

t_done
