#!/bin/sh
# SPDX-License-Identifier: ISC
# layout.sh: make install DESTDIR=... from the build tree puts every file
# where this build's configure said (programs, rsserverd@.service, the
# sysusers.d, tmpfiles.d and logrotate files, json.md and the example config
# in the docs folder, the man pages), with the build's paths inside; make
# uninstall takes every file back.  Then a tree configured with
# --without-systemdsystemunitdir (and the other --without-DIR options)
# installs none of those files and no folder named "no".
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

# Runs make quietly in DIR; its output in $T_TMP/make.log.
quiet_make() {
	_dir=$1; shift
	make -s -C "$_dir" --no-print-directory "$@" >"$T_TMP/make.log" 2>&1
}

# t_file NAME PATH [MODE]: a regular file at PATH (with MODE, e.g. 755).
t_file() {
	if [ ! -f "$2" ]; then
		t_fail "$1" "${2#"$ROOT"} is not there"
	elif [ -n "${3:-}" ] && [ "$(file_mode "$2")" != "$3" ]; then
		t_fail "$1" "${2#"$ROOT"} has mode $(file_mode "$2"), expected $3"
	else
		t_ok "$1"
	fi
}

# The build's install folders as shell variables (tests/install/tests.mk).
quiet_make "$RS_BUILDDIR" show-install-dirs || { cat "$T_TMP/make.log"; exit 99; }
# shellcheck disable=SC1091
. "$T_TMP/make.log"

ROOT=$T_TMP/root
if quiet_make "$RS_BUILDDIR" install DESTDIR="$ROOT"; then
	t_ok make_install
else
	t_fail make_install "$(tail -n 5 "$T_TMP/make.log" | tr '\n' ' ')"
fi

for p in rskeymgmt rsconfig rsserverd; do
	t_file "sbin_$p" "$ROOT$sbindir/$p" 755
done
t_file bin_rsdemo "$ROOT$bindir/rsdemo" 755

# The unit, with this build's paths.
UNIT=$ROOT$systemdsystemunitdir/rsserverd@.service
t_file unit_installed "$UNIT"
t_grep unit_runs_installed_rsserverd "$UNIT" "^ExecStart=.*$sbindir/rsserverd "
t_no_grep unit_filled_in "$UNIT" '@[a-z_]+@'

# The service account, its folders, its logs.
SYSUSERS=$ROOT$sysusersdir/rsconfig.conf
t_file sysusers_installed "$SYSUSERS" 644
t_grep sysusers_account "$SYSUSERS" "^u rsservice - \".*\" $localstatedir/lib/rsconfig\$"
# The account the example config names is the one sysusers creates.
t_grep example_names_that_account "$ROOT$docdir/rsreportserver.conf.example" '^service_account *= *rsservice$'
TMPFILES=$ROOT$tmpfilesdir/rsconfig.conf
t_file tmpfiles_installed "$TMPFILES" 644
t_grep tmpfiles_state_dir "$TMPFILES" "^d +$localstatedir/lib/rsconfig +0750 +rsservice +rsservice "
t_grep tmpfiles_log_dir "$TMPFILES" "^d +$localstatedir/log/rsconfig +0750 +root +adm "
LOGROTATE=$ROOT$logrotatedir/rsconfig
t_file logrotate_installed "$LOGROTATE" 644
t_grep logrotate_audit_logs "$LOGROTATE" "^$localstatedir/log/rsconfig/\\*-audit\\.log \\{"
t_grep logrotate_audit_private "$LOGROTATE" 'create 0600 root root'
t_grep logrotate_reloads_service "$LOGROTATE" "systemctl reload 'rsserverd@\\*\\.service'"
for f in "$SYSUSERS" "$TMPFILES" "$LOGROTATE"; do
	t_no_grep "filled_in_$(basename "$(dirname "$f")")" "$f" '@[a-z_]+@'
done
if command -v systemd-sysusers >/dev/null 2>&1; then
	if systemd-sysusers --dry-run "$SYSUSERS" >"$T_TMP/sysusers.out" 2>&1; then
		t_ok sysusers_parses
	else
		t_fail sysusers_parses "$(head -c 300 "$T_TMP/sysusers.out")"
	fi
