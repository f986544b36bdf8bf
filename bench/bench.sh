#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench.sh BUILD_DIR: measures rsconfig against a baseline run on the same
# machine in the same run, and prints the ratio, so that noise cancels out.
# Each pair is run BENCH_REPEAT times, alternating, and the fastest of each
# kept.  Sizes: BENCH_SIZES (default "10000 100000 1000000"); on PostgreSQL
# BENCH_PG_SIZES (bench_pg.sh).  BENCH_PARTS picks what runs (default: all
# of "change import startup members backup demo pg").  The change at ten
# million values (part change) takes several minutes and about 6 GB of
# disk: BENCH_10M=0 skips it, BENCH_10M_REPEAT (default 2) sets its runs.
set -euo pipefail
build=$(cd "${1:-.}" && pwd)
sizes=${BENCH_SIZES:-"10000 100000 1000000"}
repeat=${BENCH_REPEAT:-3}
rsdemo=$build/src/rsdemo
rskeymgmt=$build/src/rskeymgmt
work=$(mktemp -d "${TMPDIR:-/tmp}/rsbench.XXXXXX")
trap 'pg_bench_stop; rm -rf "$work"' EXIT
# shellcheck source-path=SCRIPTDIR source=bench_pg.sh
. "$(dirname "$0")/bench_pg.sh"
# shellcheck source-path=SCRIPTDIR source=bench_startup.sh
. "$(dirname "$0")/bench_startup.sh"
for tool in sqlite3 openssl /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install sqlite3 openssl time)" >&2; exit 2; }
done

# measure OUT CMD...: appends "seconds maxrss_kib" of one run to OUT.
measure() {
	local out=$1; shift
	/usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" \
		|| { cat "$work/stderr" >&2; return 1; }
	cat "$work/time" >> "$out"
}

# best FILE: the fastest run's "seconds kib".
best() { sort -n "$1" | head -n1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# The baseline rewrites the same rows with blobs of the same size in one
# transaction, with the same pragmas the store uses.
baseline_sql="PRAGMA synchronous=FULL; PRAGMA cache_size=-8192; BEGIN;
UPDATE datasources SET connection_string = randomblob(length(connection_string)),
  credentials = randomblob(length(credentials));
UPDATE subscriptions SET settings = randomblob(length(settings)); COMMIT;"

# fresh_copy FROM TO: the copy on disk before the run: otherwise the run's
# own fsync of the database also writes the copy's pages back (0.5 s of
# 1.9 s at 1M, in some runs and not others).
fresh_copy() {
	cp "$1" "$2"
	sync "$2"
}

# Peak RSS of the change per size, to say whether it stays flat.
declare -A change_rss=()

# bench_change N [REPEAT]: our Change against the plain rewrite at N values;
# also the time of the demo's creation and of --verify on it.
bench_change() {
	local n=$1 runs=${2:-$repeat} demo=$work/demo-$1 i cfg
	cfg=$demo/member1/rsreportserver.conf
	: > "$work/create"
	measure "$work/create" "$rsdemo" create "$demo" --values "$n" --members 2
	cp "$demo/reportserver.db" "$work/pristine.db"
	: > "$work/tool" ; : > "$work/base"
	for ((i = 0; i < runs; i++)); do
		fresh_copy "$work/pristine.db" "$demo/reportserver.db"
		measure "$work/tool" "$rskeymgmt" -c "$cfg" --reencrypt --yes
		fresh_copy "$work/pristine.db" "$demo/reportserver.db"
		measure "$work/base" sqlite3 "$demo/reportserver.db" "$baseline_sql"
	done
	# The last run was the baseline's: change once more, then check.
	cp "$work/pristine.db" "$demo/reportserver.db"
	rm -f "$work/pristine.db"
	"$rskeymgmt" -c "$cfg" --reencrypt --yes >/dev/null
	: > "$work/verify"
	measure "$work/verify" "$rskeymgmt" -c "$cfg" --verify \
		|| { echo "bench: values unreadable after the change" >&2; exit 1; }
	read -r ts tk <<<"$(best "$work/tool")"
	read -r bs bk <<<"$(best "$work/base")"
	read -r cs ck <<<"$(best "$work/create")"
	read -r vs vk <<<"$(best "$work/verify")"
	change_rss[$n]=$tk
	printf 'change   %8d values: %6.2f s vs SQLite rewrite %6.2f s  ratio %sx  peak RSS %s MiB (baseline %s MiB)\n' \
		"$n" "$ts" "$bs" "$(ratio "$ts" "$bs")" "$(mib "$tk")" "$(mib "$bk")"
	printf '         %8d values: rsdemo create %.2f s (peak RSS %s MiB), --verify %.2f s (peak RSS %s MiB)\n' \
		"$n" "$cs" "$(mib "$ck")" "$vs" "$(mib "$vk")"
	rm -rf "$demo"
}

# Ten million values: the demo (1.5 GB), its pristine copy and the
# changes' write-ahead logs need about 600 bytes a value on the disk of
# $work; without them the step is skipped, saying so.
bench_change_10m() {
	local n=10000000 need have
	if [[ " $sizes " == *" $n "* ]]; then
		return  # BENCH_SIZES has it already
	fi
	if [[ ${BENCH_10M:-1} == 0 ]]; then
		echo "change   $n values: skipped (BENCH_10M=0)"
		return
	fi
	need=$((n * 600 / 1024))
	have=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
	if ((have < need)); then
		printf 'change   %d values: skipped: needs %s GiB free in %s, has %s GiB (BENCH_10M=0 skips it)\n' \
			"$n" "$(awk -v k="$need" 'BEGIN { printf "%.1f", k / 1048576 }')" \
			"$(dirname "$work")" "$(awk -v k="$have" 'BEGIN { printf "%.1f", k / 1048576 }')"
		return
	fi
	echo "change   $n values: several minutes (BENCH_10M=0 skips it)"
	bench_change "$n" "${BENCH_10M_REPEAT:-2}"
	if [[ -n ${change_rss[1000000]:-} ]]; then
		printf 'change peak RSS 1M -> 10M values: %s -> %s MiB (target <= 32 MiB and flat)\n' \
			"$(mib "${change_rss[1000000]}")" "$(mib "${change_rss[$n]}")"
	fi
}

# Start-up: many runs of each, timed as a whole.
loop_seconds() {
	local count=$1; shift
	local start end i
	start=$(date +%s%N)
	for ((i = 0; i < count; i++)); do "$@" >/dev/null; done
	end=$(date +%s%N)
	awk -v ns=$((end - start)) -v c="$count" 'BEGIN { printf "%.4f", ns / 1e9 / c }'
}

# 10,000 members: copies of a real member row under new installation IDs.
bench_members() {
	local demo=$work/demo-members cfg t b
	"$rsdemo" create "$demo" --values 100 --members 2 >/dev/null
	cfg=$demo/member1/rsreportserver.conf
	sqlite3 "$demo/reportserver.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL
	  SELECT i + 1 FROM n WHERE i < 9998)
	  INSERT INTO members SELECT printf('%08x-0000-4000-8000-%012x', i, i),
	    'node' || (i % 97), 'RS' || i, service_account, public_key,
	    CASE WHEN i % 3 THEN wrapped_key END, key_generation, created, joined
	  FROM members, n WHERE rowid = (SELECT min(rowid) FROM members)"
	count=$("$rskeymgmt" -c "$cfg" --list --json | grep -o '"installation_id"' | wc -l)
	b=$(loop_seconds 10 sqlite3 "$demo/reportserver.db" 'select * from members')
	for form in --json ""; do
		# shellcheck disable=SC2086 # "" is the text form: no argument
		t=$(loop_seconds 10 "$rskeymgmt" -c "$cfg" --list $form)
		printf 'list %-6s %6d members: %6.1f ms vs sqlite3 select * %6.1f ms  ratio %sx  (target < 100 ms)\n' \
			"${form:-text}" "$count" "$(awk -v s="$t" 'BEGIN{print s*1000}')" \
			"$(awk -v s="$b" 'BEGIN{print s*1000}')" "$(ratio "$t" "$b")"
	done
	t=$(loop_seconds 10 "$rskeymgmt" -c "$cfg" --status)
	printf 'status     %6d members: %6.1f ms\n' "$count" "$(awk -v s="$t" 'BEGIN{print s*1000}')"
	rm -rf "$demo"
}

