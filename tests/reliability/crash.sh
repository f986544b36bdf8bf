#!/bin/sh
# SPDX-License-Identifier: ISC
# crash.sh: crash injection.  Every key operation (backup, restore, forced
# restore of another key, re-encrypt, delete, service account, join, remove,
# init of a waiting member, init of a new database) runs on a copy of a
# prepared demo and is killed with SIGKILL:
#
#  - "random": after a random delay spread over the operation's measured
#    duration (0 ms, 1 ms and the very end included); precision is that of
#    sleep(1) and the scheduler, about a millisecond;
#  - "syscall": exactly at the entry of the Nth call of one of the calls that
#    change files (write, pwrite64, fsync, fdatasync, ftruncate, rename,
#    link, unlink, mkdir, fchmod, fchown, ...), with strace's fault injection
#    (-e inject=CALL:signal=KILL:when=N).  Killing at the entry of call k
#    leaves the files exactly as they are after call k-1, so walking k over
#    every such call visits every on-disk state the operation passes through,
#    SQLite's commits and the renames included.
#
# After each kill the deployment must be consistent: --verify passes (every
# value readable with the current key, none lost), every joined member is
# activated, the key stores are 0700/0600 with the member's key present, a
# backup file that exists is a complete backup of the current key, and no
# stray file is left except temp files shown harmless (named as temp, mode
# 0600 or the config's 0640, next to what they were meant to replace).
#
# make check runs RS_CRASH_POINTS kill points (default 110: 9 for each of
# the 12 operations, 108 in all); RS_TORTURE=1 (make check-torture) runs
# every syscall point of every operation on the
# small demo, 150 of those on the big one, and 40 random kills per
# operation: well over 1,000.  RS_CRASH_SEED repeats a run,
# RS_CRASH_OPS="account join" runs only those operations, RS_CRASH_KEEP=DIR
# keeps a copy of the first inconsistent deployments.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

