# SPDX-License-Identifier: ISC
# The installed layout (issue 16): make install DESTDIR from the build tree
# puts the programs, the unit, sysusers.d, tmpfiles.d, logrotate, the docs
# and the man pages where configure said; --without-DIR installs none.
INSTALL_TESTS =
INSTALL_TESTS += tests/install/layout.sh
TESTS += $(INSTALL_TESTS)
EXTRA_DIST += $(INSTALL_TESTS)

# The install folders, expanded, one NAME=DIR a line (tests/install/*.sh).
show-install-dirs:
	@echo 'prefix=$(prefix)'; echo 'bindir=$(bindir)'; echo 'sbindir=$(sbindir)'
	@echo 'sysconfdir=$(sysconfdir)'; echo 'localstatedir=$(localstatedir)'
	@echo 'mandir=$(mandir)'; echo 'docdir=$(docdir)'
	@echo 'systemdsystemunitdir=$(systemdsystemunitdir)'
	@echo 'sysusersdir=$(sysusersdir)'; echo 'tmpfilesdir=$(tmpfilesdir)'
	@echo 'logrotatedir=$(logrotatedir)'
	@echo 'bashcompletiondir=$(bashcompletiondir)'
.PHONY: show-install-dirs
