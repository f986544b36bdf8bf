#!/bin/sh
# SPDX-License-Identifier: ISC
# leaks.sh: secret hygiene.  Every operation runs with known passwords; the
# keys it handles are learnt by opening backups with stock openssl (kept in
# shell variables, never in files).  Then the database, its WAL and shared
# memory file (also as they are in the middle of a key change), backups,
# configs, key stores, the audit log, the programs' output, syslog files,
# every file written meanwhile under /tmp and $TMPDIR, and each running
# process's argv and environment are searched for the passwords and for
# every key, as raw bytes and as hex: zero hits expected.
#
# Core dumps: a running rskeymgmt, rsdemo and rsconfig have "Max core file
# size 0" in /proc/PID/limits, and are not dumpable: run as an unprivileged
# user, the owner of /proc/PID/environ is root and that user cannot read it
# (both are what the kernel does for PR_SET_DUMPABLE 0 only).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	t_skip leaks "python3 is needed for the binary-safe search"
	t_done
fi
touch "$T_TMP/start"
sleep 1   # so that -newer sees every file written from now on
# Passwords unique to this run, so nothing else on the machine matches.
R=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
PW1="Leak-$R!Aa1"
PW2="Other $R#Bb2"
printf '%s\n' "$PW1" >"$T_TMP/pw1"
printf '%s\n' "$PW2" >"$T_TMP/pw2"
t_demo "$T_TMP/demo" 3000 3
C=$DEMO_CONF
KEYS=
LOG=$T_TMP/ops.log
: >"$LOG"
id_of() { sed -n 's/^installation_id *= *//p' "$1"; }

# learn FILE PASSWORD: adds the key in the backup FILE to KEYS.
learn() {
	_k=$(openssl cms -decrypt -inform PEM -in "$1" -pwri_password "$2" 2>/dev/null |
	    sed -n 's/^key: \([0-9a-f]\{64\}\)$/\1/p')
	if [ -n "$_k" ]; then
		KEYS="$KEYS $_k"
	else
		t_fail "learn_key_$(basename "$1")" "openssl cannot open it"
	fi
}

# watch NAME ARGS...: runs rskeymgmt, saving its argv and environment as
# seen in /proc while it runs; output appended to the log.  A command may
# finish within one poll on a fast machine (and be missed on a busy one):
# where strace is installed it holds the process 1 s at its exit_group, so
# its /proc files are read at least once, as they are at the very end.
# LeakSanitizer cannot run under ptrace: off for these runs only.
watch_start() {
	if command -v strace >/dev/null 2>&1; then
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		    strace -qq -f -o /dev/null -e trace=exit_group \
		    -e inject=exit_group:delay_enter=1000000 "$RSKEYMGMT" "$@" \
		    </dev/null >>"$LOG" 2>&1 &
	else
		"$RSKEYMGMT" "$@" </dev/null >>"$LOG" 2>&1 &
	fi
	_p=$!
}

# watch_read PID FILE: appends the argv and environment of rskeymgmt, be it
# PID itself or its child under strace.
watch_read() {
	for _q in "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		case $(readlink "/proc/$_q/exe" 2>/dev/null) in
		*/rskeymgmt|*/lt-rskeymgmt)
			cat "/proc/$_q/cmdline" "/proc/$_q/environ" >>"$2" 2>/dev/null ;;
		esac
	done
}

watch() {
	_n=$1
	shift
	: >"$T_TMP/proc.$_n"
	watch_start "$@"
	while kill -0 "$_p" 2>/dev/null; do
		watch_read "$_p" "$T_TMP/proc.$_n"
		sleep 0.02
	done
	wait "$_p"
	_st=$?
	if [ "$_st" -eq 0 ]; then t_ok "op_$_n"
	else t_fail "op_$_n" "exit $_st: $(tail -n 3 "$LOG" | tr '\n' ' ')"; fi
	if [ -s "$T_TMP/proc.$_n" ]; then t_ok "proc_seen_$_n"
	else t_fail "proc_seen_$_n" "the process was never seen in /proc"; fi
}

