#!/bin/sh
# SPDX-License-Identifier: ISC
# As root, the service-account change is complete or refused before
# anything changes (issue 14), with real accounts and no hand-made chown:
# the change gives the new account what it needs and the service starts and
# decrypts as it; a non-root admin is refused; a nonexistent account is
# refused before any backup is written; a failure injected in each later
# step (chattr +i, as tests/reliability/faults.sh does) leaves the old
# account fully working and the audit saying it failed; and the ownership
# model refuses a config owned by another user, a symlinked database and a
# folder others can write; root's admin lock is out of the account's reach.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

t_need_root
U1=rsa$$a U2=rsa$$b U3=rsa$$c
IMMUTABLE=
# shellcheck disable=SC2317  # run by t_cleanup in lib.sh
undo() {
	for _f in $IMMUTABLE; do
		chattr -i "$_f" 2>/dev/null
	done
}
T_AT_EXIT="undo; $T_AT_EXIT"
for u in "$U1" "$U2" "$U3"; do
	t_account "$u"
done
t_backup_password

# The test's folder is passed through as /var/lib is; nothing else is
# prepared by hand.
svc_root_demo 40
KS=$D/member1/keys
AUDIT=$D/reportserver.db-audit.log
DS=$(a_datasource "$D/reportserver.db")

# A nonexistent account: refused before the backup, no file written.
t_expect_exit 12 nonexistent_refused "$RSKEYMGMT" -c "$C" --service-account "nosuch$$" \
    -f "$T_TMP/nosuch.pem" --password-file "$T_TMP/pw" --yes
t_absent nonexistent_no_backup_written "$T_TMP/nosuch.pem"

# The change as root, while the service runs (as root, the demo's account).
t_expect_exit 0 start_as_root "$RSKEYMGMT" -c "$C" --start --heartbeat 1
SVC_PIDS="$SVC_PIDS $(svc_pid_of "$C")"
t_expect_exit 0 change_to_u1 "$RSKEYMGMT" -c "$C" --service-account "$U1" \
    -f "$T_TMP/u1.pem" --password-file "$T_TMP/pw" --yes
# "Restarted" is said only once the service answered activated as U1.
t_grep change_says_restarted "$T_OUT" "Restarted the report server service as $U1"
SVC_PIDS="$SVC_PIDS $(svc_pid_of "$C")"
t_equal runs_as_u1 "$(svc_field "$C" account)" "$U1"
t_equal activated_as_u1 "$(svc_field "$C" state)" activated
t_expect_exit 0 decrypts_as_u1 "$RSKEYMGMT" -c "$C" --test-datasource "$DS"
t_equal db_folder_is_u1s "$(stat -c %U "$D")" "$U1"
t_equal db_is_u1s "$(stat -c %U "$D/reportserver.db")" "$U1"
t_equal keystore_is_u1s "$(stat -c %U "$KS")" "$U1"
t_equal config_stays_roots "$(stat -c '%U %G %a' "$C")" "root $(id -gn "$U1") 640"
t_grep audit_change_ok "$AUDIT" "service-account.*$U1"

# A backup password made for the change must not contain the new account's
# name either (the policy's "does not contain the service account").
printf 'Zz9!%s\n' "$U2" >"$T_TMP/pw2"
t_expect_exit 3 password_names_new_account "$RSKEYMGMT" -c "$C" --service-account "$U2" \
    -f "$T_TMP/u2.pem" --password-file "$T_TMP/pw2" --yes
t_grep password_names_account_rule "$T_ERR" 'must not contain the service account name'
t_no_grep password_only_account_rule "$T_ERR" 'upper-case|lower-case|digit|symbol|characters long'
t_absent password_no_backup "$T_TMP/u2.pem"
t_grep password_config_unchanged "$C" "^service_account *= *$U1\$"

# U1 is the account now; every failure below must leave it working.
# old_works NAME: the service runs as U1, activated, and decrypts; the
# config, key store and database are still U1's; the audit did not say ok.
old_works() {
	t_grep "$1_says_undone" "$T_ERR" "undone|Undoing|refused|cannot|failed"
	t_grep "$1_config_names_u1" "$C" "^service_account *= *$U1\$"
	t_equal "$1_keystore_still_u1s" "$(stat -c %U "$KS")" "$U1"
	t_equal "$1_db_still_u1s" "$(stat -c %U "$D/reportserver.db")" "$U1"
	t_equal "$1_config_group_u1" "$(stat -c %G "$C")" "$(id -gn "$U1")"
	if ! svc_answered "$C"; then
		"$RSKEYMGMT" -c "$C" --start --heartbeat 1 >/dev/null 2>&1
	fi
	SVC_PIDS="$SVC_PIDS $(svc_pid_of "$C")"
	t_equal "$1_runs_as_u1" "$(svc_field "$C" account)" "$U1"
	t_equal "$1_activated" "$(svc_field "$C" state)" activated
	t_expect_exit 0 "$1_decrypts" "$RSKEYMGMT" -c "$C" --test-datasource "$DS"
	if tail -n 1 "$AUDIT" | grep -q 'outcome=ok'; then
		t_fail "$1_audit_not_ok" "$(tail -n 1 "$AUDIT")"
	else
		t_ok "$1_audit_not_ok"
	fi
}

