# libFuzzer harnesses of the parsers that take outside input (./configure --enable-fuzzing CC=clang
# in a build of their own; test/run-fuzz builds them with `make fuzz` and runs each for a bounded
# time). Each harness links only the sources of what it fuzzes, so that the fuzz build stays short.
EXTRA_PROGRAMS = $(FUZZ_HARNESSES)
FUZZ_HARNESSES = test/fuzz/fuzz_route test/fuzz/fuzz_body test/fuzz/fuzz_skill test/fuzz/fuzz_cni \
	test/fuzz/fuzz_image
CLEANFILES += $(FUZZ_HARNESSES)
EXTRA_DIST += test/fuzz/corpus test/run-fuzz

FUZZ_ERR = app/support/err.c app/support/deadline.c app/support/utf8.c app/support/strbuf.c
FUZZ_LOG = app/support/log.c
test_fuzz_fuzz_route_SOURCES = test/fuzz/fuzz_route.c app/http/router.c app/http/params.c $(FUZZ_ERR)
test_fuzz_fuzz_route_LDADD =
test_fuzz_fuzz_body_SOURCES = test/fuzz/fuzz_body.c app/http/request.c app/http/response.c \
	app/http/router.c app/http/params.c $(FUZZ_LOG) $(FUZZ_ERR)
test_fuzz_fuzz_body_LDADD = $(JANSSON_LIBS)
test_fuzz_fuzz_skill_SOURCES = test/fuzz/fuzz_skill.c app/domain/skills.c app/support/safefs.c \
	$(FUZZ_LOG) $(FUZZ_ERR)
test_fuzz_fuzz_skill_LDADD = $(JANSSON_LIBS) $(YAML_LIBS)
test_fuzz_fuzz_cni_SOURCES = test/fuzz/fuzz_cni.c app/cni/cni.c app/cni/cni_exec.c \
	app/support/safefs.c $(FUZZ_LOG) $(FUZZ_ERR)
test_fuzz_fuzz_cni_LDADD = $(JANSSON_LIBS)
test_fuzz_fuzz_image_SOURCES = test/fuzz/fuzz_image.c app/image/image_json.c app/image/oci_spec.c \
	$(FUZZ_ERR)
test_fuzz_fuzz_image_LDADD = $(JANSSON_LIBS) $(CRYPTO_LIBS)

if FUZZING
# -fsanitize=fuzzer links libFuzzer's main into the harnesses only.
test_fuzz_fuzz_route_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
test_fuzz_fuzz_body_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
test_fuzz_fuzz_skill_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
test_fuzz_fuzz_cni_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
test_fuzz_fuzz_image_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif

# The harnesses, after the generated headers that the sources include.
fuzz:
	$(MAKE) $(AM_MAKEFLAGS) $(BUILT_SOURCES)
	$(MAKE) $(AM_MAKEFLAGS) $(FUZZ_HARNESSES)
print-fuzz-harnesses:
	@echo $(FUZZ_HARNESSES)
.PHONY: fuzz print-fuzz-harnesses
