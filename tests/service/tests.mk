# rsserverd end to end (issue 5): start, heartbeats, stale members, the
# change refusal, test-datasource, privilege drop (see tests/service/svclib.sh).
SERVICE_TESTS =
TESTS += $(SERVICE_TESTS)
EXTRA_DIST += $(SERVICE_TESTS) tests/service/svclib.sh
