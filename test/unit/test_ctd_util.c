/* Unit tests of the containerd client's pure parts: status mapping, map helpers, filters, task
 * status, and the wire contract of proto/ against containerd's own protos (when installed).
 * A white-box test of app/containerd: it alone outside that directory sees protobuf (see
 * test/layers-check.sh). */
#include <check.h>
#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/status.h>

#include "berth/ctd_metrics.h"
#include "berth/ctd_types.h"
#include "bt.h"
#include "cgroups/stats/v1/metrics.pb-c.h"
#include "cgroups/v2/stats/metrics.pb-c.h"
#include "containerd/events/task.pb-c.h"
#include "containerd/services/containers/v1/containers.pb-c.h"
#include "containerd/services/content/v1/content.pb-c.h"
#include "containerd/services/diff/v1/diff.pb-c.h"
#include "containerd/services/events/v1/events.pb-c.h"
#include "containerd/services/images/v1/images.pb-c.h"
#include "containerd/services/leases/v1/leases.pb-c.h"
#include "containerd/services/namespaces/v1/namespace.pb-c.h"
#include "containerd/services/snapshots/v1/snapshots.pb-c.h"
#include "containerd/services/tasks/v1/tasks.pb-c.h"
#include "containerd/services/version/v1/version.pb-c.h"
#include "internal.h"

START_TEST(test_status_kind)
{
	ck_assert_int_eq(ctd_status_kind(GRPC_STATUS_NOT_FOUND), BERTH_E_NOT_FOUND);
	ck_assert_int_eq(ctd_status_kind(GRPC_STATUS_ALREADY_EXISTS), BERTH_E_ALREADY_EXISTS);
	ck_assert_int_eq(ctd_status_kind(GRPC_STATUS_FAILED_PRECONDITION), BERTH_E_PRECONDITION);
	ck_assert_int_eq(ctd_status_kind(GRPC_STATUS_UNAVAILABLE), BERTH_E_UNAVAILABLE);
	ck_assert_int_eq(ctd_status_kind(GRPC_STATUS_DEADLINE_EXCEEDED), BERTH_E_TIMEOUT);
	ck_assert_int_eq(ctd_status_kind(GRPC_STATUS_INVALID_ARGUMENT), BERTH_E_INVALID);
	/* UNKNOWN is a timeout only at the call's deadline, which the call layer decides by its
	 * clock, never by containerd's text. */
	ck_assert_int_eq(ctd_status_kind(GRPC_STATUS_UNKNOWN), BERTH_E_INTERNAL);
	ck_assert_int_eq(ctd_status_kind(GRPC_STATUS_UNIMPLEMENTED), BERTH_E_INTERNAL);
	ck_assert_int_eq(ctd_status_kind(GRPC_STATUS_OK), BERTH_OK);
}
END_TEST

