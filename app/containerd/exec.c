/* exec.c: run a process in a task and wait for it, capturing its output through FIFOs.
 *
 * The shim writes a plain stdio path with O_APPEND, so regular files would grow with everything
 * the process prints (`yes` fills the disk until the deadline). FIFOs hold nothing on disk: a
 * thread drains them while the gRPC Wait blocks, keeps capture_max bytes of each and drops the
 * rest. The shim opens the FIFOs during Start (we hold the read ends already, so its blocking
 * open returns) and closes them once the process and everything holding its stdout have exited:
 * that is the drain's EOF.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_exec.h"
#include "berth/ctd_tasks.h"
#include "berth/deadline.h"
#include "berth/log.h"
#include "internal.h"

#define CAPTURE_DEFAULT (1024 * 1024)
/* After SIGKILL, how long to wait for the exit before giving up. */
#define KILL_WAIT_MS 5000
/* After the process has ended, how long output still in flight is read (a background child that
 * keeps stdout open would otherwise hold the call). */
#define DRAIN_GRACE_MS 1000
/* How long the clean-up after a failed wait (SIGKILL, DeleteProcess) may run past the deadline. */
#define CLEANUP_GRACE_MS 1000
#define READ_CHUNK (64 * 1024)

/* One captured stream. */
struct capture {
	int fd; /* read end of the FIFO (non-blocking); -1 if never opened */
	bool eof;
	size_t max; /* bytes kept at most */
	char *buf;  /* NEW; len bytes kept, room for a NUL */
	size_t len;
	size_t cap;
	bool truncated;
};

struct drain {
	struct capture s[2]; /* stdout, stderr */
	int wake[2];	     /* write end closed: the process has ended, finish within the grace */
	int error;	     /* errno of a failed poll/read/allocation; 0 */
};

/* Keeps what fits under max of data; drops the rest. Grows the buffer as data arrives. */
static int capture_keep(struct capture *s, const char *data, size_t n)
{
	size_t keep = n < s->max - s->len ? n : s->max - s->len;
	if (keep < n)
		s->truncated = true;
	if (keep == 0)
		return 0;
	if (s->len + keep + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + keep + 1)
			cap *= 2;
		if (cap > s->max + 1)
			cap = s->max + 1;
		char *nb = realloc(s->buf, cap);
		if (!nb)
			return -1;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, keep);
	s->len += keep;
	return 0;
}

/* Reads what is there now. 0, or -1 with errno set. */
static int capture_read(struct capture *s, char *chunk)
{
	ssize_t r = read(s->fd, chunk, READ_CHUNK);
	if (r > 0)
		return capture_keep(s, chunk, (size_t)r) == 0 ? 0 : (errno = ENOMEM, -1);
	if (r == 0) {
		s->eof = true; /* every writer has closed */
		return 0;
	}
	return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

/* The drain thread: reads both FIFOs until both are at EOF, or until the grace after the main
 * thread's wake-up has passed. Touches nothing but d (no gRPC state). */
static void *drain_main(void *arg)
{
	struct drain *d = arg;
	long long end = -1; /* set once woken */
	char *chunk = malloc(READ_CHUNK);
	if (!chunk) {
		d->error = ENOMEM;
		return NULL;
	}
	while (!(d->s[0].eof && d->s[1].eof)) {
		int timeout = -1;
		if (end >= 0) {
			long long left = end - berth_now_ms();
			if (left <= 0)
				break;
			timeout = (int)left;
		}
		struct pollfd p[3] = {
			{ end < 0 ? d->wake[0] : -1, POLLIN, 0 },
			{ d->s[0].eof ? -1 : d->s[0].fd, POLLIN, 0 },
			{ d->s[1].eof ? -1 : d->s[1].fd, POLLIN, 0 },
		};
		if (poll(p, 3, timeout) < 0) {
			if (errno == EINTR)
				continue;
			d->error = errno;
			break;
		}
		if (p[0].revents && end < 0)
			end = berth_now_ms() + DRAIN_GRACE_MS;
		for (int i = 0; i < 2; i++) {
			if (p[i + 1].revents && capture_read(&d->s[i], chunk) != 0) {
				d->error = errno;
				goto out;
			}
		}
	}
out:
	free(chunk);
	return NULL;
}

/* A fresh FIFO at path, its read end opened non-blocking into *fd (so the shim's open for
 * writing does not block). */
static int make_fifo(const char *path, int *fd, berth_err *err)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return berth_err_set(err, BERTH_E_INTERNAL, "exec: unlink %s: %s", path,
				     strerror(errno));
	if (mkfifo(path, 0600) != 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "exec: mkfifo %s: %s", path,
				     strerror(errno));
	*fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "exec: open %s: %s", path,
				     strerror(errno));
	return 0;
}

static void remove_fifo(const char *path)
{
	if (unlink(path) != 0 && errno != ENOENT)
		blog(BLOG_WARN, "exec: cannot remove %s: %s", path, strerror(errno));
}

/* SIGKILL and a bounded wait, so the process does not outlive the call; failures are logged (the
 * caller reports the error that brought it here). */
