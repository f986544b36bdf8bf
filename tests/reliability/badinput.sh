#!/bin/sh
# SPDX-License-Identifier: ISC
# badinput.sh: the bad-input catalogue.  Every case asserts the exact exit
# status, a key phrase of the message, and that nothing changed: the key
# check value is the same and every value still opens (one --verify --json
# gives both).  Backup files (truncated, empty, garbage, huge, foreign,
# altered, a forged key derivation), passwords (lengths 7, 8, 128, 129,
# spaces, non-ASCII, missing classes), configs (missing, unknown,
# duplicate, bad values, bad paths, unsafe modes, wrong owners), databases
# (missing, locked, read-only, corrupt, newer schema), stdin closed where a
# command would prompt, and member IDs.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

EX_PERMISSION=9 EX_DATABASE=15 EX_IO=16
PW='Bkp 2026!Strong-xY'
printf '%s\n' "$PW" >"$T_TMP/pw"
t_demo "$T_TMP/demo" 300 3
C=$DEMO_CONF
D=$T_TMP/demo
M1=$D/member1
B=$T_TMP/files
mkdir "$B"
KCV0=$(kcv "$C")
CASES=0
ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1
SQLPID=
IMMUTABLE=
# shellcheck disable=SC2317  # run by t_cleanup in lib.sh
undo() {
	[ -n "$SQLPID" ] && kill "$SQLPID" 2>/dev/null
	[ -n "$IMMUTABLE" ] && chattr -i "$IMMUTABLE" 2>/dev/null
}
T_AT_EXIT=undo

if ! "$RSKEYMGMT" -c "$C" -e -f "$B/good.pem" --password-file "$T_TMP/pw" </dev/null >/dev/null 2>&1; then
	echo "Bail out! cannot make a backup"
	exit 99
fi
t_demo "$T_TMP/other" 5
if ! "$RSKEYMGMT" -c "$DEMO_CONF" -e -f "$B/other.pem" --password-file "$T_TMP/pw" </dev/null >/dev/null 2>&1; then
	echo "Bail out! cannot make the other backup"
	exit 99
fi

# same NAME: the key and every value as before.
same() {
	"$RSKEYMGMT" -c "$C" --verify --json </dev/null >"$T_TMP/same.json" 2>&1
	_st=$?
	if [ "$_st" -eq 0 ] && grep -q "\"kcv\":\"$KCV0\"" "$T_TMP/same.json" &&
	    grep -q '"checked":300,"readable":300,"unreadable":0' "$T_TMP/same.json"; then
		t_ok "$1_nothing_changed"
	else
		t_fail "$1_nothing_changed" "verify exit $_st: $(head -c 300 "$T_TMP/same.json")"
	fi
}

# bad NAME STATUS PHRASE CMD...: one case.
bad() {
	_name=$1 _want=$2 _phrase=$3
	shift 3
	CASES=$((CASES + 1))
	t_expect_exit "$_want" "$_name" "$@"
	if [ "$_want" -eq 0 ]; then
		t_grep "${_name}_says" "$T_OUT" "$_phrase"
	else
		t_grep "${_name}_says" "$T_ERR" "$_phrase"
	fi
	# FIXUP undoes the bad setting a case made outside the command.
	if [ -n "${FIXUP:-}" ]; then
		eval "$FIXUP"
		FIXUP=
	fi
	same "$_name"
}

# apply NAME STATUS PHRASE FILE [PASSWORD-FILE]: restore FILE.
apply() {
	bad "$1" "$2" "$3" "$RSKEYMGMT" -c "$C" -a -f "$4" --password-file "${5:-$T_TMP/pw}" --yes
}

# ---- backup files ----

