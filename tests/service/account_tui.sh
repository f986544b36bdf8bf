#!/bin/sh
# SPDX-License-Identifier: ISC
# As root, from rsconfig: a service account change while the service runs
# stops it, re-wraps the key and starts it again under the new account, the
# same core flow as rskeymgmt's (issue 13: the TUI's copy did not close its
# database connection before the restart).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=../tui/tuilib.sh
. "$RS_SRCDIR/tests/tui/tuilib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - needs root and the account nobody"
	exit 77
fi
svc_root_demo 40
DS=$(a_datasource "$D/reportserver.db")
# As in root.sh: no hand-made chown; the change itself gives the new
# account the database, its folder, the key store and read access to the
# config.

t_expect_exit 0 start_as_root "$RSKEYMGMT" -c "$C" --start --heartbeat 1
P0=$(svc_pid_of "$C")
SVC_PIDS="$SVC_PIDS $P0"

tui_start -- || { t_fail start "rsconfig did not start"; t_done; }
tui_page 2
tui_keys Tab
tui_type nobody
tui_keys Tab Enter
tui_wait "Back up the encryption key"
tui_keys Right Enter
tui_wait "Do you have a current backup"
tui_keys Left Enter
t_screen account_changed "Service account is now nobody" 30
P1=$(svc_pid_of "$C")
SVC_PIDS="$SVC_PIDS $P1"
t_differ restarted "$P0" "$P1"
t_equal runs_as_new_account "$(svc_field "$C" account)" nobody
t_equal activated_as_new_account "$(svc_field "$C" state)" activated
t_expect_exit 0 decrypts_as_new_account "$RSKEYMGMT" -c "$C" --test-datasource "$DS"
# (the admin lock and the audit log stay root's: the ownership model)
t_equal no_database_file_left_to_root \
    "$(find "$D" -maxdepth 1 -name 'reportserver.db*' ! -name '*.lock' \
    ! -name '*-audit.log' -user root | wc -l)" 0
# (root's admin lock is no longer in the account's folder at all: lock.h)
t_equal lock_and_audit_stay_roots \
    "$(find "$D" "$(t_lock_path "$D/reportserver.db")" -maxdepth 1 \( \
    -name "$(basename "$(t_lock_path "$D/reportserver.db")")" -o \
    -name 'reportserver.db-audit.log' \) -user root | wc -l)" 2
t_absent no_lock_in_accounts_folder "$D/reportserver.db.lock"
tui_keys F10
tui_exit_status >/dev/null
t_expect_exit 0 stop_as_root "$RSKEYMGMT" -c "$C" --stop
t_done
