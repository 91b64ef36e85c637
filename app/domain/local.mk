# domain: what a bot container is and its rules (authorization, lifecycle, snapshots, skills).
noinst_LIBRARIES += app/domain/libberth_domain.a
app_domain_libberth_domain_a_SOURCES = \
	app/domain/authz.c \
	app/domain/compat.c \
	app/domain/skills.c \
	app/domain/resolv.c \
	app/domain/botdir.c \
	app/domain/bottools.c
app_domain_libberth_domain_a_SOURCES += \
	app/domain/botctr_internal.h \
	app/domain/botctr_op.c \
	app/domain/botctr_lifecycle.c \
	app/domain/botctr_snapshot.c \
	app/domain/botctr_skills.c \
	app/domain/reconcile.c

check_PROGRAMS += test/unit/test_authz
TESTS += test/unit/test_authz

# Unit: the restart policies and the container id -> bot id mapping of the reconciler.
check_PROGRAMS += test/unit/test_reconcile_policy
TESTS += test/unit/test_reconcile_policy
