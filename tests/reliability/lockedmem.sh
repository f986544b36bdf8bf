#!/bin/sh
# SPDX-License-Identifier: ISC
# lockedmem.sh: during a key change the old and the new key (raw, and as
# the first words of their AES key schedules) sit only in locked memory.
# A change over 200,000 values is stopped (SIGSTOP) while its rewrite
# thread runs; a scanner (python3, as root) copies every readable mapping
# of the process from /proc/PID/mem and notes which are locked (VmFlags
# "lo" in /proc/PID/smaps: mlockall and OpenSSL's secure heap).  The keys
# are learnt afterwards from backups opened with stock openssl (the old
# key before the change, the new one after it) and reach the scanner
# through a pipe, never a file.  Expected: each key is found (so the scan
# can see it) and never in an unlocked mapping.  Needs root: mlockall
# without RLIMIT_MEMLOCK, and reading a non-dumpable process's memory.
# Then rsserverd, started as root, switched to a real service account
# (useradd) and holding the new key for good, is scanned the same way: its
# key and key schedule sit only in locked memory too, although the account
# has no CAP_IPC_LOCK and a default RLIMIT_MEMLOCK.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=../service/svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

if [ "$(id -u)" != 0 ]; then
	t_skip lockedmem "needs root (mlockall, /proc/PID/mem of a non-dumpable process)"
	t_done
fi
if ! command -v python3 >/dev/null 2>&1; then
	t_skip lockedmem "python3 is needed for the memory scan"
	t_done
fi
# AddressSanitizer reserves terabytes of shadow and allocator address space
# and keeps freed blocks in quarantine: a scan of every mapping cannot be
# read into memory (MemoryError) and would not mean what it means here.
# The sanitizer build of .ci/run skips; the normal build runs the scan.
if ldd "$RSKEYMGMT" 2>/dev/null | grep -q libasan; then
	t_skip lockedmem "the memory scan does not run under AddressSanitizer"
	t_done
fi
R=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
PW="Locked-$R!Aa1"
U=rslm$$
# shellcheck disable=SC2317  # run by t_cleanup in lib.sh
undo_account() {
	userdel "$U" 2>/dev/null
}
T_AT_EXIT="undo_account; $T_AT_EXIT"
t_demo "$T_TMP/demo" 200000 2
C=$DEMO_CONF

# key_of FILE: the key in backup FILE, as 64 hex digits.
key_of() {
	openssl cms -decrypt -inform PEM -in "$1" -pwri_password "$PW" 2>/dev/null |
	    sed -n 's/^key: \([0-9a-f]\{64\}\)$/\1/p'
}

backup() {   # the password through a pipe, never a file
	printf '%s\n' "$PW" | "$RSKEYMGMT" -c "$C" -e -f "$1" --password-fd 0 \
	    >/dev/null 2>"$T_TMP/backup.err"
}

cat >"$T_TMP/scan.py" <<'EOF'
import re, sys
pid = int(sys.argv[1])
regions = []   # (locked, name, bytes)
with open(f"/proc/{pid}/smaps") as f:
    cur = None
    for line in f:
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
        if m:
            cur = [int(m.group(1), 16), int(m.group(2), 16), m.group(3), m.group(4), False]
            regions.append(cur)
        elif line.startswith("VmFlags:") and cur is not None:
            cur[4] = " lo" in line + " "
dumps = []
with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
    for lo, hi, perms, name, locked in regions:
        if not perms.startswith("r") or name in ("[vvar]", "[vsyscall]"):
            continue
        try:
            mem.seek(lo)
            dumps.append((locked, name or "[anon]", mem.read(hi - lo)))
        except OSError:
            pass
print("dumped %d mappings, %d locked" % (len(dumps), sum(1 for d in dumps if d[0])), flush=True)
sys.stdout.flush()
for line in sys.stdin:
    key = bytes.fromhex(line.strip())
    # AES key schedules keep the key as is (AES-NI) or word by word in
    # native order (the generic code): look for both.
    swapped = b"".join(key[i:i + 4][::-1] for i in range(0, 32, 4))
    found = {True: 0, False: 0}
    where = []
    for locked, name, data in dumps:
        n = data.count(key) + data.count(swapped)
        found[locked] += n
        if n and not locked:
            where.append(name)
    print("key locked=%d unlocked=%d %s" % (found[True], found[False], ",".join(where)), flush=True)
EOF

if ! backup "$T_TMP/old.rskey"; then
	t_fail backup_before "$(cat "$T_TMP/backup.err")"
	t_done
fi
OLD=$(key_of "$T_TMP/old.rskey")
[ -n "$OLD" ] || t_fail learn_old_key "openssl cannot open the backup"

"$RSKEYMGMT" -c "$C" --reencrypt --yes </dev/null >"$T_TMP/change.out" 2>&1 &
PID=$!
# Mid-change: the SQLite rewrite runs a second thread while it works.
tries=400
while [ "$tries" -gt 0 ] && [ "$(ls /proc/$PID/task 2>/dev/null | wc -l)" -lt 2 ]; do
	sleep 0.01
	tries=$((tries - 1))