mkdir "$T_TMP/b"
watch backup -c "$C" -e -f "$T_TMP/b/k0.pem" --password-file "$T_TMP/pw1"
learn "$T_TMP/b/k0.pem" "$PW1"
watch restore -c "$C" -a -f "$T_TMP/b/k0.pem" --password-file "$T_TMP/pw1" --yes
watch reencrypt -c "$C" -s --yes
watch backup2 -c "$C" -e -f "$T_TMP/b/k1.pem" --password-fd 3 3<"$T_TMP/pw2"
learn "$T_TMP/b/k1.pem" "$PW2"
watch join -c "$C" -j "$(id_of "$DEMO_WAIT")" --yes
watch remove -c "$C" -r "$(id_of "$T_TMP/demo/member2/rsreportserver.conf")" --yes
NEWACCOUNT=rsleaknew
[ "$(id -u)" -eq 0 ] && NEWACCOUNT=daemon
watch account -c "$C" --service-account "$NEWACCOUNT" -f "$T_TMP/b/k1b.pem" \
    --password-file "$T_TMP/pw1" --yes
learn "$T_TMP/b/k1b.pem" "$PW1"
watch verify -c "$C" --verify
watch status -c "$C" --status --json
watch list -c "$C" --list --json
watch delete -c "$C" -d --yes
watch backup3 -c "$C" -e -f "$T_TMP/b/k2.pem" --password-file "$T_TMP/pw2"
learn "$T_TMP/b/k2.pem" "$PW2"
t_demo "$T_TMP/other" 5
watch backup_other -c "$DEMO_CONF" -e -f "$T_TMP/b/other.pem" --password-file "$T_TMP/pw1"
learn "$T_TMP/b/other.pem" "$PW1"
watch restore_force -c "$C" -a -f "$T_TMP/b/other.pem" --password-file "$T_TMP/pw1" --force --yes
sed "s/^installation_id .*/installation_id = $(cat /proc/sys/kernel/random/uuid)/; s/^instance .*/instance = RSLEAK4/" \
    "$DEMO_WAIT" >"$T_TMP/demo/member3/m4.conf"
sed -i 's|^keystore .*|keystore = keys4|' "$T_TMP/demo/member3/m4.conf"
chmod 0600 "$T_TMP/demo/member3/m4.conf"
watch init -c "$T_TMP/demo/member3/m4.conf" --init
watch join4 -c "$C" -j "$(id_of "$T_TMP/demo/member3/m4.conf")" --yes

# The WAL in the middle of a key change: a big change stopped half-way.
t_demo "$T_TMP/mid" 10000
"$RSKEYMGMT" -c "$DEMO_CONF" -e -f "$T_TMP/b/mid0.pem" --password-file "$T_TMP/pw2" </dev/null >>"$LOG" 2>&1
learn "$T_TMP/b/mid0.pem" "$PW2"
"$RSKEYMGMT" -c "$DEMO_CONF" -s --yes --json </dev/null >"$T_TMP/mid.out" 2>&1 &
pid=$!
if t_wait_for "$T_TMP/mid.out" '"event":"progress"'; then
	kill -STOP "$pid"
	cp -a "$T_TMP/mid" "$T_TMP/mid-snapshot"
	cat "/proc/$pid/cmdline" "/proc/$pid/environ" >"$T_TMP/proc.midchange" 2>/dev/null
	kill -CONT "$pid"
	ls "$T_TMP/mid-snapshot" >"$T_TMP/mid.ls"
	t_grep wal_caught_mid_change "$T_TMP/mid.ls" 'reportserver.db-wal'
else
	t_fail wal_caught_mid_change "no progress: $(cat "$T_TMP/mid.out")"
fi
wait "$pid"
"$RSKEYMGMT" -c "$DEMO_CONF" -e -f "$T_TMP/b/mid1.pem" --password-file "$T_TMP/pw2" </dev/null >>"$LOG" 2>&1
learn "$T_TMP/b/mid1.pem" "$PW2"