PW='Bkp 2026!Strong-xY'
printf '%s\n' "$PW" >"$T_TMP/pw"
SEED=${RS_CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
TORTURE=${RS_TORTURE:-0}
BUDGET=${RS_CRASH_POINTS:-110}
echo "# crash: seed $SEED (RS_CRASH_SEED=$SEED repeats this run)"

HAVE_STRACE=0
if command -v strace >/dev/null 2>&1 &&
    strace -f -qq -o /dev/null -e trace=write true 2>/dev/null; then
	HAVE_STRACE=1
fi
# LeakSanitizer cannot run under ptrace: off for the traced runs only.
TRACED_ASAN=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
IO_CALLS=write,pwrite64,writev,pwritev,fsync,fdatasync,ftruncate,fallocate,rename,renameat,renameat2,link,linkat,unlink,unlinkat,mkdir,mkdirat,rmdir,fchmod,fchmodat,chmod,fchown,fchownat,chown,lchown

# ---- templates ----

TPL=$T_TMP/tpl
mkdir "$TPL"
mkdemo() {
	if ! "$RSDEMO" create "$1" --values "$2" --members 3 >/dev/null 2>"$T_TMP/demo.err" </dev/null; then
		echo "Bail out! rsdemo create $1 failed: $(cat "$T_TMP/demo.err")"
		exit 99
	fi
}
# new_member DEMO N DATABASE: a config for an instance not yet initialized.
new_member() {
	mkdir -m 0700 "$1/member$2"
	sed -e "s/^installation_id .*/installation_id = $(cat /proc/sys/kernel/random/uuid)/" \
	    -e "s/^instance .*/instance        = RSDEMO$2/" \
	    -e "s|^database .*|database        = $3|" \
	    "$1/member1/rsreportserver.conf" >"$1/member$2/rsreportserver.conf"
	chmod 0640 "$1/member$2/rsreportserver.conf"
}
mkdemo "$TPL/small" 200
mkdemo "$TPL/big" 20000
mkdemo "$T_TMP/other" 5
new_member "$TPL/small" 4 ../reportserver.db
new_member "$TPL/small" 5 ../new.db
SMALL_VALUES=200 BIG_VALUES=20000
K_CONF=member1/rsreportserver.conf
if ! "$RSKEYMGMT" -c "$TPL/small/$K_CONF" -e -f "$T_TMP/same.pem" --password-file "$T_TMP/pw" >/dev/null 2>&1 </dev/null ||
    ! "$RSKEYMGMT" -c "$T_TMP/other/$K_CONF" -e -f "$T_TMP/other.pem" --password-file "$T_TMP/pw" >/dev/null 2>&1 </dev/null; then
	echo "Bail out! cannot make the backups to restore"
	exit 99
fi
SMALL_KCV=$(kcv "$TPL/small/$K_CONF")
OTHER_KCV=$(kcv "$T_TMP/other/$K_CONF")
id_of() { sed -n 's/^installation_id *= *//p' "$1"; }
ID2=$(id_of "$TPL/small/member2/rsreportserver.conf")
ID3=$(id_of "$TPL/small/member3/rsreportserver.conf")

ACCOUNT=rsnewaccount
if [ "$(id -u)" -eq 0 ]; then
	ACCOUNT=rscrash$$
	# shellcheck disable=SC2034  # run by t_cleanup in lib.sh
	T_AT_EXIT="userdel $ACCOUNT 2>/dev/null"
	if ! useradd -r -M -s /usr/sbin/nologin "$ACCOUNT"; then
		echo "Bail out! useradd failed"
		exit 99
	fi
fi

# ops: NAME TEMPLATE MEMBER ARGS (@W@ stands for the copy's folder).
OPS="backup small 1 -e -f @W@/out.pem --password-file $T_TMP/pw
restore small 1 -a -f $T_TMP/same.pem --password-file $T_TMP/pw
restore-force small 1 -a -f $T_TMP/other.pem --password-file $T_TMP/pw --force
reencrypt small 1 -s
reencrypt-big big 1 -s
delete small 1 -d
delete-big big 1 -d
account small 1 --service-account $ACCOUNT --backup-exists
join small 1 -j $ID3
remove small 1 -r $ID2
init small 4 --init
init-new small 5 --init"
NOPS=$(printf '%s\n' "$OPS" | wc -l)

# ---- running one operation ----

W=$T_TMP/w
fresh() {
	rm -rf "$W"
	cp -a "$TPL/$1" "$W"
}
# op_args ARGS...: the arguments with @W@ made the copy's folder.
op_args() {
	# shellcheck disable=SC2001
	echo "$*" | sed "s|@W@|$W|g"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# ---- the consistency check ----

POINTS=0 KILLED=0 BAD=0 STRAY=0 FAILS_SHOWN=0
REASON=
bad() {
	REASON="${REASON:+$REASON; }$1"
}

run_k() {  # run_k OUTFILE ARGS...: rskeymgmt with a deadline
	_o=$1
	shift
	timeout 120 "$RSKEYMGMT" "$@" </dev/null >"$_o" 2>&1
}

# check_keystore MEMBER_DIR MUST_HAVE_KEY
check_keystore() {
	_ks=$1/keys
	if [ ! -d "$_ks" ]; then
		[ "$2" = 1 ] && bad "$_ks missing"
		return
	fi
	[ "$(file_mode "$_ks")" = 700 ] || bad "$_ks mode $(file_mode "$_ks")"
	_id=$(id_of "$1/rsreportserver.conf")
	if [ "$2" = 1 ] && [ ! -f "$_ks/$_id.key" ]; then
		bad "$_ks/$_id.key missing"
	fi
	for _f in "$_ks"/*.key; do
		[ -e "$_f" ] || continue
		[ "$(file_mode "$_f")" = 600 ] || bad "$_f mode $(file_mode "$_f")"
	done
}

# check_files: every file is expected, or a harmless temp file.
check_files() {
	find "$W" -type f >"$T_TMP/files"
	while IFS= read -r _f; do
		_rel=${_f#"$W"/}
		case $_rel in
		reportserver.db | reportserver.db-wal | reportserver.db-shm | \
		    reportserver.db-audit.log | reportserver.db.lock | \
		    new.db | new.db-wal | new.db-shm | new.db-audit.log | \
		    new.db.lock | op.out | out.pem | member[0-9]/rsreportserver.conf | \
		    member[0-9]/keys/*-*-*-*-*.key)
			;;
		.rsbackup.??????)
			# The backup's temp file: encrypted, 0600, never the
			# published name.
			[ "$(file_mode "$_f")" = 600 ] || bad "$_rel mode $(file_mode "$_f")"
			STRAY=$((STRAY + 1)) ;;
		member[0-9]/keys/.key.??????)
			# A key file being written: 0600 in the 0700 key store,
			# the same protection as the key itself.
			[ "$(file_mode "$_f")" = 600 ] || bad "$_rel mode $(file_mode "$_f")"
			STRAY=$((STRAY + 1)) ;;
		member[0-9]/rsreportserver.conf.??????)
			# The config being rewritten: no secret in it.
			STRAY=$((STRAY + 1)) ;;
		*-missing-????????T??????Z.tsv)
			# Delete's list of the values to re-enter (issue 17): names
			# only, made 0600.
			[ "$(file_mode "$_f")" = 600 ] || bad "$_rel mode $(file_mode "$_f")" ;;
		*)
			bad "stray file $_rel" ;;
		esac
	done <"$T_TMP/files"
}

# joined_ids: installation IDs of the joined members, from --list --json.
joined_ids() {
	tr '{' '\n' <"$1" | grep '"status":"joined"' |
	    sed -n 's/.*"installation_id":"\([^"]*\)".*/\1/p'
}

member_dir_of() {
	for _c in "$W"/member*/rsreportserver.conf; do
		if [ "$(id_of "$_c")" = "$1" ]; then
			dirname "$_c"
			return 0
		fi
	done
	return 1
}

# check_state OP VALUES
check_state() {
	_op=$1 _values=$2
	REASON=
	_v=$T_TMP/verify.json
	case $_op in
	init-new)
		# The first instance of a new database: running --init again
		# must finish the job.
		run_k "$T_TMP/init.out" -c "$W/member5/rsreportserver.conf" --init --json ||
		    bad "init again: $(tail -c 300 "$T_TMP/init.out")"
		run_k "$_v" -c "$W/member5/rsreportserver.conf" --verify --json ||
		    bad "verify after init: $(tail -c 300 "$_v")"
		check_keystore "$W/member5" 1
		check_files
		return
		;;
	esac
	run_k "$_v" -c "$W/$K_CONF" --verify --json
	_rc=$?
	_kcv=$(sed -n 's/.*"kcv":"\([0-9a-f]*\)".*/\1/p' "$_v")
	_checked=$(sed -n 's/.*"checked":\([0-9]*\).*/\1/p' "$_v")
	if [ "$_op" = restore-force ] && [ "$_kcv" = "$OTHER_KCV" ]; then
		# The forced restore completed: the values sealed with the
		# replaced key are unreadable, as the admin was told.
		[ "$_rc" -eq 1 ] || bad "verify after forced restore: exit $_rc"
		grep -q "\"unreadable\":$_values," "$_v" ||
		    bad "forced restore: not all $_values values unreadable: $(head -c 300 "$_v")"
		run_k "$T_TMP/st.json" -c "$W/$K_CONF" --status --json
		grep -q '"activation":"activated"' "$T_TMP/st.json" ||
		    bad "member1 not activated after forced restore: $(head -c 300 "$T_TMP/st.json")"
	else
		[ "$_rc" -eq 0 ] || bad "verify exit $_rc: $(tail -c 400 "$_v")"
		case $_op in
		restore | restore-force | backup | join | remove | account | init)
			# These keep the key (a forced restore that did not
			# complete included).
			[ "$_kcv" = "$SMALL_KCV" ] || bad "key changed: $_kcv" ;;
		esac
	fi
	if [ "$_op" = delete ] || [ "$_op" = delete-big ]; then
		# Deleted (0 values, new key) or untouched: nothing in between.
		if [ "$_checked" = 0 ]; then :
		elif [ "$_checked" != "$_values" ]; then
			bad "delete: $_checked values, expected 0 or $_values"
		fi
	elif [ "$_checked" != "$_values" ]; then
		bad "$_checked values, expected $_values"
	fi
	run_k "$T_TMP/list.json" -c "$W/$K_CONF" --list --json ||
	    bad "list: $(tail -c 300 "$T_TMP/list.json")"
	for _id in $(joined_ids "$T_TMP/list.json"); do
		if ! _d=$(member_dir_of "$_id"); then
			bad "joined member $_id has no config"
			continue
		fi
		[ "$_d" = "$W/member1" ] && continue   # verify passed: activated
		run_k "$T_TMP/st.json" -c "$_d/rsreportserver.conf" --status --json
		grep -q '"activation":"activated"' "$T_TMP/st.json" ||
		    bad "joined ${_d#"$W"/} not activated: $(head -c 300 "$T_TMP/st.json")"
	done
	for _d in "$W"/member[1-3]; do
		check_keystore "$_d" 1
	done
	if [ "$_op" = init ]; then
		# A waiting member half-initialized: --init again completes it.
		run_k "$T_TMP/init.out" -c "$W/member4/rsreportserver.conf" --init --json ||
		    bad "init again: $(tail -c 300 "$T_TMP/init.out")"
		run_k "$T_TMP/st.json" -c "$W/member4/rsreportserver.conf" --status --json
		grep -q '"activation":"waiting-to-join"' "$T_TMP/st.json" ||
		    bad "member4 not waiting to join: $(head -c 300 "$T_TMP/st.json")"
		check_keystore "$W/member4" 1
	fi
	if [ "$_op" = backup ] && [ -e "$W/out.pem" ]; then
		# A published backup is complete and holds the current key.
		[ "$(file_mode "$W/out.pem")" = 600 ] || bad "backup mode $(file_mode "$W/out.pem")"
		if ! openssl cms -decrypt -inform PEM -in "$W/out.pem" -pwri_password "$PW" 2>/dev/null |
		    grep -q "^kcv: $_kcv\$"; then
			bad "out.pem is not a complete backup of key $_kcv"
		fi
	fi
	check_files
}

