# openapi: the OpenAPI 3.1 document of every route (openapi/berth.openapi.json), kept next to the
# route table (app/http/routes.c). It is embedded into berth-fcgi at build time (as the migrations
# are into berthctl) and served by GET /openapi.json; installed for reference to $(pkgdatadir).
OPENAPI_DOC = $(top_srcdir)/openapi/berth.openapi.json
app_http_libberth_http_a_SOURCES += include/berth/http_openapi.h app/http/handlers_openapi.c
nodist_app_http_libberth_http_a_SOURCES = app/http/openapi_gen.c
BUILT_SOURCES += app/http/openapi_gen.c
CLEANFILES += app/http/openapi_gen.c
EXTRA_DIST += openapi/berth.openapi.json openapi/embed-openapi.sh
app/http/openapi_gen.c: $(OPENAPI_DOC) $(top_srcdir)/openapi/embed-openapi.sh
	$(AM_V_GEN)$(MKDIR_P) app/http && $(SHELL) $(top_srcdir)/openapi/embed-openapi.sh $@ $(OPENAPI_DOC)
pkgdata_DATA += $(OPENAPI_DOC)

# Unit (no services): the router's table against the document, the error codes, the served bytes,
# and the schema check the integration tests use (test/lib/bt_schema.h).
check_PROGRAMS += test/unit/test_openapi
TESTS += test/unit/test_openapi

# Unit (no services; the npm registry for the first install): the document validates with real
# OpenAPI validators from npm (Redocly lint, swagger-parser) on node 22 from npm, all pinned in
# test/openapi/package-lock.json and installed into the build directory (test/openapi/lint.sh).
TESTS += test/openapi/lint.sh
EXTRA_DIST += test/openapi/lint.sh test/openapi/validate.mjs test/openapi/redocly.yaml test/openapi/package.json \
	test/openapi/package-lock.json
clean-local: clean-openapi-node
clean-openapi-node:
	-rm -rf test/openapi/npm
.PHONY: clean-openapi-node

# Integration (the real stack): the main routes' responses, errors included, against the schemas
# of the document served by GET /openapi.json (which must be the one in the tree).
check_PROGRAMS += test/integration/it_openapi
INTEGRATION_TESTS += test/integration/it_openapi
test_integration_it_openapi_LDADD = $(IT_TOOLS_LDADD)
test_integration_it_openapi_CPPFLAGS = $(AM_CPPFLAGS) \
	-DBERTH_OPENAPI_DOC='"$(abs_top_srcdir)/openapi/berth.openapi.json"'