# ---- the search ----

nkeys=$(echo "$KEYS" | wc -w)
t_equal keys_learnt "$nkeys" 7
# Files to search: the test's own tree (minus the two password files that
# the test itself wrote), syslog files, and whatever was written under /tmp
# and $TMPDIR since the start (other runs' files cannot hold this run's
# passwords or keys).
{
	find "$T_TMP" -type f ! -path "$T_TMP/pw1" ! -path "$T_TMP/pw2"
	for f in /var/log/syslog /var/log/auth.log /var/log/messages; do
		[ -f "$f" ] && echo "$f"
	done
	find /tmp "${TMPDIR:-/tmp}" -xdev -type f -newer "$T_TMP/start" -size -20M \
	    ! -path "$T_TMP/*" 2>/dev/null
} | sort -u >"$T_TMP/search.list"
if command -v journalctl >/dev/null 2>&1 &&
    journalctl --since "-10min" -o cat >"$T_TMP/journal.txt" 2>/dev/null; then
	echo "$T_TMP/journal.txt" >>"$T_TMP/search.list"
fi
nfiles=$(wc -l <"$T_TMP/search.list")
for want in reportserver.db reportserver.db-audit.log mid-snapshot/reportserver.db-wal \
    k0.pem proc.reencrypt proc.midchange; do
	if grep -q "/$want\$" "$T_TMP/search.list"; then t_ok "searched_$want"
	else t_fail "searched_$want" "not in the search list"; fi
done

# shellcheck disable=SC2086  # one argument per key
python3 - "$T_TMP/search.list" "$PW1" "$PW2" $KEYS >"$T_TMP/hits" <<'EOF'
import sys
listing, pw1, pw2, keys = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
needles = {"password 1": pw1.encode(), "password 2": pw2.encode()}
for i, k in enumerate(keys):
    raw = bytes.fromhex(k)
    needles["key %d raw" % i] = raw
    needles["key %d hex" % i] = k.encode()
    needles["key %d HEX" % i] = k.upper().encode()
    needles["key %d reversed raw" % i] = raw[::-1]
hits = 0
with open(listing) as f:
    paths = [l.rstrip("\n") for l in f if l.strip()]
for p in paths:
    try:
        with open(p, "rb") as fh:
            data = fh.read()
    except OSError:
        continue
    for name, n in needles.items():
        if n in data:
            hits += 1
            print("%s in %s" % (name, p))
print("searched %d files, %d needles" % (len(paths), len(needles)), file=sys.stderr)
EOF
hits=$(wc -l <"$T_TMP/hits")
echo "# leaks: searched $nfiles files for 2 passwords and $nkeys keys: $hits hits"
if [ "$hits" -eq 0 ]; then t_ok no_secret_found
else t_fail no_secret_found "$(head -n 5 "$T_TMP/hits" | tr '\n' ';')"; fi

# The search finds what it looks for (a control).
printf 'x%sx\n' "$PW1" >"$T_TMP/control"
echo "$T_TMP/control" >"$T_TMP/control.list"
python3 - "$T_TMP/control.list" "$PW1" <<'EOF' >"$T_TMP/control.hits"
import sys
print(sys.argv[2].encode() in open(open(sys.argv[1]).read().strip(), "rb").read())
EOF
t_grep search_control_finds_planted_password "$T_TMP/control.hits" '^True$'

# ---- core dumps ----

# limits_zero NAME PID
limits_zero() {
	if grep -Eq '^Max core file size +0 +0 ' "/proc/$2/limits" 2>/dev/null; then
		t_ok "$1_core_size_0"
	else
		t_fail "$1_core_size_0" "$(grep 'core file' "/proc/$2/limits" 2>&1)"
	fi
}

