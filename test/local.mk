# Tests. Unit tests (no services) are in TESTS and run by `make check`; integration tests are in
# INTEGRATION_TESTS and run against the real stack by test/run-integration.
