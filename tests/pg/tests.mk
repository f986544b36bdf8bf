# SPDX-License-Identifier: ISC
# PostgreSQL backend tests (issue 9): each script starts its own server
# (tests/pg/pglib.sh; dlopen.sh needs none) and skips when rsconfig is built
# without PostgreSQL.
PG_TESTS += tests/pg/store.sh
PG_TESTS += tests/pg/ops.sh
PG_TESTS += tests/pg/change.sh
PG_TESTS += tests/pg/cli.sh
PG_TESTS += tests/pg/scaleout.sh
PG_TESTS += tests/pg/migrate.sh
PG_TESTS += tests/pg/service.sh
PG_TESTS += tests/pg/dlopen.sh
PG_TESTS += tests/pg/netns.sh
PG_TESTS += tests/pg/conninfo.sh

# The unit tests reach PostgreSQL themselves (check_ops on either backend,
# check_store_pg) when it is built in, calling libpq directly: they link it
# (the programs load it at run time, core/store_pg.c).
if POSTGRESQL
UNIT_CFLAGS += $(PQ_CFLAGS)
UNIT_LDADD += $(PQ_LIBS)
# Built by make check, run by tests/pg/store.sh only (it needs a server).
if HAVE_CHECK
check_PROGRAMS += tests/pg/check_store_pg
endif
endif
tests_pg_check_store_pg_SOURCES = tests/pg/check_store_pg.c \
	tests/unit/store_contract.h tests/unit/store_contract.c $(UNIT_COMMON)
tests_pg_check_store_pg_CFLAGS = $(UNIT_CFLAGS)
tests_pg_check_store_pg_LDADD = $(UNIT_LDADD)
