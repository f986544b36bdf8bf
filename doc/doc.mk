# SPDX-License-Identifier: ISC
# doc/doc.mk: the install layout, man pages, sample config, bash completion
# and the JSON document (issue 8).  Included from Makefile.am after every
# fragment that sets sbin_PROGRAMS or CLEANFILES, so only += here.

# rskeymgmt and rsconfig manage key material and need privilege: sbin.
sbin_PROGRAMS += src/rskeymgmt src/rsconfig

# Man pages: doc/NAME.S.in with @sysconfdir@ and friends filled in at build
# time, so every page names the paths of this build.
man_MANS = doc/rsconfig.8 doc/rskeymgmt.8 doc/rsserverd.8 doc/rsdemo.1 \
	doc/rsreportserver.conf.5
DOC_GENERATED = $(man_MANS) doc/rsreportserver.conf.example
DOC_EDIT = sed -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g' \
	-e 's|@sbindir[@]|$(sbindir)|g' -e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@localedir[@]|$(localedir)|g' \
	-e 's|@systemdsystemunitdir[@]|$(systemdsystemunitdir)|g' \
	-e 's|@bashcompletiondir[@]|$(bashcompletiondir)|g' \
	-e 's|@docdir[@]|$(docdir)|g' \
	-e 's|@sysusersdir[@]|$(sysusersdir)|g' \
	-e 's|@tmpfilesdir[@]|$(tmpfilesdir)|g' \
	-e 's|@logrotatedir[@]|$(logrotatedir)|g' \
	-e 's|@PACKAGE_BUGREPORT[@]|$(PACKAGE_BUGREPORT)|g' \
	-e 's|@VERSION[@]|$(VERSION)|g'
doc/rsconfig.8: $(srcdir)/doc/rsconfig.8.in
doc/rskeymgmt.8: $(srcdir)/doc/rskeymgmt.8.in
doc/rsserverd.8: $(srcdir)/doc/rsserverd.8.in
doc/rsdemo.1: $(srcdir)/doc/rsdemo.1.in
doc/rsreportserver.conf.5: $(srcdir)/doc/rsreportserver.conf.5.in
doc/rsreportserver.conf.example: $(srcdir)/doc/rsreportserver.conf.example.in
$(DOC_GENERATED): Makefile
	$(AM_V_GEN)$(MKDIR_P) doc && rm -f $@ $@.tmp && \
	    $(DOC_EDIT) '$(srcdir)/$@.in' >$@.tmp && mv $@.tmp $@
CLEANFILES += $(DOC_GENERATED)

# The docs folder: a sample config (the admin copies it to
# SYSCONFDIR/rsconfig/rsreportserver.conf) and the JSON document.
doc_DATA = doc/rsreportserver.conf.example
dist_doc_DATA = doc/json.md

# The folder of the configs, empty: the admin writes them.
install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(sysconfdir)/rsconfig'

# bash completion (configure: --with-bash-completion-dir).
bashcompletion_DATA = completions/rskeymgmt completions/rsconfig \
	completions/rsserverd

EXTRA_DIST += doc/rsconfig.8.in doc/rskeymgmt.8.in doc/rsserverd.8.in \
	doc/rsdemo.1.in doc/rsreportserver.conf.5.in \
	doc/rsreportserver.conf.example.in doc/ssrs.md doc/style.md \
	completions/rskeymgmt completions/rsconfig completions/rsserverd \
	tests/tui/tuilib.sh $(I18N_TESTS) tests/i18n/doclib.sh
# Helpers that other fragments' tests source, for make distcheck.
EXTRA_DIST += tests/pg/mkdb.sh

# make distcheck-ci: make distcheck with a quick test set (CI runs the
# whole suite from the tree just before; plain make distcheck runs it all).
# The command-line TESTS reaches the make check inside distcheck.
DISTCHECK_TESTS = $(UNIT_TESTS) tests/cli/usage.sh tests/cli/backup.sh \
	tests/tui/frame.sh $(I18N_TESTS) $(INSTALL_TESTS)
distcheck-ci:
	$(MAKE) $(AM_MAKEFLAGS) distcheck TESTS='$(DISTCHECK_TESTS)'
.PHONY: distcheck-ci