full=$(stat -c %s "$B/good.pem")
head -c $((full / 2)) "$B/good.pem" >"$B/half.pem"
apply backup_truncated_half "$EX_BAD_FILE" 'damaged or truncated' "$B/half.pem"
head -n 1 "$B/good.pem" >"$B/header.pem"
apply backup_header_only "$EX_BAD_FILE" 'damaged or truncated' "$B/header.pem"
head -c $((full - 40)) "$B/good.pem" >"$B/end-cut.pem"
apply backup_end_cut "$EX_BAD_FILE" 'damaged or truncated' "$B/end-cut.pem"
: >"$B/empty.pem"
apply backup_empty "$EX_BAD_FILE" 'is empty' "$B/empty.pem"
head -c 2000 /dev/urandom >"$B/garbage.bin"
apply backup_garbage "$EX_BAD_FILE" 'is not a key backup' "$B/garbage.bin"
{ echo '-----BEGIN CMS-----'; head -c 900 /dev/urandom | base64; echo '-----END CMS-----'; } >"$B/garbage.pem"
apply backup_garbage_in_pem "$EX_BAD_FILE" 'damaged or truncated' "$B/garbage.pem"
{ cat "$B/good.pem"; head -c 70000 /dev/zero | tr '\0' '#'; } >"$B/huge.pem"
apply backup_huge "$EX_BAD_FILE" 'too large to be a key backup' "$B/huge.pem"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=rsbad -days 1 \
    -keyout "$T_TMP/cert.key" -out "$B/cert.pem" 2>/dev/null
apply backup_is_certificate "$EX_BAD_FILE" 'is not a key backup' "$B/cert.pem"
printf 'rsconfig-key-backup 1\nkey: 00\n' >"$T_TMP/payload"
openssl cms -encrypt -binary -aes256 -in "$T_TMP/payload" -outform PEM \
    -out "$B/to-cert.pem" "$B/cert.pem"
apply backup_cms_to_certificate "$EX_BAD_FILE" 'for certificates only: no password opens it.*--identity' "$B/to-cert.pem"
openssl cms -sign -binary -in "$T_TMP/payload" -signer "$B/cert.pem" \
    -inkey "$T_TMP/cert.key" -outform PEM -out "$B/signed.pem"
apply backup_cms_signed "$EX_BAD_FILE" 'not a password-protected key backup' "$B/signed.pem"
# Stock `openssl cms -encrypt -pwri_password` derives with 2,048 PBKDF2
# iterations and has no option for more: below the reader's floor, so
# these hand-made files are refused before any derivation (their payloads
# are checked in tests/unit/check_backup.c, made with 100,000).
printf 'just some text\nnot a backup\n' >"$T_TMP/text"
openssl cms -encrypt -binary -aes256 -in "$T_TMP/text" -pwri_password "$PW" \
    -outform PEM -out "$B/foreign-text.pem"
apply backup_foreign_payload "$EX_BAD_FILE" 'asks for only 2048 PBKDF2 iterations \(fewer than 100,000\)' "$B/foreign-text.pem"
openssl cms -decrypt -inform PEM -in "$B/good.pem" -pwri_password "$PW" >"$T_TMP/good.payload"
sed 's/^rsconfig-key-backup 1$/rsconfig-key-backup 7/' "$T_TMP/good.payload" >"$T_TMP/v7"
openssl cms -encrypt -binary -aes256 -in "$T_TMP/v7" -pwri_password "$PW" \
    -outform PEM -out "$B/format7.pem"
apply backup_newer_format "$EX_BAD_FILE" 'asks for only 2048 PBKDF2 iterations \(fewer than 100,000\)' "$B/format7.pem"
sed 's/^kcv: .*/kcv: 0123456789abcdef/' "$T_TMP/good.payload" >"$T_TMP/badkcv"
openssl cms -encrypt -binary -aes256 -in "$T_TMP/badkcv" -pwri_password "$PW" \
    -outform PEM -out "$B/altered-kcv.pem"
apply backup_altered_kcv "$EX_BAD_FILE" 'asks for only 2048 PBKDF2 iterations \(fewer than 100,000\)' "$B/altered-kcv.pem"
sed '/^key: /d' "$T_TMP/good.payload" >"$T_TMP/nokey"
openssl cms -encrypt -binary -aes256 -in "$T_TMP/nokey" -pwri_password "$PW" \
    -outform PEM -out "$B/no-key.pem"
