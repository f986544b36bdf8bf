#!/bin/sh
# SPDX-License-Identifier: ISC
# The systemd unit as built: systemd-analyze verify accepts it and
# systemd-analyze security rates its exposure 2.5 or lower (issue 16: it
# was 9.1).  It is Type=notify, does not restart on permanent failures
# (the exit statuses of usage, config and permission in core/err.h), and
# its RuntimeDirectory= is rsserverd's default runtime folder.
# systemd is not PID 1 on the test machines: these two commands are what
# works without it (an instance name is needed, so the template is copied
# to rsserverd@x.service, with ExecStart pointing at the built program).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

UNIT=$RS_BUILDDIR/src/rsserverd@.service
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - systemd-analyze is not installed"
	exit 77
fi
[ -f "$UNIT" ] || { echo "Bail out! $UNIT was not built"; exit 99; }

# ---- what the unit says ----
t_grep type_notify "$UNIT" '^Type=notify$'
t_grep notify_access_main "$UNIT" '^NotifyAccess=main$'
t_grep restarts_on_failure "$UNIT" '^Restart=on-failure$'
t_grep watchdog "$UNIT" '^WatchdogSec=[0-9]+'
t_grep documentation "$UNIT" '^Documentation=man:rsserverd\(8\)$'
# The key stays in locked memory after the switch to the service account.
t_grep memlock_unlimited "$UNIT" '^LimitMEMLOCK=infinity$'
t_grep waits_for_network_online "$UNIT" '^After=network-online.target$'
t_grep wants_network_online "$UNIT" '^Wants=network-online.target$'
t_grep config_path_unescaped "$UNIT" '^ExecStart=.*/rsconfig/%I\.conf$'
t_grep runtime_folder "$UNIT" '^(RuntimeDirectory=rsconfig/%I|ReadWritePaths=/.*/rsconfig)$'
t_grep no_new_privileges "$UNIT" '^NoNewPrivileges=yes$'
# The permanent failures, by their names in err.h.
status_of() {
	sed -n "s/.*X(RS_ERR_[A-Z_]*, *\([0-9]*\), *\"$1\".*/\1/p" "$RS_SRCDIR/core/err.h"
}
for name in usage config permission; do
	n=$(status_of "$name")
	t_grep "no_restart_on_$name" "$UNIT" "^RestartPreventExitStatus=(.* )?$n( |\$)"
done

# ---- systemd-analyze ----
mkdir -p "$T_TMP/unit" "$T_TMP/man/man8"
sed "s|^ExecStart=[^ ]*|ExecStart=$RS_BUILDDIR/src/rsserverd|" "$UNIT" \
    >"$T_TMP/unit/rsserverd@x.service"
# verify also looks up Documentation=man:... pages: the built one.
MAN=--man=no
if command -v man >/dev/null 2>&1 && [ -f "$RS_BUILDDIR/doc/rsserverd.8" ]; then
	cp "$RS_BUILDDIR/doc/rsserverd.8" "$T_TMP/man/man8/"
	MAN=--man=yes
fi
(cd "$T_TMP/unit" && MANPATH=$T_TMP/man systemd-analyze verify "$MAN" \
    ./rsserverd@x.service) >"$T_OUT" 2>"$T_ERR"
t_equal verify_exit "$?" 0
t_no_grep verify_no_complaint "$T_ERR" '.'
(cd "$T_TMP/unit" && systemd-analyze security --offline=yes \
    ./rsserverd@x.service) >"$T_TMP/security" 2>&1
SCORE=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$T_TMP/security")
echo "# exposure: $SCORE (was 9.1)"
if [ -z "$SCORE" ]; then
	t_fail security_score "no score: $(tail -n 3 "$T_TMP/security")"
elif awk -v s="$SCORE" 'BEGIN { exit !(s <= 2.5) }'; then
	t_ok "security_score_at_most_2.5 ($SCORE)"
else
	t_fail security_score_at_most_2.5 "$SCORE: $(grep '✗' "$T_TMP/security" | head -n 20)"
fi
# ---- the default runtime folder is the unit's RuntimeDirectory= ----
# In a mount namespace of its own with an empty /run, rsserverd started by
# root on a config without runtime = makes /run/rsconfig/NAME (NAME: the
# config's name, as %I is) and listens there.
if ! grep -q '^RuntimeDirectory=rsconfig/%I$' "$UNIT"; then
	t_skip default_runtime_is_unit_runtime "built with a runstatedir other than /run"
elif [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1; then
	t_skip default_runtime_is_unit_runtime "needs root and unshare"
else
	t_demo "$T_TMP/demo" 5 1
	X=$(dirname "$DEMO_CONF")/x.conf
	grep -v '^runtime ' "$DEMO_CONF" >"$X"
	chmod 0640 "$X"
	# shellcheck disable=SC2016
	unshare -m sh -c 'mount -t tmpfs tmpfs /run || exit 3
		"$1" -c "$2" --heartbeat 1 </dev/null >/dev/null 2>&1 &
		n=200
		while [ ! -S /run/rsconfig/x/rsserverd.sock ] && [ $n -gt 0 ]; do
			sleep 0.05; n=$((n - 1))
		done
		stat -c "%a %U" /run/rsconfig /run/rsconfig/x
		kill -TERM $!; wait' sh "$RS_BUILDDIR/src/rsserverd" "$X" >"$T_OUT" 2>&1
	t_equal default_runtime_is_unit_runtime "$(cat "$T_OUT")" "755 root
750 root"
fi
t_done
