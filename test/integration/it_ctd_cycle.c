/* A create/start/exec/stop/delete cycle through the containerd client, built to run clean under
 * valgrind (issue #3 §5). It is an ordinary integration test too. Under valgrind (a build without
 * --enable-sanitizers):
 *   valgrind --error-exitcode=1 --leak-check=full \
 *     --suppressions=$BERTH_SRCDIR/app/containerd/valgrind.supp test/integration/it_ctd_cycle
 * It runs without forking (CK_NOFORK), so valgrind sees one process, and shuts gRPC down at the
 * end so that no gRPC thread is alive at exit. */
#include "config.h"

#include <signal.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_containers.h"
#include "berth/ctd_exec.h"
#include "berth/ctd_snapshots.h"
#include "berth/ctd_tasks.h"
#include "berth/ctd_types.h"
#include "it_ctd_common.h"

static void cycle(int round)
{
	ctd_conn *c = test_conn();
	berth_err err;
	char id[96], iodir[] = "/tmp/h-ctd-cycle-XXXXXX";
	test_id(id, sizeof(id), "cycle");
	const char *args[] = { "/bin/sleep", "1000", NULL };
	const ctd_label labels[] = { { "berth.test", "cycle" } };
	ctd_mounts rootfs = { 0 };
	test_container_up(c, id, args, labels, 1, &rootfs);
	ck_assert_msg(ctd_task_create(c, id, &rootfs, NULL, NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(ctd_task_start(c, id, NULL, NULL, &err) == 0, "%s", err.msg);

	ck_assert_ptr_nonnull(mkdtemp(iodir));
	char *proc = test_process_json("echo round-$0");
	ctd_exec_opts eo = { .process_json = proc, .io_dir = iodir, .timeout_ms = 20000 };
	ctd_exec_result res;
	ck_assert_msg(ctd_exec_wait(c, id, "x", &eo, &res, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(res.exit_status, 0);
	ck_assert_str_eq(res.out, "round-/bin/sh\n");
	ctd_exec_result_free(&res);
	free(proc);
	rmdir(iodir);

	ck_assert_msg(ctd_task_kill(c, id, NULL, SIGKILL, true, &err) == 0, "%s", err.msg);
	ctd_exit ex;
	ck_assert_msg(ctd_task_wait(c, id, NULL, 20000, &ex, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(ex.status, 137);
	ck_assert_msg(ctd_task_delete(c, id, NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(ctd_snapshot_remove(c, SNAPSHOTTER, id, &err) == 0, "%s", err.msg);
	ck_assert_msg(ctd_container_delete(c, id, &err) == 0, "%s", err.msg);
	ctd_container *g = NULL;
	ck_assert_int_eq(ctd_container_get(c, id, &g, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_NOT_FOUND);
	ctd_mounts_free(&rootfs);
	ctd_conn_free(c);
	(void)round;
}

START_TEST(test_cycle)
{
	for (int i = 0; i < 2; i++)
		cycle(i);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("it_ctd_cycle");
	TCase *tc = tcase_create("cycle");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_cycle);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	ctd_shutdown();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
