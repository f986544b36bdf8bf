# PostgreSQL backend tests (issue 9): each script starts its own server
# (tests/pg/pglib.sh) and skips when rsconfig is built without PostgreSQL.

# The unit tests reach PostgreSQL themselves (check_ops on either backend,
# check_store_pg) when it is built in.
if POSTGRESQL
UNIT_CFLAGS += $(PQ_CFLAGS)
endif
