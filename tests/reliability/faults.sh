#!/bin/sh
# SPDX-License-Identifier: ISC
# faults.sh: storage faults.  A read-only database file or folder, a
# database locked by another process (sqlite3 holding BEGIN EXCLUSIVE), a
# corrupt database, a missing key store and a full disk each give a clear
# message and change nothing (key check value, every value readable, the
# database file itself where it matters).
#
# Root ignores file modes, so "read-only" is made with chattr +i (when the
# file system supports it) or else a read-only bind mount; the full disk is
# a small tmpfs.  Both need root: without it those checks say SKIP.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

PW='Bkp 2026!Strong-xY'
printf '%s\n' "$PW" >"$T_TMP/pw"
t_demo "$T_TMP/demo" 500 3
C=$DEMO_CONF
D=$T_TMP/demo
DB=$D/reportserver.db
KCV0=$(kcv "$C")
EX_DATABASE=15 EX_IO=16
ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1
IMMUTABLE=
MOUNTS=
SQLPID=

# shellcheck disable=SC2317  # run by t_cleanup in lib.sh
undo() {
	[ -n "$SQLPID" ] && kill "$SQLPID" 2>/dev/null
	for _f in $IMMUTABLE; do
		chattr -i "$_f" 2>/dev/null
	done
	for _m in $MOUNTS; do
		umount "$_m" 2>/dev/null || umount -l "$_m" 2>/dev/null
	done
}
T_AT_EXIT=undo

# unchanged NAME [CONFIG VALUES KCV]: same key, every value readable.
unchanged() {
	_c=${2:-$C} _n=${3:-500} _k=${4:-$KCV0}
	t_equal "$1_key_unchanged" "$(kcv "$_c")" "$_k"
	if "$RSKEYMGMT" -c "$_c" --verify </dev/null >"$T_TMP/v.out" 2>&1 &&
	    grep -q "$_n readable, 0 unreadable" "$T_TMP/v.out"; then
		t_ok "$1_values_readable"
	else
		t_fail "$1_values_readable" "$(head -c 300 "$T_TMP/v.out")"
	fi
}

# try_backup_and_change NAME STATUS PATTERN: a backup and a key change are
# both refused with STATUS and a message matching PATTERN.
try_backup_and_change() {
	t_expect_exit "$2" "$1_backup_refused" "$RSKEYMGMT" -c "$C" -e \
	    -f "$T_TMP/$1.pem" --password-file "$T_TMP/pw"
	t_grep "$1_backup_says" "$T_ERR" "$3"
	t_expect_exit "$2" "$1_change_refused" "$RSKEYMGMT" -c "$C" -s --yes
	t_grep "$1_change_says" "$T_ERR" "$3"
}

# ---- read-only database file and folder ----

# make_readonly PATH: sets READONLY_HOW, or returns 1.
make_readonly() {
	if [ "$ROOT" -eq 0 ]; then
		chmod a-w "$1" && READONLY_HOW="chmod" && return 0
		return 1
	fi
	if chattr +i "$1" 2>/dev/null; then
		IMMUTABLE="$IMMUTABLE $1"
		READONLY_HOW="chattr +i"
		return 0
	fi
	return 1
}
undo_readonly() {
	if [ "$READONLY_HOW" = chmod ]; then
		chmod u+w "$1"
	else
		chattr -i "$1"
		IMMUTABLE=$(echo "$IMMUTABLE" | sed "s| $1||")
	fi
}

cp "$DB" "$T_TMP/db.before"
if make_readonly "$DB"; then
	echo "# read-only database file made with $READONLY_HOW"
	try_backup_and_change ro_file "$EX_DATABASE" 'read-only|cannot write the report server database'
	t_absent ro_file_no_backup_written "$T_TMP/ro_file.pem"
	undo_readonly "$DB"
	if cmp -s "$DB" "$T_TMP/db.before"; then t_ok ro_file_database_untouched
	else t_fail ro_file_database_untouched "the database file changed"; fi
	unchanged ro_file
else
	t_skip ro_file "cannot make the database read-only here (no chattr support, not root)"
fi

if make_readonly "$D"; then
	echo "# read-only database folder made with $READONLY_HOW"
	try_backup_and_change ro_dir "$EX_DATABASE" 'read-only|cannot write the report server database|check the permissions'
	undo_readonly "$D"
	unchanged ro_dir
