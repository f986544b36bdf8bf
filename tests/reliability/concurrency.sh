#!/bin/sh
# SPDX-License-Identifier: ISC
# concurrency.sh: one admin at a time.
#  - two key operations released at the same instant (their passwords come
#    through FIFOs written together): exactly one proceeds, the other exits
#    busy with "in use by" and writes nothing;
#  - while a backup holds the admin lock (stopped there, the lock checked
#    with flock(1)), every key operation is refused the same way and changes
#    nothing, and --status and --list still answer;
#  - a holder killed with SIGKILL leaves no lock: the next operation takes
#    it at once, whatever the lock file still says.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# An account change as root needs the new account to reach the config
# through this folder (the product refuses to open an admin's folder).
if [ "$(id -u)" -eq 0 ]; then chmod 0711 "$T_TMP"; fi

PW='Bkp 2026!Strong-xY'
printf '%s\n' "$PW" >"$T_TMP/pw"
t_demo "$T_TMP/demo" 2000 3
C=$DEMO_CONF
# The admin lock where lock.h puts it (root's in RS_LOCK_DIR).
LOCK=$(t_lock_path "$T_TMP/demo/reportserver.db")
KCV0=$(kcv "$C")
if ! "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/pre.pem" --password-file "$T_TMP/pw" </dev/null >/dev/null 2>&1; then
	echo "Bail out! cannot make a backup"
	exit 99
fi
ME=$(id -un)
id_of() { sed -n 's/^installation_id *= *//p' "$1"; }
ID2=$(id_of "$T_TMP/demo/member2/rsreportserver.conf")
ID3=$(id_of "$DEMO_WAIT")
HOLDER=

# shellcheck disable=SC2317  # run by t_cleanup in lib.sh
cleanup_holder() {
	if [ -n "$HOLDER" ]; then
		kill -CONT "$HOLDER" 2>/dev/null
		kill -KILL "$HOLDER" 2>/dev/null
	fi
}
T_AT_EXIT=cleanup_holder

# ---- 1. two at once ----
trial=1
races_ok=0
while [ "$trial" -le 5 ]; do
	d=$T_TMP/race$trial
	mkdir "$d"
	mkfifo "$d/p1" "$d/p2"
	"$RSKEYMGMT" -c "$C" -e -f "$d/b1.pem" --password-file "$d/p1" </dev/null >"$d/1.out" 2>"$d/1.err" &
	a=$!
	"$RSKEYMGMT" -c "$C" -e -f "$d/b2.pem" --password-file "$d/p2" </dev/null >"$d/2.out" 2>"$d/2.err" &
	b=$!
	# Both block opening their FIFO; one shell command releases both.
	printf '%s\n' "$PW" >"$d/p1" & printf '%s\n' "$PW" >"$d/p2" &
	wait "$a"
	ra=$?
	wait "$b"
	rb=$?
	case "$ra $rb" in
	"0 $EX_BUSY") winner=1 loser=2 ;;
	"$EX_BUSY 0") winner=2 loser=1 ;;
	*)
		t_fail "race${trial}_exactly_one_proceeds" "exits $ra and $rb: $(cat "$d/1.err" "$d/2.err" | head -c 300)"
		trial=$((trial + 1))
		continue ;;
	esac
	if grep -Eq "in use by $ME \\(pid [0-9]+\\) since" "$d/$loser.err" &&
	    [ -f "$d/b$winner.pem" ] && [ ! -e "$d/b$loser.pem" ]; then
		races_ok=$((races_ok + 1))
	else
		t_fail "race${trial}_loser_says_in_use" "$(head -c 300 "$d/$loser.err"); files: $(ls "$d")"
	fi
	trial=$((trial + 1))
done
t_equal two_at_once_one_proceeds_other_busy "$races_ok" 5
t_equal races_leave_key "$(kcv "$C")" "$KCV0"

# ---- 2. everything refused while a backup holds the lock ----

