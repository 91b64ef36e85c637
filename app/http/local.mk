# http: FastCGI params, routing, JSON in/out, authentication, error mapping, handlers.
noinst_LIBRARIES += app/http/libberth_http.a
app_http_libberth_http_a_SOURCES = \
	include/berth/http.h \
	include/berth/http_params.h \
	include/berth/http_router.h \
	include/berth/http_fcgi.h \
	include/berth/http_handlers.h \
	include/berth/worker.h \
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
	app/http/handlers_skills.c \
	app/http/handlers_compat.c
BERTH_LIBS += app/http/libberth_http.a

# Unit tests (no services).
HTTP_UNIT_TESTS = test/unit/test_router test/unit/test_params test/unit/test_http_rules \
	test/unit/test_http_fcgi
check_PROGRAMS += $(HTTP_UNIT_TESTS)
TESTS += $(HTTP_UNIT_TESTS)
test_unit_test_router_SOURCES = test/unit/test_router.c
test_unit_test_router_CFLAGS = $(TEST_CFLAGS)
test_unit_test_router_LDADD = $(BERTH_LINK) $(CHECK_LIBS)
test_unit_test_router_DEPENDENCIES = $(BERTH_LIBS)
test_unit_test_params_SOURCES = test/unit/test_params.c
test_unit_test_params_CFLAGS = $(TEST_CFLAGS)
test_unit_test_params_LDADD = $(BERTH_LINK) $(CHECK_LIBS)
test_unit_test_params_DEPENDENCIES = $(BERTH_LIBS)
test_unit_test_http_rules_SOURCES = test/unit/test_http_rules.c
test_unit_test_http_rules_CFLAGS = $(TEST_CFLAGS)
test_unit_test_http_rules_LDADD = $(BERTH_LINK) $(CHECK_LIBS)
test_unit_test_http_rules_DEPENDENCIES = $(BERTH_LIBS)
test_unit_test_http_fcgi_SOURCES = test/unit/test_http_fcgi.c
test_unit_test_http_fcgi_CFLAGS = $(TEST_CFLAGS)
test_unit_test_http_fcgi_LDADD = $(BERTH_LINK) $(CHECK_LIBS)
test_unit_test_http_fcgi_DEPENDENCIES = $(BERTH_LIBS)