else
	t_skip sysusers_parses "systemd-sysusers is not installed"
fi
if command -v logrotate >/dev/null 2>&1; then
	if logrotate -d -s "$T_TMP/logrotate.state" "$LOGROTATE" >"$T_TMP/logrotate.out" 2>&1 &&
	    ! grep -qi 'error' "$T_TMP/logrotate.out"; then
		t_ok logrotate_parses
	else
		t_fail logrotate_parses "$(grep -i error "$T_TMP/logrotate.out" | head -n 3)"
	fi
else
	t_skip logrotate_parses "logrotate is not installed"
fi

# The docs folder and the man pages.
t_file doc_json "$ROOT$docdir/json.md" 644
t_file doc_example_config "$ROOT$docdir/rsreportserver.conf.example" 644
t_absent no_example_in_etc "$ROOT$sysconfdir/rsconfig/rsreportserver.conf.example"
if [ -d "$ROOT$sysconfdir/rsconfig" ]; then
	t_ok config_folder
else
	t_fail config_folder "${sysconfdir}/rsconfig was not made"
fi
for page in man1/rsdemo.1 man5/rsreportserver.conf.5 man8/rsconfig.8 \
    man8/rskeymgmt.8 man8/rsserverd.8; do
	t_file "man_$(basename "$page")" "$ROOT$mandir/$page" 644
done
t_grep man_names_example_in_docdir "$ROOT$mandir/man5/rsreportserver.conf.5" "$docdir/rsreportserver.conf.example"
t_grep man_names_json_in_docdir "$ROOT$mandir/man8/rskeymgmt.8" "$docdir/json.md"
t_grep man_bug_address "$ROOT$mandir/man8/rskeymgmt.8" 'rsconfig-bugs@'
t_file completion "$ROOT$bashcompletiondir/rskeymgmt"

if quiet_make "$RS_BUILDDIR" uninstall DESTDIR="$ROOT"; then
	left=$(find "$ROOT" -type f | head -n 5)
	t_equal uninstall_takes_every_file "$left" ""
else
	t_fail uninstall_takes_every_file "$(tail -n 5 "$T_TMP/make.log" | tr '\n' ' ')"
fi

# --without-DIR: a tree of its own (a configure run; install-data needs no
# compiler), its files installed under a second root.
if [ -f "$RS_SRCDIR/config.status" ]; then
	t_skip without_dirs "the source tree is configured in place; a second build tree needs make distclean there"
	t_done
fi
B=$T_TMP/build-without
ROOT2=$T_TMP/root-without
mkdir -p "$B"
if (cd "$B" && "$RS_SRCDIR/configure" -q --prefix="$prefix" \
    --without-systemdsystemunitdir --without-sysusersdir \
    --without-tmpfilesdir --without-logrotatedir \
    --without-bash-completion-dir --without-postgresql) >"$T_TMP/configure.log" 2>&1; then
	t_ok configure_without_dirs
else
	t_fail configure_without_dirs "$(tail -n 5 "$T_TMP/configure.log" | tr '\n' ' ')"
	t_done
fi
t_no_grep configure_quiet "$T_TMP/configure.log" "cannot remove|rm: "
if quiet_make "$B" install-data DESTDIR="$ROOT2"; then
	t_ok install_without_dirs
else
	t_fail install_without_dirs "$(tail -n 5 "$T_TMP/make.log" | tr '\n' ' ')"
fi
t_equal without_no_unit "$(find "$ROOT2" -name 'rsserverd@.service')" ""
t_equal without_no_folder_named_no "$(find "$ROOT2" -name no)" ""
for f in sysusers.d tmpfiles.d logrotate.d bash-completion; do
	t_equal "without_no_$f" "$(find "$ROOT2" -name "$f")" ""
done
t_file without_still_docs "$ROOT2$docdir/json.md" 644
t_file without_still_man "$ROOT2$mandir/man8/rsserverd.8" 644
t_done
