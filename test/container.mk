# fragment: issue #4 integration tests (see Makefile.am): a bot's container, its snapshots, skills
# and the older version's /container routes, through nginx on the real stack. Each program is a
# Check suite; they share it_container_common.c (requests on the bot routes, ctr/IPAM observers).
# Like it_foundation they link only the test helper library: they talk to the stack as clients do.

check_LIBRARIES += test/integration/libit_container.a
test_integration_libit_container_a_SOURCES = test/integration/it_container_common.c \
	test/integration/it_container_common.h

IT_CONTAINER_LDADD = test/integration/libit_container.a test/lib/libberth_test.a $(JANSSON_LIBS) \
	$(CURL_LIBS) $(CHECK_LIBS) -lpthread

IT_CONTAINER_TESTS = test/integration/it_container_lifecycle \
	test/integration/it_container_authz \
	test/integration/it_container_snapshots \
	test/integration/it_container_skills \
	test/integration/it_container_compat \
	test/integration/it_container_concurrency \
	test/integration/it_container_compat_create \
	test/integration/it_mcp_conn \
	test/integration/it_limits
check_PROGRAMS += $(IT_CONTAINER_TESTS)
INTEGRATION_TESTS += $(IT_CONTAINER_TESTS)
# automake has no LDADD per group of programs: one line each.
test_integration_it_container_lifecycle_LDADD = $(IT_CONTAINER_LDADD)
test_integration_it_container_authz_LDADD = $(IT_CONTAINER_LDADD)
test_integration_it_container_snapshots_LDADD = $(IT_CONTAINER_LDADD)
test_integration_it_container_skills_LDADD = $(IT_CONTAINER_LDADD)
test_integration_it_container_compat_LDADD = $(IT_CONTAINER_LDADD)
test_integration_it_container_concurrency_LDADD = $(IT_CONTAINER_LDADD)
# issue #10: POST /container and /container/skills of the older version; a bot's MCP connections.
test_integration_it_container_compat_create_LDADD = $(IT_CONTAINER_LDADD)
test_integration_it_mcp_conn_LDADD = $(IT_CONTAINER_LDADD)
# issue #11: resource limits (live changes, kept across stop/start and rollback) and usage stats.
test_integration_it_limits_LDADD = $(IT_CONTAINER_LDADD)

# issue #7 §1-§2: deadlines and error bodies under real faults (frozen containerd and PostgreSQL
# backends, outages, a broken CNI config, an unpack failure).
check_PROGRAMS += test/integration/it_faults
INTEGRATION_TESTS += test/integration/it_faults
test_integration_it_faults_LDADD = $(IT_CONTAINER_LDADD)

# issue #8: berth-reconcile's fault drills (tasks, containers, containerd, PostgreSQL, the bridge,
# the standby) and the restart policy with its backoff.
check_PROGRAMS += test/integration/it_reconcile
INTEGRATION_TESTS += test/integration/it_reconcile
test_integration_it_reconcile_LDADD = $(IT_CONTAINER_LDADD)
