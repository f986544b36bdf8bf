#!/bin/sh
# SPDX-License-Identifier: ISC
# importleaks.sh: the values of an --import and of --set-value are found in
# clear nowhere but in the import file itself: not in the database, its WAL,
# the audit log, the list Delete writes, the programs' output, files written
# under /tmp meanwhile, or a running rskeymgmt's argv and environment; and
# that process cannot dump core.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	t_skip importleaks "python3 is needed for the binary-safe search"
	t_done
fi
touch "$T_TMP/start"
sleep 1   # so that -newer sees every file written from now on
R=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
t_demo "$T_TMP/demo" 1000
C=$DEMO_CONF
LOG=$T_TMP/ops.log
"$RSKEYMGMT" -c "$C" -d --yes </dev/null >>"$LOG" 2>&1
"$RSKEYMGMT" -c "$C" --missing </dev/null >"$T_TMP/missing.txt" 2>>"$LOG"

# One value typed into a descriptor, while the process is watched.
ITEM=$(sed -n 's|^\(subscriptions/[0-9]*/settings\) .*|\1|p' "$T_TMP/missing.txt" | head -n 1)
mkfifo "$T_TMP/valuepipe"
"$RSKEYMGMT" -c "$C" --set-value "$ITEM" --value-fd 3 3<"$T_TMP/valuepipe" \
    </dev/null >>"$LOG" 2>&1 &
pid=$!
exec 4>"$T_TMP/valuepipe"
sleep 0.3
cat "/proc/$pid/cmdline" "/proc/$pid/environ" >"$T_TMP/proc.setvalue" 2>/dev/null
if grep -Eq '^Max core file size +0 +0 ' "/proc/$pid/limits" 2>/dev/null; then
	t_ok set_value_core_size_0
else
	t_fail set_value_core_size_0 "$(grep 'core file' "/proc/$pid/limits" 2>&1)"
fi
printf 'path=\\\\fs\\imp-%s-typed\n' "$R" >&4
exec 4>&-
wait "$pid"
t_equal set_value_ok "$?" 0

# The other 999 from a file.
grep -E '^(datasources|subscriptions)/' "$T_TMP/missing.txt" | cut -d' ' -f1 |
    awk -v r="$R" '{ printf "{\"item\":\"%s\",\"value\":\"imp-%s-%d\"}\n", $1, r, NR }' \
    >"$T_TMP/import.jsonl"
chmod 600 "$T_TMP/import.jsonl"
"$RSKEYMGMT" -c "$C" --import "$T_TMP/import.jsonl" --json </dev/null >"$T_TMP/import.out" 2>&1
t_grep import_ok "$T_TMP/import.out" '"set":999,"skipped":1'
"$RSKEYMGMT" -c "$C" --verify </dev/null >>"$LOG" 2>&1
t_grep all_readable "$LOG" 'Checked 1000 values: 1000 readable'

{
	find "$T_TMP" -type f ! -path "$T_TMP/import.jsonl"
	find /tmp "${TMPDIR:-/tmp}" -xdev -type f -newer "$T_TMP/start" -size -20M \
	    ! -path "$T_TMP/*" 2>/dev/null
} | sort -u >"$T_TMP/search.list"
for want in reportserver.db reportserver.db-audit.log import.out proc.setvalue; do
	if grep -q "/$want\$" "$T_TMP/search.list"; then t_ok "searched_$want"
	else t_fail "searched_$want" "not in the search list"; fi
done
ls "$T_TMP"/demo/*-missing-*.tsv >/dev/null 2>&1 && t_ok searched_missing_list

python3 - "$T_TMP/search.list" "imp-$R-" >"$T_TMP/hits" <<'PY'
import sys
needle = sys.argv[2].encode()
for p in [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]:
    try:
        data = open(p, "rb").read()
    except OSError:
        continue
    if needle in data:
        print("value in %s" % p)
PY
hits=$(wc -l <"$T_TMP/hits")
echo "# importleaks: searched $(wc -l <"$T_TMP/search.list") files: $hits hits"
if [ "$hits" -eq 0 ]; then t_ok no_value_found
else t_fail no_value_found "$(head -n 5 "$T_TMP/hits" | tr '\n' ';')"; fi
# The search finds what it looks for (a control): the import file itself.
echo "$T_TMP/import.jsonl" >"$T_TMP/control.list"
python3 - "$T_TMP/control.list" "imp-$R-" <<'PY' >"$T_TMP/control.hits"
import sys
print(sys.argv[2].encode() in open(open(sys.argv[1]).read().strip(), "rb").read())
PY
t_grep search_control_finds_value "$T_TMP/control.hits" '^True$'

t_done