START_TEST(test_map_build_get)
{
	const ctd_label labels[] = { { "a", "1" }, { "gone", NULL }, { "mcp.bot_id", "x-y" } };
	ProtobufCMessage **entries = NULL;
	size_t n = 0;
	ck_assert_int_eq(
		ctd_map_build(
			&containerd__services__containers__v1__container__labels_entry__descriptor,
			labels, 3, &entries, &n),
		0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(ctd_map_get(n, entries, "a"), "1");
	ck_assert_str_eq(ctd_map_get(n, entries, "mcp.bot_id"), "x-y");
	ck_assert_ptr_null(ctd_map_get(n, entries, "gone"));

	/* Round trip through the wire inside a real message. */
	Containerd__Services__Containers__V1__Container ctr =
		CONTAINERD__SERVICES__CONTAINERS__V1__CONTAINER__INIT;
	ctr.id = "c1";
	ctr.n_labels = n;
	ctr.labels = (Containerd__Services__Containers__V1__Container__LabelsEntry **)entries;
	uint8_t buf[256];
	size_t len = containerd__services__containers__v1__container__pack(&ctr, buf);
	Containerd__Services__Containers__V1__Container *back =
		containerd__services__containers__v1__container__unpack(NULL, len, buf);
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(ctd_map_get(back->n_labels, (ProtobufCMessage **)back->labels, "a"), "1");
	/* As Berth's own labels (what the ctd_*.h records carry). */
	const ctd_label *plain = NULL;
	size_t n_plain = 0;
	ck_assert_int_eq(CTD_LABELS_OF(back->labels, back->n_labels, &plain, &n_plain), 0);
	ck_assert_uint_eq(n_plain, 2);
	ck_assert_str_eq(ctd_label_get(plain, n_plain, "mcp.bot_id"), "x-y");
	ck_assert_ptr_null(ctd_label_get(plain, n_plain, "gone"));
	free((void *)plain);
	ctd_reply_free(back);
	ctd_map_free(entries, n);

	/* A descriptor that is not a string map entry is refused. */
	ck_assert_int_eq(
		ctd_map_build(&containerd__services__images__v1__delete_image_request__descriptor,
			      labels, 1, &entries, &n),
		0 - 1);
	ck_assert_int_eq(
		ctd_map_build(&containerd__services__images__v1__image__labels_entry__descriptor,
			      NULL, 0, &entries, &n),
		0);
	ck_assert_ptr_null(entries);
}
END_TEST

START_TEST(test_filter_label)
{
	char buf[64];
	berth_err err;
	ck_assert_int_eq(ctd_filter_label(buf, sizeof(buf), "mcp.bot_id", "abc-1", &err), 0);
	ck_assert_str_eq(buf, "labels.\"mcp.bot_id\"==\"abc-1\"");
	ck_assert_int_eq(ctd_filter_label(buf, sizeof(buf), "k", "a\"b\\c", &err), 0);
	ck_assert_str_eq(buf, "labels.\"k\"==\"a\\\"b\\\\c\"");
	char small[12];
	ck_assert_int_eq(ctd_filter_label(small, sizeof(small), "mcp.bot_id", "v", &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_int_eq(ctd_filter_label(buf, 20, "k", "0123456789", &err), -1);
}
END_TEST

START_TEST(test_task_status)
{
	ck_assert_int_eq(ctd_task_status_from_proto(CONTAINERD__V1__TYPES__STATUS__RUNNING),
			 CTD_TASK_RUNNING);
	ck_assert_int_eq(ctd_task_status_from_proto(CONTAINERD__V1__TYPES__STATUS__CREATED),
			 CTD_TASK_CREATED);
	ck_assert_int_eq(ctd_task_status_from_proto(CONTAINERD__V1__TYPES__STATUS__STOPPED),
			 CTD_TASK_STOPPED);
	ck_assert_int_eq(ctd_task_status_from_proto(CONTAINERD__V1__TYPES__STATUS__PAUSING),
			 CTD_TASK_PAUSED);
	ck_assert_int_eq(ctd_task_status_from_proto(99), CTD_TASK_UNKNOWN);
	ck_assert_str_eq(ctd_task_status_name(CTD_TASK_STOPPED), "stopped");
	ck_assert_str_eq(ctd_task_status_name(CTD_TASK_UNKNOWN), "unknown");
}
END_TEST

START_TEST(test_mounts_free)
{
	const char *opts[] = { "ro" };
	ctd_mount one = { "bind", "/src", "/dst", opts, 1 };
	ctd_mounts m = { 1, &one, NULL };
	ctd_mounts_free(&m); /* caller-built: nothing owned, nothing changed */
	ck_assert_uint_eq(m.n, 1);
	ck_assert_ptr_eq(m.mounts, &one);
	/* ... and sent as containerd's Mount messages that borrow its strings. */
	Containerd__Types__Mount **pb = NULL;
	berth_err err;
	ck_assert_int_eq(ctd_mounts_proto(&m, &pb, &err), 0);
	ck_assert_str_eq(pb[0]->type, "bind");
	ck_assert_ptr_eq(pb[0]->options, (char **)opts);
	free(pb);
	ctd_mounts_free(NULL);
	ctd_reply_free(NULL);
}
END_TEST

/* ---- cgroup metrics decoding ------------------------------------------------------------------ */

START_TEST(test_cgroup_stats_decode)
{
	ctd_cgroup_stats st;
	berth_err err = { 0 };
	uint8_t buf[1024];

	/* v1: nanoseconds to microseconds, LLONG_MAX page-aligned is no limit, pids.max "max" is 0. */
	Io__Containerd__Cgroups__V1__CPUUsage usage = IO__CONTAINERD__CGROUPS__V1__CPUUSAGE__INIT;
	Io__Containerd__Cgroups__V1__Throttle thr = IO__CONTAINERD__CGROUPS__V1__THROTTLE__INIT;
	Io__Containerd__Cgroups__V1__CPUStat cpu = IO__CONTAINERD__CGROUPS__V1__CPUSTAT__INIT;
	Io__Containerd__Cgroups__V1__MemoryEntry mu =
		IO__CONTAINERD__CGROUPS__V1__MEMORY_ENTRY__INIT;
	Io__Containerd__Cgroups__V1__MemoryEntry sw =
		IO__CONTAINERD__CGROUPS__V1__MEMORY_ENTRY__INIT;
	Io__Containerd__Cgroups__V1__MemoryStat mem =
		IO__CONTAINERD__CGROUPS__V1__MEMORY_STAT__INIT;
	Io__Containerd__Cgroups__V1__MemoryOomControl oom =
		IO__CONTAINERD__CGROUPS__V1__MEMORY_OOM_CONTROL__INIT;
	Io__Containerd__Cgroups__V1__PidsStat pids = IO__CONTAINERD__CGROUPS__V1__PIDS_STAT__INIT;
	Io__Containerd__Cgroups__V1__Metrics m1 = IO__CONTAINERD__CGROUPS__V1__METRICS__INIT;
	usage.total = 2500000;
	usage.user = 2000000;
	usage.kernel = 500000;
	thr.periods = 10;
	thr.throttled_periods = 4;
	thr.throttled_time = 7000;
	cpu.usage = &usage;
	cpu.throttling = &thr;
	mu.usage = 4096;
	mu.limit = 9223372036854771712ULL;
	mu.max = 8192;
	mu.failcnt = 3;
	sw.limit = 33554432;
	mem.usage = &mu;
	mem.swap = &sw;
	oom.oom_kill = 2;
	pids.current = 5;
	pids.limit = 0;
	m1.cpu = &cpu;
	m1.memory = &mem;
	m1.memory_oom_control = &oom;
	m1.pids = &pids;
	size_t len = io__containerd__cgroups__v1__metrics__get_packed_size(&m1);
	ck_assert_uint_le(len, sizeof buf);
	io__containerd__cgroups__v1__metrics__pack(&m1, buf);
	ck_assert_int_eq(
		ctd_cgroup_stats_decode("io.containerd.cgroups.v1.Metrics", buf, len, &st, &err),
		0);
	ck_assert_int_eq(st.cgroup_version, 1);
	ck_assert_uint_eq(st.cpu_usage_usec, 2500);
	ck_assert_uint_eq(st.cpu_user_usec, 2000);
	ck_assert_uint_eq(st.cpu_system_usec, 500);
	ck_assert_uint_eq(st.cpu_nr_throttled, 4);
	ck_assert_uint_eq(st.cpu_throttled_usec, 7);
	ck_assert_uint_eq(st.mem_usage, 4096);
	ck_assert(st.mem_limit == CTD_UNLIMITED);
	ck_assert(st.mem_max_usage_known);
	ck_assert_uint_eq(st.mem_max_usage, 8192);
	ck_assert_uint_eq(st.mem_swap_limit, 33554432);
	ck_assert_uint_eq(st.mem_failcnt, 3);
	ck_assert(st.oom_kills_known);
	ck_assert_uint_eq(st.oom_kills, 2);
	ck_assert_uint_eq(st.pids_current, 5);
	ck_assert(st.pids_limit == CTD_UNLIMITED);
	/* a type_url with a host prefix names the same type */
	ck_assert_int_eq(ctd_cgroup_stats_decode("types.example/io.containerd.cgroups.v1.Metrics",
						 buf, len, &st, &err),
			 0);

	/* v2: microseconds as they are, "max" is UINT64_MAX, memory.events. */
	Io__Containerd__Cgroups__V2__CPUStat c2 = IO__CONTAINERD__CGROUPS__V2__CPUSTAT__INIT;
	Io__Containerd__Cgroups__V2__MemoryStat m2s =
		IO__CONTAINERD__CGROUPS__V2__MEMORY_STAT__INIT;
	Io__Containerd__Cgroups__V2__MemoryEvents ev =
		IO__CONTAINERD__CGROUPS__V2__MEMORY_EVENTS__INIT;
	Io__Containerd__Cgroups__V2__PidsStat p2 = IO__CONTAINERD__CGROUPS__V2__PIDS_STAT__INIT;
	Io__Containerd__Cgroups__V2__Metrics m2 = IO__CONTAINERD__CGROUPS__V2__METRICS__INIT;
	c2.usage_usec = 1234;
	c2.nr_throttled = 9;
	m2s.usage = 100;
	m2s.usage_limit = 67108864;
	m2s.swap_limit = UINT64_MAX;
	ev.oom_kill = 1;
	ev.max = 6;
	p2.current = 3;
	p2.limit = 32;
	m2.cpu = &c2;
	m2.memory = &m2s;
	m2.memory_events = &ev;
	m2.pids = &p2;
	len = io__containerd__cgroups__v2__metrics__get_packed_size(&m2);
	ck_assert_uint_le(len, sizeof buf);
	io__containerd__cgroups__v2__metrics__pack(&m2, buf);
	ck_assert_int_eq(
		ctd_cgroup_stats_decode("io.containerd.cgroups.v2.Metrics", buf, len, &st, &err),
		0);
	ck_assert_int_eq(st.cgroup_version, 2);
	ck_assert_uint_eq(st.cpu_usage_usec, 1234);
	ck_assert_uint_eq(st.cpu_nr_throttled, 9);
	ck_assert_uint_eq(st.mem_limit, 67108864);
	ck_assert(st.mem_swap_limit == CTD_UNLIMITED);
	ck_assert(!st.mem_max_usage_known);
	ck_assert_uint_eq(st.mem_failcnt, 6);
	ck_assert_uint_eq(st.oom_kills, 1);
	ck_assert_uint_eq(st.pids_limit, 32);

	/* Unknown types and undecodable bytes fail. */
	ck_assert_int_eq(
		ctd_cgroup_stats_decode("io.containerd.cgroups.v3.Metrics", buf, len, &st, &err),
		-1);
	ck_assert_int_eq(err.kind, BERTH_E_UNSUPPORTED);
	ck_assert_int_eq(ctd_cgroup_stats_decode(NULL, buf, len, &st, &err), -1);
	const uint8_t junk[] = { 0x0a, 0xff, 0xff, 0xff };
	ck_assert_int_eq(ctd_cgroup_stats_decode("io.containerd.cgroups.v2.Metrics", junk,
						 sizeof junk, &st, &err),
			 -1);
	ck_assert_int_eq(err.kind, BERTH_E_INTERNAL);
}
END_TEST

/* ---- wire contract: our subset against containerd's protos ---------------------------------- */

#define UPSTREAM "/usr/share/gocode/src/github.com/containerd/containerd/api"
#define CGROUPS_UPSTREAM "/usr/share/gocode/src/github.com/containerd/cgroups"

struct upfield {
	char msg[200];
	char name[64];
	int number;
};
static struct upfield *up;
static size_t n_up, cap_up;

/* Text scan of one .proto: records "package.Outer.Inner" + field name + number. */
static void scan_proto(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[512], pkg[128] = "", stack[8][64];
	int depth = 0, kinds[8]; /* 1 = message, 0 = other block */
	regex_t field_re, msg_re, pkg_re;
	ck_assert_int_eq(
		regcomp(&field_re,
			"^[[:space:]]*(repeated[[:space:]]+)?(map<[^>]*>|[A-Za-z0-9_.]+)[[:space:]]+([A-Za-z0-9_]+)[[:space:]]*=[[:space:]]*([0-9]+)",
			REG_EXTENDED),
		0);
	ck_assert_int_eq(
		regcomp(&msg_re,
			"^[[:space:]]*(message|enum|service|oneof)[[:space:]]+([A-Za-z0-9_]+)",
			REG_EXTENDED),
		0);
	ck_assert_int_eq(regcomp(&pkg_re, "^package[[:space:]]+([A-Za-z0-9_.]+)", REG_EXTENDED), 0);
	while (fgets(line, sizeof(line), f)) {
		regmatch_t m[5];
		char *comment = strstr(line, "//");
		if (comment)
			*comment = '\0';
		if (regexec(&pkg_re, line, 2, m, 0) == 0) {
			snprintf(pkg, sizeof(pkg), "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
				 line + m[1].rm_so);
		} else if (regexec(&msg_re, line, 3, m, 0) == 0 && strchr(line, '{')) {
			if (depth < 8) {
				snprintf(stack[depth], sizeof(stack[0]), "%.*s",
					 (int)(m[2].rm_eo - m[2].rm_so), line + m[2].rm_so);
				kinds[depth] = strncmp(line + m[1].rm_so, "message", 7) == 0;
			}
			depth++;
			if (strchr(line, '}'))
				depth--;
			continue;
		} else if (depth > 0 && depth <= 8 && kinds[depth - 1] &&
			   regexec(&field_re, line, 5, m, 0) == 0) {
			if (n_up == cap_up) {
				cap_up = cap_up ? 2 * cap_up : 256;
				up = realloc(up, cap_up * sizeof(*up));
				ck_assert_ptr_nonnull(up);
			}
			struct upfield *u = &up[n_up++];
			size_t pos = (size_t)snprintf(u->msg, sizeof(u->msg), "%s", pkg);
			for (int i = 0; i < depth && pos < sizeof(u->msg); i++)
				pos += (size_t)snprintf(u->msg + pos, sizeof(u->msg) - pos, ".%s",
							stack[i]);
			snprintf(u->name, sizeof(u->name), "%.*s", (int)(m[3].rm_eo - m[3].rm_so),
				 line + m[3].rm_so);
			u->number = atoi(line + m[4].rm_so);
		}
		for (char *p = line; *p; p++)
			if (*p == '}' && depth > 0)
				depth--;
	}
	regfree(&field_re);
	regfree(&msg_re);
	regfree(&pkg_re);
	fclose(f);
}

static void scan_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[1024];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		size_t len = strlen(e->d_name);
		if (len > 6 && strcmp(e->d_name + len - 6, ".proto") == 0)
			scan_proto(path);
		else if (e->d_type == DT_DIR)
			scan_tree(path);
	}
	closedir(d);
}

static int n_checked_fields;

static void check_message(const ProtobufCMessageDescriptor *d, int depth)
{
	size_t nl = strlen(d->name);
	if (depth > 6 || (nl > 5 && strcmp(d->name + nl - 5, "Entry") == 0))
		return; /* map entries are synthesised by protoc, not written in the .proto */
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		int found = 0;
		for (size_t j = 0; j < n_up; j++)
			if (strcmp(up[j].msg, d->name) == 0 && strcmp(up[j].name, f->name) == 0) {
				ck_assert_msg(up[j].number == (int)f->id,
					      "%s.%s is %u here, %d upstream", d->name, f->name,
					      f->id, up[j].number);
				found = 1;
			}
		ck_assert_msg(found, "%s.%s not found upstream", d->name, f->name);
		n_checked_fields++;
		if (f->type == PROTOBUF_C_TYPE_MESSAGE)
			check_message(f->descriptor, depth + 1);
	}
}

