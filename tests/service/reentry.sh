#!/bin/sh
# SPDX-License-Identifier: ISC
# reentry.sh: done means readable.  After a delete, a data source's two
# values are re-entered (one from a file, one from a descriptor); --verify
# counts them readable and the running rsserverd decrypts the data source.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=svclib.sh
. "$RS_SRCDIR/tests/service/svclib.sh"

t_demo "$T_TMP/demo" 30
C=$DEMO_CONF
DS=$(a_datasource "$T_TMP/demo/reportserver.db")
ID=$(sql "$T_TMP/demo/reportserver.db" "SELECT id FROM datasources WHERE name = '$DS'")

t_expect_exit 0 delete "$RSKEYMGMT" -c "$C" -d --yes
svc_start m1 "$C" || { t_fail service_starts "see the log"; t_done; }
t_expect_exit "$EX_FAILED" service_cannot_decrypt_deleted "$RSKEYMGMT" -c "$C" --test-datasource "$DS"

t_expect_exit 0 missing_lists_it "$RSKEYMGMT" -c "$C" --missing
t_grep missing_names_ds "$T_OUT" "^datasources/$ID/connection_string .*$DS\$"
printf 'Data Source=sql01.contoso.local;Initial Catalog=Sales\n' >"$T_TMP/cs"
chmod 600 "$T_TMP/cs"
t_expect_exit 0 set_connection_string "$RSKEYMGMT" -c "$C" --set-value "datasources/$ID/connection_string" --value-file "$T_TMP/cs"
printf 'username=CONTOSO\\svc_sales\npassword=Again-1\n' |
    t_expect_exit 0 set_credentials "$RSKEYMGMT" -c "$C" --set-value "datasources/$ID/credentials" --value-fd 3 3<&0
t_expect_exit 0 verify "$RSKEYMGMT" -c "$C" --verify
t_grep verify_counts_them "$T_OUT" 'Checked 2 values: 2 readable, 0 unreadable'
t_expect_exit 0 service_decrypts_reentered "$RSKEYMGMT" -c "$C" --test-datasource "$DS"
t_grep service_says_ok "$T_OUT" 'ok'

t_done