apply backup_key_field_missing "$EX_BAD_FILE" 'asks for only 2048 PBKDF2 iterations \(fewer than 100,000\)' "$B/no-key.pem"
# One base64 character of the encrypted content changed.
awk 'NR == 8 { c = substr($0, 10, 1); $0 = substr($0, 1, 9) (c == "A" ? "B" : "A") substr($0, 11) } { print }' \
    "$B/good.pem" >"$B/flipped.pem"
apply backup_altered_content "$EX_BAD_FILE" 'damaged|altered|not a (valid|complete) key backup|does not decrypt' "$B/flipped.pem"
mkdir "$B/dir.pem"
apply backup_is_directory "$EX_BAD_FILE" 'not a regular file' "$B/dir.pem"
mkfifo "$B/fifo.pem"
apply backup_is_fifo "$EX_BAD_FILE" 'not a regular file' "$B/fifo.pem"
apply backup_is_dev_null "$EX_BAD_FILE" 'not a regular file' /dev/null
apply backup_missing "$EX_NOT_FOUND" 'no backup file at' "$B/nosuch.pem"
printf '%s\n' 'Wrong 2026!Password' >"$T_TMP/wrongpw"
apply backup_wrong_password "$EX_BAD_PASSWORD" 'wrong password for the backup file' "$B/good.pem" "$T_TMP/wrongpw"
printf '%s\n' 'bkp 2026!strong-xy' >"$T_TMP/casepw"
apply backup_password_wrong_case "$EX_BAD_PASSWORD" 'passwords are case-sensitive' "$B/good.pem" "$T_TMP/casepw"
apply backup_of_other_key "$EX_KEY_MISMATCH" 'different|not the key|the database uses' "$B/other.pem"
# The password block's key derivation forged (tests/fuzz/forgekdf.sh), so
# that OpenSSL would run it for about half an hour before "wrong password":
# 2,147,483,647 PBKDF2 iterations, and the same count under PKCS#12's
# pbeWithSHAAnd3-KeyTripleDES-CBC.  Both are refused before any.
FORGE="$RS_SRCDIR/tests/fuzz/forgekdf.sh"
if ! sh "$FORGE" "$B/good.pem" "$B/iterations.pem" 2a864886f70d01050c 7fffffff ||
    ! sh "$FORGE" "$B/good.pem" "$B/pkcs12-kdf.pem" 2a864886f70d010c0103 7fffffff; then
	echo "Bail out! cannot forge the key derivation of good.pem"
	exit 99
fi
apply backup_asks_too_many_iterations "$EX_BAD_FILE" 'asks for 2147483647 PBKDF2 iterations \(more than 10,000,000\): it was not written by rskeymgmt or has been tampered with' "$B/iterations.pem"
apply backup_asks_too_many_iterations_wrong_password "$EX_BAD_FILE" 'asks for 2147483647 PBKDF2 iterations' "$B/iterations.pem" "$T_TMP/wrongpw"
apply backup_other_key_derivation "$EX_BAD_FILE" 'derives its password key with pbeWithSHA1And3-KeyTripleDES-CBC instead of PBKDF2' "$B/pkcs12-kdf.pem"
# No key derivation at all (optional in RFC 3211): OpenSSL 3.0 would crash.
apply backup_no_key_derivation "$EX_BAD_FILE" 'key derivation cannot be read' "$RS_SRCDIR/tests/fuzz/regress/backup/no-key-derivation.pem"

# ---- passwords for a new backup ----