START_TEST(test_wire_contract)
{
	DIR *d = opendir(UPSTREAM);
	if (!d)
		bt_skip("%s not installed", UPSTREAM);
	closedir(d);
	scan_tree(UPSTREAM);
	scan_proto("/usr/include/google/protobuf/any.proto");
	scan_proto("/usr/include/google/protobuf/timestamp.proto");
	scan_proto("/usr/include/google/protobuf/field_mask.proto");
	ck_assert_uint_gt(n_up, 100);
	const ProtobufCServiceDescriptor *svcs[] = {
		&containerd__services__version__v1__version__descriptor,
		&containerd__services__namespaces__v1__namespaces__descriptor,
		&containerd__services__containers__v1__containers__descriptor,
		&containerd__services__snapshots__v1__snapshots__descriptor,
		&containerd__services__tasks__v1__tasks__descriptor,
		&containerd__services__images__v1__images__descriptor,
		&containerd__services__content__v1__content__descriptor,
		&containerd__services__diff__v1__diff__descriptor,
		&containerd__services__leases__v1__leases__descriptor,
		&containerd__services__events__v1__events__descriptor,
	};
	for (size_t s = 0; s < sizeof(svcs) / sizeof(svcs[0]); s++)
		for (unsigned m = 0; m < svcs[s]->n_methods; m++) {
			check_message(svcs[s]->methods[m].input, 0);
			check_message(svcs[s]->methods[m].output, 0);
		}
	check_message(&containerd__events__task_exit__descriptor, 0);
	check_message(&containerd__events__task_start__descriptor, 0);
	/* The cgroup metrics Tasks.Metrics carries (github.com/containerd/cgroups, when installed). */
	d = opendir(CGROUPS_UPSTREAM);
	if (d) {
		closedir(d);
		scan_tree(CGROUPS_UPSTREAM);
		check_message(&io__containerd__cgroups__v1__metrics__descriptor, 0);
		check_message(&io__containerd__cgroups__v2__metrics__descriptor, 0);
	}
	ck_assert_int_gt(n_checked_fields, 150);
	free(up);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctd_util");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, test_status_kind);
	tcase_add_test(tc, test_map_build_get);
	tcase_add_test(tc, test_filter_label);
	tcase_add_test(tc, test_task_status);
	tcase_add_test(tc, test_mounts_free);
	tcase_add_test(tc, test_cgroup_stats_decode);
	tcase_add_test(tc, test_wire_contract);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
