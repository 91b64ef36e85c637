/* ctd-bench: the containerd client library against ctr, in one run on one containerd and image
 * (issue #3 §6).
 *
 *   ctd-bench -a SOCKET -n NAMESPACE [-i IMAGE] [-f ARCHIVE] [-N ITERATIONS] [-s SNAPSHOTTER]
 *
 * Measures, alternating library and ctr iterations so that drift hits both alike:
 *   create+start: spec build + Containers.Create + Snapshots.Prepare + Tasks.Create (null IO) +
 *                 Tasks.Start, against `ctr run -d IMAGE ID /bin/sleep 600`;
 *   exec:         ctd_exec_wait of /bin/true (Exec, Start, Wait, DeleteProcess, output captured
 *                 through files) and the same with null IO, against `ctr task exec ID /bin/true`.
 * Every container is removed between iterations (not timed). Prints median and p90 per operation
 * and the speed ratio = ctr median / library median (>= 1: the library is faster; goal >= 0.8).
 * -f imports ARCHIVE (e.g. berth-bot.tar) first. Exits 1 on any failed operation.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_containers.h"
#include "berth/ctd_exec.h"
#include "berth/ctd_snapshots.h"
#include "berth/ctd_tasks.h"
#include "berth/ctd_types.h"
#include "berth/image_import.h"
#include "berth/image_json.h"
#include "berth/image_resolve.h"
#include "berth/oci_spec.h"

extern char **environ;

#define MAX_ITER 1000
#define CALL_TIMEOUT_MS 60000

struct bench {
	ctd_conn *c;
	const char *socket, *ns, *image, *snapshotter;
	struct image_info info;
	char iodir[64];
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const berth_err *err)
{
	fprintf(stderr, "ctd-bench: %s: %s\n", what, err ? err->msg : strerror(errno));
	exit(1);
}

/* Runs ctr with the bench's socket and namespace plus args (NULL-terminated); output discarded. */
static int run_ctr(const struct bench *b, const char *const *args)
{
	char *argv[32];
	size_t n = 0;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;

	argv[n++] = "ctr";
	argv[n++] = "--address";
	argv[n++] = (char *)b->socket;
	argv[n++] = "-n";
	argv[n++] = (char *)b->ns;
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) != 0)
		return -1;
	rc = posix_spawnp(&pid, "ctr", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *spec_for(const struct bench *b, const char *id)
{
	static const char *const args[] = { "/bin/sleep", "600", NULL };
	struct oci_spec_opts o = { .id = id, .ns = b->ns, .args = args };
	berth_err err = { 0 };
	json_t *spec = oci_spec_build(b->info.config, &o, &err);
	char *text;

	if (!spec)
		die("spec", &err);
	text = json_dumps(spec, JSON_COMPACT);
	json_decref(spec);
	if (!text)
		die("spec", NULL);
	return text;
}

static void lib_create_start(const struct bench *b, const char *id)
{
	berth_err err = { 0 };
	char *spec = spec_for(b, id);
	ctd_container_opts co = { .id = id,
				  .image = b->image,
				  .spec_json = spec,
				  .snapshotter = b->snapshotter,
				  .snapshot_key = id };
	ctd_mounts rootfs = { 0 };

	if (ctd_container_create(b->c, &co, &err) != 0 ||
	    ctd_snapshot_prepare(b->c, b->snapshotter, id, b->info.top_chain_id, NULL, 0, &rootfs,
				 &err) != 0 ||
	    ctd_task_create(b->c, id, &rootfs, NULL, NULL, &err) != 0 ||
	    ctd_task_start(b->c, id, NULL, NULL, &err) != 0)
		die("library create+start", &err);
	ctd_mounts_free(&rootfs);
	free(spec);
}

static void ctr_create_start(const struct bench *b, const char *id)
{
	const char *const args[] = { "run",	     "-d",     "--snapshotter",
				     b->snapshotter, b->image, id,
				     "/bin/sleep",   "600",    NULL };

	if (run_ctr(b, args) != 0) {
		fprintf(stderr, "ctd-bench: ctr run -d %s failed\n", id);
		exit(1);
	}
}

/* Kill, wait, delete the task, remove the snapshot, delete the record. */
static void remove_container(const struct bench *b, const char *id)
{
	berth_err err = { 0 };

	if (ctd_task_kill(b->c, id, NULL, SIGKILL, true, &err) != 0 ||
	    ctd_task_wait(b->c, id, NULL, CALL_TIMEOUT_MS, NULL, &err) != 0 ||
	    ctd_task_delete(b->c, id, NULL, &err) != 0 ||
	    ctd_snapshot_remove(b->c, b->snapshotter, id, &err) != 0 ||
	    ctd_container_delete(b->c, id, &err) != 0)
		die("cleanup", &err);
}

static void lib_exec_captured(const struct bench *b, const char *id, const char *exec_id,
			      const char *process)
{
	ctd_exec_opts o = { .process_json = process,
			    .io_dir = b->iodir,
			    .timeout_ms = CALL_TIMEOUT_MS };
	ctd_exec_result res = { 0 };
	berth_err err = { 0 };

	if (ctd_exec_wait(b->c, id, exec_id, &o, &res, &err) != 0)
		die("library exec", &err);
	if (res.exit_status != 0) {
		fprintf(stderr, "ctd-bench: library exec exited %u\n", res.exit_status);
		exit(1);
	}
	ctd_exec_result_free(&res);
}

static void lib_exec_null_io(const struct bench *b, const char *id, const char *exec_id,
			     const char *process)
{
	berth_err err = { 0 };
	ctd_exit ex = { 0 };

	if (ctd_task_exec(b->c, id, exec_id, process, NULL, &err) != 0 ||
	    ctd_task_start(b->c, id, exec_id, NULL, &err) != 0 ||
	    ctd_task_wait(b->c, id, exec_id, CALL_TIMEOUT_MS, &ex, &err) != 0 ||
	    ctd_task_delete_process(b->c, id, exec_id, NULL, &err) != 0)
		die("library exec (null IO)", &err);
	if (ex.status != 0) {
		fprintf(stderr, "ctd-bench: library exec exited %u\n", ex.status);
		exit(1);
	}
}

static void ctr_exec(const struct bench *b, const char *id, const char *exec_id)
{
	const char *const args[] = { "task", "exec", "--exec-id", exec_id, id, "/bin/true", NULL };

	if (run_ctr(b, args) != 0) {
		fprintf(stderr, "ctd-bench: ctr task exec failed\n");
		exit(1);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Percentile p (0..100) of v[0..n) by nearest rank; sorts v. */
static double percentile(double *v, int n, int p)
{
	int rank;

	qsort(v, (size_t)n, sizeof *v, cmp_double);
	if (p == 50 && n % 2 == 0)
		return (v[n / 2 - 1] + v[n / 2]) / 2;
	rank = (p * n + 99) / 100;
	return v[rank < 1 ? 0 : rank - 1];
}

static void row(const char *what, double *lib, double *ctr, int n)
{
	double lm = percentile(lib, n, 50), lp = percentile(lib, n, 90);
	double cm = percentile(ctr, n, 50), cp = percentile(ctr, n, 90);

	printf("%-30s %9.1f %9.1f %9.1f %9.1f %8.2f  %s\n", what, lm, lp, cm, cp, cm / lm,
	       cm / lm >= 0.8 ? "ok" : "BELOW GOAL");
}

int main(int argc, char **argv)
{
	struct bench b = { .image = "docker.io/library/berth-bot:latest",
			   .snapshotter = "overlayfs" };
	const char *archive = NULL;
	static double lib_cs[MAX_ITER], ctr_cs[MAX_ITER], lib_ex[MAX_ITER], lib_exn[MAX_ITER],
		ctr_ex[MAX_ITER];
	int iterations = 20, opt;
	berth_err err = { 0 };
	char id[96], exec_id[64], exec_ctr[96], iodir_tmpl[] = "/tmp/ctd-bench-io.XXXXXX";
	const char *const true_args[] = { "/bin/true", NULL };
	char *exec_spec, *process;
	json_t *spec;

	while ((opt = getopt(argc, argv, "a:n:i:f:N:s:")) != -1) {
		switch (opt) {
		case 'a': b.socket = optarg; break;
		case 'n': b.ns = optarg; break;
		case 'i': b.image = optarg; break;
		case 'f': archive = optarg; break;
		case 'N': iterations = atoi(optarg); break;
		case 's': b.snapshotter = optarg; break;
		default:
			fprintf(stderr,
				"usage: ctd-bench -a SOCKET -n NAMESPACE [-i IMAGE] [-f ARCHIVE] "
				"[-N ITERATIONS] [-s SNAPSHOTTER]\n");
			return 2;
		}
	}
	if (!b.socket || !b.ns || iterations < 2 || iterations > MAX_ITER) {
		fprintf(stderr, "ctd-bench: -a and -n are required; 2 <= -N <= %d\n", MAX_ITER);
		return 2;
	}
	if (!mkdtemp(iodir_tmpl))
		die("mkdtemp", NULL);
	snprintf(b.iodir, sizeof b.iodir, "%s", iodir_tmpl);
	b.c = ctd_conn_new(b.socket, b.ns, CALL_TIMEOUT_MS, &err);
	if (!b.c)
		die("connect", &err);
	if (archive) {
		struct image_import_opts io = { .name = b.image, .snapshotter = b.snapshotter };

		if (image_import(b.c, archive, &io, NULL, &err) != 0)
			die("import", &err);
	}
	if (image_ensure(b.c, b.image, b.snapshotter, &b.info, &err) != 0)
		die("image", &err);

	/* warm-up: one of each, untimed (first shim start, page cache) */
	snprintf(id, sizeof id, "bench-warm-lib-%d", (int)getpid());
	lib_create_start(&b, id);
	remove_container(&b, id);
	snprintf(id, sizeof id, "bench-warm-ctr-%d", (int)getpid());
	ctr_create_start(&b, id);
	remove_container(&b, id);

	for (int i = 0; i < iterations; i++) {
		double t0;

		snprintf(id, sizeof id, "bench-lib-%d-%d", (int)getpid(), i);
		t0 = now_ms();
		lib_create_start(&b, id);
		lib_cs[i] = now_ms() - t0;
		remove_container(&b, id);

		snprintf(id, sizeof id, "bench-ctr-%d-%d", (int)getpid(), i);
		t0 = now_ms();
		ctr_create_start(&b, id);
		ctr_cs[i] = now_ms() - t0;
		remove_container(&b, id);
	}

	/* exec: one container, the process derived from its spec as the product does */
	snprintf(id, sizeof id, "bench-exec-%d", (int)getpid());
	exec_spec = spec_for(&b, id);
	spec = json_loads(exec_spec, 0, NULL);
	process = spec ? oci_spec_process_json(spec, true_args, NULL, NULL, &err) : NULL;
	if (!process)
		die("exec process", &err);
	lib_create_start(&b, id);
	for (int i = 0; i < iterations; i++) {
		double t0;

		snprintf(exec_id, sizeof exec_id, "lib-%d", i);
		t0 = now_ms();
		lib_exec_captured(&b, id, exec_id, process);
		lib_ex[i] = now_ms() - t0;

		snprintf(exec_id, sizeof exec_id, "libnull-%d", i);
		t0 = now_ms();
		lib_exec_null_io(&b, id, exec_id, process);
		lib_exn[i] = now_ms() - t0;

		snprintf(exec_ctr, sizeof exec_ctr, "ctr-%d", i);
		t0 = now_ms();
		ctr_exec(&b, id, exec_ctr);
		ctr_ex[i] = now_ms() - t0;
	}
	remove_container(&b, id);

	printf("containerd library vs ctr: %d iterations each, image %s, snapshotter %s (ms)\n",
	       iterations, b.image, b.snapshotter);
	printf("%-30s %9s %9s %9s %9s %8s\n", "operation", "lib med", "lib p90", "ctr med",
	       "ctr p90", "ratio");
	row("create+start", lib_cs, ctr_cs, iterations);
	{
		double ctr_copy[MAX_ITER];

		memcpy(ctr_copy, ctr_ex, sizeof(double) * (size_t)iterations);
		row("exec true (captured output)", lib_ex, ctr_copy, iterations);
	}
	row("exec true (null IO)", lib_exn, ctr_ex, iterations);
	printf("ratio = ctr median / library median: >= 1 means the library is faster; goal >= 0.8\n");

	free(process);
	free(exec_spec);
	json_decref(spec);
	image_info_free(&b.info);
	ctd_conn_free(b.c);
	ctd_shutdown();
	rmdir(b.iodir);
	return 0;
}
