# fragment: issue #9 integration tests (see Makefile.am): the bot's tools through
# POST /bots/:bot_id/tools and the plain routes, served by berth-agent in the container, through
# nginx on the real stack; ctr task exec is the independent observer of the container's files.
noinst_LIBRARIES += test/integration/libit_tools.a
test_integration_libit_tools_a_SOURCES = test/integration/it_tools_common.c \
	test/integration/it_tools_common.h

IT_TOOLS_LDADD = test/integration/libit_tools.a $(IT_CONTAINER_LDADD)

IT_TOOLS_TESTS = test/integration/it_tools_transport \
	test/integration/it_tools_files \
	test/integration/it_tools_hostile
check_PROGRAMS += $(IT_TOOLS_TESTS)
INTEGRATION_TESTS += $(IT_TOOLS_TESTS)
test_integration_it_tools_transport_LDADD = $(IT_TOOLS_LDADD)
test_integration_it_tools_files_LDADD = $(IT_TOOLS_LDADD)
test_integration_it_tools_hostile_LDADD = $(IT_TOOLS_LDADD)

# The official MCP TypeScript SDK client (test/mcp-sdk/: node 22 and the SDK pinned in its
# package.json and package-lock.json, installed under the build directory when the test runs).
IT_TOOLS_SDK = test/integration/it_tools_sdk
check_SCRIPTS = $(IT_TOOLS_SDK)
INTEGRATION_TESTS += $(IT_TOOLS_SDK)
CLEANFILES += $(IT_TOOLS_SDK)
EXTRA_DIST += test/integration/it_tools_sdk.in test/mcp-sdk/install.sh test/mcp-sdk/package.json test/mcp-sdk/package-lock.json \
	test/mcp-sdk/sdk-test.mjs
$(IT_TOOLS_SDK): $(srcdir)/test/integration/it_tools_sdk.in Makefile
	@mkdir -p $(@D)
	$(AM_V_GEN)sed 's|%%ABS_TOP_SRCDIR%%|$(abs_top_srcdir)|g' $(srcdir)/test/integration/it_tools_sdk.in >$@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@
