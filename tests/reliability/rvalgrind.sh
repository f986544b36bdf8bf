# SPDX-License-Identifier: ISC
# rvalgrind.sh: sourced by tests/lib.sh when RS_VALGRIND=1.  Replaces
# $RSKEYMGMT with a wrapper that runs it under valgrind memcheck: an error
# or a definite leak makes it exit 99 (so the test's exit-status check
# fails and names it); valgrind's report goes to a log file per process in
# $RS_VALGRIND_LOGS (default $RS_BUILDDIR/valgrind-logs), not to the
# program's stderr that the tests read.  make check-valgrind runs the CLI
# tests this way.
# shellcheck shell=sh

if ! command -v valgrind >/dev/null 2>&1; then
	echo "Bail out! RS_VALGRIND=1 but valgrind is not installed"
	exit 99
fi
RS_VALGRIND_LOGS=${RS_VALGRIND_LOGS:-$RS_BUILDDIR/valgrind-logs}
mkdir -p "$RS_VALGRIND_LOGS"
# Tests run rskeymgmt as other users too (setpriv nobody): they must be
# able to write their reports.
chmod 1777 "$RS_VALGRIND_LOGS" 2>/dev/null
cat >"$T_TMP/rskeymgmt" <<VGEOF
#!/bin/sh
exec valgrind -q --tool=memcheck --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite --show-leak-kinds=definite \\
    --track-fds=no --log-file='$RS_VALGRIND_LOGS/$T_NAME.%p.log' \\
    '$RSKEYMGMT' "\$@"
VGEOF
chmod 0755 "$T_TMP/rskeymgmt"
RSKEYMGMT=$T_TMP/rskeymgmt
