#!/bin/sh
# SPDX-License-Identifier: ISC
# perms.sh: file modes, whatever the umask.  Key stores 0700 with key files
# 0600, backups 0600, the database, its WAL, the lock file and the audit log
# not readable by others; all of it also when made under umask 000.  A key
# store, a key file or a config that group or others may write (or read,
# for keys) is refused with a message that says the chmod that fixes it.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

EX_PERMISSION=9
PW='Bkp 2026!Strong-xY'
printf '%s\n' "$PW" >"$T_TMP/pw"

# not_world NAME FILE: no permission bit for others.
not_world() {
	_m=$(stat -c %a "$2" 2>/dev/null)
	case $_m in
	"") t_fail "$1" "$2 missing" ;;
	*0) t_ok "$1 ($_m)" ;;
	*) t_fail "$1" "$2 has mode $_m" ;;
	esac
}

# keystores NAME DEMO: every key store 0700, every key file 0600.
keystores() {
	_n=0
	for _ks in "$2"/member*/keys "$2"/member*/keys4; do
		[ -d "$_ks" ] || continue
		t_equal "$1_keystore_$(basename "$(dirname "$_ks")")" "$(file_mode "$_ks")" 700
		for _k in "$_ks"/*.key; do
			[ -e "$_k" ] || continue
			_n=$((_n + 1))
			t_equal "$1_keyfile_$_n" "$(file_mode "$_k")" 600
		done
	done
	[ "$_n" -gt 0 ] || t_fail "$1_keyfiles" "no key file found"
}

# Everything made under umask 000.
umask 000
t_demo "$T_TMP/demo" 100 3
C=$DEMO_CONF
D=$T_TMP/demo
keystores demo "$D"
not_world demo_database "$D/reportserver.db"
not_world demo_audit_log "$D/reportserver.db-audit.log"
# the admin lock where lock.h puts it: root's lock folder, or beside the
# database for anyone else
not_world demo_lock_file "$(t_lock_path "$D/reportserver.db")"
for f in "$D"/member*/rsreportserver.conf; do
	not_world "demo_config_$(basename "$(dirname "$f")")" "$f"
done
t_expect_exit 0 backup_under_umask_0 "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/b.pem" --password-file "$T_TMP/pw"
t_equal backup_mode_0600 "$(file_mode "$T_TMP/b.pem")" 600
t_expect_exit 0 backup_overwrite_under_umask_0 "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/b.pem" \
    --password-file "$T_TMP/pw" --overwrite
t_equal backup_overwritten_mode_0600 "$(file_mode "$T_TMP/b.pem")" 600
# Overwriting a file that was world-readable leaves a 0600 file.
touch "$T_TMP/open.pem"
chmod 0666 "$T_TMP/open.pem"
t_expect_exit 0 backup_over_open_file "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/open.pem" \
    --password-file "$T_TMP/pw" --overwrite
t_equal backup_over_open_file_mode_0600 "$(file_mode "$T_TMP/open.pem")" 600
t_expect_exit 0 change_under_umask_0 "$RSKEYMGMT" -c "$C" -s --yes
# The WAL as it is during a change is checked by leaks.sh; after one, the
# database and the audit log keep their modes.
not_world changed_database "$D/reportserver.db"
not_world changed_audit_log "$D/reportserver.db-audit.log"
for f in "$D"/reportserver.db-wal "$D"/reportserver.db-shm; do
	[ -e "$f" ] && not_world "wal_$(basename "$f")" "$f"
done
# A new instance and a new database, initialized under umask 000.
# (the folder not writable by others: the ownership model refuses that)
mkdir -m 0700 "$D/member4"
sed -e "s/^installation_id .*/installation_id = $(cat /proc/sys/kernel/random/uuid)/" \
    -e 's/^instance .*/instance = RSPERM4/' -e 's|^database .*|database = new.db|' \
    -e 's|^keystore .*|keystore = keys4|' -e 's|^runtime .*|runtime = keys4.run|' \
    -e 's|^audit_log .*|audit_log = new.db-audit.log|' "$C" >"$D/member4/rsreportserver.conf"
chmod 0640 "$D/member4/rsreportserver.conf"
t_expect_exit 0 init_under_umask_0 "$RSKEYMGMT" -c "$D/member4/rsreportserver.conf" --init
keystores init "$D"
not_world init_database "$D/member4/new.db"
not_world init_audit_log "$D/member4/new.db-audit.log"
# A service-account change rewrites the config and the key.
ACC=rspermnew
[ "$(id -u)" -eq 0 ] && ACC=daemon && chmod 0711 "$T_TMP"
t_expect_exit 0 account_under_umask_0 "$RSKEYMGMT" -c "$C" --service-account "$ACC" --backup-exists --yes
not_world account_config "$C"
keystores account "$D"
umask 022

# ---- unsafe modes are refused, saying how to fix them ----

KS=$D/member1/keys
for m in 0770 0707 0750 0705 0711; do
	chmod "$m" "$KS"
	t_expect_exit "$EX_PERMISSION" "keystore_${m}_refused" "$RSKEYMGMT" -c "$C" -s --yes
	t_grep "keystore_${m}_says_fix" "$T_ERR" "open to other users \\(mode ${m#0}\\).*Fix with: chmod 700 $KS"
done
chmod 0700 "$KS"
for k in "$KS"/*.key; do
	for m in 0660 0606 0640 0604; do
		chmod "$m" "$k"
		t_expect_exit "$EX_PERMISSION" "keyfile_${m}_refused" "$RSKEYMGMT" -c "$C" -s --yes
		t_grep "keyfile_${m}_says_fix" "$T_ERR" "open to other users \\(mode ${m#0}\\).*Fix with: chmod 600 $k"
	done
	chmod 0600 "$k"
done
for m in 0660 0620 0602 0666; do
	chmod "$m" "$C"
	t_expect_exit "$EX_PERMISSION" "config_${m}_refused" "$RSKEYMGMT" -c "$C" --status
	t_grep "config_${m}_says_fix" "$T_ERR" "writable by group or others.*fix it with: chmod go-w $C"
done
chmod 0640 "$C"
# A key store that is a symbolic link to an open folder is judged by the
# folder it points to.
mv "$KS" "$D/realkeys"
ln -s "$D/realkeys" "$KS"
chmod 0755 "$D/realkeys"
t_expect_exit "$EX_PERMISSION" keystore_symlink_to_open_folder_refused "$RSKEYMGMT" -c "$C" -s --yes
chmod 0700 "$D/realkeys"
rm "$KS"
mv "$D/realkeys" "$KS"
t_expect_exit 0 all_fixed_verify "$RSKEYMGMT" -c "$C" --verify
t_grep all_fixed_values_readable "$T_OUT" '100 readable, 0 unreadable'
t_done
