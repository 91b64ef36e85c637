/* exec.c: run a process in a task and wait for it, capturing its output through files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define CAPTURE_DEFAULT (1024 * 1024)
/* After SIGKILL on timeout, how long to wait for the exit before giving up. */
#define KILL_WAIT_MS 5000

/* A fresh empty regular file the shim can open O_WRONLY|O_APPEND. */
static int make_capture_file(const char *path, berth_err *err)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return berth_err_set(err, BERTH_E_INTERNAL, "exec: unlink %s: %s", path,
				     strerror(errno));
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "exec: create %s: %s", path,
				     strerror(errno));
	close(fd);
	return 0;
}

/* Reads up to max bytes of path into a NEW NUL-terminated buffer; sets *truncated if longer. */
static int slurp(const char *path, size_t max, char **out, size_t *len, bool *truncated,
		 berth_err *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "exec: open %s: %s", path,
				     strerror(errno));
	char *buf = malloc(max + 1);
	if (!buf) {
		close(fd);
		return ctd_nomem(err, "exec");
	}
	size_t n = 0;
	for (;;) {
		char extra;
		ssize_t r = n < max ? read(fd, buf + n, max - n) : read(fd, &extra, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			berth_err_set(err, BERTH_E_INTERNAL, "exec: read %s: %s", path,
				      strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		if (n >= max) {
			*truncated = true;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int ctd_exec_wait(ctd_conn *c, const char *container_id, const char *exec_id,
		  const ctd_exec_opts *o, ctd_exec_result *res, berth_err *err_out)
{
	berth_err local, *err = &local; /* always filled: the timeout path depends on its kind */
	berth_err_clear(err);
	char out_path[PATH_MAX], err_path[PATH_MAX];
	memset(res, 0, sizeof(*res));
	if (!o->io_dir || !o->process_json || o->timeout_ms <= 0)
		return berth_err_set(err_out, BERTH_E_INVALID,
				     "exec: io_dir, process and a positive timeout are required");
	if ((size_t)snprintf(out_path, sizeof(out_path), "%s/%s.%s.out", o->io_dir, container_id,
			     exec_id) >= sizeof(out_path) ||
	    (size_t)snprintf(err_path, sizeof(err_path), "%s/%s.%s.err", o->io_dir, container_id,
			     exec_id) >= sizeof(err_path))
		return berth_err_set(err_out, BERTH_E_INVALID, "exec: capture path too long");
	int rc = -1;
	if (make_capture_file(out_path, err) != 0)
		goto files;
	if (make_capture_file(err_path, err) != 0)
		goto files;

	ctd_stdio io = { NULL, out_path, err_path, false };
	if (ctd_task_exec(c, container_id, exec_id, o->process_json, &io, err) != 0)
		goto files;
	ctd_exit ex = { 0, 0 };
	if (ctd_task_start(c, container_id, exec_id, NULL, err) != 0)
		goto process;
	if (ctd_task_wait(c, container_id, exec_id, o->timeout_ms, &ex, err) == 0) {
		rc = 0;
	} else if (err->kind == BERTH_E_TIMEOUT) {
		berth_err kerr;
		if (ctd_task_kill(c, container_id, exec_id, SIGKILL, false, &kerr) == 0)
			ctd_task_wait(c, container_id, exec_id, KILL_WAIT_MS, NULL, &kerr);
		berth_err_set(err, BERTH_E_TIMEOUT, "exec %s in %s: no exit within %d ms", exec_id,
			      container_id, o->timeout_ms);
	}
	res->exit_status = ex.status;
process:;
	/* Always drop the process, or the exec id stays taken and the shim keeps its state. */
	berth_err derr;
	if (ctd_task_delete_process(c, container_id, exec_id, NULL, &derr) != 0 && rc == 0) {
		*err = derr;
		rc = -1;
	}
	size_t max = o->capture_max ? o->capture_max : CAPTURE_DEFAULT;
	berth_err rerr;
	if ((slurp(out_path, max, &res->out, &res->out_len, &res->truncated, &rerr) != 0 ||
	     slurp(err_path, max, &res->err, &res->err_len, &res->truncated, &rerr) != 0) &&
	    rc == 0) {
		*err = rerr;
		rc = -1;
	}
files:
	unlink(out_path);
	unlink(err_path);
	if (rc != 0) {
		if (err->kind != BERTH_E_TIMEOUT)
			ctd_exec_result_free(res);
		if (err_out)
			*err_out = *err;
	}
	return rc;
}

void ctd_exec_result_free(ctd_exec_result *res)
{
	if (!res)
		return;
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
}
