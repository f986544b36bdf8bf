#!/bin/sh
# SPDX-License-Identifier: ISC
# members.sh: status, the scale-out list, join and remove on a demo with
# two joined members and one waiting to join.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

t_demo "$T_TMP/demo" 200 3
C=$DEMO_CONF
WID=$(sed -n 's/^installation_id *= *//p' "$DEMO_WAIT")
MYID=$(sed -n 's/^installation_id *= *//p' "$C")

t_expect_exit 0 status_activated "$RSKEYMGMT" -c "$C" --status
t_grep status_says_activated "$T_OUT" '^Status: +activated'
t_grep status_counts_values "$T_OUT" '^Encrypted values: +200$'
t_grep status_counts_members "$T_OUT" '2 joined, 1 waiting to join'
t_expect_exit 0 status_from_rsconfig_env env RSCONFIG="$C" "$RSKEYMGMT" --status
t_grep status_env_uses_config "$T_OUT" "$MYID"

t_expect_exit 0 status_json "$RSKEYMGMT" -c "$C" --status --json
t_json status_json_is_one_object "$T_OUT"
t_equal status_json_one_line "$(wc -l <"$T_OUT" | tr -d ' ')" 1
t_grep status_json_activated "$T_OUT" '^\{"command":"status","ok":true,"activated":true'
t_grep status_json_values "$T_OUT" '"values_total":200'
t_grep status_json_kcv "$T_OUT" '"kcv":"[0-9a-f]{16}"'

# The waiting member is not activated, says why, and exits 7.
t_expect_exit "$EX_NOT_ACTIVATED" waiting_member_not_activated "$RSKEYMGMT" -c "$DEMO_WAIT" --status
t_grep waiting_member_says_why "$T_OUT" 'not activated: .*join'
t_expect_exit "$EX_NOT_ACTIVATED" waiting_member_json "$RSKEYMGMT" -c "$DEMO_WAIT" --status --json
t_grep waiting_member_json_error "$T_OUT" '"ok":false,"error":"not-activated".*"activated":false'
printf '%s\n' 'Bkp 2026!Strong-xY' >"$T_TMP/pw"
t_expect_exit "$EX_NOT_ACTIVATED" waiting_member_cannot_backup "$RSKEYMGMT" -c "$DEMO_WAIT" \
    --extract -f "$T_TMP/w.pem" --password-file "$T_TMP/pw"
t_absent waiting_member_no_backup_file "$T_TMP/w.pem"

t_expect_exit 0 list "$RSKEYMGMT" -c "$C" --list
t_grep list_header "$T_OUT" '^ +Server +Instance +Status +Installation ID +Service +Last seen +Service key$'
t_grep list_marks_local "$T_OUT" "^\\* .*RSDEMO1 +Joined +$MYID +Never started +- +-\$"
t_grep list_shows_waiting "$T_OUT" "RSDEMO3 +Waiting to join +$WID "
t_expect_exit 0 list_json "$RSKEYMGMT" -c "$C" --list --json
t_json list_json_is_one_object "$T_OUT"
t_grep list_json_waiting "$T_OUT" "\"installation_id\":\"$WID\"[^}]*\"status\":\"waiting-to-join\""

t_expect_exit 0 join_waiting "$RSKEYMGMT" -c "$C" --join "$WID"
t_expect_exit 0 list_after_join "$RSKEYMGMT" -c "$C" --list
t_grep list_shows_joined "$T_OUT" "RSDEMO3 +Joined +$WID "
t_expect_exit 0 joined_member_activated "$RSKEYMGMT" -c "$DEMO_WAIT" --status
t_expect_exit 0 joined_member_reads_every_value "$RSKEYMGMT" -c "$DEMO_WAIT" --verify
t_grep joined_member_verify_counts "$T_OUT" 'Checked 200 values: 200 readable, 0 unreadable'
t_expect_exit "$EX_STATE" join_twice_refused "$RSKEYMGMT" -c "$C" -j "$WID"
t_grep join_twice_says_joined "$T_ERR" 'already joined'
t_expect_exit "$EX_NOT_FOUND" join_unknown "$RSKEYMGMT" -c "$C" --join 00000000-0000-4000-8000-000000000000

# Remove is destructive: typed confirmation, or --yes without a terminal.
t_expect_exit "$EX_USAGE" remove_needs_yes "$RSKEYMGMT" -c "$C" --remove "$WID"
t_grep remove_needs_yes_says "$T_ERR" '--yes'
t_expect_exit 0 remove_member "$RSKEYMGMT" -c "$C" --remove "$WID" --yes
t_expect_exit 0 list_after_remove "$RSKEYMGMT" -c "$C" --list
t_no_grep list_no_removed_member "$T_OUT" "$WID"
t_expect_exit "$EX_NOT_ACTIVATED" removed_member_not_activated "$RSKEYMGMT" -c "$DEMO_WAIT" --status