# pw_case NAME STATUS PHRASE PASSWORD
pw_case() {
	printf '%s\n' "$4" >"$T_TMP/newpw"
	rm -f "$B/new.pem"
	bad "$1" "$2" "$3" "$RSKEYMGMT" -c "$C" -e -f "$B/new.pem" --password-file "$T_TMP/newpw"
	if [ "$2" -eq 0 ]; then
		if openssl cms -decrypt -inform PEM -in "$B/new.pem" -pwri_password "$4" 2>/dev/null |
		    grep -q "^kcv: $KCV0\$"; then
			t_ok "$1_backup_opens_with_it"
		else
			t_fail "$1_backup_opens_with_it" "openssl cms cannot open it with that password"
		fi
	else
		t_absent "$1_no_file" "$B/new.pem"
	fi
}
x120=$(printf "%0120d" 0 | tr 0 x)
pw_case password_7_chars "$EX_POLICY" 'at least 8 characters|8 to 128' 'Ab1!xyz'
pw_case password_8_chars 0 'backed up to|Key backed up' 'Ab1!xyzq'
pw_case password_128_chars 0 'backed up to|Key backed up' "Ab1!xyzq$x120"
pw_case password_129_chars "$EX_POLICY" 'at most 128|8 to 128' "Ab1!xyzqy$x120"
pw_case password_with_spaces 0 'backed up to|Key backed up' 'Ab1 with spaces'
pw_case password_non_ascii 0 'backed up to|Key backed up' 'Pässwörd-Grüße 9'
pw_case password_non_ascii_lower_only "$EX_POLICY" 'upper-case' 'päss wörd 9!'
pw_case password_no_digit "$EX_POLICY" 'digit' 'Abcdefg!h'
pw_case password_no_symbol "$EX_POLICY" 'symbol' 'Abcdefg1h'
pw_case password_no_upper "$EX_POLICY" 'upper-case' 'abcdefg1!'
pw_case password_with_instance_name "$EX_POLICY" 'instance' 'Rsdemo1-2026!'
printf '' >"$T_TMP/emptypw"
rm -f "$B/new.pem"
bad password_file_empty "$EX_IO" 'no password on the first line' "$RSKEYMGMT" -c "$C" -e -f "$B/new.pem" --password-file "$T_TMP/emptypw"
bad password_file_missing "$EX_NOT_FOUND" 'cannot open .*No such file' "$RSKEYMGMT" -c "$C" -e -f "$B/new.pem" --password-file "$T_TMP/nosuchpw"

# ---- configs ----

