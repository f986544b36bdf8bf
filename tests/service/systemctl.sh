#!/bin/sh
# SPDX-License-Identifier: ISC
# With systemd running and the unit installed, --start, --stop, the reload
# after a key operation and the account change's restart go through
# "systemctl start|stop|reload rsserverd@NAME.service", and say so; a
# config that is not the unit's (SYSCONFDIR/rsconfig/NAME.conf) is started
# directly.
#
# These machines have no systemd, and the programs take no override (root
# must not be talked into running another "systemctl"): the test runs in a
# mount namespace of its own with /run/systemd/system made, a stand-in bound
# over /usr/bin/systemctl (it records its arguments and does what systemd
# would: runs rsserverd -c CONFIG, stops it, sends it SIGHUP) and a tmpfs
# over SYSCONFDIR holding the unit's config.
if [ -z "${RS_IN_NAMESPACE:-}" ] && [ "$(id -u)" -eq 0 ] &&
    command -v unshare >/dev/null 2>&1 && [ -x /usr/bin/systemctl ] &&
    command -v useradd >/dev/null 2>&1 && unshare -m true 2>/dev/null; then
	RS_IN_NAMESPACE=1 exec unshare -m sh "$0" "$@"
fi
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

if [ -z "${RS_IN_NAMESPACE:-}" ]; then
	echo "SKIP: $T_NAME - needs root, unshare, useradd and /usr/bin/systemctl"
	exit 77
fi
SYSCONF=$("$RSKEYMGMT" --help | sed -n 's|^Default config: \(.*\)/rsconfig/rsreportserver.conf$|\1|p')
if [ -z "$SYSCONF" ] || [ ! -d "$SYSCONF" ]; then
	echo "SKIP: $T_NAME - no folder $SYSCONF to mount over"
	exit 77
fi
U=rssvc$$
t_account "$U"

svc_root_demo 20

# ---- not systemd's config: directly, even with systemd running ----
mount -t tmpfs tmpfs /run/systemd 2>/dev/null || mount -t tmpfs tmpfs /run ||
	{ echo "Bail out! cannot mount a tmpfs over /run"; exit 99; }
mkdir -p /run/systemd/system
export SYSTEMCTL_LOG="$T_TMP/systemctl.log" RSSERVERD="$RS_BUILDDIR/src/rsserverd"
export RUN="$D/member1/keys.run" SYSCONF
: >"$SYSTEMCTL_LOG"
cat >"$T_TMP/systemctl" <<'STANDIN'
#!/bin/sh
echo "$*" >>"$SYSTEMCTL_LOG"
pid() { cat "$RUN/rsserverd.lock" 2>/dev/null; }
case $1 in
cat) exit 0 ;;
start)
	name=${2#rsserverd@}
	setsid "$RSSERVERD" -c "$SYSCONF/rsconfig/${name%.service}.conf" \
	    --heartbeat 1 </dev/null >>"$SYSTEMCTL_LOG.out" 2>&1 &
	n=200
	while [ ! -S "$RUN/rsserverd.sock" ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
	;;
stop)
	p=$(pid); [ -n "$p" ] && kill "$p" 2>/dev/null
	n=200
	while [ -n "$p" ] && kill -0 "$p" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
	;;
reload) kill -HUP "$(pid)" ;;
esac
exit 0
STANDIN
chmod 0755 "$T_TMP/systemctl"

t_expect_exit 0 demo_config_started "$RSKEYMGMT" -c "$DEMO_CONF" --start --heartbeat 1
t_grep demo_config_directly "$T_OUT" 'Started directly'
t_expect_exit 0 demo_config_stopped "$RSKEYMGMT" -c "$DEMO_CONF" --stop
t_grep demo_stopped_directly "$T_OUT" 'Stopped directly'
t_equal no_systemctl_for_demo "$(cat "$SYSTEMCTL_LOG")" ""

# ---- the unit's config: through systemctl ----
mount --bind "$T_TMP/systemctl" /usr/bin/systemctl ||
	{ echo "Bail out! cannot bind the stand-in systemctl"; exit 99; }