# after_kill OP METHOD WHERE VALUES STATUS
after_kill() {
	POINTS=$((POINTS + 1))
	[ "$5" -eq 137 ] && KILLED=$((KILLED + 1))
	check_state "$1" "$4"
	if [ -n "$REASON" ]; then
		BAD=$((BAD + 1))
		OP_BAD=$((OP_BAD + 1))
		if [ "$FAILS_SHOWN" -lt 20 ]; then
			FAILS_SHOWN=$((FAILS_SHOWN + 1))
			echo "# inconsistent after $1 killed ($2 $3, exit $5): $REASON"
			if [ -n "${RS_CRASH_KEEP:-}" ]; then
				mkdir -p "$RS_CRASH_KEEP"
				cp -a "$W" "$RS_CRASH_KEEP/$1-$POINTS"
			fi
		fi
	fi
}

# ---- the plan ----

# How many points each operation gets: the budget split over the
# operations, at least 2 random and 2 syscall points each (or all random
# without strace).
PER_OP=$((BUDGET / NOPS))
[ "$PER_OP" -lt 4 ] && PER_OP=4
if [ "$HAVE_STRACE" -eq 1 ]; then
	N_SYSCALL=$((PER_OP / 2))
	N_RANDOM=$((PER_OP - N_SYSCALL))
