# rsserverd, the report server service (issue 5), and its systemd unit.
sbin_PROGRAMS = src/rsserverd
src_rsserverd_SOURCES = src/rsserverd.c
src_rsserverd_LDADD = $(CORE_LIBS)

# rsserverd@NAME.service runs rsserverd -c SYSCONFDIR/rsconfig/NAME.conf;
# it starts as root and switches to the config's service account itself.
systemdsystemunit_DATA = src/rsserverd@.service
src/rsserverd@.service: $(srcdir)/src/rsserverd@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) src && sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    $(srcdir)/src/rsserverd@.service.in >$@.tmp && mv $@.tmp $@
CLEANFILES = src/rsserverd@.service
EXTRA_DIST += src/rsserverd@.service.in
