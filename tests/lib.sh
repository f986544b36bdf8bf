# SPDX-License-Identifier: ISC
# tests/lib.sh: sourced by every shell test (tests/cli/*.sh, tests/tui/*.sh).
#
# The harness runs each script with sh and RS_BUILDDIR (binaries in
# $RS_BUILDDIR/src) and RS_SRCDIR set.  Each script gets a private temp dir,
# $T_TMP, removed on exit.  Checks print "PASS: NAME" or "FAIL: NAME - WHY";
# t_done exits 1 when any failed.
# shellcheck shell=sh

set -u

: "${RS_BUILDDIR:?RS_BUILDDIR must point at the build tree}"
: "${RS_SRCDIR:?RS_SRCDIR must point at the source tree}"

RSKEYMGMT=$RS_BUILDDIR/src/rskeymgmt
RSDEMO=$RS_BUILDDIR/src/rsdemo
T_NAME=$(basename "$0" .sh)
T_PASSED=0
T_FAILED=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/rs-$T_NAME.XXXXXX") || exit 99
# As root, a service account the product gives an instance to must pass
# through the test's folder, as through /var/lib (issue 14's ownership
# model refuses to open an admin's folder for it).
if [ "$(id -u)" -eq 0 ]; then chmod 0711 "$T_TMP"; fi
T_OUT=$T_TMP/stdout
T_ERR=$T_TMP/stderr
# Password files the tests write ("printf ... >$T_TMP/pw") exist already
# with mode 0600: a redirection keeps the mode, so rskeymgmt does not warn
# that they are readable by others (an admin's file would be 0600 too).
for _pw in pw pw1 pw2 newpw wrong weak; do
	(umask 077 && : >"$T_TMP/$_pw")
done
# RS_VALGRIND=1 (make check-valgrind): rskeymgmt under valgrind memcheck.
if [ "${RS_VALGRIND:-0}" = 1 ]; then
	# shellcheck source=reliability/rvalgrind.sh
	. "$RS_SRCDIR/tests/reliability/rvalgrind.sh"
fi
# The programs must never find a config of their own.
unset RSCONFIG
# Root's admin locks (core/lock.h) stay in the test's folder, not in /run.
RS_LOCK_DIR=$T_TMP/locks
export RS_LOCK_DIR

# t_lock_path DATABASE: the admin lock rskeymgmt takes for DATABASE as the
# user running the test: root's in RS_LOCK_DIR named by device and inode,
# anyone else's beside the database.
t_lock_path() {
	if [ "$(id -u)" -eq 0 ]; then
		echo "$RS_LOCK_DIR/$(stat -L -c '%d-%i' "$1").lock"
	else
		echo "$1.lock"
	fi
}

# Exit statuses, as documented in core/err.h and rskeymgmt --help.
# shellcheck disable=SC2034
EX_OK=0 EX_FAILED=1 EX_USAGE=2 EX_POLICY=3 EX_BAD_PASSWORD=4 \
    EX_KEY_MISMATCH=5 EX_BUSY=6 EX_NOT_ACTIVATED=7 EX_CONFIG=8 \
    EX_CANCELLED=10 EX_BACKUP_REQUIRED=11 EX_NOT_FOUND=12 EX_EXISTS=13 \
    EX_BAD_FILE=14 EX_STATE=18

