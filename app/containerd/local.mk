# containerd: the containerd client library (gRPC C core + protobuf-c). Knows nothing of bots.
noinst_LIBRARIES += app/containerd/libberth_containerd.a
app_containerd_libberth_containerd_a_SOURCES = \
	include/berth/ctd_conn.h \
	include/berth/ctd_types.h \
	include/berth/ctd_containers.h \
	include/berth/ctd_content.h \
	include/berth/ctd_diff.h \
	include/berth/ctd_events.h \
	include/berth/ctd_exec.h \
	include/berth/ctd_images.h \
	include/berth/ctd_leases.h \
	include/berth/ctd_snapshots.h \
	include/berth/ctd_tasks.h \
	include/berth/ctd_version.h \
	include/berth/ctd_resources.h \
	include/berth/ctd_metrics.h \
	app/containerd/ctd_call.h \
	app/containerd/internal.h \
	app/containerd/call.c \
	app/containerd/util.c \
	app/containerd/version.c \
	app/containerd/containers.c \
	app/containerd/snapshots.c \
	app/containerd/tasks.c \
	app/containerd/resources.c \
	app/containerd/metrics.c \
	app/containerd/exec.c \
	app/containerd/images.c \
	app/containerd/content.c \
	app/containerd/diff.c \
	app/containerd/leases.c \
	app/containerd/events.c

# Tests of this area.
check_PROGRAMS += test/unit/test_ctd_util
TESTS += test/unit/test_ctd_util
# A white-box test: it sees the client's private headers.
test_unit_test_ctd_util_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/app/containerd

# Integration tests on a real containerd (test/run-integration starts the stack).
check_PROGRAMS += test/integration/it_ctd_ops
INTEGRATION_TESTS += test/integration/it_ctd_ops
test_integration_it_ctd_ops_SOURCES = test/integration/it_ctd_ops.c test/integration/it_ctd_common.h
check_PROGRAMS += test/integration/it_ctd_cycle
INTEGRATION_TESTS += test/integration/it_ctd_cycle
test_integration_it_ctd_cycle_SOURCES = test/integration/it_ctd_cycle.c test/integration/it_ctd_common.h
# Suppressions for the valgrind run of it_ctd_cycle (gRPC's own thread stacks).
EXTRA_DIST += app/containerd/valgrind.supp
