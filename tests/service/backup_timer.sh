#!/bin/sh
# SPDX-License-Identifier: ISC
# backup_timer.sh: the daily backup to certificates (issue 15).  The units
# rsbackup@.service and rsbackup@.timer as built pass systemd-analyze
# verify, the timer is daily and persistent, and nothing enables them by
# itself; data/rsbackup, run as the service would, writes a dated backup
# for the certificates only (no password), keeps the newest RSBACKUP_KEEP,
# and refuses a folder others could write.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

SVC=$RS_BUILDDIR/data/rsbackup@.service
TIMER=$RS_BUILDDIR/data/rsbackup@.timer
SCRIPT=$RS_BUILDDIR/data/rsbackup
for f in "$SVC" "$TIMER" "$SCRIPT"; do
	[ -f "$f" ] || { echo "Bail out! $f was not built"; exit 99; }
done

# ---- what the units say ----
t_grep service_oneshot "$SVC" '^Type=oneshot$'
t_grep service_settings_file "$SVC" '^EnvironmentFile=/.*/rsconfig/%I\.backup$'
t_grep service_runs_rsbackup "$SVC" '^ExecStart=/.*/rsbackup %I$'
t_grep service_private_umask "$SVC" '^UMask=0077$'
t_grep timer_daily "$TIMER" '^OnCalendar=daily$'
t_grep timer_persistent "$TIMER" '^Persistent=true$'
t_grep timer_installs_into_timers "$TIMER" '^WantedBy=timers.target$'
t_no_grep service_not_enabled_by_itself "$SVC" '^WantedBy='
t_grep deb_does_not_enable "$RS_SRCDIR/debian/rules" 'dh_installsystemd --no-enable --no-start'

# ---- systemd-analyze verify ----
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T_TMP/unit"
	sed "s|^ExecStart=[^ ]*|ExecStart=$SCRIPT|" "$SVC" >"$T_TMP/unit/rsbackup@x.service"
	cp "$TIMER" "$T_TMP/unit/rsbackup@x.timer"
	(cd "$T_TMP/unit" && systemd-analyze verify --man=no \
	    ./rsbackup@x.service ./rsbackup@x.timer) >"$T_OUT" 2>"$T_ERR"
	t_equal verify_exit "$?" 0
	t_no_grep verify_no_complaint "$T_ERR" '.'
else
	t_skip verify "systemd-analyze is not installed"
fi

# ---- the script, as the service runs it ----
command -v openssl >/dev/null 2>&1 || { t_skip script "no openssl"; t_done; }
t_demo "$T_TMP/demo" 20 2
CONFDIR=$(dirname "$DEMO_CONF")
INST=$(basename "$DEMO_CONF" .conf)
KCV=$(kcv "$DEMO_CONF")
t_cert a admin
D=$T_TMP/vault
mkdir -m 700 "$D"
# Three older backups; KEEP=2 keeps the new one and the newest old one.
for day in 20260101 20260102 20260103; do
	: >"$D/$INST-${day}T020000Z.rskey"
done
: >"$D/unrelated.txt"
run_backup() {
	RSKEYMGMT=$RSKEYMGMT RSBACKUP_CONFDIR=$CONFDIR RSBACKUP_DIR=$1 \
	    RSBACKUP_KEEP=$2 RSBACKUP_RECIPIENTS="$T_TMP/a.crt" \
	    t_run sh "$SCRIPT" "$INST"
}
run_backup "$D" 2
t_equal script_exit "$?" 0
new=$(find "$D" -name "$INST-2*Z.rskey" -newer "$D/unrelated.txt" | head -n 1)
case $new in
*/"$INST"-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.rskey)
	t_ok dated_name_has_the_time ;;
*) t_fail dated_name_has_the_time "got '$new'" ;;
esac
t_equal kept_two "$(find "$D" -name "$INST-*.rskey" | wc -l | tr -d ' ')" 2
t_absent oldest_removed "$D/$INST-20260101T020000Z.rskey"
t_absent second_oldest_removed "$D/$INST-20260102T020000Z.rskey"
[ -e "$D/$INST-20260103T020000Z.rskey" ] && t_ok newest_old_kept || t_fail newest_old_kept "removed"
[ -e "$D/unrelated.txt" ] && t_ok other_files_untouched || t_fail other_files_untouched "removed"
if [ -n "$new" ] && openssl cms -decrypt -inform PEM -in "$new" -recip "$T_TMP/a.crt" \
    -inkey "$T_TMP/a.key" | grep -q "^kcv: $KCV\$"; then
	t_ok backup_opens_with_admin_key
else
	t_fail backup_opens_with_admin_key "openssl cms cannot open '$new'"
fi
# A second run a second later: another file, nothing collides.
sleep 1
run_backup "$D" 5
t_equal second_run_exit "$?" 0
t_equal second_run_new_file "$(find "$D" -name "$INST-2*Z.rskey" -newer "$D/unrelated.txt" | wc -l | tr -d ' ')" 2

# ---- refusals ----
chmod 770 "$D"
run_backup "$D" 2
t_equal group_writable_folder_refused "$?" 2
t_grep group_writable_says_chmod "$T_ERR" 'chmod go-w'
chmod 700 "$D"
run_backup "$D" 0
t_equal keep_zero_refused "$?" 2
RSKEYMGMT=$RSKEYMGMT RSBACKUP_CONFDIR=$CONFDIR RSBACKUP_DIR=$D t_run sh "$SCRIPT" "$INST"
t_equal no_recipients_refused "$?" 2
t_run sh "$SCRIPT" '../x'
t_equal odd_instance_refused "$?" 2

t_done
