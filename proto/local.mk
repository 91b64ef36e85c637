# proto: Berth's own subset of containerd's API v1 (and the well-known types it needs). protoc-c
# generates the C at build time into $(top_builddir)/proto-gen/, compiled into one library.
PROTO_FILES = \
	proto/google/protobuf/any.proto \
	proto/google/protobuf/empty.proto \
	proto/google/protobuf/timestamp.proto \
	proto/google/protobuf/field_mask.proto \
	proto/containerd/types/mount.proto \
	proto/containerd/types/descriptor.proto \
	proto/containerd/types/metrics.proto \
	proto/cgroups/stats/v1/metrics.proto \
	proto/cgroups/v2/stats/metrics.proto \
	proto/containerd/types/task/task.proto \
	proto/containerd/events/task.proto \
	proto/containerd/services/version/v1/version.proto \
	proto/containerd/services/namespaces/v1/namespace.proto \
	proto/containerd/services/containers/v1/containers.proto \
	proto/containerd/services/snapshots/v1/snapshots.proto \
	proto/containerd/services/tasks/v1/tasks.proto \
	proto/containerd/services/images/v1/images.proto \
	proto/containerd/services/content/v1/content.proto \
	proto/containerd/services/diff/v1/diff.proto \
	proto/containerd/services/leases/v1/leases.proto \
	proto/containerd/services/events/v1/events.proto

PROTO_GEN_C = \
	proto-gen/google/protobuf/any.pb-c.c \
	proto-gen/google/protobuf/empty.pb-c.c \
	proto-gen/google/protobuf/timestamp.pb-c.c \
	proto-gen/google/protobuf/field_mask.pb-c.c \
	proto-gen/containerd/types/mount.pb-c.c \
	proto-gen/containerd/types/descriptor.pb-c.c \
	proto-gen/containerd/types/metrics.pb-c.c \
	proto-gen/cgroups/stats/v1/metrics.pb-c.c \
	proto-gen/cgroups/v2/stats/metrics.pb-c.c \
	proto-gen/containerd/types/task/task.pb-c.c \
	proto-gen/containerd/events/task.pb-c.c \
	proto-gen/containerd/services/version/v1/version.pb-c.c \
	proto-gen/containerd/services/namespaces/v1/namespace.pb-c.c \
	proto-gen/containerd/services/containers/v1/containers.pb-c.c \
	proto-gen/containerd/services/snapshots/v1/snapshots.pb-c.c \
	proto-gen/containerd/services/tasks/v1/tasks.pb-c.c \
	proto-gen/containerd/services/images/v1/images.pb-c.c \
	proto-gen/containerd/services/content/v1/content.pb-c.c \
	proto-gen/containerd/services/diff/v1/diff.pb-c.c \
	proto-gen/containerd/services/leases/v1/leases.pb-c.c \
	proto-gen/containerd/services/events/v1/events.pb-c.c
PROTO_GEN_H = $(PROTO_GEN_C:.c=.h)

noinst_LIBRARIES += proto/libberth_proto.a
nodist_proto_libberth_proto_a_SOURCES = $(PROTO_GEN_C) $(PROTO_GEN_H)
# Generated code: relaxed warnings, never edited by hand.
proto_libberth_proto_a_CFLAGS = -std=gnu11 $(SAN_CFLAGS) -w
BUILT_SOURCES += $(PROTO_GEN_C) $(PROTO_GEN_H)
EXTRA_DIST += $(PROTO_FILES)
CLEANFILES += $(PROTO_GEN_C) $(PROTO_GEN_H)

# Static pattern rules (not plain pattern rules): generated files must never be treated as
# intermediates, or new protos are silently not regenerated.
$(PROTO_GEN_C): proto-gen/%.pb-c.c: $(srcdir)/proto/%.proto
	@$(MKDIR_P) proto-gen
	$(AM_V_GEN)$(PROTOC_C) -I$(srcdir)/proto --c_out=proto-gen $<
$(PROTO_GEN_H): proto-gen/%.pb-c.h: proto-gen/%.pb-c.c
	@test -f $@ || { rm -f $<; $(MAKE) $(AM_MAKEFLAGS) $<; }
