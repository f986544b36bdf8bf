# rsserverd end to end (issue 5): start, heartbeats, stale members, the
# change refusal, test-datasource, privilege drop (see tests/service/svclib.sh).
SERVICE_TESTS =
SERVICE_TESTS += tests/service/daemon.sh
SERVICE_TESTS += tests/service/change.sh
SERVICE_TESTS += tests/service/stale.sh
SERVICE_TESTS += tests/service/startstop.sh
SERVICE_TESTS += tests/service/root.sh
SERVICE_TESTS += tests/service/tui.sh
SERVICE_TESTS += tests/service/account_tui.sh
TESTS += $(SERVICE_TESTS)
EXTRA_DIST += $(SERVICE_TESTS) tests/service/svclib.sh
