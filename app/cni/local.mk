# cni: CNI client (runs plugins per the CNI spec; knows nothing of bots).
noinst_LIBRARIES += app/cni/libberth_cni.a
app_cni_libberth_cni_a_SOURCES = \
	app/cni/cni.c \
	app/cni/cni_exec.c \
	app/cni/cni_exec.h

# Tests of this helper's modules (safefs, skills, resolv, botdir: unit; CNI: integration, root).
# Kept here so that the test fragment stays free of per-module rules.
check_PROGRAMS += test/unit/test_safefs test/unit/test_skills test/unit/test_resolv \
	test/integration/it_cni
TESTS += test/unit/test_safefs test/unit/test_skills test/unit/test_resolv
INTEGRATION_TESTS += test/integration/it_cni




