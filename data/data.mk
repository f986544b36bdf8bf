# SPDX-License-Identifier: ISC
# data/data.mk: the system integration files (issue 16): the service account
# (sysusers.d), its folders (tmpfiles.d) and the logrotate rules, filled in
# with this build's paths like the man pages (DOC_EDIT, doc/doc.mk).  Each
# folder is a configure option; --without-NAME empties it and automake's
# install rules then skip the file.
sysusers_DATA = data/sysusers.d/rsconfig.conf
tmpfiles_DATA = data/tmpfiles.d/rsconfig.conf
logrotate_DATA = data/logrotate.d/rsconfig
DATA_GENERATED = $(sysusers_DATA) $(tmpfiles_DATA) $(logrotate_DATA)
data/sysusers.d/rsconfig.conf: $(srcdir)/data/rsconfig.sysusers.in Makefile
	$(AM_V_GEN)$(MKDIR_P) data/sysusers.d && rm -f $@ && \
	    $(DOC_EDIT) '$(srcdir)/data/rsconfig.sysusers.in' >$@.tmp && mv $@.tmp $@
data/tmpfiles.d/rsconfig.conf: $(srcdir)/data/rsconfig.tmpfiles.in Makefile
	$(AM_V_GEN)$(MKDIR_P) data/tmpfiles.d && rm -f $@ && \
	    $(DOC_EDIT) '$(srcdir)/data/rsconfig.tmpfiles.in' >$@.tmp && mv $@.tmp $@
data/logrotate.d/rsconfig: $(srcdir)/data/rsconfig.logrotate.in Makefile
	$(AM_V_GEN)$(MKDIR_P) data/logrotate.d && rm -f $@ && \
	    $(DOC_EDIT) '$(srcdir)/data/rsconfig.logrotate.in' >$@.tmp && mv $@.tmp $@
CLEANFILES += $(DATA_GENERATED)
EXTRA_DIST += data/rsconfig.sysusers.in data/rsconfig.tmpfiles.in \
	data/rsconfig.logrotate.in

# The Debian package (debian/, built by .ci/deb from the release tarball).
EXTRA_DIST += COPYING debian/changelog debian/control debian/copyright \
	debian/rules debian/source/format debian/rsconfig.postrm .ci/deb

# The daily key backup to certificates (issue 15): rsbackup@.timer starts
# rsbackup@.service, which runs pkglibexec's rsbackup; installed, not
# enabled (debian/rules: dh_installsystemd --no-enable).
RSBACKUP_EDIT = $(DOC_EDIT) -e 's|@pkglibexecdir[@]|$(pkglibexecdir)|g'
pkglibexec_SCRIPTS = data/rsbackup
systemdsystemunit_DATA += data/rsbackup@.service data/rsbackup@.timer
data/rsbackup: $(srcdir)/data/rsbackup.in Makefile
	$(AM_V_GEN)$(MKDIR_P) data && rm -f $@ && \
	    $(RSBACKUP_EDIT) '$(srcdir)/data/rsbackup.in' >$@.tmp && \
	    chmod 755 $@.tmp && mv $@.tmp $@
data/rsbackup@.service: $(srcdir)/data/rsbackup@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) data && rm -f $@ && \
	    $(RSBACKUP_EDIT) '$(srcdir)/data/rsbackup@.service.in' >$@.tmp && mv $@.tmp $@
data/rsbackup@.timer: $(srcdir)/data/rsbackup@.timer.in Makefile
	$(AM_V_GEN)$(MKDIR_P) data && rm -f $@ && \
	    $(RSBACKUP_EDIT) '$(srcdir)/data/rsbackup@.timer.in' >$@.tmp && mv $@.tmp $@
CLEANFILES += data/rsbackup data/rsbackup@.service data/rsbackup@.timer
EXTRA_DIST += data/rsbackup.in data/rsbackup@.service.in data/rsbackup@.timer.in
