#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/pg/mkdb.sh: makes a fresh database on the test server of
# tests/pg/pglib.sh (RS_TEST_PG, RS_TEST_PSQL, PGPASSFILE in the
# environment) and prints its connection string.
n=rs_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
"$RS_TEST_PSQL" -X -q -d "$RS_TEST_PG dbname=postgres" \
    -c "CREATE DATABASE $n" >/dev/null || exit 1
echo "$RS_TEST_PG dbname=$n"
