#!/bin/sh
# SPDX-License-Identifier: ISC
# backup_pipe.sh: -f - writes the backup to standard output (never a
# terminal, never with --json) and reads it from standard input, with the
# password from a file, or no password at all with --identity.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

t_cert_demo 30
t_cert a admin

# Piped straight into stock openssl.
if "$RSKEYMGMT" -c "$C" -e -f - --password-file "$T_TMP/pw" </dev/null 2>"$T_ERR" |
    openssl cms -decrypt -inform PEM -pwri_password "$PW" | grep -q "^kcv: $KCV\$"; then
	t_ok extract_to_stdout_piped_to_openssl
else
	t_fail extract_to_stdout_piped_to_openssl "$(cat "$T_ERR")"
fi
t_grep stdout_report_on_stderr "$T_ERR" 'backed up to standard output.*verified'

# Through a pipe to a file (the vault), then back in through stdin.
"$RSKEYMGMT" -c "$C" -e -f - --password-file "$T_TMP/pw" </dev/null 2>/dev/null | cat >"$T_TMP/v.pem"
t_grep piped_file_is_only_the_backup "$T_TMP/v.pem" '^-----BEGIN CMS-----$'
t_equal piped_file_first_line "$(head -n 1 "$T_TMP/v.pem")" '-----BEGIN CMS-----'
if "$RSKEYMGMT" -c "$C" -a -f - --password-file "$T_TMP/pw" <"$T_TMP/v.pem" >"$T_OUT" 2>"$T_ERR"; then
	t_ok apply_from_stdin
else
	t_fail apply_from_stdin "$(cat "$T_ERR")"
fi
t_grep apply_from_stdin_applied "$T_OUT" 'Applied the key'
t_grep apply_from_stdin_named_in_words "$T_OUT" "Applied the key from standard input \\(check value $KCV\\)"
t_no_grep apply_from_stdin_not_dash "$T_OUT" 'from -'
cat "$T_TMP/v.pem" | "$RSKEYMGMT" -c "$C" --check-backup -f - --password-file "$T_TMP/pw" >"$T_OUT" 2>"$T_ERR"
t_equal check_from_pipe_exit "$?" 0
t_grep check_from_pipe_says_key "$T_OUT" "check value $KCV"
# A forced restore reads stdin once for the preview and the restore.
"$RSKEYMGMT" -c "$C" -a -f - --password-file "$T_TMP/pw" --force --yes <"$T_TMP/v.pem" >"$T_OUT" 2>"$T_ERR"
t_equal forced_apply_from_stdin_exit "$?" 0

# Certificates only, through stdin with --identity: no password anywhere.
"$RSKEYMGMT" -c "$C" -e -f - --recipient "$T_TMP/a.crt" </dev/null 2>/dev/null >"$T_TMP/c.pem"
"$RSKEYMGMT" -c "$C" -a -f - --identity "$T_TMP/a.key" <"$T_TMP/c.pem" >"$T_OUT" 2>"$T_ERR"
t_equal certificate_backup_through_stdin "$?" 0

# Refusals.
t_expect_exit "$EX_USAGE" stdout_with_json_refused "$RSKEYMGMT" -c "$C" -e -f - --password-file "$T_TMP/pw" --json
"$RSKEYMGMT" -c "$C" -a -f - --password-fd 0 <"$T_TMP/v.pem" >"$T_OUT" 2>"$T_ERR"
t_equal password_fd_0_with_stdin_refused "$?" "$EX_USAGE"
t_grep password_fd_0_says_why "$T_ERR" 'another descriptor'
if command -v script >/dev/null 2>&1; then
	script -qec "$RSKEYMGMT -c '$C' -e -f - --password-file '$T_TMP/pw'" /dev/null >"$T_TMP/tty.out" 2>&1
	t_grep stdout_terminal_refused "$T_TMP/tty.out" 'standard output, which is a terminal'
	t_no_grep terminal_shows_no_backup "$T_TMP/tty.out" 'BEGIN CMS'
else
	t_skip stdout_terminal_refused "script(1) is not installed"
fi
printf '' | "$RSKEYMGMT" -c "$C" -a -f - --password-file "$T_TMP/pw" >"$T_OUT" 2>"$T_ERR"
t_equal empty_stdin_exit "$?" "$EX_BAD_FILE"

t_done