# fault NAME FILE: FILE made immutable, the change to U2 fails, U1 works.
fault() {
	if ! chattr +i "$2" 2>/dev/null; then
		t_skip "$1" "chattr +i does not work here"
		return
	fi
	IMMUTABLE="$IMMUTABLE $2"
	t_expect_exit_not0 "$1_fails" "$RSKEYMGMT" -c "$C" --service-account "$U2" \
	    --backup-exists --yes
	chattr -i "$2"
	echo "# $1: $(head -c 400 "$T_ERR")"
	old_works "$1"
}

# t_expect_exit_not0 NAME CMD...: CMD fails (any status but 0).
t_expect_exit_not0() {
	_n=$1
	shift
	if "$@" </dev/null >"$T_OUT" 2>"$T_ERR"; then
		t_fail "$_n" "exit 0, expected a failure"
	else
		t_ok "$_n"
	fi
}

KEY=$(ls "$KS"/*.key)
# 1. the re-wrap: the key store cannot take the new key pair
fault stage_fault "$KS"
# 2. the key store hand-over: the key file cannot be replaced (after the
#    database committed: the old account's row goes back)
fault handover_fault "$KEY"
# 3. the grants: the config cannot be given to the new account's group
fault grants_fault "$C"
# 4. the restart: the new account cannot have the runtime folder
if [ -d "$D/member1/keys.run" ]; then
	fault restart_fault "$D/member1/keys.run"
else
	t_skip restart_fault "no runtime folder to make immutable"
fi
t_expect_exit 0 stop_after_faults "$RSKEYMGMT" -c "$C" --stop

# Not root: another account is refused before anything changes.
if command -v setpriv >/dev/null 2>&1; then
	mkdir "$T_TMP/nr"
	# the unprivileged user's own folder: made as root, given to it
	chown "$U3" "$T_TMP/nr"
	RUN="setpriv --reuid=$U3 --regid=$(id -g "$U3") --init-groups"
	# shellcheck disable=SC2086
	if $RUN "$RSDEMO" create "$T_TMP/nr/demo" --values 20 --members 1 >/dev/null 2>&1; then
		NR=$T_TMP/nr/demo/member1/rsreportserver.conf
		# shellcheck disable=SC2086
		t_expect_exit 9 nonroot_refused $RUN "$RSKEYMGMT" -c "$NR" \
		    --service-account "$U2" -f "$T_TMP/nr/b.pem" --password-file "$T_TMP/pw" --yes
		t_grep nonroot_says_root_would "$T_ERR" "As root, rskeymgmt --service-account $U2 would"
		t_absent nonroot_no_backup "$T_TMP/nr/b.pem"
		t_grep nonroot_config_unchanged "$NR" "^service_account *= *$U3\$"
		t_equal nonroot_keystore_unchanged "$(stat -c %U "$T_TMP/nr/demo/member1/keys")" "$U3"
	else
		t_skip nonroot_refused "cannot run rsdemo as $U3"
	fi
else
	t_skip nonroot_refused "no setpriv"
fi

# The ownership model, checked before every operation.
cp -p "$C" "$T_TMP/conf.keep"
chown "$U2" "$C"
t_expect_exit 9 foreign_config_refused "$RSKEYMGMT" -c "$C" --status
t_grep foreign_config_says_fix "$T_ERR" "belongs to $U2.*chown root $C"
cp -p "$T_TMP/conf.keep" "$C"

ln -s reportserver.db "$D/link.db"
sed 's|^database *=.*|database = ../link.db|' "$T_TMP/conf.keep" >"$T_TMP/conf.link"
cat "$T_TMP/conf.link" >"$C"
t_expect_exit 9 symlinked_db_refused "$RSKEYMGMT" -c "$C" --status
t_grep symlinked_db_says_why "$T_ERR" "symbolic link"
cp -p "$T_TMP/conf.keep" "$C"

chmod o+w "$D/member1"
t_expect_exit 9 writable_folder_refused "$RSKEYMGMT" -c "$C" --status
t_grep writable_folder_says_fix "$T_ERR" "chmod go-w $D/member1"
chmod o-w "$D/member1"

# The admin lock's old place, DATABASE.lock, is in U1's folder: what U1
# plants there neither stops, hangs nor redirects root (issue 14).
OLD=$D/reportserver.db.lock
t_absent root_makes_nothing_at_old_lock "$OLD"
if command -v setpriv >/dev/null 2>&1 && command -v flock >/dev/null 2>&1; then
	AS_U1="setpriv --reuid=$U1 --regid=$(id -g "$U1") --init-groups"
	$AS_U1 mkfifo "$OLD"
	t_expect_exit 0 fifo_at_old_lock_ignored timeout 20 "$RSKEYMGMT" -c "$C" \
	    -e -f "$T_TMP/old1.pem" --password-file "$T_TMP/pw"
	rm "$OLD"
	$AS_U1 ln -s "$T_TMP/elsewhere" "$OLD"
	t_expect_exit 0 link_at_old_lock_ignored timeout 20 "$RSKEYMGMT" -c "$C" \
	    -e -f "$T_TMP/old2.pem" --password-file "$T_TMP/pw"
	t_absent old_lock_link_not_followed "$T_TMP/elsewhere"
	t_equal old_lock_link_left_as_is "$(readlink "$OLD")" "$T_TMP/elsewhere"
	rm "$OLD"
	# U1 holding a DATABASE.lock of its own (its service recovering a
	# change, or U1 running rskeymgmt): root waits for it.
	$AS_U1 touch "$OLD"
	# -o: the lock dies with flock itself, not with the sleep it starts
	$AS_U1 flock -o "$OLD" sleep 60 &
	HOLD=$!
	_n=0
	while flock -n "$OLD" true && [ "$_n" -lt 200 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	t_expect_exit 6 account_holder_keeps_root_out timeout 20 "$RSKEYMGMT" -c "$C" \
	    -e -f "$T_TMP/old3.pem" --password-file "$T_TMP/pw"
	t_absent account_holder_no_backup "$T_TMP/old3.pem"
	kill "$HOLD" 2>/dev/null
	wait "$HOLD" 2>/dev/null
	t_expect_exit 0 account_holder_gone_root_goes_on "$RSKEYMGMT" -c "$C" \
	    -e -f "$T_TMP/old3.pem" --password-file "$T_TMP/pw"
	rm -f "$OLD"
else
	t_skip old_lock_place "no setpriv or flock"
fi

# Root's own lock lives in RS_LOCK_DIR, named by the database's device and
# inode, root's and readable by the database's group (its service sees
# root holds it).  A FIFO or a link planted there: refused at once, never
# a hang.
LOCK=$(t_lock_path "$D/reportserver.db")
t_equal root_lock_is_roots "$(stat -c '%U %G %a' "$LOCK")" \
    "root $(stat -c %G "$D/reportserver.db") 640"
t_equal lock_folder_is_roots "$(stat -c '%U %a' "$RS_LOCK_DIR")" "root 711"
mv "$LOCK" "$T_TMP/lock.keep"
mkfifo "$LOCK"
t_expect_exit 9 fifo_lock_refused timeout 20 "$RSKEYMGMT" -c "$C" -s --yes
t_grep fifo_lock_says_fix "$T_ERR" "rm $LOCK"
rm "$LOCK"
ln -s "$T_TMP/elsewhere" "$LOCK"
t_expect_exit 9 symlinked_lock_refused timeout 20 "$RSKEYMGMT" -c "$C" -s --yes
t_absent symlinked_lock_not_followed "$T_TMP/elsewhere"
rm "$LOCK"
mv "$T_TMP/lock.keep" "$LOCK"
# A lock folder another account owns or may write: refused, naming the fix.
chown "$U2" "$RS_LOCK_DIR"
t_expect_exit 9 foreign_lock_folder_refused timeout 20 "$RSKEYMGMT" -c "$C" -s --yes
t_grep foreign_lock_folder_says_fix "$T_ERR" \
    "belongs to $U2.*Fix with: chown root:root $RS_LOCK_DIR"
chown root "$RS_LOCK_DIR"
chmod o+w "$RS_LOCK_DIR"
t_expect_exit 9 writable_lock_folder_refused timeout 20 "$RSKEYMGMT" -c "$C" -s --yes
t_grep writable_lock_folder_says_fix "$T_ERR" "Fix with: chmod go-w $RS_LOCK_DIR"
chmod o-w "$RS_LOCK_DIR"
t_expect_exit 0 model_holds_again "$RSKEYMGMT" -c "$C" --status
t_done