elif [ "$ROOT" -eq 1 ] && mkdir "$T_TMP/rodir" &&
    mount --bind "$D" "$T_TMP/rodir" 2>/dev/null; then
	MOUNTS="$T_TMP/rodir $MOUNTS"
	if mount -o remount,ro,bind "$T_TMP/rodir" 2>/dev/null; then
		echo "# read-only database folder made with a read-only bind mount"
		sed "s|^database .*|database = $T_TMP/rodir/reportserver.db|" "$C" >"$T_TMP/ro.conf"
		chmod 0600 "$T_TMP/ro.conf"
		t_expect_exit "$EX_DATABASE" ro_dir_change_refused "$RSKEYMGMT" -c "$T_TMP/ro.conf" -s --yes
		t_grep ro_dir_change_says "$T_ERR" 'read-only|cannot write the report server database'
	else
		t_skip ro_dir "cannot remount read-only"
	fi
	umount "$T_TMP/rodir"
	MOUNTS=
	unchanged ro_dir
else
	t_skip ro_dir "cannot make the database folder read-only here"
fi

# ---- a database locked by another process ----

if command -v sqlite3 >/dev/null 2>&1; then
	if db_hold "$DB"; then
		t_ok sqlite3_holds_exclusive
		start=$(date +%s)
		try_backup_and_change locked "$EX_BUSY" 'busy|being changed by another process'
		el=$(($(date +%s) - start))
		# Each of the two waits at most the 5 s busy timeout.
		if [ "$el" -le 30 ]; then t_ok locked_gives_up_in_time
		else t_fail locked_gives_up_in_time "took $el s"; fi
		t_absent locked_no_backup_written "$T_TMP/locked.pem"
		t_expect_exit 0 locked_status_still_answers "$RSKEYMGMT" -c "$C" --status
	else
		t_fail sqlite3_holds_exclusive "$(cat "$T_TMP/sqlout")"
	fi
	db_release
	unchanged locked
else
	t_skip locked "no sqlite3 command"
fi

# ---- corrupt database ----

