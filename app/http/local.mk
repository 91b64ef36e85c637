# http: FastCGI params, routing, JSON in/out, authentication, error mapping, handlers.
noinst_LIBRARIES += app/http/libberth_http.a
app_http_libberth_http_a_SOURCES = \
	include/berth/http_params.h \
	include/berth/http_router.h \
	include/berth/http_auth.h \
	include/berth/http_request.h \
	include/berth/http_response.h \
	include/berth/http_context.h \
	include/berth/http_botscope.h \
	include/berth/http_dispatch.h \
	include/berth/http_fcgi.h \
	include/berth/http_routes.h \
	include/berth/http_handlers_health.h \
	include/berth/http_handlers_container.h \
	include/berth/http_handlers_skills.h \
	include/berth/http_handlers_compat.h \
	include/berth/http_handlers_tools.h \
	include/berth/http_handlers_files.h \
	include/berth/http_handlers_mcpconn.h \
	include/berth/http_handlers_stdio.h \
	app/http/params.c \
	app/http/router.c \
	app/http/response.c \
	app/http/request.c \
	app/http/auth.c \
	app/http/botscope.c \
	app/http/context.c \
	app/http/dispatch.c \
	app/http/fcgi.c \
	app/http/routes.c \
	app/http/handlers_health.c \
	app/http/handlers_bot_common.h \
	app/http/handlers_container.c \
	app/http/handlers_limits.c \
	app/http/handlers_skills.c \
	app/http/handlers_compat.c \
	app/http/handlers_tools.c \
	app/http/handlers_files.c \
	app/http/handlers_mcpconn.c \
	app/http/handlers_stdio.c \
	app/http/handlers_metrics.c \
	app/http/request_metrics.c \
	app/http/handlers_events.c \
	app/http/events_cursor.c

# Unit tests (no services).
HTTP_UNIT_TESTS = test/unit/test_router test/unit/test_params test/unit/test_http_rules \
	test/unit/test_http_fcgi test/unit/test_events_cursor
check_PROGRAMS += $(HTTP_UNIT_TESTS)
TESTS += $(HTTP_UNIT_TESTS)
