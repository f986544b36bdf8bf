# PostgreSQL backend tests (issue 9): each script starts its own server
# (tests/pg/pglib.sh) and skips when rsconfig is built without PostgreSQL.
