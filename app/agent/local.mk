# berth-agent: the bot container's PID 1 and MCP server (contract: include/berth/agent_wire.h).
# A static executable: it runs in any image and needs nothing from it, so it is built without the
# sanitizers (they cannot link statically) and links only jansson and two self-contained support
# modules. The tests also build the same sources as test/agent/berth-agent-dyn, dynamically and
# with the build's flags (ASan+UBSan in the test build), to run the agent's code under them.
AGENT_SOURCES = \
	include/berth/agent_wire.h \
	app/agent/agent.h \
	app/agent/main.c \
	app/agent/children.c \
	app/agent/bootstrap.c \
	app/agent/server.c \
	app/agent/rpc.c \
	app/agent/stdio.c \
	app/agent/stdio_mode.c \
	app/agent/tools.c \
	app/agent/tool_files.c \
	app/agent/tool_list.c \
	app/agent/tool_exec.c \
	app/agent/tool_edit.c \
	app/agent/tool_patch.c \
	app/agent/tool_grep.c \
	app/agent/fileio.c \
	app/agent/paths.c \
	app/agent/text.c \
	app/agent/log.c \
	app/support/err.c \
	app/support/deadline.c

pkglibexec_PROGRAMS = berth-agent
berth_agent_SOURCES = $(AGENT_SOURCES)
berth_agent_CFLAGS = -std=gnu11 $(WARN_CFLAGS)
berth_agent_LDFLAGS = -static
berth_agent_LDADD = $(JANSSON_LIBS) -lpthread

check_PROGRAMS += test/agent/berth-agent-dyn
test_agent_berth_agent_dyn_SOURCES = $(AGENT_SOURCES)
test_agent_berth_agent_dyn_CFLAGS = $(AM_CFLAGS)
test_agent_berth_agent_dyn_LDADD = $(JANSSON_LIBS) -lpthread

check_PROGRAMS += test/agent/test_agent
TESTS += test/agent/test_agent
test_agent_test_agent_SOURCES = test/agent/test_agent.c test/agent/harness.c test/agent/harness.h
test_agent_test_agent_LDADD = $(CHECK_LIBS) $(JANSSON_LIBS)
EXTRA_test_agent_test_agent_DEPENDENCIES = test/agent/berth-agent-dyn berth-agent
AM_TESTS_ENVIRONMENT = BERTH_AGENT_STATIC=$(abs_top_builddir)/berth-agent; export BERTH_AGENT_STATIC;