# A test that makes something outside $T_TMP (a user account) appends the
# shell code that undoes it to T_AT_EXIT.
T_AT_EXIT=
t_cleanup() {
	eval "$T_AT_EXIT"
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM HUP

t_ok() {
	T_PASSED=$((T_PASSED + 1))
	echo "PASS: $1"
}

t_fail() {
	T_FAILED=$((T_FAILED + 1))
	echo "FAIL: $1 - $2"
}

t_skip() {
	echo "SKIP: $1 - $2"
}

# t_true NAME WHY CMD...: passes when CMD succeeds, else fails with WHY
# (and runs $T_ON_FAIL, e.g. a TUI test's screen dump).
T_ON_FAIL=
t_true() {
	_name=$1 _why=$2
	shift 2
	if "$@"; then
		t_ok "$_name"
	else
		t_fail "$_name" "$_why"
		eval "$T_ON_FAIL"
	fi
}

# t_need_root [COMMAND...]: skips the whole test (exit 77) unless it runs
# as root with useradd and each COMMAND.
# shellcheck disable=SC2120  # the COMMANDs are optional
t_need_root() {
	_need="root and useradd"
	[ "$#" -eq 0 ] || _need="root, useradd and $*"
	if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null 2>&1; then
		echo "SKIP: $T_NAME - needs $_need"
		exit 77
	fi
	for _c in "$@"; do
		command -v "$_c" >/dev/null 2>&1 && continue
		echo "SKIP: $T_NAME - needs $_need"
		exit 77
	done
}

# t_account NAME: a system account without home or shell (NAME ends in
# $$: unique), deleted when the test exits (only once it was made here).
t_account() {
	useradd -r -M -s /usr/sbin/nologin "$1" ||
	    { echo "Bail out! useradd failed"; exit 99; }
	T_AT_EXIT="userdel $1 2>/dev/null; $T_AT_EXIT"
}

# t_backup_password: PW, a strong backup password, and $T_TMP/pw holding it.
t_backup_password() {
	# shellcheck disable=SC2034
	PW='Bkp 2026!Strong-xY'
	printf '%s\n' "$PW" >"$T_TMP/pw"
}

# t_cert_demo VALUES: what the tests of backups to certificates start
# from: skipped without openssl; t_backup_password; a demo of VALUES values
# and 2 members, C its config, KCV its key check value.
t_cert_demo() {
	command -v openssl >/dev/null 2>&1 ||
	    { echo "1..0 # SKIP no openssl"; exit 77; }
	t_backup_password
	t_demo "$T_TMP/demo" "$1" 2
	# shellcheck disable=SC2034
	C=$DEMO_CONF
	# shellcheck disable=SC2034
	KCV=$(kcv "$C")
}

# t_cert NAME CN: a self-signed admin certificate $T_TMP/NAME.crt with its
# key $T_TMP/NAME.key (stock openssl).
t_cert() {
	openssl req -x509 -newkey rsa:3072 -nodes -subj "/CN=$2" -days 2 \
	    -keyout "$T_TMP/$1.key" -out "$T_TMP/$1.crt" 2>/dev/null ||
	    { echo "Bail out! openssl req"; exit 99; }
}

# Runs a command with no controlling terminal (so the programs cannot
# prompt even when make check runs in one) and stdin from /dev/null;
# stdout in $T_OUT, stderr in $T_ERR.  Returns the command's status.
t_run() {
	if command -v setsid >/dev/null 2>&1; then
		setsid -w "$@" </dev/null >"$T_OUT" 2>"$T_ERR"
	else
		"$@" </dev/null >"$T_OUT" 2>"$T_ERR"
	fi
}

# t_expect_exit STATUS NAME cmd...
t_expect_exit() {
	_want=$1 _name=$2
	shift 2
	t_run "$@"
	_got=$?
	if [ "$_got" -eq "$_want" ]; then
		t_ok "$_name"
		return 0
	fi
	t_fail "$_name" "exit $_got, expected $_want: $(head -c 300 "$T_ERR" | tr '\n' ' ')"
	return 1
}

# t_grep NAME FILE PATTERN: FILE has a line matching the extended regex.
t_grep() {
	if grep -Eq -- "$3" "$2"; then
		t_ok "$1"
	else
		t_fail "$1" "no match for /$3/ in $(basename "$2"): $(head -c 300 "$2" | tr '\n' ' ')"
	fi
}

# t_no_grep NAME FILE PATTERN: no line of FILE matches.
t_no_grep() {
	if grep -Eq -- "$3" "$2"; then
		t_fail "$1" "unexpected /$3/ in $(basename "$2"): $(grep -E -- "$3" "$2" | head -n 3 | tr '\n' ' ')"
	else
		t_ok "$1"
	fi
}

# t_absent NAME PATH: nothing exists at PATH.
t_absent() {
	if [ -e "$2" ]; then
		t_fail "$1" "$2 exists"
	else
		t_ok "$1"
	fi
}

# t_equal NAME GOT WANT
t_equal() {
	if [ "$2" = "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "got '$2', expected '$3'"
	fi
}

# t_differ NAME A B
t_differ() {
	if [ "$2" != "$3" ] && [ -n "$2" ] && [ -n "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "'$2' and '$3' should differ (and not be empty)"
	fi
}

# t_json NAME FILE: FILE holds exactly one valid JSON object (the last
# line when progress lines come first).
t_json() {
	if command -v jq >/dev/null 2>&1; then
		if tail -n 1 "$2" | jq -e 'type == "object"' >/dev/null 2>&1; then
			t_ok "$1"
		else
			t_fail "$1" "not one JSON object: $(tail -n 1 "$2" | head -c 300)"
		fi
	elif command -v python3 >/dev/null 2>&1; then
		if tail -n 1 "$2" | python3 -c 'import json,sys; assert isinstance(json.load(sys.stdin), dict)' 2>/dev/null; then
			t_ok "$1"
		else
			t_fail "$1" "not one JSON object: $(tail -n 1 "$2" | head -c 300)"
		fi
	else
		t_skip "$1" "neither jq nor python3 to parse JSON"
	fi
}

# json_field FILE NAME: the string or number value of the last "NAME" on the
# last line (flat fields are enough for the tests).
json_field() {
	tail -n 1 "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n 1
}

# t_demo DIR VALUES [MEMBERS]: creates a demo; sets DEMO_CONF (member 1)
# and DEMO_WAIT (the last member, waiting to join).
t_demo() {
	_members=${3:-2}
	_demo_dir=$1 _demo_values=$2
	set --
	# tests/pg/cli.sh runs this suite on PostgreSQL: a fresh database there
	# for every demo (RS_TEST_PG and the helper come from tests/pg/pglib.sh).
	if [ -n "${RS_TEST_PG:-}" ]; then
		_pg=$(sh "$RS_SRCDIR/tests/pg/mkdb.sh") || exit 99
		set -- --postgres "$_pg"
	fi
	if ! "$RSDEMO" create "$_demo_dir" --values "$_demo_values" \
	    --members "$_members" "$@" \
	    >"$T_TMP/demo.out" 2>"$T_TMP/demo.err" </dev/null; then
		echo "Bail out! rsdemo create $_demo_dir failed: $(cat "$T_TMP/demo.err")"
		exit 99
	fi
	DEMO_CONF=$(sed -n 's/^export RSCONFIG=//p' "$T_TMP/demo.out")
	# shellcheck disable=SC2034
	DEMO_WAIT=$_demo_dir/member$_members/rsreportserver.conf
	if [ ! -f "$DEMO_CONF" ]; then
		echo "Bail out! rsdemo printed no usable config: $(cat "$T_TMP/demo.out")"
		exit 99
	fi
}

# t_until SECONDS CMD...: runs CMD every 0.05 s until it succeeds; fails
# (returns 1) after SECONDS.
t_until() {
	_tries=$(( $1 * 20 ))
	shift
	while [ "$_tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		_tries=$((_tries - 1))
	done
	return 1
}

# t_wait_for FILE PATTERN [SECONDS]: polls until FILE has a line matching
# the extended regex; fails (returns 1) after the deadline (default 30 s).
t_wait_for() {
	t_until "${3:-30}" grep -Eq -- "$2" "$1" 2>/dev/null
}

# db_hold DB: a sqlite3 process holds BEGIN EXCLUSIVE on DB (fd 3 talks to
# it, its pid in SQLPID, its output in $T_TMP/sqlout); returns 1 when it
# has not got the lock within 10 s.  db_release ends both.
db_hold() {
	rm -f "$T_TMP/sqlin"
	mkfifo "$T_TMP/sqlin"
	sqlite3 "$1" <"$T_TMP/sqlin" >"$T_TMP/sqlout" 2>&1 &
	SQLPID=$!
	exec 3>"$T_TMP/sqlin"
	printf 'BEGIN EXCLUSIVE;\n.print holding\n' >&3
	t_wait_for "$T_TMP/sqlout" '^holding' 10
}

db_release() {
	printf 'ROLLBACK;\n.quit\n' >&3
	exec 3>&-
	wait "$SQLPID"
	SQLPID=
}

# kcv CONFIG: the key check value the database uses now.
kcv() {
	"$RSKEYMGMT" -c "$1" --status --json </dev/null 2>/dev/null |
	    sed -n 's/.*"kcv":"\([0-9a-f]*\)".*/\1/p'
}

# The line of a file mode, for example 600.
file_mode() {
	stat -c %a "$1"
}

t_done() {
	echo "# $T_NAME: $T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ] || exit 1
	exit 0
}
