#!/bin/sh
# SPDX-License-Identifier: ISC
# backup_cert.sh: backups to admin certificates (--recipient) opened with
# the private key (--identity) and by stock openssl; certificate-only and
# mixed files; a hand-made backup by stock `openssl cms` restored, with the
# payload's line ends CRLF; new files are AES-256-GCM AuthEnvelopedData
# with PBKDF2-HMAC-SHA256, and every failure after the password has one
# answer.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

t_cert_demo 50
t_cert a admin-a
t_cert b admin-b
t_cert x stranger

# opens_with NAME FILE openssl-args...: stock openssl opens FILE to our key.
opens_with() {
	_n=$1 _f=$2
	shift 2
	if openssl cms -decrypt -inform PEM -in "$_f" "$@" 2>/dev/null |
	    grep -q "^kcv: $KCV\$"; then
		t_ok "$_n"
	else
		t_fail "$_n" "openssl cms -decrypt $* does not open $_f"
	fi
}

# ---- certificates only: no password asked (no terminal here) ----
O=$T_TMP/certs.pem
t_expect_exit 0 extract_to_certificates_only "$RSKEYMGMT" -c "$C" -e -f "$O" \
    --recipient "$T_TMP/a.crt" --recipient "$T_TMP/b.crt"
t_grep certs_only_says_identity "$T_OUT" 'identity KEY'
t_grep certs_only_says_only_the_key "$T_OUT" '^Only the private key of one of the 2 certificates opens it'
t_no_grep certs_only_not_too "$T_OUT" 'opens it too'
t_no_grep certs_only_no_password_line "$T_OUT" 'Keep the password safe'
opens_with certs_only_opened_by_stock_openssl_a "$O" -recip "$T_TMP/a.crt" -inkey "$T_TMP/a.key"
opens_with certs_only_opened_by_stock_openssl_b "$O" -recip "$T_TMP/b.crt" -inkey "$T_TMP/b.key"
if openssl cms -cmsout -print -inform PEM -in "$O" | grep -q 'd.pwri'; then
	t_fail certs_only_has_no_password_block "d.pwri printed"
else
	t_ok certs_only_has_no_password_block
fi
t_expect_exit 0 check_with_identity "$RSKEYMGMT" -c "$C" --check-backup -f "$O" --identity "$T_TMP/b.key"
t_grep check_with_identity_says_key "$T_OUT" "check value $KCV"
t_expect_exit 0 apply_with_identity "$RSKEYMGMT" -c "$C" -a -f "$O" --identity "$T_TMP/a.key"
t_grep apply_with_identity_applied "$T_OUT" "Applied the key"
t_expect_exit "$EX_BAD_PASSWORD" apply_with_stranger_key "$RSKEYMGMT" -c "$C" -a -f "$O" --identity "$T_TMP/x.key"
t_grep stranger_key_says_none "$T_ERR" 'opens none of the certificate recipients'
t_expect_exit "$EX_BAD_FILE" certs_only_needs_identity "$RSKEYMGMT" -c "$C" -a -f "$O" --password-file "$T_TMP/pw"
t_grep certs_only_says_identity_needed "$T_ERR" 'certificates only: no password opens it.*--identity KEY'
t_no_grep certs_only_not_called_foreign "$T_ERR" 'not a password-protected|rskeymgmt -e wrote'
t_expect_exit "$EX_BAD_FILE" certs_only_check_needs_identity "$RSKEYMGMT" -c "$C" --check-backup -f "$O" --password-file "$T_TMP/pw"
t_grep certs_only_check_says_identity_needed "$T_ERR" '--identity KEY'
t_expect_exit "$EX_BAD_FILE" identity_not_a_key "$RSKEYMGMT" -c "$C" -a -f "$O" --identity "$T_TMP/a.crt"
t_expect_exit "$EX_BAD_FILE" recipient_not_a_certificate "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/n.pem" --recipient "$T_TMP/a.key"
t_absent recipient_refused_writes_nothing "$T_TMP/n.pem"

# ---- mixed: password and a certificate, opened both ways ----
M=$T_TMP/mixed.pem
t_expect_exit 0 extract_mixed "$RSKEYMGMT" -c "$C" -e -f "$M" --recipient "$T_TMP/a.crt" --password-file "$T_TMP/pw"
t_grep mixed_verified "$T_OUT" "$KCV.*verified"
t_grep mixed_says_key_opens_it_too "$T_OUT" 'private key of the certificate opens it too'
opens_with mixed_opened_with_password "$M" -pwri_password "$PW"
opens_with mixed_opened_with_certificate "$M" -recip "$T_TMP/a.crt" -inkey "$T_TMP/a.key"
t_expect_exit 0 mixed_applied_with_password "$RSKEYMGMT" -c "$C" -a -f "$M" --password-file "$T_TMP/pw"
t_expect_exit 0 mixed_applied_with_identity "$RSKEYMGMT" -c "$C" -a -f "$M" --identity "$T_TMP/a.key"

# ---- the format of a new backup ----
P=$T_TMP/pw.pem
t_expect_exit 0 extract_password "$RSKEYMGMT" -c "$C" -e -f "$P" --password-file "$T_TMP/pw"
openssl cms -cmsout -print -inform PEM -in "$P" >"$T_TMP/print" 2>&1
t_grep new_backup_is_auth_enveloped "$T_TMP/print" 'id-smime-ct-authEnvelopedData'
t_grep new_backup_is_gcm "$T_TMP/print" 'aes-256-gcm'
t_grep new_backup_derives_with_sha256 "$T_TMP/print" 'hmacWithSHA256'
opens_with new_backup_opened_by_stock_openssl "$P" -pwri_password "$PW"

