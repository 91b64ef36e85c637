# berth-agent's tests (no services): each starts the agent on the host as an ordinary process
# (socket, data and template in a temp dir) and speaks JSON-RPC to it over its socket. They run
# test/agent/berth-agent-dyn (the agent's sources with the build's sanitizers) unless
# BERTH_AGENT_BIN names another binary (e.g. the static ./berth-agent).
noinst_LIBRARIES += test/agent/libagent_harness.a
test_agent_libagent_harness_a_SOURCES = test/agent/harness.c test/agent/harness.h

AGENT_TEST_LDADD = test/agent/libagent_harness.a $(JANSSON_LIBS) $(CHECK_LIBS) -lpthread
AGENT_TESTS = test/agent/test_agent_rpc
check_PROGRAMS += $(AGENT_TESTS)
TESTS += $(AGENT_TESTS)
test_agent_test_agent_rpc_LDADD = $(AGENT_TEST_LDADD)
# The agent binaries the tests start must exist before they run.
$(AGENT_TESTS): berth-agent test/agent/berth-agent-dyn

# The stdio session tests' MCP server (test/agent/mcp_testsrv.c), static like the agent so that
# the integration tests can put it in a bot container; test_agent_stdio runs it on the host.
check_PROGRAMS += test/agent/mcp-testsrv
test_agent_mcp_testsrv_SOURCES = test/agent/mcp_testsrv.c
test_agent_mcp_testsrv_CFLAGS = -std=gnu11 $(WARN_CFLAGS)
test_agent_mcp_testsrv_LDFLAGS = -static
test_agent_mcp_testsrv_LDADD = $(JANSSON_LIBS)

AGENT_STDIO_TESTS = test/agent/test_agent_stdio
check_PROGRAMS += $(AGENT_STDIO_TESTS)
TESTS += $(AGENT_STDIO_TESTS)
test_agent_test_agent_stdio_LDADD = $(AGENT_TEST_LDADD)
$(AGENT_STDIO_TESTS): berth-agent test/agent/berth-agent-dyn test/agent/mcp-testsrv
