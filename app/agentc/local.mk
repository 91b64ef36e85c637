# agentc: the client of the in-container agent (unix socket, JSON-RPC lines). Knows nothing of bots.
noinst_LIBRARIES += app/agentc/libberth_agentc.a
app_agentc_libberth_agentc_a_SOURCES = \
	include/berth/agentc.h \
	app/agentc/agentc.c
