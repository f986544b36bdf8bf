#!/bin/sh
# SPDX-License-Identifier: ISC
# As root, an account change is checked before the backup (issue 14): the
# new account must be able to walk down to the config, the database and
# the key store, and the service must be able to make its runtime folder
# and let the account reach it.  When it cannot, the change is refused
# before anything is written, naming the folder and the fix; nothing about
# the instance changes.  Real accounts, no hand-made chown.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - needs root and useradd"
	exit 77
fi
U1=rsr$$a U2=rsr$$b
# shellcheck disable=SC2317  # run by t_cleanup in lib.sh
undo() {
	userdel "$U1" 2>/dev/null
	userdel "$U2" 2>/dev/null
}
T_AT_EXIT="undo; $T_AT_EXIT"
for u in "$U1" "$U2"; do
	useradd -r -M -s /usr/sbin/nologin "$u" || { echo "Bail out! useradd failed"; exit 99; }
done
printf '%s\n' 'Bkp 2026!Strong-xY' >"$T_TMP/pw"

# The instance lives in a folder only root may enter.
CLOSED=$T_TMP/closed
mkdir -m 0700 "$CLOSED"
t_demo "$CLOSED/demo" 20 1
C=$DEMO_CONF
D=$CLOSED/demo
KS=$D/member1/keys
CONF0=$(cat "$C")

# state: owners, groups and modes of everything a change touches, and the
# config's text.
state() {
	stat -c '%n %U:%G %a' "$CLOSED" "$D" "$D/member1" "$C" "$KS" \
	    "$KS"/* "$D"/reportserver.db*
	ls -a "$D/member1"
	cat "$C"
}
# refused NAME PATTERN: the change to U1 is refused before the backup,
# with PATTERN in the message, and nothing changed.
refused() {
	state >"$T_TMP/before"
	t_expect_exit 9 "$1" "$RSKEYMGMT" -c "$C" --service-account "$U1" \
	    -f "$T_TMP/$1.pem" --password-file "$T_TMP/pw" --yes
	t_grep "$1_says_why" "$T_ERR" "$2"
	t_grep "$1_says_nothing_changed" "$T_ERR" "Nothing was changed"
	t_absent "$1_before_backup" "$T_TMP/$1.pem"
	state >"$T_TMP/after"
	if cmp -s "$T_TMP/before" "$T_TMP/after"; then
		t_ok "$1_nothing_changed"
	else
		t_fail "$1_nothing_changed" "$(diff "$T_TMP/before" "$T_TMP/after" | head -c 400)"
	fi
	t_grep "$1_audited_refused" "$D/reportserver.db-audit.log" \
	    "op=service-account .*outcome=(refused|failed)"
}

refused closed_folder "the folder $CLOSED is closed to it.*chmod o\\+x $CLOSED, or move the instance"

# Opened for walking through: the runtime folder is checked next.
chmod 0711 "$CLOSED"
# A runtime folder in a folder only root may enter: the account could not
# reach its socket.
mkdir -m 0700 "$T_TMP/rtclosed"
printf '%s\n' "$CONF0" | sed "s|^runtime *=.*|runtime = $T_TMP/rtclosed/run|" >"$C"
refused runtime_unreachable "could not reach $T_TMP/rtclosed/run: the folder $T_TMP/rtclosed is closed"
# A runtime folder whose folder is missing (two levels: rsserverd makes one).
printf '%s\n' "$CONF0" | sed "s|^runtime *=.*|runtime = $T_TMP/no/such/run|" >"$C"
refused runtime_no_parent "could not make its runtime folder $T_TMP/no/such/run in $T_TMP/no: .*mkdir -p $T_TMP/no/such"
# A runtime folder that exists and belongs to someone else: never taken.
mkdir -m 0750 "$T_TMP/theirs"
chown "$U2" "$T_TMP/theirs"
printf '%s\n' "$CONF0" | sed "s|^runtime *=.*|runtime = $T_TMP/theirs|" >"$C"
refused runtime_foreign "runtime folder $T_TMP/theirs already exists and belongs to $U2.*rm -r $T_TMP/theirs"
# A runtime folder on a read-only mount cannot be made, even by root.
if mkdir "$T_TMP/ro" && mount -t tmpfs -o ro,size=64k tmpfs "$T_TMP/ro" 2>/dev/null; then
	T_AT_EXIT="umount '$T_TMP/ro' 2>/dev/null; $T_AT_EXIT"
	printf '%s\n' "$CONF0" | sed "s|^runtime *=.*|runtime = $T_TMP/ro/run|" >"$C"
	refused runtime_readonly "could not make its runtime folder $T_TMP/ro/run in $T_TMP/ro: Read-only"
	umount "$T_TMP/ro"
else
	t_skip runtime_readonly "cannot mount a read-only tmpfs here"
fi

# With the folders open and a runtime folder it can make, the change goes
# through and the service starts as the new account.
printf '%s\n' "$CONF0" >"$C"
t_expect_exit 0 change_when_reachable "$RSKEYMGMT" -c "$C" --service-account "$U1" \
    -f "$T_TMP/ok.pem" --password-file "$T_TMP/pw" --yes
t_expect_exit 0 starts_as_u1 "$RSKEYMGMT" -c "$C" --start --heartbeat 1
SVC_PIDS="$SVC_PIDS $(svc_pid_of "$C")"
t_equal runs_as_u1 "$(svc_field "$C" account)" "$U1"
t_expect_exit 0 stops "$RSKEYMGMT" -c "$C" --stop
t_done
