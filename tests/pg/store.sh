#!/bin/sh
# SPDX-License-Identifier: ISC
# store.sh: the store's contract (tests/unit/store_contract.c) and the
# PostgreSQL backend's own tests (tests/pg/check_store_pg; SQLite's are
# tests/unit/check_store), on a private server.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=pglib.sh
. "$RS_SRCDIR/tests/pg/pglib.sh"
pg_require
pg_start

RS_TEST_PG=$PG_CONNINFO "$RS_BUILDDIR/tests/pg/check_store_pg"
