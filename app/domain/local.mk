# domain: what a bot container is and its rules (authorization, lifecycle, snapshots, skills).
noinst_LIBRARIES += app/domain/libberth_domain.a
app_domain_libberth_domain_a_SOURCES = \
	app/domain/authz.c \
	app/domain/compat.c \
	app/domain/compat_ops.c \
	app/domain/skills.c \
	app/domain/resolv.c \
	app/domain/botdir.c \
	app/domain/bottools.c \
	app/domain/mcpconn.c \
	app/domain/mcpconn_ops.c \
	app/domain/botstdio.c \
	app/domain/botstdio_internal.h \
	app/domain/botstdio_fed.c
app_domain_libberth_domain_a_SOURCES += \
	include/berth/botctr_op.h \
	include/berth/botctr_lifecycle.h \
	include/berth/botctr_snapshot.h \
	include/berth/botctr_skills.h \
	app/domain/botctr_internal.h \
	app/domain/botctr_op.c \
	app/domain/botctr_lifecycle.c \
	app/domain/botctr_snapshot.c \
	app/domain/botctr_limits.c \
	app/domain/botctr_limits_ops.c \
	app/domain/botctr_stats.c \
	app/domain/botctr_skills.c \
	app/domain/reconcile.c

check_PROGRAMS += test/unit/test_authz
TESTS += test/unit/test_authz

# Unit: the MCP connections' pure rules (names, type inference, fields, import format, ids).
check_PROGRAMS += test/unit/test_mcpconn
TESTS += test/unit/test_mcpconn

check_PROGRAMS += test/unit/test_botstdio_fed
TESTS += test/unit/test_botstdio_fed

# Unit: the restart policies and the container id -> bot id mapping of the reconciler.
check_PROGRAMS += test/unit/test_reconcile_policy
TESTS += test/unit/test_reconcile_policy

# Unit: the resource limits' pure rules (parse, bounds naming field and bound, merge, defaults,
# OCI resources, spec update) and the /proc/<pid>/net/dev parser of the stats route.
check_PROGRAMS += test/unit/test_limits
TESTS += test/unit/test_limits