else
	N_RANDOM=$PER_OP
	N_SYSCALL=0
	t_skip crash_at_syscalls "strace with fault injection is not available"
fi
if [ "$TORTURE" = 1 ]; then
	N_RANDOM=${RS_TORTURE_RANDOM:-40}
	N_SYSCALL=${RS_TORTURE_SYSCALL:-all}
fi

# random_delays N DURATION_MS SEED: N delays in ms: 0, 1, the end, and the
# rest uniform over 1.1 times the duration.
random_delays() {
	awk -v n="$1" -v d="$2" -v seed="$3" 'BEGIN {
		srand(seed);
		for (i = 0; i < n; i++) {
			if (i == 0) x = 0;
			else if (i == 1) x = 1;
			else if (i == 2) x = d;
			else x = int(rand() * d * 1.1);
			printf "%d\n", x;
		}
	}'
}

# syscall_points LOG N SEED: "CALL OCCURRENCE" for N events of the trace
# (all when N is "all"), spread evenly with a random offset.
syscall_points() {
	grep -v -e '^[0-9]* *+++' -e '^[0-9]* *---' -e 'resumed>' "$1" |
	    sed -n 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' |
	    awk -v n="$2" -v seed="$3" '
		{ c[$1]++; ev[NR] = $1 " " c[$1] }
		END {
			srand(seed);
			if (n == "all" || n >= NR) { for (i = 1; i <= NR; i++) print ev[i]; exit }
			step = NR / n; off = rand() * step;
			for (i = 0; i < n; i++) print ev[int(off + i * step) + 1];
		}'
}

