# agentc: the client of the in-container agent (unix socket, JSON-RPC lines). Knows nothing of bots.
noinst_LIBRARIES += app/agentc/libberth_agentc.a
app_agentc_libberth_agentc_a_SOURCES = \
	include/berth/agentc.h \
	include/berth/agentc_pool.h \
	app/agentc/agentc_internal.h \
	app/agentc/agentc.c \
	app/agentc/agentc_pool.c

# The pool against a fake agent, and the JSON object check the gateway relays replies with.
check_PROGRAMS += test/unit/test_agentc_pool
TESTS += test/unit/test_agentc_pool
