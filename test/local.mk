# Tests. Unit tests (no services) are in TESTS and run by `make check`; integration tests are in
# INTEGRATION_TESTS and run against the real stack by test/run-integration.

# The shared helper library of the integration tests (header test/lib/bt.h): HTTP through nginx
# with client certificates, berthctl/ctr/psql/stack.sh, users and bots as fixtures.
check_LIBRARIES += test/lib/libberth_test.a
test_lib_libberth_test_a_SOURCES = test/lib/bt.c test/lib/bt.h
# The JSON Schema subset that holds every response against the OpenAPI document (bt_schema.h,
# bt_openapi.h: bt_request_ex checks each response).
test_lib_libberth_test_a_SOURCES += test/lib/bt_schema.c test/lib/bt_schema.h \
	test/lib/bt_openapi.c test/lib/bt_openapi.h

# Foundation (issue #2 §8): authentication through nginx, worker crash, reload, database restart,
# body limit.
check_PROGRAMS += test/integration/it_foundation
INTEGRATION_TESTS += test/integration/it_foundation
# Only the helper library: the test talks to the stack as a client does, never through Berth's code.
test_integration_it_foundation_LDADD = test/lib/libberth_test.a $(JANSSON_LIBS) $(CURL_LIBS) $(CHECK_LIBS) -lpthread

# The layers of design.md §3 (who may include whom; protobuf only in app/containerd).
TESTS += test/layers-check.sh
# The house style: every C file as .clang-format formats it (skipped without clang-format).
TESTS += test/format-check.sh
EXTRA_DIST += test/layers-check.sh

EXTRA_DIST += test/format-check.sh scripts/stack.sh scripts/berth-dev scripts/install-deps.sh test/run-integration test/tally \
	test/valgrind-checks

# The invalid-input suites (test/suites/invalid/<area>/<case>/{input,expected,args}), each case run
# through the real parser of its area (pure: no services).
check_PROGRAMS += test/unit/test_invalid_suites
TESTS += test/unit/test_invalid_suites
test_unit_test_invalid_suites_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/app/http \
	-DBERTH_SUITES_DIR='"$(abs_top_srcdir)/test/suites"'
EXTRA_DIST += test/suites

# Metrics and events (issue #11): GET /metrics parsed with promtool and the Prometheus client's
# text parser, counts against the requests made across workers, kills and a reload; the events
# routes' paging, cursors, limits and authorization.
check_PROGRAMS += test/integration/it_metrics
INTEGRATION_TESTS += test/integration/it_metrics
# libit_container: the reconciler's counts are checked with a bot whose task is killed.
test_integration_it_metrics_LDADD = $(IT_CONTAINER_LDADD) -lpthread
