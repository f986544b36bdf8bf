#!/bin/sh
# SPDX-License-Identifier: ISC
# audit.sh: the audit log says who acted (the person behind sudo, the
# terminal, where from), has a "begin" record before the commit and the
# outcome after (a kill -9 after the commit leaves the begin record),
# records refused, failed and cancelled attempts, names instances and
# generations for change and delete, and fails closed: a FIFO or a symlink
# at its path never hangs or redirects the operation, which is refused.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$RS_SRCDIR/tests/lib.sh"

t_demo "$T_TMP/demo" 20
C=$DEMO_CONF
AUDIT=$T_TMP/demo/reportserver.db-audit.log
last() { grep "op=$1 " "$AUDIT" | tail -n 1; }

# ---- change: begin before, outcome after, instances and generations ----
t_expect_exit 0 change "$RSKEYMGMT" -c "$C" -s --yes
t_grep change_begin "$AUDIT" 'op=change target="instance=[^"]*" outcome=begin'
t_grep change_target "$AUDIT" 'op=change target="instance=[^ ]*\\\\[^ ]* generation=1->2 members=[^"]+" outcome=ok'
t_equal change_begin_before_outcome \
    "$(grep 'op=change ' "$AUDIT" | sed 's/.*outcome=\([a-z]*\).*/\1/' | tr '\n' ' ')" "begin ok "
t_equal change_fields "$(last change | grep -c ' user=[^ ]* person=[^ ]* tty=[^ ]* from=local op=')" 1

t_expect_exit 0 delete "$RSKEYMGMT" -c "$C" -d --yes
t_grep delete_target "$AUDIT" 'op=delete target="instance=[^"]* generation=2->3 members=[^"]*" outcome=ok'

# ---- sudo: the person, not only root ----
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	SUDO_USER=nobody SUDO_UID=$(id -u nobody) SUDO_GID=$(id -g nobody) \
	    "$RSKEYMGMT" -c "$C" -s --yes >/dev/null 2>&1
	t_equal sudo_records_person "$(last change | grep -c 'user=root person=nobody ')" 1
else
	t_skip sudo_records_person "needs root and the nobody account"
fi
# Anyone but root saying SUDO_UID is not believed (checked in check_audit).

# ---- refused, failed and cancelled attempts ----
printf '%s\n' 'Bkp 2026!Strong-xY' >"$T_TMP/pw"
t_expect_exit "$EX_USAGE" backup_onto_log_refused "$RSKEYMGMT" -c "$C" -e -f "$AUDIT" --password-file "$T_TMP/pw" --overwrite
t_grep refusal_audited "$AUDIT" 'op=backup .*outcome=refused error="[^"]+"'
t_grep refusal_has_begin "$AUDIT" 'op=backup .*outcome=begin'
t_run "$RSKEYMGMT" -c "$C" --join 00000000-0000-4000-8000-000000000000
t_grep failed_join_audited "$AUDIT" 'op=join target="00000000-0000-4000-8000-000000000000" outcome=(failed|refused) error="[^"]+"'
if command -v script >/dev/null 2>&1; then
	printf 'no\n' | script -qec "'$RSKEYMGMT' -c '$C' -d" /dev/null >"$T_TMP/cancel.out" 2>&1
	t_grep cancelled_audited "$AUDIT" 'op=delete .*outcome=cancelled error="not confirmed'
else
	t_skip cancelled_audited "no script(1) for a terminal"
fi

# ---- fail closed: FIFO and symlink at the audit path ----
KCV=$(kcv "$C")
mv "$AUDIT" "$T_TMP/audit.saved"
mkfifo "$AUDIT"
t_expect_exit 16 fifo_refused timeout 20 "$RSKEYMGMT" -c "$C" -s --yes
t_grep fifo_names_file_and_fix "$T_ERR" "audit log $AUDIT: not a regular file.*was not started.*audit_log"
t_equal fifo_key_unchanged "$(kcv "$C")" "$KCV"
rm -f "$AUDIT"
: >"$T_TMP/victim"
ln -s "$T_TMP/victim" "$AUDIT"
t_expect_exit 16 symlink_refused timeout 20 "$RSKEYMGMT" -c "$C" -s --yes
t_equal symlink_not_followed "$(wc -c <"$T_TMP/victim")" 0
t_equal symlink_key_unchanged "$(kcv "$C")" "$KCV"
rm -f "$AUDIT"
mkdir "$AUDIT"
t_expect_exit 16 folder_refused timeout 20 "$RSKEYMGMT" -c "$C" -s --yes
rmdir "$AUDIT"
mv "$T_TMP/audit.saved" "$AUDIT"

# ---- kill -9 after the commit: the begin record stays ----
# strace kills at the second open of the audit log: the outcome record's,
# after the commit (the first is the begin record's).
if command -v strace >/dev/null 2>&1 && strace -o /dev/null true 2>/dev/null; then
	before=$(grep -c 'op=change .*outcome=begin' "$AUDIT")
	(strace -f -o /dev/null -P "$AUDIT" -e trace=openat \
	    -e inject=openat:signal=KILL:when=2 "$RSKEYMGMT" -c "$C" -s --yes \
	    >/dev/null 2>&1) >/dev/null 2>&1
	t_equal killed_begin_kept "$(grep -c 'op=change .*outcome=begin' "$AUDIT")" $((before + 1))
	t_equal killed_no_outcome "$(tail -n 1 "$AUDIT" | grep -c 'outcome=begin')" 1
	t_equal killed_after_commit "$([ "$(kcv "$C")" != "$KCV" ] && echo changed)" changed
else
	t_skip killed_begin_kept "no working strace"
fi

t_done
