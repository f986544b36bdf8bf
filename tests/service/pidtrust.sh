#!/bin/sh
# SPDX-License-Identifier: ISC
# As root, the service account cannot make root act for it (issue 14):
# - a pid it plants in the run lock is never signalled: --stop stops the
#   real service (the socket's peer) and a root "sleep" named in the lock
#   survives; with no service listening, or a stand-in of the account's
#   listening, --stop and --reload refuse and signal nothing;
# - an existing runtime folder is never handed over: one of another owner,
#   of the account with a loose mode, or a symbolic link is refused and left
#   as it was; a missing one is made for the account, mode 0750, and so is
#   the unit's empty RuntimeDirectory= (named in $RUNTIME_DIRECTORY).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

t_need_root setpriv flock python3
U=rspid$$
t_account "$U"
G=$(id -g "$U")

# as_account CMD...: runs CMD as the service account (in place of the
# subshell running it, so that $! of "(as_account ...) &" is CMD's pid).
as_account() {
	exec setpriv --reuid="$U" --regid="$G" --clear-groups "$@"
}

svc_root_demo 20
RUN=$D/member1/keys.run
LOCK=$RUN/rsserverd.lock
# The account change gives the instance to the account (no hand-made chown).
t_expect_exit 0 account_change "$RSKEYMGMT" -c "$C" --service-account "$U" --backup-exists --yes

# Root's own process, which the account would like root to kill.
sleep 300 &
S=$!
T_AT_EXIT="kill $S 2>/dev/null; $T_AT_EXIT"

# ---- a planted pid beside the running service ----
t_expect_exit 0 start_as_root "$RSKEYMGMT" -c "$C" --start --heartbeat 1
P=$(svc_pid_of "$C")
SVC_PIDS="$SVC_PIDS $P"
t_equal runs_as_account "$(svc_field "$C" account)" "$U"
(as_account sh -c "echo $S >'$LOCK'")
t_equal lock_names_planted_pid "$(tr -d '\n' <"$LOCK")" "$S"
t_expect_exit 0 stop_with_planted_pid "$RSKEYMGMT" -c "$C" --stop
t_true real_service_stopped "pid $P still runs" svc_wait_gone "$P" 5
t_true planted_pid_survives_stop "sleep $S was signalled" kill -0 "$S"

# ---- the lock held by the account, nothing listening ----
(as_account flock "$LOCK" sh -c "echo $S >'$LOCK'; sleep 30") &
F=$!
T_AT_EXIT="kill $F 2>/dev/null; $T_AT_EXIT"
# shellcheck disable=SC2317  # run by t_until
lock_names() {
	[ "$(tr -d '\n' <"$LOCK" 2>/dev/null)" = "$1" ]
}
t_until 5 lock_names "$S"
t_expect_exit 9 stop_refused_no_socket "$RSKEYMGMT" -c "$C" --stop
t_grep stop_says_why "$T_ERR" "not signalling pid $S: it is not the report server service"
t_true planted_pid_survives_refused_stop "sleep $S was signalled" kill -0 "$S"
# A key change tells the local service to reload (SIGHUP, which would end
# a sleep): not that pid.
t_expect_exit 0 change_beside_planted_lock "$RSKEYMGMT" -c "$C" --reencrypt --yes
t_true planted_pid_survives_reload "sleep $S got SIGHUP" kill -0 "$S"

# ---- the account's own listener on the socket ----
# (python3 of the system: one under root's home is not the account's to run)
PY=$(command -v /usr/bin/python3 || command -v python3)
(as_account "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(8)
time.sleep(30)' "$RUN/rsserverd.sock") &
L=$!
T_AT_EXIT="kill $L 2>/dev/null; $T_AT_EXIT"
t_until 5 test -S "$RUN/rsserverd.sock"
t_expect_exit 9 stop_refused_stand_in "$RSKEYMGMT" -c "$C" --stop
t_grep stop_stand_in_says_why "$T_ERR" "not signalling pid $L: it is not the report server service"
t_true planted_pid_survives_stand_in "sleep $S was signalled" kill -0 "$S"
kill "$L" "$F" 2>/dev/null
wait "$L" "$F" 2>/dev/null
rm -f "$RUN/rsserverd.sock"

# ---- the runtime folder ----
# use_runtime DIR: the config names DIR as its runtime folder (rewritten
# in place: the file keeps its owner and mode).
use_runtime() {
	sed "s|^runtime .*|runtime = $1|" "$C" >"$T_TMP/conf.new"
	cat "$T_TMP/conf.new" >"$C"
}
# owner_mode PATH: "OWNER MODE" of PATH itself.
owner_mode() {
	stat -c '%U %a' "$1"
}

X=$T_TMP/existing
mkdir -m 0755 "$X"
touch "$X/keep"
use_runtime "$X"
t_expect_exit 9 existing_root_folder_refused "$RSSERVERD" -c "$C" --heartbeat 1
t_grep existing_says_why "$T_ERR" "runtime folder $X already exists, belongs to root and has mode 0755"
t_equal existing_not_chowned "$(owner_mode "$X")" "root 755"
t_true existing_content_kept "keep is gone" [ -e "$X/keep" ]

Y=$T_TMP/loose
mkdir -m 0777 "$Y"
chown "$U" "$Y"
chmod 0777 "$Y"
use_runtime "$Y"
t_expect_exit 9 loose_folder_refused "$RSSERVERD" -c "$C" --heartbeat 1
t_equal loose_folder_unchanged "$(owner_mode "$Y")" "$U 777"

mkdir -m 0755 "$T_TMP/target"
ln -s "$T_TMP/target" "$T_TMP/link"
use_runtime "$T_TMP/link"
t_expect_exit 9 symlink_refused "$RSSERVERD" -c "$C" --heartbeat 1
t_grep symlink_says_why "$T_ERR" "is a symbolic link"
t_equal symlink_target_not_chowned "$(owner_mode "$T_TMP/target")" "root 755"

# The unit's RuntimeDirectory=: systemd makes it empty, root's, and names
# it in $RUNTIME_DIRECTORY; that one folder is given to the account.
SD=$T_TMP/unitrun
mkdir -m 0750 "$SD"
use_runtime "$SD"
t_expect_exit 9 unnamed_empty_folder_refused \
    env RUNTIME_DIRECTORY="$T_TMP/other" "$RSSERVERD" -c "$C" --heartbeat 1
t_equal unnamed_empty_folder_not_chowned "$(owner_mode "$SD")" "root 750"
RUNTIME_DIRECTORY=$SD "$RSSERVERD" -c "$C" --heartbeat 1 </dev/null \
    >"$T_TMP/unitrun.log" 2>&1 &
SVC_PID=$!
SVC_PIDS="$SVC_PIDS $SVC_PID"
t_true unit_runtime_starts "$(cat "$T_TMP/unitrun.log")" svc_wait "$C" 10
t_equal unit_runtime_given_to_account "$(owner_mode "$SD")" "$U 750"
kill -TERM "$SVC_PID"
svc_wait_gone "$SVC_PID" 5

use_runtime "$T_TMP/fresh"
svc_start fresh "$C" || t_fail fresh_starts "no answer"
t_equal fresh_folder_made_for_account "$(owner_mode "$T_TMP/fresh")" "$U 750"
kill -TERM "$SVC_PID"
svc_wait_gone "$SVC_PID" 5
t_done