mount -t tmpfs tmpfs "$SYSCONF" || { echo "Bail out! cannot mount $SYSCONF"; exit 99; }
mkdir "$SYSCONF/rsconfig"
C=$SYSCONF/rsconfig/x.conf
sed -e "s|^database .*|database = $D/reportserver.db|" \
    -e "s|^keystore .*|keystore = $D/member1/keys|" \
    -e "s|^runtime .*|runtime = $RUN|" \
    -e "s|^audit_log .*|audit_log = $D/audit.log|" "$DEMO_CONF" >"$C"
chmod 0644 "$C"

t_expect_exit 0 start "$RSKEYMGMT" -c "$C" --start
t_grep start_says_systemctl "$T_OUT" 'Started through systemctl \(rsserverd@x\.service\)'
t_grep start_by_systemctl "$SYSTEMCTL_LOG" '^start rsserverd@x.service$'
SVC_PIDS="$SVC_PIDS $(svc_pid_of "$C")"
t_expect_exit 0 start_json "$RSKEYMGMT" -c "$C" --service-status
t_grep running_after_start "$T_OUT" 'is running'

printf '%s\n' 'Svc 2026!Strong-xY' >"$T_TMP/pw"
t_expect_exit 0 backup "$RSKEYMGMT" -c "$C" -e -f "$T_TMP/k.pem" --password-file "$T_TMP/pw"
t_expect_exit 0 restore_reloads "$RSKEYMGMT" -c "$C" -a -f "$T_TMP/k.pem" --password-file "$T_TMP/pw"
t_grep reload_by_systemctl "$SYSTEMCTL_LOG" '^reload rsserverd@x.service$'

# The account change stops and restarts it, through systemd both times
# (rskeymgmt stops it, and the core's change again: a stopped unit is
# stopped again, as it may be waiting to restart).
# No hand-made chown: the change itself gives the account the database
# and its key store, and the config's group (issue 14).
# The config lives in SYSCONFDIR here, so the demo's member folder is only
# the key store's parent: open to pass through, as /var/lib/rsconfig is.
chmod 0711 "$D/member1"
: >"$SYSTEMCTL_LOG"
t_expect_exit 0 account_change "$RSKEYMGMT" -c "$C" --service-account "$U" --backup-exists --yes
t_grep account_change_restarts "$T_OUT" "Restarted the report server service as $U"
t_equal account_change_by_systemctl "$(grep -v '^cat ' "$SYSTEMCTL_LOG" | uniq)" "stop rsserverd@x.service
start rsserverd@x.service"
SVC_PIDS="$SVC_PIDS $(svc_pid_of "$C")"
t_equal runs_as_new_account "$(svc_field "$C" account)" "$U"

t_expect_exit 0 stop "$RSKEYMGMT" -c "$C" --stop
t_grep stop_says_systemctl "$T_OUT" 'Stopped through systemctl \(rsserverd@x\.service\)'
t_grep stop_by_systemctl "$SYSTEMCTL_LOG" '^stop rsserverd@x.service$'
t_expect_exit 0 stopped_after_stop "$RSKEYMGMT" -c "$C" --service-status
t_grep says_stopped "$T_OUT" 'is stopped'

# A unit that is not installed: directly.
cat >"$T_TMP/systemctl" <<'STANDIN'
#!/bin/sh
echo "$*" >>"$SYSTEMCTL_LOG"
echo "No files found for $2." >&2
exit 1
STANDIN
: >"$SYSTEMCTL_LOG"
t_expect_exit 0 no_unit_started "$RSKEYMGMT" -c "$C" --start --heartbeat 1
t_grep no_unit_directly "$T_OUT" 'Started directly'
t_equal no_unit_only_asked "$(cat "$SYSTEMCTL_LOG")" "cat rsserverd@x.service"
SVC_PIDS="$SVC_PIDS $(svc_pid_of "$C")"
t_expect_exit 0 no_unit_stopped "$RSKEYMGMT" -c "$C" --stop
t_done
