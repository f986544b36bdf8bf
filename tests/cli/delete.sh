#!/bin/sh
# SPDX-License-Identifier: ISC
# delete.sh: delete the key: typed confirmation or --yes, the list of what
# to re-enter, no value left, a fresh key in place.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

t_demo "$T_TMP/demo" 200
C=$DEMO_CONF
KCV=$(kcv "$C")

t_expect_exit "$EX_USAGE" delete_needs_yes "$RSKEYMGMT" -c "$C" --delete
t_grep delete_needs_yes_says "$T_ERR" '--yes'
t_expect_exit 0 unconfirmed_delete_keeps_values "$RSKEYMGMT" -c "$C" --verify
t_grep unconfirmed_all_values "$T_OUT" 'Checked 200 values: 200 readable'

t_expect_exit 0 delete "$RSKEYMGMT" -c "$C" -d --yes
t_grep delete_counts_values "$T_OUT" 'Deleted the key and 200 encrypted values'
t_grep delete_lists_reentry "$T_OUT" '^Re-enter these items:$'
t_grep delete_lists_datasource "$T_OUT" '^  data sources #[0-9]+ .+: connection string'
t_grep delete_lists_credentials "$T_OUT" 'stored credentials'
t_grep delete_lists_subscription "$T_OUT" '^  subscriptions #[0-9]+ .+: .*delivery settings'
ITEMS=$(grep -c '^  \(data sources\|subscriptions\) #' "$T_OUT")
NEW=$(kcv "$C")
t_differ delete_makes_new_key "$NEW" "$KCV"
t_grep delete_names_new_key "$T_OUT" "check value $NEW"

t_expect_exit 0 verify_after_delete "$RSKEYMGMT" -c "$C" --verify
t_grep verify_reports_no_values "$T_OUT" 'Checked 0 values: 0 readable, 0 unreadable'
t_grep verify_reports_new_key "$T_OUT" "check value $NEW"
t_expect_exit 0 status_after_delete "$RSKEYMGMT" -c "$C" --status
t_grep status_no_values "$T_OUT" '^Encrypted values: +0$'

# --json: the same list as an array; a second delete has nothing to list.
t_demo "$T_TMP/demo2" 200
t_expect_exit 0 delete_json "$RSKEYMGMT" -c "$DEMO_CONF" --delete --yes --json
t_json delete_json_is_one_object "$T_OUT"
t_grep delete_json_fields "$T_OUT" '^\{"command":"delete","ok":true,"values":200,.*"reenter":\[\{"table":"datasources","id":[0-9]+,"name":"[^"]+","what":"[^"]+"\}'
t_equal delete_json_items_match_text "$(grep -o '"table":' "$T_OUT" | wc -l | tr -d ' ')" "$ITEMS"
t_expect_exit 0 delete_again_json "$RSKEYMGMT" -c "$DEMO_CONF" --delete --yes --json
t_grep delete_again_nothing "$T_OUT" '"values":0,.*"reenter":\[\]'

t_done