# A process that waits for a password on a pipe that is never written.
mkfifo "$T_TMP/never"
sleep 60 >"$T_TMP/never" &
holder=$!
"$RSKEYMGMT" -c "$C" -e -f "$T_TMP/b/never.pem" --password-fd 0 <"$T_TMP/never" >/dev/null 2>&1 &
pid=$!
sleep 0.3
limits_zero rskeymgmt "$pid"
kill "$pid" "$holder" 2>/dev/null
wait "$pid" 2>/dev/null
wait "$holder" 2>/dev/null

RUN="setpriv --reuid=nobody --regid=nogroup --clear-groups"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	mkdir "$T_TMP/nr"
	chown nobody "$T_TMP/nr"
	mkfifo "$T_TMP/nr/never"
	chown nobody "$T_TMP/nr/never"
	# nobody runs rskeymgmt on a demo of its own; it blocks reading its
	# password from a pipe that is never written.
	# shellcheck disable=SC2086
	$RUN "$RSDEMO" create "$T_TMP/nr/small" --values 10 >/dev/null 2>&1 </dev/null
	sleep 60 >"$T_TMP/nr/never" &
	holder=$!
	# shellcheck disable=SC2086
	$RUN "$RSKEYMGMT" -c "$T_TMP/nr/small/member1/rsreportserver.conf" -e \
	    -f "$T_TMP/nr/x.pem" --password-fd 0 <"$T_TMP/nr/never" >"$T_TMP/nr.out" 2>&1 &
	pid=$!
	sleep 0.5
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	t_equal rskeymgmt_runs_as_nobody "$uid" "$(id -u nobody)"
	t_equal rskeymgmt_not_dumpable_proc_owner "$(stat -c %u "/proc/$pid/environ" 2>/dev/null)" 0
	# shellcheck disable=SC2086
	if $RUN cat "/proc/$pid/environ" >/dev/null 2>&1; then
		t_fail rskeymgmt_not_dumpable_environ_closed "nobody can read its own process's environment"
	else
		t_ok rskeymgmt_not_dumpable_environ_closed
	fi
	# A control: an ordinary process of nobody is dumpable.
	# shellcheck disable=SC2086
	$RUN sleep 5 &
	ctl=$!
	sleep 0.2
	t_equal control_dumpable_proc_owner "$(stat -c %u "/proc/$ctl/environ" 2>/dev/null)" "$(id -u nobody)"
	kill "$pid" "$holder" "$ctl" 2>/dev/null
	wait "$pid" 2>/dev/null
	wait "$holder" 2>/dev/null
	wait "$ctl" 2>/dev/null
	# rsdemo, making a big demo as nobody.
	# shellcheck disable=SC2086
	$RUN "$RSDEMO" create "$T_TMP/nr/demo" --values 200000 >/dev/null 2>&1 &
	pid=$!
	sleep 0.5
	if kill -0 "$pid" 2>/dev/null; then
		limits_zero rsdemo "$pid"
		t_equal rsdemo_not_dumpable_proc_owner "$(stat -c %u "/proc/$pid/environ" 2>/dev/null)" 0
	else
		t_fail rsdemo_not_dumpable "finished too soon to be seen"
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
else
	t_skip not_dumpable "needs root and setpriv to run the programs as another user"
fi
if command -v tmux >/dev/null 2>&1 && [ -x "$RS_BUILDDIR/src/rsconfig" ]; then
	sock=rsleak$$
	tmux -L "$sock" -f /dev/null new-session -d -x 80 -y 24 \
	    "$RS_BUILDDIR/src/rsconfig -c '$C'"
	pid=
	n=0
	while [ -z "$pid" ] && [ "$n" -lt 100 ]; do
		pid=$(pgrep -n -f "^$RS_BUILDDIR/src/rsconfig -c $C\$")
		[ -z "$pid" ] && sleep 0.05
		n=$((n + 1))
	done
	if [ -n "$pid" ]; then
		sleep 0.3
		limits_zero rsconfig "$pid"
	else
		t_fail rsconfig_core_size_0 "rsconfig did not start"
	fi
	tmux -L "$sock" kill-server 2>/dev/null
fi
t_done
