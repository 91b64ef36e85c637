# cni: CNI client (runs plugins per the CNI spec; knows nothing of bots).
noinst_LIBRARIES += app/cni/libberth_cni.a
app_cni_libberth_cni_a_SOURCES = \
	app/cni/cni.c \
	app/cni/cni_exec.c \
	app/cni/cni_exec.h
BERTH_LIBS += app/cni/libberth_cni.a

# Tests of this helper's modules (safefs, skills, resolv, botdir: unit; CNI: integration, root).
# Kept here so that the test fragment stays free of per-module rules.
check_PROGRAMS += test/unit/test_safefs test/unit/test_skills test/unit/test_resolv \
	test/integration/it_cni
TESTS += test/unit/test_safefs test/unit/test_skills test/unit/test_resolv
INTEGRATION_TESTS += test/integration/it_cni

test_unit_test_safefs_SOURCES = test/unit/test_safefs.c
test_unit_test_safefs_CFLAGS = $(TEST_CFLAGS)
test_unit_test_safefs_LDADD = $(BERTH_LINK) $(CHECK_LIBS)
test_unit_test_safefs_DEPENDENCIES = $(BERTH_LIBS)

test_unit_test_skills_SOURCES = test/unit/test_skills.c
test_unit_test_skills_CFLAGS = $(TEST_CFLAGS)
test_unit_test_skills_LDADD = $(BERTH_LINK) $(CHECK_LIBS)
test_unit_test_skills_DEPENDENCIES = $(BERTH_LIBS)

test_unit_test_resolv_SOURCES = test/unit/test_resolv.c
test_unit_test_resolv_CFLAGS = $(TEST_CFLAGS)
test_unit_test_resolv_LDADD = $(BERTH_LINK) $(CHECK_LIBS)
test_unit_test_resolv_DEPENDENCIES = $(BERTH_LIBS)

test_integration_it_cni_SOURCES = test/integration/it_cni.c
test_integration_it_cni_CFLAGS = $(TEST_CFLAGS)
test_integration_it_cni_LDADD = $(BERTH_LINK) $(CHECK_LIBS)
test_integration_it_cni_DEPENDENCIES = $(BERTH_LIBS)
