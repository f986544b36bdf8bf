#!/bin/sh
# SPDX-License-Identifier: ISC
# dlopen.sh: libpq is loaded only when a PostgreSQL store is opened
# (core/store_pg.c), so the programs do not link it (nor the twenty
# libraries it pulls in), an instance on SQLite runs on a machine without
# it, and one on PostgreSQL says what to install.  Needs no server.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"
# shellcheck source=pglib.sh
. "$RS_SRCDIR/tests/pg/pglib.sh"
pg_require

EX_DATABASE=15

# ---- not linked: start-up does not pay for libpq ----
if command -v ldd >/dev/null 2>&1; then
	for prog in rskeymgmt rsconfig rsserverd rsdemo; do
		ldd "$RS_BUILDDIR/src/$prog" >"$T_TMP/ldd-$prog" 2>&1
		t_no_grep "${prog}_does_not_link_libpq" "$T_TMP/ldd-$prog" \
		    'libpq|libgssapi|libkrb5|libldap|libgnutls'
	done
else
	t_skip programs_do_not_link_libpq "no ldd"
fi

# ---- libpq missing: an empty file bound over it in a private mount
# namespace (root only; the mount is gone when the command ends) ----
libpq=$(ldconfig -p 2>/dev/null | sed -n 's/^[[:space:]]*libpq\.so\.5 (.*) => //p' |
    head -n 1)
[ -n "$libpq" ] && libpq=$(readlink -f "$libpq")
if [ "$(id -u)" -ne 0 ] || [ -z "$libpq" ] || ! unshare -m true 2>/dev/null; then
	t_skip libpq_missing "needs root, unshare -m and libpq.so.5 in ldconfig's cache"
	t_done
fi
# without-libpq LIB CMD...: runs CMD with LIB hidden (t_run runs commands,
# not functions).
cat >"$T_TMP/without-libpq" <<'EOF'
exec unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$@"
EOF

t_demo "$T_TMP/demo" 10 1
t_expect_exit "$EX_OK" sqlite_instance_runs_without_libpq \
    sh "$T_TMP/without-libpq" "$libpq" "$RSKEYMGMT" -c "$DEMO_CONF" --status

pg_conf=$(dirname "$DEMO_CONF")/pg.conf
grep -v '^[[:space:]]*\(backend\|connection\)[[:space:]]*=' "$DEMO_CONF" \
    >"$pg_conf"
printf 'backend = postgresql\nconnection = host=%s dbname=rs\n' "$T_TMP" \
    >>"$pg_conf"
t_expect_exit "$EX_DATABASE" postgresql_instance_without_libpq_fails \
    sh "$T_TMP/without-libpq" "$libpq" "$RSKEYMGMT" -c "$pg_conf" --status
t_grep postgresql_instance_without_libpq_says_what_to_install "$T_ERR" \
    'backend = postgresql, which needs the PostgreSQL client library libpq\.so\.5: apt-get install libpq5 \(.+\)'
t_no_grep libpq_missing_is_not_a_crash "$T_ERR" 'Sanitizer|runtime error'

t_done