op_index=0
printf '%s\n' "$OPS" >"$T_TMP/ops"
while read -r name tpl member rest; do
	op_index=$((op_index + 1))
	OP_BAD=0
	if [ -n "${RS_CRASH_OPS:-}" ]; then
		case " $RS_CRASH_OPS " in
		*" $name "*) ;;
		*) continue ;;
		esac
	fi
	conf=$W/member$member/rsreportserver.conf
	values=$SMALL_VALUES
	[ "$tpl" = big ] && values=$BIG_VALUES
	n_syscall=$N_SYSCALL
	# 20,000 values make about a thousand writes: a sample of them.
	if [ "$TORTURE" = 1 ] && [ "$tpl" = big ]; then
		n_syscall=${RS_TORTURE_SYSCALL_BIG:-150}
	fi
	# The operation as it runs, uninterrupted (traced: the list of its
	# file-changing calls): it must work and leave a consistent state, and
	# how long it takes spreads the random kills.
	fresh "$tpl"
	start=$(now_ms)
	if [ "$HAVE_STRACE" -eq 1 ]; then
		# shellcheck disable=SC2046
		ASAN_OPTIONS=$TRACED_ASAN timeout 120 strace -f -qq -o "$T_TMP/trace" -e trace="$IO_CALLS" \
		    "$RSKEYMGMT" -c "$conf" $(op_args "$rest") --yes </dev/null >"$T_TMP/full.out" 2>&1
	else
		# shellcheck disable=SC2046
		run_k "$T_TMP/full.out" -c "$conf" $(op_args "$rest") --yes
	fi
	rc=$?
	dur=$(($(now_ms) - start))
	if [ "$rc" -ne 0 ]; then
		t_fail "crash_${name}_runs" "exit $rc: $(tail -c 300 "$T_TMP/full.out")"
		continue
	fi
	check_state "$name" "$values"
	if [ -n "$REASON" ]; then
		t_fail "crash_${name}_consistent_uninterrupted" "$REASON"
	fi
	before=$POINTS

	# Random kills.
	for delay in $(random_delays "$N_RANDOM" "$dur" "$((SEED + op_index))"); do
		fresh "$tpl"
		# shellcheck disable=SC2046
		"$RSKEYMGMT" -c "$conf" $(op_args "$rest") --yes </dev/null >"$W/op.out" 2>&1 &
		pid=$!
		sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
		kill -KILL "$pid" 2>/dev/null
		{ wait "$pid"; } 2>/dev/null
		rc=$?
		rm -f "$W/op.out"
		after_kill "$name" random "${delay}ms" "$values" "$rc"
	done
	n_random=$((POINTS - before))

	# Kills at the entry of the chosen file-changing calls.
	if [ "$n_syscall" != 0 ]; then
		syscall_points "$T_TMP/trace" "$n_syscall" "$((SEED + op_index))" >"$T_TMP/points"
		while read -r call nth; do
			fresh "$tpl"
			# shellcheck disable=SC2046
			{ ASAN_OPTIONS=$TRACED_ASAN timeout 120 strace -f -qq -o /dev/null -e trace="$call" \
			    -e inject="$call:signal=KILL:when=$nth" \
			    "$RSKEYMGMT" -c "$conf" $(op_args "$rest") --yes </dev/null >/dev/null; } 2>/dev/null
			rc=$?
			after_kill "$name" syscall "$call#$nth" "$values" "$rc"
		done <"$T_TMP/points"
	fi
	n=$((POINTS - before))
	if [ "$OP_BAD" -eq 0 ]; then
		t_ok "crash_${name}_consistent ($n kill points: $n_random random over ${dur} ms, $((n - n_random)) at syscalls)"
	else
		t_fail "crash_${name}_consistent" "$OP_BAD of $n kill points left an inconsistent state"
	fi
done <"$T_TMP/ops"

echo "# crash: kill points $POINTS ($KILLED killed mid-operation, $((POINTS - KILLED)) had finished), inconsistent states $BAD, harmless temp files left $STRAY"
if [ "$POINTS" -ge 100 ] || [ "$BUDGET" -lt 100 ] || [ -n "${RS_CRASH_OPS:-}" ]; then
	t_ok "crash_kill_points_run ($POINTS)"
else
	t_fail crash_kill_points_run "only $POINTS kill points, expected at least 100"
fi
t_equal crash_inconsistent_states "$BAD" 0
t_done
