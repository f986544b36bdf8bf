#!/bin/sh
# fuzzregress.sh: every input that once crashed a fuzz target
# (tests/fuzz/regress/TARGET/) goes through the program that reads it and
# is refused cleanly; under the sanitizer build a relapse aborts the run.
#   backup/*   applied with the fuzz password: bad-backup-file, nothing changed
#   config/*   used as the config: a config error
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
	t_grep "fuzz_backup_${n}_says_why" "$T_ERR" 'not a (valid|complete) key backup|damaged|altered|not a key backup'
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
t_expect_exit 0 fuzz_values_intact "$RSKEYMGMT" -c "$DEMO_CONF" --verify
t_done
