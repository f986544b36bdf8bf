#!/bin/sh
# SPDX-License-Identifier: ISC
# account.sh: change the service account: refused without a backup; with
# --backup-exists or a backup made in the same run the key is re-wrapped
# for the new identity.  As root the account really owns the key store
# afterwards; without root it says plainly that ownership did not change.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

t_backup_password

# account_flow CONFIG NEW_ACCOUNT OTHER_ACCOUNT [RUNNER...]: the checks that
# hold for root and non-root alike.
account_flow() {
	_c=$1 _new=$2 _other=$3
	shift 3
	t_expect_exit "$EX_BACKUP_REQUIRED" account_without_backup "$@" "$RSKEYMGMT" -c "$_c" \
	    --service-account "$_new" --yes
	t_grep account_without_backup_says "$T_ERR" 'Back up the encryption key'
	t_grep config_unchanged_without_backup "$_c" "^service_account *= *$(id -un)\$"
	t_expect_exit "$EX_USAGE" account_needs_yes "$@" "$RSKEYMGMT" -c "$_c" \
	    --service-account "$_new" --backup-exists
	t_expect_exit 0 account_backup_exists "$@" "$RSKEYMGMT" -c "$_c" \
	    --service-account "$_new" --backup-exists --yes
	cp "$T_OUT" "$T_TMP/account.out"
	t_grep account_says_changed "$T_TMP/account.out" "changed from .* to $_new"
	t_grep config_names_new_account "$_c" "^service_account *= *$_new\$"
	t_expect_exit 0 account_status_activated "$@" "$RSKEYMGMT" -c "$_c" --status
	t_grep account_status_names_account "$T_OUT" "^Service account: +$_new\$"
	t_expect_exit 0 account_verify "$@" "$RSKEYMGMT" -c "$_c" --verify
	t_grep account_values_readable "$T_OUT" '200 readable, 0 unreadable'
	# A backup made in the same run counts as the backup.
	t_expect_exit 0 account_with_backup "$@" "$RSKEYMGMT" -c "$_c" \
	    --service-account "$_other" -f "$T_TMP/sa/b.pem" --password-file "$T_TMP/pw" --yes
	t_grep account_backup_reported "$T_OUT" 'backed up to .*b\.pem'
	t_equal account_backup_mode "$(file_mode "$T_TMP/sa/b.pem")" 600
	t_grep account_with_backup_changed "$T_OUT" "changed from $_new to $_other"
	t_expect_exit 0 account_twice_verify "$@" "$RSKEYMGMT" -c "$_c" --verify
}

if [ "$(id -u)" -eq 0 ]; then
	U1=rst$$a U2=rst$$b
	T_AT_EXIT="userdel $U1 2>/dev/null; userdel $U2 2>/dev/null"
	if ! useradd -r -M -s /usr/sbin/nologin "$U1" ||
	    ! useradd -r -M -s /usr/sbin/nologin "$U2"; then
		echo "Bail out! useradd failed"
		exit 99
	fi
	mkdir "$T_TMP/sa"
	t_demo "$T_TMP/demo" 200
	# On PostgreSQL no database folder goes to the account: the demo
	# folder on the way to its config must be open to pass through.
	chmod 0711 "$T_TMP/demo"
	t_expect_exit "$EX_NOT_FOUND" account_must_exist "$RSKEYMGMT" -c "$DEMO_CONF" \
	    --service-account "nosuchuser$$" --backup-exists --yes
	account_flow "$DEMO_CONF" "$U1" "$U2"
	t_grep root_says_ownership "$T_TMP/account.out" "now belongs to $U1"
	KS=$T_TMP/demo/member1/keys
	t_equal keystore_owned_by_account "$(stat -c %U "$KS")" "$U2"
	t_equal keystore_mode_0700 "$(file_mode "$KS")" 700
	for key in "$KS"/*.key; do
		t_equal key_owned_by_account "$(stat -c %U "$key")" "$U2"
		t_equal key_mode_0600 "$(file_mode "$key")" 600
	done
	# The non-root flow, as nobody, when nobody can reach the programs.
	mkdir "$T_TMP/nr" && chown nobody "$T_TMP/nr"
	RUN="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	if command -v setpriv >/dev/null 2>&1 &&
	    $RUN "$RSDEMO" create "$T_TMP/nr/demo" --values 200 >/dev/null 2>&1; then
		rm -rf "$T_TMP/sa" && mkdir "$T_TMP/sa" && chown nobody "$T_TMP/sa"
		chmod 0644 "$T_TMP/pw"
		NR=$T_TMP/nr/demo/member1/rsreportserver.conf
		# Only root can give the instance to another account: refused
		# before anything changes, saying what root would do (issue 14).
		# shellcheck disable=SC2086
		t_expect_exit "9" nonroot_account_change $RUN "$RSKEYMGMT" -c "$NR" \
		    --service-account daemon --backup-exists --yes
		t_grep nonroot_says_what_root_would_do "$T_ERR" 'As root, rskeymgmt --service-account daemon would'
		t_grep nonroot_config_unchanged "$NR" '^service_account *= *nobody$'
		t_equal nonroot_keystore_still_nobody "$(stat -c %U "$T_TMP/nr/demo/member1/keys")" nobody
	else
		t_skip nonroot_account_change "cannot run the programs as nobody here"
	fi
else
	# Not root: another account is refused before anything changes.
	t_demo "$T_TMP/demo" 200
	t_expect_exit "9" nonroot_account_change "$RSKEYMGMT" -c "$DEMO_CONF" \
	    --service-account daemon --backup-exists --yes
	t_grep nonroot_config_unchanged "$DEMO_CONF" "^service_account *= *$(id -un)\$"
	t_skip root_account_change "not root: cannot create accounts"
fi

t_done