# --init: idempotent on an initialized member; a new instance that finds
# the key already there waits to join.
t_expect_exit 0 init_idempotent "$RSKEYMGMT" -c "$C" --init
t_grep init_idempotent_says_holds_key "$T_OUT" 'initialized and holds the key'
NID=$(cat /proc/sys/kernel/random/uuid)
mkdir "$T_TMP/new"
cat >"$T_TMP/new/rsreportserver.conf" <<CONF
installation_id = $NID
machine = newhost
instance = RSNEW
database = $T_TMP/demo/reportserver.db
service_account = $(id -un)
keystore = keys
runtime = keys.run
audit_log = audit.log
CONF
# The same database as the demo's, on whatever backend it uses.
grep -E '^(backend|connection) ' "$C" >>"$T_TMP/new/rsreportserver.conf"
NEWC=$T_TMP/new/rsreportserver.conf
t_expect_exit "$EX_NOT_ACTIVATED" new_instance_before_init "$RSKEYMGMT" -c "$NEWC" --status
t_expect_exit 0 init_new_instance "$RSKEYMGMT" -c "$NEWC" --init --json
t_json init_json_is_one_object "$T_OUT"
t_grep init_new_waits "$T_OUT" '"created_keypair":true,"created_member":true,"created_key":false,"state":"waiting-to-join"'
t_equal init_keystore_mode "$(file_mode "$T_TMP/new/keys")" 700
t_expect_exit 0 list_shows_new_instance "$RSKEYMGMT" -c "$C" --list
t_grep list_new_instance_waiting "$T_OUT" "newhost +RSNEW +Waiting to join +$NID "
t_expect_exit 0 join_new_instance "$RSKEYMGMT" -c "$C" --join "$NID"
t_expect_exit 0 new_instance_reads_every_value "$RSKEYMGMT" -c "$NEWC" --verify
t_grep new_instance_verify_counts "$T_OUT" '200 readable, 0 unreadable'

# The example config's placeholder ID is refused, with the fix; a config
# without machine takes the host name (its first label).
mkdir "$T_TMP/ex"
sed -e 's/^installation_id .*/installation_id = 00000000-0000-4000-8000-000000000000/' \
    -e '/^machine /d' -e 's/^instance .*/instance = RSEX/' \
    -e "s|^keystore .*|keystore = $T_TMP/ex/keys|" "$NEWC" >"$T_TMP/ex/rsreportserver.conf"
EXC=$T_TMP/ex/rsreportserver.conf
t_expect_exit "$EX_CONFIG" init_refuses_placeholder_id "$RSKEYMGMT" -c "$EXC" --init
t_grep placeholder_id_says_fix "$T_ERR" "placeholder.*cat /proc/sys/kernel/random/uuid.*$EXC"
t_absent placeholder_id_no_keystore "$T_TMP/ex/keys"
XID=$(cat /proc/sys/kernel/random/uuid)
sed -i "s/^installation_id .*/installation_id = $XID/" "$EXC"
t_expect_exit 0 init_without_machine "$RSKEYMGMT" -c "$EXC" --init
HOST=$(uname -n | cut -d. -f1)
t_expect_exit 0 list_shows_host_name "$RSKEYMGMT" -c "$C" --list
t_grep machine_defaults_to_host_name "$T_OUT" "^ *$HOST +RSEX +Waiting to join +$XID "
t_expect_exit 0 remove_example_instance "$RSKEYMGMT" -c "$C" --remove "$XID" --yes

# A key store open to others: not activated, and the fix is named.
chmod 0755 "$T_TMP/new/keys"
t_expect_exit "$EX_NOT_ACTIVATED" unsafe_keystore_not_activated "$RSKEYMGMT" -c "$NEWC" --status
t_grep unsafe_keystore_says_fix "$T_ERR" "chmod 700 $T_TMP/new/keys"
chmod 0700 "$T_TMP/new/keys"

# The last member holding the key is kept unless --allow-last.
t_demo "$T_TMP/single" 10 1
ONE=$(sed -n 's/^installation_id *= *//p' "$DEMO_CONF")
t_expect_exit "$EX_STATE" remove_last_refused "$RSKEYMGMT" -c "$DEMO_CONF" -r "$ONE" --yes
t_grep remove_last_says_allow_last "$T_ERR" '--allow-last'
t_expect_exit 0 remove_last_allowed "$RSKEYMGMT" -c "$DEMO_CONF" -r "$ONE" --yes --allow-last

t_done
