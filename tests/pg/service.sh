#!/bin/sh
# SPDX-License-Identifier: ISC
# service.sh: the rsserverd tests (heartbeats, running/stale members, the
# change refusal) again, on PostgreSQL: every demo gets a fresh database on
# a private server (the t_demo hook).  Checks are reported as "pg:NAME".
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=pglib.sh
. "$RS_SRCDIR/tests/pg/pglib.sh"
pg_require
pg_start

# These two use the database only through the programs: heartbeats,
# Running / Stale in --list, a running member blocking a change, start,
# stop and reload.  The others read or tamper with the SQLite file directly
# (daemon.sh, change.sh) or drop to an account without a pgpass (root.sh).
failed=0
pg_rerun "$RS_SRCDIR/tests/service/stale.sh" \
    "$RS_SRCDIR/tests/service/startstop.sh" || failed=1
echo "# $T_NAME: PostgreSQL run of tests/service"
[ "$failed" -eq 0 ] || exit 1
exit 0
