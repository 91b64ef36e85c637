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
