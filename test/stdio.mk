# fragment: issue #10 integration tests (see Makefile.am): stdio MCP sessions held by the bot's
# agent, through POST/GET/DELETE /bots/:bot_id/mcp-stdio[/...] on the real stack. The test MCP
# server (test/agent/mcp-testsrv, static) is copied into the bot's data directory.
IT_STDIO_TESTS = test/integration/it_stdio
check_PROGRAMS += $(IT_STDIO_TESTS)
INTEGRATION_TESTS += $(IT_STDIO_TESTS)
test_integration_it_stdio_LDADD = $(IT_TOOLS_LDADD)
$(IT_STDIO_TESTS): test/agent/mcp-testsrv
