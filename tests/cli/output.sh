#!/bin/sh
# SPDX-License-Identifier: ISC
# Every program exits non-zero, with a message, when its output cannot be
# written (/dev/full): rskeymgmt's results, rsdemo's, and the help and
# version of rsconfig and rsserverd (gnulib's close_stdout).
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

if [ ! -w /dev/full ]; then
	echo "SKIP: $T_NAME - no /dev/full"
	exit 77
fi
EX_IO=16
# t_full NAME CMD...: CMD writes to /dev/full, fails with EX_IO and says so.
t_full() {
	_name=$1
	shift
	"$@" >/dev/full 2>"$T_ERR" </dev/null
	_rc=$?
	t_equal "${_name}_fails" "$_rc" "$EX_IO"
	t_grep "${_name}_says" "$T_ERR" 'write error'
}

t_demo "$T_TMP/demo" 3 1
t_full keymgmt_list "$RSKEYMGMT" -c "$DEMO_CONF" -l
t_full keymgmt_list_json "$RSKEYMGMT" -c "$DEMO_CONF" -l --json
t_full keymgmt_help "$RSKEYMGMT" --help
t_full keymgmt_version "$RSKEYMGMT" --version
t_full demo_help "$RSDEMO" --help
t_full demo_create "$RSDEMO" create "$T_TMP/demo2" --values 1 --members 1
t_full rsconfig_help "$RS_BUILDDIR/src/rsconfig" --help
t_full rsconfig_version "$RS_BUILDDIR/src/rsconfig" --version
if [ -x "$RS_BUILDDIR/src/rsserverd" ]; then
	t_full rsserverd_help "$RS_BUILDDIR/src/rsserverd" --help
	t_full rsserverd_version "$RS_BUILDDIR/src/rsserverd" --version
fi
# What can be written still succeeds.
t_expect_exit 0 list_to_a_file "$RSKEYMGMT" -c "$DEMO_CONF" -l
t_done