cp -a "$D" "$T_TMP/corrupt"
CC=$T_TMP/corrupt/member1/rsreportserver.conf
head -c 65536 /dev/urandom >"$T_TMP/corrupt/reportserver.db"
rm -f "$T_TMP/corrupt/reportserver.db-wal" "$T_TMP/corrupt/reportserver.db-shm"
cp "$T_TMP/corrupt/reportserver.db" "$T_TMP/garbage"
for cmd in "backup:-e -f $T_TMP/c.pem --password-file $T_TMP/pw" "change:-s --yes" \
    "status:--status" "verify:--verify" "delete:-d --yes"; do
	n=${cmd%%:*}
	# shellcheck disable=SC2086
	t_expect_exit "$EX_DATABASE" "corrupt_${n}_refused" "$RSKEYMGMT" -c "$CC" ${cmd#*:}
	t_grep "corrupt_${n}_says" "$T_ERR" 'not a usable report server database'
done
t_absent corrupt_no_backup_written "$T_TMP/c.pem"
if cmp -s "$T_TMP/corrupt/reportserver.db" "$T_TMP/garbage"; then t_ok corrupt_file_untouched
else t_fail corrupt_file_untouched "rskeymgmt wrote to the corrupt database"; fi
# A database cut short (a copy that stopped half-way).
cp "$DB" "$T_TMP/corrupt/reportserver.db"
full=$(stat -c %s "$DB")
truncate -s $((full / 2)) "$T_TMP/corrupt/reportserver.db"
t_expect_exit "$EX_DATABASE" truncated_db_verify_refused "$RSKEYMGMT" -c "$CC" --verify
t_grep truncated_db_says "$T_ERR" 'not a usable report server database|damaged'

# ---- missing key store ----

cp -a "$D" "$T_TMP/nokeys"
NK=$T_TMP/nokeys/member1/rsreportserver.conf
rm -rf "$T_TMP/nokeys/member1/keys"
t_expect_exit "$EX_NOT_ACTIVATED" nokeys_backup_refused "$RSKEYMGMT" -c "$NK" -e \
    -f "$T_TMP/nk.pem" --password-file "$T_TMP/pw"
t_grep nokeys_says "$T_ERR" 'no private key|does not exist'
t_expect_exit "$EX_NOT_ACTIVATED" nokeys_change_refused "$RSKEYMGMT" -c "$NK" -s --yes
t_absent nokeys_no_backup "$T_TMP/nk.pem"
t_absent nokeys_not_recreated "$T_TMP/nokeys/member1/keys"
unchanged nokeys_member2 "$T_TMP/nokeys/member2/rsreportserver.conf"

# ---- disk full ----

if [ "$ROOT" -eq 1 ] && mkdir "$T_TMP/full" &&
    mount -t tmpfs -o size=4m,mode=0700 rsfull "$T_TMP/full" 2>/dev/null; then
	MOUNTS="$T_TMP/full $MOUNTS"
	t_demo "$T_TMP/full/demo" 2000 2
	FC=$DEMO_CONF
	FK=$(kcv "$FC")
	# Fill every free block.
	dd if=/dev/zero of="$T_TMP/full/filler" bs=64k 2>/dev/null
	dd if=/dev/zero of="$T_TMP/full/filler2" bs=1k 2>/dev/null
	avail=$(df -k --output=avail "$T_TMP/full" | tail -n 1 | tr -d ' ')
	t_equal disk_is_full "$avail" 0
	# Full before it starts: refused when opening the database.
	t_expect_exit "$EX_DATABASE" full_backup_refused "$RSKEYMGMT" -c "$FC" -e \
	    -f "$T_TMP/full/demo/b.pem" --password-file "$T_TMP/pw"
	t_grep full_backup_says "$T_ERR" 'disk holding .* is full'
	t_expect_exit "$EX_DATABASE" full_change_refused "$RSKEYMGMT" -c "$FC" -s --yes
	t_grep full_change_says "$T_ERR" 'disk holding .* is full'
	t_expect_exit "$EX_DATABASE" full_delete_refused "$RSKEYMGMT" -c "$FC" -d --yes
	t_grep full_delete_says "$T_ERR" 'disk holding .* is full'
	# Full half-way: room to open the database and write a backup, not to
	# rewrite 2,000 values.
	rm -f "$T_TMP/full/filler2"
	truncate -s -192K "$T_TMP/full/filler"
	t_expect_exit "$EX_DATABASE" full_midway_change_refused "$RSKEYMGMT" -c "$FC" -s --yes
	t_grep full_midway_change_says "$T_ERR" 'disk holding .* is full'
	t_expect_exit "$EX_DATABASE" full_midway_delete_refused "$RSKEYMGMT" -c "$FC" -d --yes
	t_grep full_midway_delete_says "$T_ERR" 'disk holding .* is full'
	unchanged full_midway "$FC" 2000 "$FK"
	rm -f "$T_TMP/full/filler" "$T_TMP/full/filler2"
	unchanged full "$FC" 2000 "$FK"
	# With room again, the same operations work.
	t_expect_exit 0 full_then_backup_works "$RSKEYMGMT" -c "$FC" -e \
	    -f "$T_TMP/full/demo/b.pem" --password-file "$T_TMP/pw"
	umount "$T_TMP/full"
	MOUNTS=
	# A backup to a full disk (the database on another one).
	mkdir "$T_TMP/fullb"
	if mount -t tmpfs -o size=64k,mode=0700 rsfullb "$T_TMP/fullb"; then
		MOUNTS="$T_TMP/fullb"
		dd if=/dev/zero of="$T_TMP/fullb/filler" bs=1k 2>/dev/null
		t_expect_exit "$EX_IO" full_backup_file_refused "$RSKEYMGMT" -c "$C" -e \
		    -f "$T_TMP/fullb/b.pem" --password-file "$T_TMP/pw"
		t_grep full_backup_file_says "$T_ERR" 'cannot (write|create) .*No space left on device'
		ls -A "$T_TMP/fullb" >"$T_TMP/fullb.ls"
		t_no_grep full_backup_no_temp_files_left "$T_TMP/fullb.ls" '^\.rsbackup|^b\.pem$'
		umount "$T_TMP/fullb"
		MOUNTS=
		unchanged full_backup
	fi
else
	t_skip disk_full "needs root to mount a small tmpfs"
fi

unchanged end
t_done