done
kill -STOP "$PID"
if [ "$(ls /proc/$PID/task 2>/dev/null | wc -l)" -lt 2 ]; then
	kill -CONT "$PID"
	wait "$PID"
	t_skip lockedmem "could not stop the change while it rewrote values"
	t_done
fi
t_ok stopped_mid_change
grep -q '^VmLck:[[:space:]]*[1-9]' "/proc/$PID/status" &&
    t_ok change_runs_in_locked_memory ||
    t_fail change_runs_in_locked_memory "$(grep VmLck "/proc/$PID/status")"

mkfifo "$T_TMP/keys"
python3 "$T_TMP/scan.py" "$PID" <"$T_TMP/keys" >"$T_TMP/scan.out" 2>&1 &
SCAN=$!
exec 4>"$T_TMP/keys"
t_wait_for "$T_TMP/scan.out" '^dumped' 60 || t_fail scan "$(cat "$T_TMP/scan.out")"
kill -CONT "$PID"
wait "$PID"
t_equal change_finishes "$?" 0
if ! backup "$T_TMP/new.rskey"; then
	t_fail backup_after "$(cat "$T_TMP/backup.err")"
fi
NEW=$(key_of "$T_TMP/new.rskey")
t_differ new_key_differs "$NEW" "$OLD"
printf '%s\n%s\n' "$OLD" "$NEW" >&4
exec 4>&-
wait "$SCAN"
OLD=
sed -n 1p "$T_TMP/scan.out" | sed 's/^/# /'

check_key() {   # NAME LINE
	_line=$(sed -n "$2p" "$T_TMP/scan.out")
	case $_line in
	"key locked=0 "*) t_fail "$1_found" "not in memory at all: the scan proves nothing ($_line)" ;;
	"key locked="*) t_ok "$1_found" ;;
	*) t_fail "$1_found" "scanner: $(cat "$T_TMP/scan.out")" ;;
	esac
	case $_line in
	*" unlocked=0 "*) t_ok "$1_only_in_locked_memory" ;;
	*) t_fail "$1_only_in_locked_memory" "$_line" ;;
	esac
}
check_key old_key 2
check_key new_key 3

# rsserverd as a real service account: the key change above left NEW as
# the key; the account change re-wraps it for the account, key unchanged.
if ! useradd -r -M -s /usr/sbin/nologin "$U"; then
	t_fail useradd "cannot make account $U"
	t_done
fi
printf '%s\n' "$PW" | "$RSKEYMGMT" -c "$C" --service-account "$U" \
    -f "$T_TMP/account.rskey" --password-fd 0 --yes >"$T_TMP/account.out" 2>&1 ||
    t_fail account_change "$(cat "$T_TMP/account.out")"
t_expect_exit 0 service_starts_as_root "$RSKEYMGMT" -c "$C" --start --heartbeat 1
SPID=$(svc_pid_of "$C")
SVC_PIDS="$SVC_PIDS $SPID"
t_equal service_runs_as_account "$(svc_field "$C" account)" "$U"
t_equal service_activated "$(svc_field "$C" state)" activated
t_equal service_uid "$(awk '/^Uid:/ { print $2 }' "/proc/$SPID/status")" "$(id -u "$U")"
grep -q '^VmLck:[[:space:]]*[1-9]' "/proc/$SPID/status" &&
    t_ok service_runs_in_locked_memory ||
    t_fail service_runs_in_locked_memory "$(grep VmLck "/proc/$SPID/status")"
# unlocked_mappings PID: mappings without VmFlags "lo", the kernel's own
# ([vvar], [vdso], [vsyscall]: mlockall skips them) left out.
unlocked_mappings() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { special = ($6 ~ /^\[v/) }
	    /^VmFlags:/ && !special && $0 !~ / lo/ { n++ }
	    END { print n + 0 }' "/proc/$1/smaps"
}
# With an unlimited RLIMIT_MEMLOCK (root could lift it, or systemd's
# LimitMEMLOCK=infinity) every mapping is locked, later ones too
# (MCL_FUTURE).  Where root cannot lift it (no CAP_SYS_RESOURCE, as in some
# containers) the service must say that its memory is not locked.
if grep -q '^Max locked memory *unlimited' "/proc/$SPID/limits"; then
	t_equal service_locks_all_memory "$(unlocked_mappings "$SPID")" 0
	t_absent_grep() { ! grep -q "$2" "$1"; }
	t_true service_no_unlocked_warning "the log warns although memory is locked" \
	    t_absent_grep "$T_TMP/demo/member1/keys.run/rsserverd.log" 'cannot lock memory'
else
	echo "# RLIMIT_MEMLOCK stays limited here (root without CAP_SYS_RESOURCE)"
	t_true service_warns_unlocked "no warning in the log" \
	    grep -q 'cannot lock memory (RLIMIT_MEMLOCK is limited)' \
	    "$T_TMP/demo/member1/keys.run/rsserverd.log"
fi
kill -STOP "$SPID"
printf '%s\n' "$NEW" | python3 "$T_TMP/scan.py" "$SPID" >"$T_TMP/scan.out" 2>&1
kill -CONT "$SPID"
NEW=
sed -n 1p "$T_TMP/scan.out" | sed 's/^/# /'
check_key service_key 2
t_done