# conf_case NAME STATUS PHRASE SED-EXPR: member1's config edited by SED-EXPR.
conf_case() {
	sed "$4" "$M1/rsreportserver.conf" >"$M1/bad.conf"
	chmod 0600 "$M1/bad.conf"
	bad "$1" "$2" "$3" "$RSKEYMGMT" -c "$M1/bad.conf" -s --yes
}
conf_case config_missing_field "$EX_CONFIG" 'missing keys: keystore' '/^keystore/d'
# (machine is no longer one: it defaults to the host name.)
conf_case config_missing_two_fields "$EX_CONFIG" 'missing keys: instance, service_account' '/^instance/d; /^service_account/d'
# shellcheck disable=SC2016  # sed's $ (last line)
conf_case config_unknown_field "$EX_CONFIG" 'unknown key "colour"' '$a colour = blue'
conf_case config_misspelt_field "$EX_CONFIG" 'unknown key "databse"' 's/^database /databse /'
# shellcheck disable=SC2016
conf_case config_duplicate_field "$EX_CONFIG" 'duplicate key "machine"' '$a machine = other'
conf_case config_bad_uuid "$EX_CONFIG" 'is not a valid UUID' 's/^installation_id .*/installation_id = not-a-uuid/'
conf_case config_empty_value "$EX_CONFIG" 'empty value for "instance"' 's/^instance .*/instance =/'
# shellcheck disable=SC2016
conf_case config_line_without_equals "$EX_CONFIG" "found no '='" '$a just words'
conf_case config_value_too_long "$EX_CONFIG" 'is too long' "s/^machine .*/machine = $x120$x120$x120/"
conf_case config_database_missing "$EX_DATABASE" 'rskeymgmt --init|does not exist|no report server database' 's|^database .*|database = /nonexistent/rs.db|'
conf_case config_database_is_folder "$EX_DATABASE" 'is not a regular file' "s|^database .*|database = $D|"
conf_case config_keystore_missing "$EX_NOT_ACTIVATED" 'no private key|does not exist' 's|^keystore .*|keystore = /nonexistent/keys|'
touch "$M1/afile"
conf_case config_keystore_is_file "$EX_NOT_ACTIVATED" 'is not a folder; check "keystore" in the config' "s|^keystore .*|keystore = $M1/afile|"
conf_case config_other_members_identity "$EX_NOT_ACTIVATED" 'holds no private key for this instance' "s|^installation_id .*|installation_id = $(sed -n 's/^installation_id *= *//p' "$D/member2/rsreportserver.conf")|"
head -c 300 /dev/urandom >"$M1/binary.conf"
chmod 0600 "$M1/binary.conf"
bad config_binary_garbage "$EX_CONFIG" 'unknown key|expected|missing keys|not a valid' "$RSKEYMGMT" -c "$M1/binary.conf" -s --yes
bad config_file_missing "$EX_CONFIG" 'cannot read config file' "$RSKEYMGMT" -c "$M1/nosuch.conf" -s --yes
bad config_is_folder "$EX_CONFIG" 'not a regular file|cannot read config file' "$RSKEYMGMT" -c "$M1" -s --yes
cp "$M1/rsreportserver.conf" "$M1/gw.conf"
chmod 0660 "$M1/gw.conf"
bad config_group_writable "$EX_PERMISSION" 'chmod go-w' "$RSKEYMGMT" -c "$M1/gw.conf" -s --yes
chmod 0606 "$M1/gw.conf"
bad config_world_writable "$EX_PERMISSION" 'chmod go-w' "$RSKEYMGMT" -c "$M1/gw.conf" -s --yes
if [ "$ROOT" -eq 1 ]; then
	conf_case config_unknown_service_account "$EX_NOT_ACTIVATED" 'no such user "nosuchuser42"' 's/^service_account .*/service_account = nosuchuser42/'
	conf_case config_account_not_owner "$EX_PERMISSION" 'not owned by the service account daemon' 's/^service_account .*/service_account = daemon/'
	chown daemon "$M1/keys"
	# shellcheck disable=SC2016  # expanded by eval in bad
	FIXUP='chown root "$M1/keys"'
	bad keystore_wrong_owner "$EX_PERMISSION" 'not owned by the service account root; .*Fix with: chown root' "$RSKEYMGMT" -c "$C" -s --yes
	chown daemon "$M1/rsreportserver.conf"
	# A config owned by someone else is refused (issue 14): its owner
	# could redirect what root does.
	t_expect_exit "$EX_PERMISSION" config_owned_by_other_readable "$RSKEYMGMT" -c "$C" --status
	t_grep config_owned_by_other_says_fix "$T_ERR" "belongs to daemon.*chown root"
	chown root "$M1/rsreportserver.conf"
else
	t_skip config_wrong_owners "not root"
