# SPDX-License-Identifier: ISC
# rsserverd end to end (issue 5): start, heartbeats, stale members, the
# change refusal, test-datasource, privilege drop (see tests/service/svclib.sh);
# and as a systemd service (issue 16): the unit, sd_notify, the logs.
SERVICE_TESTS =
SERVICE_TESTS += tests/service/daemon.sh
SERVICE_TESTS += tests/service/change.sh
SERVICE_TESTS += tests/service/stale.sh
SERVICE_TESTS += tests/service/startstop.sh
SERVICE_TESTS += tests/service/startfail.sh
SERVICE_TESTS += tests/service/root.sh
SERVICE_TESTS += tests/service/account_root.sh
SERVICE_TESTS += tests/service/account_reach.sh
SERVICE_TESTS += tests/service/tui.sh
SERVICE_TESTS += tests/service/unit.sh
SERVICE_TESTS += tests/service/backup_timer.sh
SERVICE_TESTS += tests/service/notify.sh
SERVICE_TESTS += tests/service/logs.sh
SERVICE_TESTS += tests/service/account_tui.sh
SERVICE_TESTS += tests/service/reentry.sh
SERVICE_TESTS += tests/service/systemctl.sh
SERVICE_TESTS += tests/service/clients.sh
SERVICE_TESTS += tests/service/pidtrust.sh
SERVICE_TESTS += tests/service/members.sh
SERVICE_TESTS += tests/service/join_root.sh
SERVICE_TESTS += tests/service/join_tui.sh
TESTS += $(SERVICE_TESTS)
EXTRA_DIST += $(SERVICE_TESTS) tests/service/svclib.sh tests/service/crowd.py

# The stand-in notify socket.  Not a check_PROGRAM: every check program
# also runs as a test (TESTS = $(check_PROGRAMS)); built for notify.sh only.
EXTRA_PROGRAMS = tests/service/notify_listen
tests_service_notify_listen_SOURCES = tests/service/notify_listen.c
tests/service/notify.log: tests/service/notify_listen$(EXEEXT)
CLEANFILES += tests/service/notify_listen$(EXEEXT)
