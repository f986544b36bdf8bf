# SPDX-License-Identifier: ISC
# tests/service/svclib.sh: start, ask and stop rsserverd in the tests.
# Sourced after lib.sh.  Every service a test starts is stopped on exit,
# however the test ends.
# shellcheck shell=sh

RSSERVERD=$RS_BUILDDIR/src/rsserverd
SVC_PIDS=
T_AT_EXIT="svc_kill_all; $T_AT_EXIT"

svc_kill_all() {
	for _p in $SVC_PIDS; do
		kill -TERM "$_p" 2>/dev/null
	done
	for _p in $SVC_PIDS; do
		_n=100
		while kill -0 "$_p" 2>/dev/null && [ "$_n" -gt 0 ]; do
			sleep 0.05
			_n=$((_n - 1))
		done
		kill -KILL "$_p" 2>/dev/null
	done
	SVC_PIDS=
}

# svc_demo VALUES MEMBERS: a demo in $T_TMP/demo; C1 and C2 are the
# configs of members 1 and 2, DB the database.
svc_demo() {
	t_demo "$T_TMP/demo" "$1" "$2"
	# shellcheck disable=SC2034
	C1=$DEMO_CONF
	# shellcheck disable=SC2034
	C2=$T_TMP/demo/member2/rsreportserver.conf
	# shellcheck disable=SC2034
	DB=$T_TMP/demo/reportserver.db
}

# svc_root_demo VALUES: a one-member demo for a root test, C its config, D
# its folder.  Only the test's own folder is opened for passing through,
# as /var/lib is; anything else the account needs, the product grants.
svc_root_demo() {
	t_demo "$T_TMP/demo" "$1" 1
	# shellcheck disable=SC2034
	C=$DEMO_CONF
	# shellcheck disable=SC2034
	D=$T_TMP/demo
}

# svc_answered CONF: the service of CONF answers on its socket.
svc_answered() {
	"$RSKEYMGMT" -c "$1" --service-status --json </dev/null 2>/dev/null |
	    grep -q '"answered":true'
}

# svc_wait CONF [SECONDS]: polls until the service of CONF answers.
svc_wait() {
	t_until "${2:-15}" svc_answered "$1"
}

# svc_wait_gone PID [SECONDS]: polls until the process has exited.
svc_wait_gone() {
	t_until "${2:-15}" svc_gone "$1"
}

svc_gone() {
	! kill -0 "$1" 2>/dev/null
}

# svc_start NAME CONF: runs rsserverd in the foreground (as systemd would),
# in the background of the test, heartbeat every second, output in
# $T_TMP/NAME.log; sets SVC_PID and waits until it answers.
svc_start() {
	"$RSSERVERD" -c "$2" --heartbeat 1 </dev/null >"$T_TMP/$1.log" 2>&1 &
	SVC_PID=$!
	SVC_PIDS="$SVC_PIDS $SVC_PID"
	svc_wait "$2" || {
		echo "# rsserverd $1 did not answer: $(cat "$T_TMP/$1.log")"
		return 1
	}
}

# svc_field CONF NAME: a field of --service-status --json.
svc_field() {
	"$RSKEYMGMT" -c "$1" --service-status --json </dev/null >"$T_TMP/svc.json" 2>/dev/null
	json_field "$T_TMP/svc.json" "$2"
}

# svc_pid_of CONF: the pid the run lock holds.
svc_pid_of() {
	svc_field "$1" pid
}

# list_line CONF ID: the --list line of member ID.
list_line() {
	"$RSKEYMGMT" -c "$1" --list </dev/null 2>/dev/null | grep -F -- "$2"
}

# svc_wait_list CONF ID REGEX [SECONDS]: polls --list until the line of
# member ID matches REGEX.
svc_wait_list() {
	_tries=$(( ${4:-20} * 10 ))
	while [ "$_tries" -gt 0 ]; do
		list_line "$1" "$2" | grep -Eq -- "$3" && return 0
		sleep 0.1
		_tries=$((_tries - 1))
	done
	return 1
}

# member_id CONF: the installation ID in a config file.
member_id() {
	sed -n 's/^installation_id *= *//p' "$1"
}

# sql DB QUERY: sqlite3 that waits for the services' heartbeat writes.
sql() {
	sqlite3 -cmd '.timeout 10000' "$1" "$2"
}

# a_datasource: the name of one data source of the demo database DB.
a_datasource() {
	sql "$1" "SELECT name FROM datasources WHERE connection_string IS NOT NULL ORDER BY id LIMIT 1"
}

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - the sqlite3 program is not installed"
	exit 77
fi
