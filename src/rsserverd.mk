# SPDX-License-Identifier: ISC
# rsserverd, the report server service (issue 5), and its systemd unit.
# Its sources are in src/daemon/: a folder named src/rsserverd would be
# the program's own path in the build tree.
sbin_PROGRAMS = src/rsserverd
src_rsserverd_SOURCES = src/daemon/rsserverd.h src/daemon/main.c \
	src/daemon/args.c src/daemon/log.c src/daemon/notify.c \
	src/daemon/account.c src/daemon/runtime.c src/daemon/key.c \
	src/daemon/requests.c src/daemon/serve.c
src_rsserverd_LDADD = $(CORE_LIBS)

# rsserverd@NAME.service runs rsserverd -c SYSCONFDIR/rsconfig/NAME.conf;
# it starts as root and switches to the config's service account itself.
# Its RuntimeDirectory= is the default runtime folder, RUNSTATEDIR/rsconfig/
# NAME, which systemd can make only under /run (configure --runstatedir=/run
# as distributions do); elsewhere the unit lets the service write there.
systemdsystemunit_DATA = src/rsserverd@.service
src/rsserverd@.service: $(srcdir)/src/rsserverd@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) src && \
	case '$(runstatedir)' in \
	/run|/var/run) rundir='RuntimeDirectory=rsconfig/%I' ;; \
	*) rundir='ReadWritePaths=$(runstatedir)/rsconfig' ;; \
	esac && sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    -e "s|@runtimedirectory[@]|$$rundir|g" \
	    $(srcdir)/src/rsserverd@.service.in >$@.tmp && mv $@.tmp $@
CLEANFILES = src/rsserverd@.service
EXTRA_DIST += src/rsserverd@.service.in