fi
chmod 0750 "$M1/keys"
# shellcheck disable=SC2016  # expanded by eval in bad
FIXUP='chmod 0700 "$M1/keys"'
bad keystore_group_readable "$EX_PERMISSION" 'open to other users .*Fix with: chmod 700' "$RSKEYMGMT" -c "$C" -s --yes
for key in "$M1"/keys/*.key; do
	chmod 0640 "$key"
	# shellcheck disable=SC2016  # expanded by eval in bad
	FIXUP='chmod 0600 "$key"'
	bad key_file_group_readable "$EX_PERMISSION" 'open to other users .*Fix with: chmod 600' "$RSKEYMGMT" -c "$C" -s --yes
done

# ---- databases ----

# db_case NAME STATUS PHRASE: member1's config pointed at $T_TMP/db/rs.db.
db_conf() {
	sed "s|^database .*|database = $T_TMP/db/rs.db|" "$M1/rsreportserver.conf" >"$M1/db.conf"
	chmod 0600 "$M1/db.conf"
}
db_case() {
	bad "$1" "$2" "$3" "$RSKEYMGMT" -c "$M1/db.conf" -s --yes
}
mkdir "$T_TMP/db"
db_conf
db_case database_missing "$EX_DATABASE" 'rskeymgmt --init|does not exist'
head -c 40000 /dev/urandom >"$T_TMP/db/rs.db"
db_case database_corrupt "$EX_DATABASE" 'not a usable report server database'
: >"$T_TMP/db/rs.db"
db_case database_empty_file "$EX_DATABASE" 'not a usable|no report server|schema|rskeymgmt --init|empty'
cp "$D/reportserver.db" "$T_TMP/db/rs.db"
sqlite3 "$T_TMP/db/rs.db" 'PRAGMA user_version = 99;' 2>/dev/null
db_case database_newer_schema "$EX_DATABASE" 'newer'
sqlite3 "$T_TMP/db/rs.db" 'PRAGMA user_version = 0;' 2>/dev/null
db_case database_no_schema_version "$EX_DATABASE" 'an SQLite database but not a report server database'
printf 'SQLite format 3\000' >"$T_TMP/db/rs.db"
db_case database_header_only "$EX_DATABASE" 'not a usable report server database'
if [ "$ROOT" -eq 1 ] && chattr +i "$D/reportserver.db" 2>/dev/null; then
	IMMUTABLE=$D/reportserver.db
	CASES=$((CASES + 1))
	t_expect_exit "$EX_DATABASE" database_read_only "$RSKEYMGMT" -c "$C" -s --yes
	t_grep database_read_only_says "$T_ERR" 'read-only|cannot write the report server database'
	chattr -i "$D/reportserver.db"
	IMMUTABLE=
	same database_read_only
else
	t_skip database_read_only "chattr +i not possible here"
fi
if command -v sqlite3 >/dev/null 2>&1; then
	if db_hold "$D/reportserver.db"; then
		CASES=$((CASES + 1))
		t_expect_exit "$EX_BUSY" database_locked "$RSKEYMGMT" -c "$C" -s --yes
		t_grep database_locked_says "$T_ERR" 'being changed by another process|busy'
	else
		t_fail database_locked "sqlite3 did not take the lock: $(cat "$T_TMP/sqlout")"
	fi
	db_release
	same database_locked
fi

# ---- stdin closed where a command would prompt ----

# closed NAME STATUS PHRASE ARGS...: no terminal, stdin closed.
closed() {
	_name=$1 _want=$2 _phrase=$3
	shift 3
	CASES=$((CASES + 1))
	if command -v setsid >/dev/null 2>&1; then
		setsid -w "$RSKEYMGMT" -c "$C" "$@" <&- >"$T_OUT" 2>"$T_ERR"
	else
		"$RSKEYMGMT" -c "$C" "$@" <&- >"$T_OUT" 2>"$T_ERR"
	fi
	_got=$?
	t_equal "$_name" "$_got" "$_want"
	t_grep "${_name}_says" "$T_ERR" "$_phrase"
	same "$_name"
}
closed stdin_closed_backup_password "$EX_USAGE" 'password' -e -f "$B/closed.pem"
closed stdin_closed_restore_password "$EX_USAGE" 'password' -a -f "$B/good.pem"
closed stdin_closed_delete_confirm "$EX_USAGE" '--yes|confirm' -d
closed stdin_closed_change_confirm "$EX_USAGE" '--yes|confirm' -s
t_absent stdin_closed_no_backup "$B/closed.pem"

# ---- member IDs ----

bad join_unknown_member "$EX_NOT_FOUND" 'no member|not found|No member' "$RSKEYMGMT" -c "$C" -j 00000000-0000-4000-8000-000000000000 --yes
bad join_malformed_id "$EX_USAGE" 'not an installation ID|UUID|not a valid' "$RSKEYMGMT" -c "$C" -j 'x;DROP TABLE members' --yes
bad remove_unknown_member "$EX_NOT_FOUND" 'no member|not found|No member' "$RSKEYMGMT" -c "$C" -r 00000000-0000-4000-8000-000000000000 --yes

echo "# badinput: $CASES bad inputs covered"
if [ "$CASES" -ge 50 ]; then t_ok "catalogue_has_50_cases ($CASES)"
else t_fail catalogue_has_50_cases "only $CASES"; fi
t_done