# altered_one_answer NAME PEM WANT OFFSET... -- ARGS: a copy of PEM with
# the byte at each OFFSET from its end changed, applied with ARGS: every
# copy gets the same message and status, and it matches WANT.
altered_one_answer() {
	name=$1 pem=$2 want=$3
	shift 3
	sed '/^-----/d' "$pem" | openssl base64 -d >"$T_TMP/a.der"
	size=$(wc -c <"$T_TMP/a.der")
	offs=""
	while [ "$1" != "--" ]; do offs="$offs $((size - $1))"; shift; done
	shift
	: >"$T_TMP/msgs"
	for off in $offs; do
		cp "$T_TMP/a.der" "$T_TMP/f.der"
		printf '\125' | dd of="$T_TMP/f.der" bs=1 seek="$off" conv=notrunc 2>/dev/null
		{ echo '-----BEGIN CMS-----'; openssl base64 -in "$T_TMP/f.der"; echo '-----END CMS-----'; } >"$T_TMP/f.pem"
		t_run "$RSKEYMGMT" -c "$C" -a -f "$T_TMP/f.pem" "$@" --json
		echo "$? $(sed 's/.*"message":"\([^"]*\)".*/\1/' "$T_OUT")" >>"$T_TMP/msgs"
	done
	if [ "$(sort -u "$T_TMP/msgs" | wc -l)" -eq 1 ] && grep -q "^$EX_BAD_FILE .*$want" "$T_TMP/msgs"; then
		t_ok "$name"
	else
		t_fail "$name" "$(cat "$T_TMP/msgs")"
	fi
}

# Every failure after the password: one message and one status.  Flipping
# bytes of the content and of its tag.
altered_one_answer altered_content_one_message_one_status "$P" \
	'opens with this password but its content is damaged' 3 10 40 90 -- \
	--password-file "$T_TMP/pw"

# The audit log records the same text for each of them.
AUDIT=$(dirname "$(dirname "$C")")/reportserver.db-audit.log
if [ -f "$AUDIT" ]; then
	grep 'op=restore target=".*f.pem" outcome=failed' "$AUDIT" | sed 's/.*error=//' | sort -u >"$T_TMP/audit.err"
	t_equal audit_one_message_for_altered_content "$(wc -l <"$T_TMP/audit.err" | tr -d ' ')" 1
	t_grep audit_message_is_the_one "$T_TMP/audit.err" 'opens with this password but its content is damaged'
else
	t_skip audit_one_message_for_altered_content "no audit log at $AUDIT"
fi

# ---- made by hand with stock openssl (rskeymgmt(8)), CRLF line ends ----
openssl cms -decrypt -inform PEM -in "$P" -pwri_password "$PW" >"$T_TMP/payload"
# Without -binary, openssl canonicalises the text: LF becomes CRLF.
openssl cms -encrypt -aes-256-cbc -in "$T_TMP/payload" -outform PEM \
    -out "$T_TMP/hand.pem" -recip "$T_TMP/a.crt"
if openssl cms -decrypt -inform PEM -in "$T_TMP/hand.pem" -recip "$T_TMP/a.crt" \
    -inkey "$T_TMP/a.key" -binary | grep -q "$(printf '\r')\$"; then
	t_ok hand_made_payload_has_crlf
else
	t_fail hand_made_payload_has_crlf "no CR in the payload"
fi
t_expect_exit 0 hand_made_crlf_checked "$RSKEYMGMT" -c "$C" --check-backup -f "$T_TMP/hand.pem" --identity "$T_TMP/a.key"
t_expect_exit 0 hand_made_crlf_applied "$RSKEYMGMT" -c "$C" -a -f "$T_TMP/hand.pem" --identity "$T_TMP/a.key"
# Altered content of a CBC file (no tag of its own) opened with the key:
# one answer, whatever byte changed, and it names the key, not a password.
altered_one_answer altered_cbc_with_identity_one_message "$T_TMP/hand.pem" \
	'opens with this private key but its content is damaged' 1 17 40 90 -- \
	--identity "$T_TMP/a.key"
# The password form by hand: stock openssl derives with 2,048 iterations
# (no option for more), below the floor: refused before any derivation.
openssl cms -encrypt -aes-256-cbc -in "$T_TMP/payload" -outform PEM \
    -out "$T_TMP/handpw.pem" -pwri_password "$PW"
t_expect_exit "$EX_BAD_FILE" hand_made_password_refused "$RSKEYMGMT" -c "$C" -a -f "$T_TMP/handpw.pem" --password-file "$T_TMP/pw"
t_grep hand_made_password_says_iterations "$T_ERR" 'only 2048 PBKDF2 iterations'
# Another content cipher than AES-256: refused before decryption.
openssl cms -encrypt -aes-128-cbc -in "$T_TMP/payload" -outform PEM \
    -out "$T_TMP/aes128.pem" -recip "$T_TMP/a.crt"
t_expect_exit "$EX_BAD_FILE" aes128_refused "$RSKEYMGMT" -c "$C" -a -f "$T_TMP/aes128.pem" --identity "$T_TMP/a.key"
t_grep aes128_says_not_ours "$T_ERR" 'does not write'

t_done