# hold_lock: starts a backup and stops it while it holds the admin lock;
# sets HOLDER.  A backup holds the lock for two PBKDF2 passes, so polling
# catches it; flock(1) proves the lock is held before the tests rely on it.
hold_lock() {
	_try=0
	while [ "$_try" -lt 10 ]; do
		_try=$((_try + 1))
		rm -f "$T_TMP/held.pem"
		"$RSKEYMGMT" -c "$C" -e -f "$T_TMP/held.pem" --password-file "$T_TMP/pw" \
		    </dev/null >"$T_TMP/holder.out" 2>&1 &
		HOLDER=$!
		_n=0
		while [ "$_n" -lt 400 ]; do
			if grep -q "^$ME $HOLDER " "$LOCK" 2>/dev/null; then
				kill -STOP "$HOLDER" 2>/dev/null
				if ! flock -n "$LOCK" true 2>/dev/null; then
					return 0
				fi
				kill -CONT "$HOLDER" 2>/dev/null
				break
			fi
			kill -0 "$HOLDER" 2>/dev/null || break
			sleep 0.01
			_n=$((_n + 1))
		done
		wait "$HOLDER"
		HOLDER=
	done
	return 1
}

if ! command -v flock >/dev/null 2>&1; then
	t_skip held_lock "flock(1) is not installed"
elif hold_lock; then
	t_ok backup_holds_lock
	for op in "backup:-e -f $T_TMP/busy.pem --password-file $T_TMP/pw" \
	    "restore:-a -f $T_TMP/pre.pem --password-file $T_TMP/pw" \
	    "restore_force:-a -f $T_TMP/pre.pem --password-file $T_TMP/pw --force" \
	    "reencrypt:-s" "delete:-d" "join:-j $ID3" "remove:-r $ID2" \
	    "account:--service-account daemon --backup-exists"; do
		name=${op%%:*}
		# shellcheck disable=SC2086
		t_expect_exit "$EX_BUSY" "${name}_busy" "$RSKEYMGMT" -c "$C" ${op#*:} --yes
		t_grep "${name}_says_in_use_by" "$T_ERR" "in use by $ME \\(pid $HOLDER\\) since"
	done
	t_absent busy_backup_wrote_nothing "$T_TMP/busy.pem"
	t_expect_exit 0 status_while_held "$RSKEYMGMT" -c "$C" --status
	t_expect_exit 0 list_while_held "$RSKEYMGMT" -c "$C" --list
	t_equal held_key_unchanged "$(kcv "$C")" "$KCV0"
	"$RSKEYMGMT" -c "$C" --list --json </dev/null >"$T_TMP/list.json" 2>&1
	t_grep held_member2_still_there "$T_TMP/list.json" "\"installation_id\":\"$ID2\""

	# ---- 3. the holder dies with the lock ----
	kill -KILL "$HOLDER"
	kill -CONT "$HOLDER" 2>/dev/null
	wait "$HOLDER" 2>/dev/null
	dead=$HOLDER
	HOLDER=
	t_grep lock_file_names_dead_holder "$LOCK" "^$ME $dead "
	t_absent killed_backup_published_nothing "$T_TMP/held.pem"
	t_expect_exit 0 lock_of_killed_holder_taken_over "$RSKEYMGMT" -c "$C" -s --yes
	t_no_grep lock_file_no_longer_names_dead "$LOCK" "^$ME $dead "
	t_differ takeover_changed_key "$(kcv "$C")" "$KCV0"
	t_expect_exit 0 takeover_values_readable "$RSKEYMGMT" -c "$C" --verify
	t_grep takeover_all_readable "$T_OUT" '2000 readable, 0 unreadable'
else
	t_fail backup_holds_lock "could not catch a backup holding the lock in 10 tries"
fi

# A lock file with garbage in it, or none at all, is no lock.
printf 'garbage\000\377 not a record\n' >"$LOCK"
t_expect_exit 0 garbage_lock_file_no_lock "$RSKEYMGMT" -c "$C" -j "$ID3" --yes
rm -f "$LOCK"
t_expect_exit 0 missing_lock_file_recreated "$RSKEYMGMT" -c "$C" -r "$ID3" --yes
if [ -f "$LOCK" ]; then t_ok lock_file_recreated; else t_fail lock_file_recreated "no $LOCK"; fi
t_expect_exit 0 values_readable_at_end "$RSKEYMGMT" -c "$C" --verify
t_done
