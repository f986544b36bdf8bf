#!/bin/sh
# SPDX-License-Identifier: ISC
# json_schema.sh: every --json object of rskeymgmt and rsdemo matches
# doc/json.md: each field printed is documented with its type, each field
# documented is printed, nested objects and arrays too; every command of
# rskeymgmt --help has a section there.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

if ! command -v jq >/dev/null 2>&1; then
	echo "SKIP: $T_NAME - jq is not installed"
	exit 77
fi
DOC=$RS_SRCDIR/doc/json.md

# The tables of doc/json.md as {"SECTION": {"field": "type"}}: a "### name"
# heading opens a section, each "| `field` | type | meaning |" row is a field.
awk '
/^### / { sec = $2; next }
/^## / { sec = ""; next }
sec != "" && /^\| `[a-z_]+` \|/ {
	n = split($0, c, "|")
	f = c[2]; t = c[3]
	gsub(/[ `]/, "", f); gsub(/^ +| +$/, "", t)
	print sec "\t" f "\t" t
}' "$DOC" >"$T_TMP/doc.tsv"
jq -Rn '[inputs | split("\t")] | reduce .[] as $r ({}; .[$r[0]][$r[1]] = $r[2])' \
    <"$T_TMP/doc.tsv" >"$T_TMP/schema.json" || {
	echo "Bail out! cannot read the tables of doc/json.md"
	exit 99
}
t_grep doc_has_sections "$T_TMP/doc.tsv" '^status	activated	boolean$'

# The checker: prints one line per difference between an object and the
# sections that describe it.
cat >"$T_TMP/check.jq" <<'JQ'
def check($schema; $doc; $path):
  . as $o
  | ([$o | keys_unsorted[] | select($doc[.] == null)
      | "\($path).\(.) is printed but not documented"]
   + [$doc | keys_unsorted[] | . as $k | select(($o | has($k)) | not)
      | "\($path).\(.) is documented but not printed"]
   + [$o | to_entries[] | select($doc[.key] != null)
      | .key as $k | .value as $v | $doc[$k] as $t | ($v | type) as $a
      | if ($t | split(" ")[0]) == $a or ($a == "null" and ($t | test("or null$")))
        then
          if $a == "object" and ($t | test("^object \\(")) then
            ($v | check($schema; $schema[$t | capture("\\((?<n>[^)]*)\\)").n] // {};
                "\($path).\($k)"))[]
          elif $a == "array" and ($t | test("^array of ")) then
            ($v | to_entries[] | .key as $i | .value
             | check($schema; $schema[$t | sub("^array of "; "")] // {};
                 "\($path).\($k)[\($i)]"))[]
          else empty end
        else "\($path).\($k) is \($a), documented as \($t)" end]);
. as $o
| if has("event") then check($schema; $schema.progress; "")
  else check($schema; $schema.common + (if .ok then {} else $schema.error end)
      + ($schema[$sec] // {}); "")
  end
| .[]
JQ

CHECKED=
# t_schema NAME SECTION: every line of $T_OUT (progress events, then the
# result) matches doc/json.md, the result with section SECTION.
t_schema() {
	if [ ! -s "$T_OUT" ]; then
		t_fail "$1" "no output: $(head -c 200 "$T_ERR")"
		return
	fi
	if ! jq -e --arg sec "$2" 'has($sec)' "$T_TMP/schema.json" >/dev/null; then
		t_fail "$1" "doc/json.md has no section $2"
		return
	fi
	if jq -r --slurpfile s "$T_TMP/schema.json" --arg sec "$2" \
	    '$s[0] as $schema | '"$(cat "$T_TMP/check.jq")" "$T_OUT" \
	    >"$T_TMP/diff" 2>&1 && [ ! -s "$T_TMP/diff" ]; then
		t_ok "$1"
	else
		t_fail "$1" "$(head -n 5 "$T_TMP/diff" | tr '\n' ';')"
	fi
	CHECKED="$CHECKED $2 "
}

# r NAME SECTION STATUS ARGS...: rskeymgmt ARGS --json on the demo.
r() {
	_n=$1 _s=$2 _st=$3
	shift 3
	t_expect_exit "$_st" "${_n}_exit" "$RSKEYMGMT" -c "$DEMO_CONF" "$@" --json
	t_schema "${_n}_matches_doc" "$_s"
}

has_option() {
	"$RSKEYMGMT" --help | grep -Eq -- "^ +(-[a-zA-Z], )?--$1( |\$)"
}

t_expect_exit 0 rsdemo_json "$RSDEMO" create "$T_TMP/demo" --values 12 \
    --members 3 --json
t_schema rsdemo_create_matches_doc create
t_expect_exit 0 rsdemo_json_one_member "$RSDEMO" create "$T_TMP/one" \
    --values 2 --members 1 --json
t_schema rsdemo_create_null_waiting_matches_doc create
t_demo "$T_TMP/demo2" 12 3
printf 'Str0ng!Passw0rd\n' >"$T_TMP/pw"
waiting=$("$RSKEYMGMT" -c "$DEMO_WAIT" --status --json 2>/dev/null | jq -r .installation_id)

r status status 0 --status
r list list 0 --list
r verify verify 0 --verify
r extract extract 0 --extract -f "$T_TMP/b.rskey" --password-file "$T_TMP/pw"
r apply apply 0 --apply -f "$T_TMP/b.rskey" --password-file "$T_TMP/pw"
r join join 0 --join "$waiting"
r reencrypt reencrypt 0 --reencrypt --yes
r remove remove 0 --remove "$waiting" --yes
t_expect_exit 0 init_exit "$RSKEYMGMT" -c "$DEMO_WAIT" --init --json
t_schema init_matches_doc init
r error_usage error "$EX_USAGE" --status extra
r error_exists error "$EX_EXISTS" --extract -f "$T_TMP/b.rskey" --password-file "$T_TMP/pw"

if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	r service_account service-account 0 --service-account nobody \
	    --backup-exists --yes
	r service_account_back service-account 0 --service-account root \
	    --backup-exists --yes
else
	t_skip service_account_json "needs root and the user nobody"
	CHECKED="$CHECKED service-account "
fi

if has_option start; then
	r start service 0 --start
	r service_status service 0 --service-status
	if has_option test-datasource; then
		ds=$(sqlite3 "$T_TMP/demo2/reportserver.db" \
		    'select name from datasources limit 1' 2>/dev/null)
		if [ -n "$ds" ]; then
			r test_datasource test-datasource 0 --test-datasource "$ds"
		else
			t_skip test_datasource_json "no sqlite3 to find a data source"
			CHECKED="$CHECKED test-datasource "
		fi
	fi
	r stop stop 0 --stop
	r service_status_stopped service 0 --service-status
fi
r delete delete 0 --delete --yes
r missing missing 0 --missing
item=$(jq -r '.missing[0].item' "$T_OUT")
printf 'Data Source=sql01\n' >"$T_TMP/value"
chmod 600 "$T_TMP/value"
r set_value set-value 0 --set-value "$item" --value-file "$T_TMP/value"
item=$("$RSKEYMGMT" -c "$DEMO_CONF" --missing --json 2>/dev/null | jq -r '.missing[0].item')
printf '{"item":"%s","value":"v"}\n' "$item" >"$T_TMP/import.jsonl"
chmod 600 "$T_TMP/import.jsonl"
r import import 0 --import "$T_TMP/import.jsonl"
# migrate-to needs a PostgreSQL server: tests/pg covers the command.
CHECKED="$CHECKED migrate-to "

# Every command of --help (the options before "Options:") is documented
# and was checked here.
"$RSKEYMGMT" --help | sed '/^Options:/,$d' |
    sed -n 's/^ \{2,6\}\(-[A-Za-z], \)\{0,1\}--\([a-z][a-z-]*\).*/\2/p' |
    grep -vx -e force -e heartbeat >"$T_TMP/commands"
missing=
unchecked=
while read -r cmd; do
	jq -e --arg c "$cmd" 'has($c)' "$T_TMP/schema.json" >/dev/null ||
	    case $cmd in start|service-status) ;; *) missing="$missing $cmd" ;; esac
	case $CHECKED in *" $cmd "*|*" service "*) ;; *) unchecked="$unchecked $cmd" ;; esac
done <"$T_TMP/commands"
t_equal every_command_documented "$missing" ""
t_equal every_command_checked "$unchecked" ""

t_done
