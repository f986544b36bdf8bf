#!/bin/sh
# SPDX-License-Identifier: ISC
# cli.sh: the whole CLI suite (tests/cli/*.sh) again, on PostgreSQL: every
# demo the scripts make gets a fresh database on a private server (the hook
# in t_demo of tests/lib.sh).  Each check is reported as "pg:NAME".
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=pglib.sh
. "$RS_SRCDIR/tests/pg/pglib.sh"
pg_require
pg_start

failed=0
pg_rerun "$RS_SRCDIR"/tests/cli/*.sh || failed=1
echo "# $T_NAME: PostgreSQL run of tests/cli"
[ "$failed" -eq 0 ] || exit 1
exit 0