static void kill_process(ctd_conn *c, const char *container_id, const char *exec_id)
{
	berth_err kerr;
	if (ctd_task_kill(c, container_id, exec_id, SIGKILL, false, &kerr) != 0) {
		if (kerr.kind != BERTH_E_NOT_FOUND)
			blog(BLOG_WARN, "exec %s in %s: SIGKILL failed: %s", exec_id, container_id,
			     kerr.msg);
		return;
	}
	if (ctd_task_wait(c, container_id, exec_id, KILL_WAIT_MS, NULL, &kerr) != 0)
		blog(BLOG_WARN, "exec %s in %s: no exit within %d ms of SIGKILL: %s", exec_id,
		     container_id, KILL_WAIT_MS, kerr.msg);
}

/* Moves a capture's bytes into a NEW NUL-terminated string. */
static int capture_take(struct capture *s, char **out, size_t *len)
{
	if (!s->buf && !(s->buf = malloc(1)))
		return -1;
	s->buf[s->len] = '\0';
	*out = s->buf;
	*len = s->len;
	s->buf = NULL;
	return 0;
}

int ctd_exec_wait(ctd_conn *c, const char *container_id, const char *exec_id,
		  const ctd_exec_opts *o, ctd_exec_result *res, berth_err *err_out)
{
	berth_err local, *err = &local; /* always filled: the clean-up depends on its kind */
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
	size_t max = o->capture_max ? o->capture_max : CAPTURE_DEFAULT;
	if (max > CTD_EXEC_CAPTURE_LIMIT)
		max = CTD_EXEC_CAPTURE_LIMIT;
	struct drain d = { .wake = { -1, -1 } };
	for (int i = 0; i < 2; i++) {
		d.s[i].fd = -1;
		d.s[i].max = max;
	}
	bool draining = false;
	pthread_t thread;
	int rc = -1;
	berth_deadline saved_deadline = ctd_conn_deadline(c);

	if (make_fifo(out_path, &d.s[0].fd, err) != 0 || make_fifo(err_path, &d.s[1].fd, err) != 0)
		goto done;
	if (pipe2(d.wake, O_CLOEXEC) != 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "exec: pipe: %s", strerror(errno));
		goto done;
	}
	ctd_stdio io = { NULL, out_path, err_path, false };
	int64_t started = berth_now_ms();
	if (ctd_task_exec(c, container_id, exec_id, o->process_json, &io, err) != 0)
		goto done;
	/* The exec's own timeout, never past the connection's deadline. */
	berth_deadline deadline = berth_deadline_min(berth_deadline_after(o->timeout_ms),
						     saved_deadline);
	if (ctd_task_start(c, container_id, exec_id, NULL, err) != 0)
		goto stop;
	int perr = pthread_create(&thread, NULL, drain_main, &d);
	if (perr != 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "exec: cannot start the output thread: %s",
			      strerror(perr));
		goto stop;
	}
	draining = true;
	long long left = deadline - berth_now_ms();
	ctd_exit ex = { 0, 0 };
	if (ctd_task_wait(c, container_id, exec_id, left > 0 ? (int)left : 1, &ex, err) == 0) {
		res->exit_status = ex.status;
		rc = 0;
		goto delete;
	}
	if (err->kind == BERTH_E_NOT_FOUND)
		goto delete; /* the process is gone already */
stop:
	/* Any other failure (deadline, cancel, containerd error) would leave the process running. */
	/* The clean-up must run even when the deadline is what stopped the wait: it gets a short
	 * grace of its own (restored below). */
	ctd_conn_set_deadline(c, berth_deadline_after(CLEANUP_GRACE_MS));
	kill_process(c, container_id, exec_id);
	if (err->kind == BERTH_E_TIMEOUT && berth_now_ms() >= deadline)
		berth_err_setc(err, BERTH_E_TIMEOUT, BERTH_EC_DEADLINE_EXCEEDED,
			       "exec %s in %s: no exit within %lld ms", exec_id, container_id,
			       (long long)(deadline - started));
	delete:;
	/* Always drop the process, or the exec id stays taken and the shim keeps its state. */
	berth_err derr;
	if (ctd_task_delete_process(c, container_id, exec_id, NULL, &derr) != 0) {
		if (rc == 0) {
			*err = derr;
			rc = -1;
		} else if (derr.kind != BERTH_E_NOT_FOUND) {
			blog(BLOG_WARN, "exec %s in %s: %s", exec_id, container_id, derr.msg);
		}
	}
done:
	ctd_conn_set_deadline(c, saved_deadline);
	if (draining) {
		/* Closing the write end wakes the thread (POLLHUP): it ends within the grace. */
		close(d.wake[1]);
		d.wake[1] = -1;
		pthread_join(thread, NULL);
	}
	remove_fifo(out_path);
	remove_fifo(err_path);
	for (int i = 0; i < 2; i++) {
		if (d.s[i].fd >= 0)
			close(d.s[i].fd);
		if (d.wake[i] >= 0)
			close(d.wake[i]);
	}
	if (rc == 0 && d.error) {
		berth_err_set(err, BERTH_E_INTERNAL, "exec %s in %s: reading its output: %s",
			      exec_id, container_id, strerror(d.error));
		rc = -1;
	}
	bool keep = rc == 0 || err->kind == BERTH_E_TIMEOUT;
	if (keep && (capture_take(&d.s[0], &res->out, &res->out_len) != 0 ||
		     capture_take(&d.s[1], &res->err, &res->err_len) != 0)) {
		ctd_nomem(err, "exec");
		rc = -1;
		keep = false;
	}
	res->truncated = d.s[0].truncated || d.s[1].truncated;
	free(d.s[0].buf);
	free(d.s[1].buf);
	if (rc != 0) {
		if (!keep)
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