# Backup and restore: what is spent outside the PBKDF2 cost (600,000
# iterations of HMAC-SHA256; a backup derives twice: write and read-back).
bench_backup() {
	local demo=$work/demo-backup cfg kdf=9e9 tb=9e9 tr=9e9 tc i
	"$rsdemo" create "$demo" --values 100 --members 2 >/dev/null
	cfg=$demo/member1/rsreportserver.conf
	(umask 077 && printf 'Bench!Passw0rd\n' > "$work/pw")
	# The baseline: one PBKDF2-HMAC-SHA256 of 600,000 iterations in a
	# process of its own with the same libcrypto (the openssl kdf command
	# spends a good part of its time loading its configuration).
	cc -O2 -x c -o "$work/pbkdf2" - -lcrypto <<'EOF'
#include <openssl/evp.h>
int main(void)
{
	unsigned char k[32];
	return PKCS5_PBKDF2_HMAC("Bench!Passw0rd", 14,
	    (const unsigned char *)"saltsaltsaltsalt", 16, 600000,
	    EVP_sha256(), 32, k) != 1;
}
EOF
	# Interleaved, fastest of each: the derivation's time varies with the
	# machine's load as much as ours does.
	for ((i = 0; i < repeat; i++)); do
		kdf=$(min_of "$kdf" "$(loop_seconds 1 "$work/pbkdf2")")
		rm -f "$work/b.rskey"
		tb=$(min_of "$tb" "$(loop_seconds 1 "$rskeymgmt" -c "$cfg" -e -f "$work/b.rskey" --password-file "$work/pw")")
		tr=$(min_of "$tr" "$(loop_seconds 1 "$rskeymgmt" -c "$cfg" -a -f "$work/b.rskey" --password-file "$work/pw" --yes)")
	done
	printf 'backup : %6.3f s = 2 x PBKDF2 %6.3f s + %6.3f s outside it\n' "$tb" "$kdf" \
		"$(awk -v t="$tb" -v k="$kdf" 'BEGIN{printf "%.3f", t - 2*k}')"
	printf 'restore: %6.3f s = 1 x PBKDF2 %6.3f s + %6.3f s outside it\n' "$tr" "$kdf" \
		"$(awk -v t="$tr" -v k="$kdf" 'BEGIN{printf "%.3f", t - k}')"
	# The backup derives twice (write, read back), the restore once: the
	# ratio to PBKDF2-HMAC-SHA256 alone at the same 600,000 iterations.
	printf 'backup / PBKDF2: %s (2 derivations), restore / PBKDF2: %s (1)\n' \
		"$(ratio "$tb" "$kdf")" "$(ratio "$tr" "$kdf")"
	# To certificates only (-e --recipient): no derivation at all.
	openssl req -x509 -newkey rsa:3072 -nodes -subj /CN=bench -days 1 \
		-keyout "$work/a.key" -out "$work/a.crt" 2>/dev/null
	tc=9e9
	for ((i = 0; i < repeat; i++)); do
		rm -f "$work/c.rskey"
		tc=$(min_of "$tc" "$(loop_seconds 1 "$rskeymgmt" -c "$cfg" -e -f "$work/c.rskey" --recipient "$work/a.crt")")
	done
	printf 'backup to a certificate: %6.3f s (%s x PBKDF2)\n' "$tc" "$(ratio "$tc" "$kdf")"
	rm -rf "$demo"
}

