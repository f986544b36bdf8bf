#!/bin/sh
# SPDX-License-Identifier: ISC
# ops.sh: the core's operation tests (tests/unit/check_ops) on PostgreSQL:
# the same Check suite, each template and each test on its own database.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=pglib.sh
. "$RS_SRCDIR/tests/pg/pglib.sh"
pg_require
pg_start

RS_TEST_BACKEND=postgresql RS_TEST_PG=$PG_CONNINFO \
    "$RS_BUILDDIR/tests/unit/check_ops"
status=$?
# summary.sh reads the "Checks: N, Failures: F, Errors: E" line above.
exit $status
