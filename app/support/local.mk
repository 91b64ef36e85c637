# support: config, logging, errors, UUIDs, safe filesystem access. Knows nothing of the layers above.
noinst_LIBRARIES += app/support/libberth_support.a
app_support_libberth_support_a_SOURCES = \
	app/support/err.c \
	app/support/deadline.c \
	app/support/log.c \
	app/support/config.c \
	app/support/uuid.c \
	app/support/strbuf.c \
	app/support/utf8.c \
	app/support/safefs.c \
	app/support/base64.c \
	app/support/jsonscan.c \
	app/support/metrics.c \
	app/support/metrics_text.c

check_PROGRAMS += test/unit/test_config test/unit/test_err_deadline test/unit/test_metrics
TESTS += test/unit/test_config test/unit/test_err_deadline test/unit/test_metrics

# The installed berth-agent is the [agent] binary default.
AM_CPPFLAGS += -DBERTH_AGENT_DEFAULT_PATH='"$(pkglibexecdir)/berth-agent"'