min_of() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 < b + 0 ? a : b) }'; }

bench_demo() {
	local n=${sizes##* }
	measure "$work/demo" "$rsdemo" create "$work/demo-create" --values "$n" --members 2
	read -r ds dk <<<"$(best "$work/demo")"
	printf 'rsdemo create --values %d: %.2f s, peak RSS %s MiB\n' "$n" "$ds" "$(mib "$dk")"
	rm -rf "$work/demo-create"
}

# --import of N values after a delete (issue 17) against a plain SQLite
# insert of the same rows (item, value) in one transaction.
bench_import() {
	local n=$1 demo=$work/demo-import i conf
	conf=$demo/member1/rsreportserver.conf
	"$rsdemo" create "$demo" --values "$n" --members 1 >/dev/null
	"$rskeymgmt" -c "$conf" --delete --yes >/dev/null
	cp "$demo/reportserver.db" "$work/pristine.db"
	"$rskeymgmt" -c "$conf" --missing | awk '/^(datasources|subscriptions)\// { print $1 }' >"$work/items"
	awk '{ printf "{\"item\":\"%s\",\"value\":\"Data Source=sql%02d.contoso.local;Initial Catalog=Sales;Encrypt=True;Application Name=Reporting;id=%d\"}\n", $1, NR % 17, NR }' \
		"$work/items" >"$work/import.jsonl"
	chmod 600 "$work/import.jsonl"
	{
		echo "PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS plain(item TEXT, value BLOB); BEGIN;"
		awk '{ printf "INSERT INTO plain VALUES(\x27%s\x27, \x27Data Source=sql%02d.contoso.local;Initial Catalog=Sales;Encrypt=True;Application Name=Reporting;id=%d\x27);\n", $1, NR % 17, NR }' "$work/items"
		echo "COMMIT;"
	} >"$work/plain.sql"
	: > "$work/tool" ; : > "$work/base"
	for ((i = 0; i < repeat; i++)); do
		fresh_copy "$work/pristine.db" "$demo/reportserver.db"
		measure "$work/tool" "$rskeymgmt" -c "$conf" --import "$work/import.jsonl"
		rm -f "$work/plain.db"
		measure "$work/base" sqlite3 -init "$work/plain.sql" "$work/plain.db" .quit
	done
	"$rskeymgmt" -c "$conf" --verify >"$work/verify" \
		|| { echo "bench: values unreadable after the import" >&2; exit 1; }
	read -r ts tk <<<"$(best "$work/tool")"
	read -r bs bk <<<"$(best "$work/base")"
	printf 'import   %8d values: %6.2f s vs SQLite insert %6.2f s  ratio %sx  peak RSS %s MiB (baseline %s MiB)\n' \
		"$(wc -l <"$work/items")" "$ts" "$bs" "$(ratio "$ts" "$bs")" "$(mib "$tk")" "$(mib "$bk")"
	rm -rf "$demo" "$work/pristine.db" "$work/plain.db" "$work/import.jsonl" "$work/plain.sql"
}

parts=${BENCH_PARTS:-"change import startup members backup demo pg"}
part() { [[ " $parts " == *" $1 "* ]]; }

echo "rsconfig benchmarks ($(nproc) cores, best of $repeat)"
if part change; then
	for n in $sizes; do bench_change "$n"; done
	bench_change_10m
fi
if part import; then bench_import "${BENCH_IMPORT:-100000}"; fi
if part startup; then bench_startup; fi
if part members; then bench_members; fi
if part backup; then bench_backup; fi
if part demo; then bench_demo; fi
if part pg; then bench_pg; fi
