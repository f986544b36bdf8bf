#!/bin/sh
# SPDX-License-Identifier: ISC
# fuzzregress.sh: every input that once crashed a fuzz target
# (tests/fuzz/regress/TARGET/) goes through the program that reads it and
# is refused cleanly:
#   backup/*   applied with the fuzz password: bad-backup-file, nothing changed
#   config/*   used as the config: a config error
#   request/* answer/*  (rsserverd's socket) replayed through their targets
# and, where clang and its libFuzzer runtime are installed, replayed through
# the fuzz target itself, built here with clang's sanitizers (which catch
# more than gcc's: the empty-payload bug was NULL + 0, invisible to gcc).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

REG=$RS_SRCDIR/tests/fuzz/regress
printf '%s\n' 'Fuzz-Backup 2026!' >"$T_TMP/pw"
t_demo "$T_TMP/demo" 20
KCV=$(kcv "$DEMO_CONF")

for f in "$REG"/backup/*; do
	[ -e "$f" ] || continue
	n=$(basename "$f")
	t_expect_exit "$EX_BAD_FILE" "fuzz_backup_${n}_refused" "$RSKEYMGMT" -c "$DEMO_CONF" \
	    -a -f "$f" --password-file "$T_TMP/pw" --yes
	t_grep "fuzz_backup_${n}_says_why" "$T_ERR" 'not a (valid|complete) key backup|damaged|altered|tampered with|not a key backup'
	t_equal "fuzz_backup_${n}_key_unchanged" "$(kcv "$DEMO_CONF")" "$KCV"
done
for f in "$REG"/config/*; do
	[ -e "$f" ] || continue
	n=$(basename "$f")
	cp "$f" "$T_TMP/demo/member1/fuzz.conf"
	chmod 0600 "$T_TMP/demo/member1/fuzz.conf"
	t_expect_exit 8 "fuzz_config_${n}_refused" "$RSKEYMGMT" \
	    -c "$T_TMP/demo/member1/fuzz.conf" --status
done
# replay TARGET SOURCES...: builds tests/fuzz/fuzz_TARGET.c with clang and
# runs it on every regression input of that target.
replay() {
	_t=$1
	shift
	set -- "$RS_SRCDIR/tests/fuzz/fuzz_$_t.c" "$@"
	if ! clang -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -DHAVE_CONFIG_H \
	    -DLOCALEDIR='"/nonexistent"' -DSYSCONFDIR='"/nonexistent"' \
	    -I"$RS_BUILDDIR" -I"$RS_SRCDIR/core" -o "$T_TMP/fuzz_$_t" "$@" \
	    -lcrypto >"$T_TMP/clang.err" 2>&1; then
		t_fail "fuzz_${_t}_builds" "$(head -c 300 "$T_TMP/clang.err")"
		return
	fi
	for _f in "$REG/$_t"/*; do
		[ -e "$_f" ] || continue
		if TMPDIR=$T_TMP "$T_TMP/fuzz_$_t" "$_f" >"$T_TMP/replay.out" 2>&1; then
			t_ok "fuzz_${_t}_replays_$(basename "$_f")"
		else
			t_fail "fuzz_${_t}_replays_$(basename "$_f")" "$(grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$T_TMP/replay.out")"
		fi
	done
}
S=$RS_SRCDIR/core
if command -v clang >/dev/null 2>&1 && echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
    clang -x c -fsanitize=fuzzer - -o "$T_TMP/probe" >/dev/null 2>&1; then
	replay backup "$S/backup.c" "$S/backup_seal.c" "$S/crypto.c" "$S/secret.c" "$S/err.c" \
	    "$S/atomic_write.c"
	[ -d "$REG/config" ] && replay config "$S/instance.c" "$S/users.c" "$S/err.c" \
	    "$S/atomic_write.c"
	# rsserverd's request reader and the core's reader of its answers
	for _t in request answer; do
		replay "$_t" "$S/service.c" "$S/systemctl.c" "$S/err.c"
	done
	replay audit "$S/audit.c" "$S/audit_who.c" "$S/users.c" "$S/grow.c" "$S/text.c" \
	    "$S/err.c"
	# a member row's public key and names; the seed corpus too: its keys
	# (RSA 2048, 3072, 4096, e = 3, EC) are accepted or refused as the
	# core must
	replay member "$S/crypto.c" "$S/secret.c" "$S/err.c" "$S/text.c"
	REG=$RS_SRCDIR/tests/fuzz/corpus replay member "$S/crypto.c" \
	    "$S/secret.c" "$S/err.c" "$S/text.c"
	# a heartbeat row (an INT64_MIN last_seen overflowed)
	replay heartbeat "$S/member_view.c" "$S/text.c"
else
	t_skip fuzz_replay "clang with libFuzzer (libclang-rt-N-dev for clang N) is not installed"
fi

t_expect_exit 0 fuzz_values_intact "$RSKEYMGMT" -c "$DEMO_CONF" --verify
t_done
