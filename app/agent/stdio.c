/* stdio.c: stdio MCP sessions held by the agent (the contract is in agent_wire.h, "stdio MCP
 * sessions"). Threads and ownership:
 * - one I/O thread (started with the first session) owns every session's fds and process: it
 *   watches (epoll) stdout, stderr, stdin (when there is something to write) and the child's exit
 *   eventfd, parses stdout lines, logs stderr lines, closes idle sessions, kills and reaps closing
 *   ones, and frees the oldest tombstones (closed sessions nobody waits on); a start that reuses
 *   the id of a closed session frees its tombstone too (the I/O thread keeps no pointer to a
 *   reaped one);
 * - the connection threads (stdio/start, call, messages, list, close) only touch buffers, flags
 *   and pending calls under `lock`, wake the I/O thread through an eventfd (or change its epoll
 *   set) and wait on `cond` (CLOCK_MONOTONIC) with a deadline; for a call, a connection thread
 *   writes the message to the session's stdin itself when nothing is queued before it, and reads
 *   the session's stdout itself until its reply comes (drive(): stdout is out of the I/O thread's
 *   epoll set meanwhile), so that a relayed call costs no handoff between threads.
 * Lock order: lock, then children.c's registry lock (agent_child_exited). */
#include "agent.h"

#include "berth/deadline.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define STDIO_MAX_ARGS 4096
#define STDIO_READ_CHUNK 65536
#define STDIO_READ_BUDGET (1u * 1024 * 1024) /* per session per poll round: fairness */
#define STDIO_WBUF_MAX (2 * AGENT_STDIO_MAX_LINE)
#define STDIO_REASON_MAX 256
/* After stdout's EOF, how long the exit gets to arrive, so that the reason says how it ended. */
#define STDIO_EOF_WAIT_MS 500
/* A call that reads its session's stdout itself looks at the session's state at least this often
 * (a close by another thread wakes only the threads waiting on cond). */
#define STDIO_DRIVE_SLICE_MS 25
#define STDIO_EPOLL_EVENTS 64
/* Retry of a session whose fds could not be added to the epoll set (out of memory). */
#define STDIO_REGISTER_RETRY_MS 100

/* What an epoll event is about: the session pointer with this in its low bits (0: wake_fd). */
enum src_kind { SRC_EXIT = 1, SRC_OUT = 2, SRC_ERR = 3, SRC_IN = 4 };
#define SRC_MASK 7u

enum mcp_state { ST_NONE, ST_INITIALIZING, ST_INITIALIZED, ST_READY };
static const char *const state_names[] = { "none", "initializing", "initialized", "ready" };

struct pending {
	struct pending *next;
	char *key;	  /* the JSON encoding of the call's id */
	json_t *response; /* set by the I/O thread (NEW, taken by the waiter) */
	bool done;
};

struct qmsg {
	struct qmsg *next;
	json_t *msg;
	size_t bytes;
};

struct session {
	struct session *next;
	char id[AGENT_STDIO_ID_MAX + 1];
	char *name, *command;
	struct child *child;
	pid_t pid;
	int in_fd, out_fd, err_fd;
	char *wbuf;
	size_t wlen;
	char *rbuf;
	size_t rlen, rcap, rscanned;
	char ebuf[AGENT_STDIO_STDERR_LINE + 1];
	size_t elen;
	bool etrunc;
	int64_t err_window;
	unsigned err_lines;
	unsigned long err_dropped;
	enum mcp_state state;
	struct pending *pending;
	struct qmsg *qhead, *qtail;
	size_t qcount, qbytes;
	unsigned long dropped;
	int64_t created_wall, last_used_wall, last_used, idle_ms;
	bool open;   /* accepts calls; false from the start of its close */
	bool reaped; /* the process is gone and the fds closed: a tombstone */
	int64_t kill_at;
	bool killed;
	int64_t eof_at;	  /* stdout ended while the process runs: closed STDIO_EOF_WAIT_MS later */
	int waiters;	  /* connection threads holding a pointer to it */
	bool registered;  /* its exit and stderr fds are in the I/O thread's epoll set */
	bool driven;	  /* a call reads its stdout itself: stdout is out of the set */
	bool out_watched; /* stdout in the set (registered and not driven) */
	bool in_watched;  /* stdin in the set (EPOLLOUT, while wbuf holds bytes) */
	char reason[STDIO_REASON_MAX];
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond;
static int wake_fd = -1;
static int epfd = -1; /* the I/O thread's epoll set: wake_fd and every live session's fds */
static bool io_running;
static struct session *sessions; /* newest first */
static int reserved;		 /* starts in progress (counted against the limit) */
static char starting[AGENT_STDIO_MAX][AGENT_STDIO_ID_MAX + 1]; /* their ids ("" = free slot) */

/* ---- helpers ---- */

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_t *rpc_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *rpc_err(int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return json_pack("{s:i, s:s%}", "code", code, "message", msg, strnlen(msg, sizeof msg));
}

static void wake(void)
{
	uint64_t one = 1;

	if (wake_fd >= 0 && write(wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		agent_log("error", "stdio: wake: %s", strerror(errno));
}

static void *io_main(void *arg);

static void init_once(void)
{
	pthread_condattr_t attr;
	pthread_t thread;
	int rc;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&cond, &attr);
	pthread_condattr_destroy(&attr);
	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wake_fd < 0) {
		agent_log("error", "stdio: eventfd: %s", strerror(errno));
		return;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, wake_fd,
				  &(struct epoll_event){ .events = EPOLLIN, .data.u64 = 0 }) < 0) {
		agent_log("error", "stdio: epoll: %s", strerror(errno));
		return;
	}
	rc = pthread_create(&thread, NULL, io_main, NULL);
	if (rc != 0) {
		agent_log("error", "stdio: pthread_create: %s", strerror(rc));
		return;
	}
	pthread_detach(thread);
	io_running = true;
}

/* Waits on cond until deadline (monotonic ms; 0: none). false when the deadline passed. */
static bool wait_until(int64_t deadline)
{
	struct timespec ts;

	if (!deadline) {
		pthread_cond_wait(&cond, &lock);
		return true;
	}
	if (berth_now_ms() >= deadline)
		return false;
	ts.tv_sec = deadline / 1000;
	ts.tv_nsec = (deadline % 1000) * 1000000;
	return pthread_cond_timedwait(&cond, &lock, &ts) != ETIMEDOUT || berth_now_ms() < deadline;
}

static struct session *find(const char *id)
{
	struct session *s;

	for (s = sessions; s; s = s->next)
		if (!strcmp(s->id, id))
			return s;
	return NULL;
}

static int count_open(void)
{
	struct session *s;
	int n = 0;

	for (s = sessions; s; s = s->next)
		if (!s->reaped)
			n++;
	return n;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- the epoll set (under lock; epoll_ctl takes effect for an epoll_wait in progress) ---- */

static int ep_ctl(int op, int fd, struct session *s, enum src_kind kind, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)(uintptr_t)s | kind };

	return epoll_ctl(epfd, op, fd, &ev);
}

/* Closes one of a session's fds, out of the epoll set first (not in it: ENOENT, ignored). */
static void close_src(struct session *s, int *fd)
{
	if (*fd >= 0 && s->registered)
		(void)epoll_ctl(epfd, EPOLL_CTL_DEL, *fd, NULL);
	if (fd == &s->in_fd)
		s->in_watched = false;
	else if (fd == &s->out_fd)
		s->out_watched = false;
	close_fd(fd);
}

/* Puts fd in the epoll set (for events) or takes it out, as want says; *in_set tracks it. A pipe
 * end out of the set reports nothing (an fd in it would report its hangup whatever it asks). */
static void watch(struct session *s, int fd, enum src_kind kind, uint32_t events, bool want,
		  bool *in_set)
{
	if (!s->registered || fd < 0 || want == *in_set)
		return;
	if (ep_ctl(want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, s, kind, events) == 0)
		*in_set = want;
	else
		agent_log("error", "stdio session %s: epoll: %s", s->id, strerror(errno));
}

/* stdin is watched for room only while bytes wait to be written. */
static void update_in_events(struct session *s)
{
	watch(s, s->in_fd, SRC_IN, EPOLLOUT, s->wlen > 0, &s->in_watched);
}

/* stdout is watched by the I/O thread unless a call reads it itself. */
static void update_out_events(struct session *s)
{
	watch(s, s->out_fd, SRC_OUT, EPOLLIN, !s->driven, &s->out_watched);
}

/* Adds a new session's fds to the epoll set (I/O thread). -1 when out of memory (retried). */
static int register_session(struct session *s)
{
	int fds[2] = { agent_child_exit_fd(s->child), s->err_fd };
	enum src_kind kinds[2] = { SRC_EXIT, SRC_ERR };
	int i;

	for (i = 0; i < 2; i++) {
		if (fds[i] >= 0 && ep_ctl(EPOLL_CTL_ADD, fds[i], s, kinds[i], EPOLLIN) < 0) {
			agent_log("error", "stdio session %s: epoll: %s", s->id, strerror(errno));
			if (i > 0 && fds[0] >= 0)
				(void)epoll_ctl(epfd, EPOLL_CTL_DEL, fds[0], NULL);
			return -1;
		}
	}
	s->registered = true;
	update_out_events(s);
	update_in_events(s);
	return 0;
}

static void write_stdin(struct session *s);

/* Appends line and '\n' to the session's input. Under lock. */
static int queue_write(struct session *s, const char *line, size_t len, json_t **error)
{
	char *nbuf;

	if (len + 1 > AGENT_STDIO_MAX_LINE) {
		*error = rpc_err(AGENT_RPC_INVALID_PARAMS, "message longer than %u bytes",
				 AGENT_STDIO_MAX_LINE);
		return -1;
	}
	if (s->wlen + len + 1 > STDIO_WBUF_MAX) {
		*error = rpc_err(AGENT_RPC_INVALID_PARAMS,
				 "the server's input is full (it does not read its stdin)");
		return -1;
	}
	nbuf = realloc(s->wbuf, s->wlen + len + 1);
	if (!nbuf) {
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	s->wbuf = nbuf;
	memcpy(s->wbuf + s->wlen, line, len);
	s->wbuf[s->wlen + len] = '\n';
	s->wlen += len + 1;
	/* Nothing was waiting to be written: written here (the pipe is non-blocking), so that the
	 * I/O thread is woken only for what the pipe does not take at once (EPOLLOUT on stdin while
	 * bytes wait) or a failed write's close. */
	if (s->wlen == len + 1)
		write_stdin(s);
	update_in_events(s);
	return 0;
}

static int queue_write_json(struct session *s, json_t *msg, json_t **error)
{
	char *line = json_dumps(msg, JSON_COMPACT);
	int rc;

	if (!line) {
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "message could not be encoded");
		return -1;
	}
	rc = queue_write(s, line, strlen(line), error);
	free(line);
	return rc;
}

/* ---- closing (I/O thread or connection threads, under lock) ---- */

static void fail_pending(struct session *s)
{
	struct pending *p;

	for (p = s->pending; p; p = p->next)
		p->done = true;
}

/* Starts closing an open session: its input is dropped and closed (EOF), its group gets SIGTERM
 * and, after the grace, SIGKILL (the I/O thread). Pending calls fail with reason. */
static void begin_close(struct session *s, const char *reason)
{
	if (!s->open)
		return;
	s->open = false;
	snprintf(s->reason, sizeof s->reason, "%s", reason);
	agent_log("info", "stdio session %s (%s): closing: %s", s->id, s->name, reason);
	free(s->wbuf);
	s->wbuf = NULL;
	s->wlen = 0;
	if (kill(-s->pid, SIGTERM) < 0 && errno != ESRCH)
		agent_log("warn", "stdio session %s: SIGTERM: %s", s->id, strerror(errno));
	s->kill_at = berth_now_ms() + AGENT_STDIO_CLOSE_GRACE_MS;
	fail_pending(s);
	pthread_cond_broadcast(&cond);
	wake();
}

static void queue_free(struct session *s)
{
	while (s->qhead) {
		struct qmsg *q = s->qhead;

		s->qhead = q->next;
		json_decref(q->msg);
		free(q);
	}
	s->qtail = NULL;
	s->qcount = 0;
	s->qbytes = 0;
}

static void session_free(struct session *s)
{
	close_src(s, &s->in_fd);
	close_src(s, &s->out_fd);
	close_src(s, &s->err_fd);
	queue_free(s);
	free(s->wbuf);
	free(s->rbuf);
	free(s->name);
	free(s->command);
	free(s);
}

/* ---- the child's output (I/O thread, under lock) ---- */

static void handle_message(struct session *s, json_t *m, size_t bytes)
{
	json_t *id = json_object_get(m, "id");
	struct pending *p;
	struct qmsg *q;
	char *key;

	if (json_is_string(json_object_get(m, "method"))) {
		/* A server-to-client request or notification: kept for the client. */
		if (s->qcount >= AGENT_STDIO_QUEUE_MAX ||
		    s->qbytes + bytes > AGENT_STDIO_QUEUE_BYTES) {
			if (s->dropped++ % 100 == 0)
				agent_log(
					"warn",
					"stdio session %s: message queue full, %lu dropped so far",
					s->id, s->dropped);
			return;
		}
		q = calloc(1, sizeof *q);
		if (!q) {
			s->dropped++;
			return;
		}
		q->msg = json_incref(m);
		q->bytes = bytes;
		if (s->qtail)
			s->qtail->next = q;
		else
			s->qhead = q;
		s->qtail = q;
		s->qcount++;
		s->qbytes += bytes;
		return;
	}
	if (!id) {
		agent_log("warn", "stdio session %s: dropped a message with neither method nor id",
			  s->id);
		return;
	}
	key = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
	for (p = s->pending; key && p; p = p->next) {
		if (!p->done && !strcmp(p->key, key)) {
			p->response = json_incref(m);
			p->done = true;
			pthread_cond_broadcast(&cond);
			free(key);
			return;
		}
	}
	agent_log("warn", "stdio session %s: dropped a reply no call waits for (id %.64s)", s->id,
		  key ? key : "?");
	free(key);
}

/* One line of the child's stdout (without '\n'). */
static void handle_line(struct session *s, char *line, size_t len)
{
	json_error_t jerr;
	json_t *m;
	size_t i;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len && isspace((unsigned char)line[i]); i++)
		;
	if (i == len)
		return;
	m = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
	if (!m) {
		char reason[STDIO_REASON_MAX];

		snprintf(reason, sizeof reason, "the server wrote a line that is not JSON (%.120s)",
			 jerr.text);
		begin_close(s, reason);
		return;
	}
	if (json_is_object(m)) {
		handle_message(s, m, len);
	} else {
		json_t *e;

		json_array_foreach(m, i, e)
		{
			if (json_is_object(e))
				handle_message(s, e,
					       len / (json_array_size(m) ? json_array_size(m) : 1));
		}
	}
	json_decref(m);
}

/* Reads what stdout has (at most STDIO_READ_BUDGET) and handles the whole lines. */
static void read_stdout(struct session *s)
{
	size_t budget = STDIO_READ_BUDGET;

	while (s->out_fd >= 0 && budget > 0) {
		char *nl;
		ssize_t n;

		if (s->rcap - s->rlen < STDIO_READ_CHUNK / 2) {
			size_t ncap = s->rcap ? s->rcap * 2 : STDIO_READ_CHUNK;
			char *nbuf;

			if (ncap > AGENT_STDIO_MAX_LINE + (size_t)STDIO_READ_CHUNK)
				ncap = AGENT_STDIO_MAX_LINE + (size_t)STDIO_READ_CHUNK;
			nbuf = realloc(s->rbuf, ncap);
			if (!nbuf) {
				begin_close(s, "out of memory reading the server's output");
				return;
			}
			s->rbuf = nbuf;
			s->rcap = ncap;
		}
		n = read(s->out_fd, s->rbuf + s->rlen, s->rcap - s->rlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_src(s, &s->out_fd);
			s->eof_at = berth_now_ms();
			wake(); /* its timer */
			return;
		}
		budget -= (size_t)n > budget ? budget : (size_t)n;
		s->rlen += (size_t)n;
		while ((nl = memchr(s->rbuf + s->rscanned, '\n', s->rlen - s->rscanned))) {
			size_t line_len = (size_t)(nl - s->rbuf);

			if (s->open)
				handle_line(s, s->rbuf, line_len);
			memmove(s->rbuf, nl + 1, s->rlen - line_len - 1);
			s->rlen -= line_len + 1;
			s->rscanned = 0;
		}
		s->rscanned = s->rlen;
		if (s->rlen > AGENT_STDIO_MAX_LINE) {
			char reason[STDIO_REASON_MAX];

			snprintf(reason, sizeof reason,
				 "the server wrote a line longer than %u bytes",
				 AGENT_STDIO_MAX_LINE);
			s->rlen = s->rscanned = 0;
			close_src(s, &s->out_fd);
			begin_close(s, reason);
			return;
		}
		if (s->rlen == 0 && s->rcap > 4 * STDIO_READ_CHUNK) {
			free(s->rbuf);
			s->rbuf = NULL;
			s->rcap = 0;
		}
	}
}

static void log_stderr_line(struct session *s)
{
	int64_t now = berth_now_ms();

	if (now - s->err_window >= 60000) {
		if (s->err_dropped)
			agent_log("warn",
				  "stdio session %s: %lu stderr lines not logged (rate limit)",
				  s->id, s->err_dropped);
		s->err_window = now;
		s->err_lines = 0;
		s->err_dropped = 0;
	}
	if (s->err_lines++ >= AGENT_STDIO_STDERR_PER_MIN) {
		s->err_dropped++;
	} else {
		s->ebuf[s->elen] = '\0';
		agent_log("warn", "stdio session %s (%s) stderr: %s%s", s->id, s->name, s->ebuf,
			  s->etrunc ? " [truncated]" : "");
	}
	s->elen = 0;
	s->etrunc = false;
}

static void read_stderr(struct session *s)
{
	char chunk[8192];
	size_t budget = STDIO_READ_BUDGET;

	while (s->err_fd >= 0 && budget > 0) {
		ssize_t n = read(s->err_fd, chunk, sizeof chunk), i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (s->elen)
				log_stderr_line(s);
			close_src(s, &s->err_fd);
			return;
		}
		budget -= (size_t)n > budget ? budget : (size_t)n;
		for (i = 0; i < n; i++) {
			if (chunk[i] == '\n') {
				log_stderr_line(s);
			} else if (s->elen < AGENT_STDIO_STDERR_LINE) {
				s->ebuf[s->elen++] = chunk[i];
			} else {
				s->etrunc = true;
			}
		}
	}
}

static void write_stdin(struct session *s)
{
	while (s->in_fd >= 0 && s->wlen > 0) {
		ssize_t n = write(s->in_fd, s->wbuf, s->wlen);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			char reason[STDIO_REASON_MAX];

			snprintf(reason, sizeof reason, "writing to the server failed: %s",
				 strerror(errno));
			begin_close(s, reason);
			return;
		}
		memmove(s->wbuf, s->wbuf + n, s->wlen - (size_t)n);
		s->wlen -= (size_t)n;
	}
	update_in_events(s);
}

/* The process has exited: reads what stdout still holds, kills what is left of its group, frees
 * its resources and keeps the session as a tombstone. */
static void finish(struct session *s, int status)
{
	char reason[STDIO_REASON_MAX];

	if (s->open) {
		read_stdout(s);
		if (WIFEXITED(status))
			snprintf(reason, sizeof reason, "the server exited with status %d",
				 WEXITSTATUS(status));
		else
			snprintf(reason, sizeof reason, "the server was killed by signal %d",
				 WTERMSIG(status));
		begin_close(s, reason);
	}
	agent_child_kill_group(s->child);
	if (s->registered)
		(void)epoll_ctl(epfd, EPOLL_CTL_DEL, agent_child_exit_fd(s->child), NULL);
	agent_child_release(s->child);
	s->child = NULL;
	close_src(s, &s->in_fd);
	close_src(s, &s->out_fd);
	close_src(s, &s->err_fd);
	if (s->elen)
		log_stderr_line(s);
	if (s->err_dropped)
		agent_log("warn", "stdio session %s: %lu stderr lines not logged (rate limit)",
			  s->id, s->err_dropped);
	free(s->rbuf);
	s->rbuf = NULL;
	s->rlen = s->rcap = s->rscanned = 0;
	queue_free(s);
	s->reaped = true;
	fail_pending(s);
	agent_log("info", "stdio session %s (%s): ended (%s)", s->id, s->name, s->reason);
	pthread_cond_broadcast(&cond);
}

/* Frees the oldest tombstones beyond AGENT_STDIO_TOMBSTONES that nobody waits on. */
static void evict_tombstones(void)
{
	struct session **pp, *s;
	int kept = 0;

	for (pp = &sessions; (s = *pp);) {
		if (s->reaped && ++kept > AGENT_STDIO_TOMBSTONES && s->waiters == 0) {
			*pp = s->next;
			session_free(s);
			continue;
		}
		pp = &s->next;
	}
}

static void *io_main(void *arg)
{
	struct epoll_event events[STDIO_EPOLL_EVENTS];

	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		int64_t now = berth_now_ms(), next = -1;
		struct session *s;
		int rc, timeout, i;

		for (s = sessions; s; s = s->next) {
			int64_t at = -1;

			if (s->reaped)
				continue;
			if (s->registered) { /* retried after a failed epoll_ctl */
				update_out_events(s);
				update_in_events(s);
			}
			if ((!s->registered && register_session(s) < 0) ||
			    (s->out_fd >= 0 && !s->driven && !s->out_watched) ||
			    (s->in_fd >= 0 && s->wlen > 0 && !s->in_watched))
				at = now + STDIO_REGISTER_RETRY_MS;
			else if (s->open && s->idle_ms > 0)
				at = s->last_used + s->idle_ms;
			else if (!s->open && !s->killed)
				at = s->kill_at;
			if (s->open && s->eof_at && (at < 0 || s->eof_at + STDIO_EOF_WAIT_MS < at))
				at = s->eof_at + STDIO_EOF_WAIT_MS;
			if (at >= 0 && (next < 0 || at < next))
				next = at;
		}
		timeout = next < 0	       ? -1
			  : next <= now	       ? 0
			  : next - now > 60000 ? 60000
					       : (int)(next - now);
		pthread_mutex_unlock(&lock);
		rc = epoll_wait(epfd, events, STDIO_EPOLL_EVENTS, timeout);
		pthread_mutex_lock(&lock);
		if (rc < 0 && errno != EINTR) {
			agent_log("error", "stdio: epoll_wait: %s", strerror(errno));
			continue;
		}
		/* Sessions are only reaped and freed by this thread (a tombstone, whose fds are out of
		 * the set, by a start too), so every session an event names is still there. */
		for (i = 0; i < rc; i++) {
			uint64_t v;

			if (events[i].data.u64 == 0) {
				if (read(wake_fd, &v, sizeof v) < 0 && errno != EAGAIN)
					agent_log("error", "stdio: wake read: %s", strerror(errno));
				continue;
			}
			s = (struct session *)(uintptr_t)(events[i].data.u64 & ~(uint64_t)SRC_MASK);
			if (s->reaped)
				continue;
			switch (events[i].data.u64 & SRC_MASK) {
			case SRC_IN: write_stdin(s); break;
			case SRC_OUT:
				if (!s->driven)
					read_stdout(s);
				break;
			case SRC_ERR: read_stderr(s); break;
			default: break; /* SRC_EXIT: below */
			}
		}
		now = berth_now_ms();
		for (s = sessions; s; s = s->next) {
			int status;

			if (s->reaped)
				continue;
			if (!s->open && s->in_fd >= 0)
				close_src(s, &s->in_fd);
			if (s->open && s->wlen)
				write_stdin(s);
			if (agent_child_exited(s->child, &status)) {
				uint64_t v;

				if (read(agent_child_exit_fd(s->child), &v, sizeof v) < 0 &&
				    errno != EAGAIN)
					agent_log("error", "stdio: exit fd: %s", strerror(errno));
				finish(s, status);
				continue;
			}
			if (s->open && s->eof_at && now - s->eof_at >= STDIO_EOF_WAIT_MS)
				begin_close(s, "the server closed its stdout");
			if (s->open && s->idle_ms > 0 && now - s->last_used >= s->idle_ms) {
				char reason[STDIO_REASON_MAX];

				snprintf(reason, sizeof reason, "idle for %lld s",
					 (long long)(s->idle_ms / 1000));
				begin_close(s, reason);
			}
			if (!s->open && !s->killed && now >= s->kill_at) {
				agent_log("warn",
					  "stdio session %s: still running after %d ms: SIGKILL",
					  s->id, AGENT_STDIO_CLOSE_GRACE_MS);
				if (kill(-s->pid, SIGKILL) < 0 && errno != ESRCH)
					agent_log("warn", "stdio session %s: SIGKILL: %s", s->id,
						  strerror(errno));
				s->killed = true;
			}
		}
		evict_tombstones();
	}
	return NULL;
}

/* ---- stdio/start ---- */

static bool id_ok(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > AGENT_STDIO_ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_')
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* env (K:V, blank keys skipped, sorted by key) over the agent's environment. NEW. */
static char **merged_env(json_t *env, json_t **error)
{
	size_t base = 0, n = 0, extra;
	const char *key;
	json_t *val;
	char **envp;

	while (environ[base])
		base++;
	extra = json_object_size(env);
	envp = calloc(base + extra + 1, sizeof *envp);
	if (!envp)
		goto oom;
	json_object_foreach(env, key, val)
	{
		const char *k = key;
		size_t klen = strlen(key);

		while (klen && isspace((unsigned char)*k))
			k++, klen--;
		while (klen && isspace((unsigned char)k[klen - 1]))
			klen--;
		if (!klen)
			continue;
		if (memchr(k, '=', klen) || !json_is_string(val) ||
		    memchr(json_string_value(val), '\0', json_string_length(val))) {
			agent_strv_free(envp);
			*error = rpc_err(
				AGENT_RPC_INVALID_PARAMS,
				"env: names must not contain '=', values must be strings without NUL");
			return NULL;
		}
		if (asprintf(&envp[n], "%.*s=%s", (int)klen, k, json_string_value(val)) < 0) {
			envp[n] = NULL;
			goto oom;
		}
		n++;
	}
	qsort(envp, n, sizeof *envp, cmp_str);
	if (agent_env_inherit(envp, &n, base) < 0)
		goto oom;
	return envp;
oom:
	agent_strv_free(envp);
	*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
	return NULL;
}

static char **build_argv(const char *command, json_t *args, json_t **error)
{
	size_t n = json_array_size(args), i;
	char **argv;

	if (args && !json_is_null(args) && !json_is_array(args)) {
		*error = rpc_err(AGENT_RPC_INVALID_PARAMS, "args must be an array of strings");
		return NULL;
	}
	if (n > STDIO_MAX_ARGS) {
		*error = rpc_err(AGENT_RPC_INVALID_PARAMS, "more than %d args", STDIO_MAX_ARGS);
		return NULL;
	}
	argv = calloc(n + 2, sizeof *argv);
	if (!argv || !(argv[0] = strdup(command)))
		goto oom;
	for (i = 0; i < n; i++) {
		json_t *a = json_array_get(args, i);

		if (!json_is_string(a) ||
		    memchr(json_string_value(a), '\0', json_string_length(a))) {
			agent_strv_free(argv);
			*error = rpc_err(AGENT_RPC_INVALID_PARAMS,
					 "args[%zu] must be a string without NUL", i);
			return NULL;
		}
		argv[i + 1] = strdup(json_string_value(a));
		if (!argv[i + 1])
			goto oom;
	}
	return argv;
oom:
	agent_strv_free(argv);
	*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
	return NULL;
}

/* An id is busy while an open (or closing) session has it, or a start of it is in progress; a
 * closed session's id may be taken again (its tombstone is then dropped). Under lock. */
static bool id_busy(const char *id)
{
	struct session *s = find(id);
	int i;

	if (s && (!s->reaped || s->waiters > 0))
		return true;
	for (i = 0; i < AGENT_STDIO_MAX; i++)
		if (!strcmp(starting[i], id))
			return true;
	return false;
}

static int reserve_id(const char *id)
{
	int i;

	for (i = 0; i < AGENT_STDIO_MAX; i++) {
		if (!starting[i][0]) {
			snprintf(starting[i], sizeof starting[i], "%s", id);
			break;
		}
	}
	reserved++;
	return i;
}

static void release_id(int slot)
{
	if (slot >= 0 && slot < AGENT_STDIO_MAX)
		starting[slot][0] = '\0';
	reserved--;
}

/* Frees the tombstone of id (nobody waits on it: id_busy said so). The I/O thread holds no
 * pointer to a reaped session across its poll, so this thread may free it. Under lock. */
static void drop_tombstone(const char *id)
{
	struct session **pp, *s;

	for (pp = &sessions; (s = *pp); pp = &s->next) {
		if (s->reaped && s->waiters == 0 && !strcmp(s->id, id)) {
			*pp = s->next;
			session_free(s);
			return;
		}
	}
}

static int nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

json_t *agent_stdio_start(json_t *params, json_t **error)
{
	const char *id = json_string_value(json_object_get(params, "id"));
	const char *name = json_string_value(json_object_get(params, "name"));
	const char *command = json_string_value(json_object_get(params, "command"));
	const char *cwd = json_string_value(json_object_get(params, "cwd"));
	json_t *env = json_object_get(params, "env"), *jidle, *jmax, *result = NULL;
	json_int_t idle_s = AGENT_STDIO_IDLE_DEFAULT_S, max = AGENT_STDIO_MAX_DEFAULT;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	char **argv = NULL, **envp = NULL;
	struct session *s = NULL;
	bool counted = false;
	int slot = -1;
	struct child_spec spec;
	berth_err err;

	pthread_once(&once, init_once);
	if (!io_running) {
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "stdio sessions are unavailable");
		return NULL;
	}
	jidle = json_object_get(params, "idle_timeout_s");
	jmax = json_object_get(params, "max_sessions");
	if (!id || !id_ok(id)) {
		*error = rpc_err(AGENT_RPC_INVALID_PARAMS,
				 "id must be 1 to %d characters of [A-Za-z0-9_-]",
				 AGENT_STDIO_ID_MAX);
		return NULL;
	}
	if (!command || !command[0] ||
	    memchr(command, '\0', json_string_length(json_object_get(params, "command")))) {
		*error = rpc_err(AGENT_RPC_INVALID_PARAMS, "command is required");
		return NULL;
	}
	if ((jidle && (!json_is_integer(jidle) || json_integer_value(jidle) < 0)) ||
	    (jmax && (!json_is_integer(jmax) || json_integer_value(jmax) < 1))) {
		*error = rpc_err(
			AGENT_RPC_INVALID_PARAMS,
			"idle_timeout_s must be an integer >= 0 and max_sessions one >= 1");
		return NULL;
	}
	if (env && !json_is_null(env) && !json_is_object(env)) {
		*error = rpc_err(AGENT_RPC_INVALID_PARAMS, "env must be an object of strings");
		return NULL;
	}
	if (jidle)
		idle_s = json_integer_value(jidle);
	if (jmax)
		max = json_integer_value(jmax);
	if (max > AGENT_STDIO_MAX)
		max = AGENT_STDIO_MAX;
	if (!cwd || !cwd[0])
		cwd = agent_data_dir;

	pthread_mutex_lock(&lock);
	if (id_busy(id)) {
		pthread_mutex_unlock(&lock);
		*error = rpc_err(AGENT_RPC_INVALID_PARAMS, "stdio session id %s is in use", id);
		return NULL;
	}
	if (count_open() + reserved >= max || reserved >= AGENT_STDIO_MAX) {
		pthread_mutex_unlock(&lock);
		*error = rpc_err(AGENT_RPC_STDIO_LIMIT, "too many stdio sessions (limit %lld)",
				 (long long)max);
		return NULL;
	}
	slot = reserve_id(id);
	counted = true;
	pthread_mutex_unlock(&lock);

	argv = build_argv(command, json_object_get(params, "args"), error);
	if (!argv)
		goto fail;
	envp = merged_env(json_is_object(env) ? env : NULL, error);
	if (!envp)
		goto fail;
	s = calloc(1, sizeof *s);
	if (!s || !(s->name = strdup(name ? name : "")) || !(s->command = strdup(command))) {
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
		goto fail;
	}
	s->in_fd = s->out_fd = s->err_fd = -1;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    nonblock(in[1]) < 0 || nonblock(out[0]) < 0 || nonblock(errp[0]) < 0) {
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "pipe: %s", strerror(errno));
		goto fail;
	}
	spec = (struct child_spec){ .argv = argv,
				    .envp = envp,
				    .work_dir = cwd,
				    .stdin_fd = in[0],
				    .stdout_fd = out[1],
				    .stderr_fd = errp[1] };
	berth_err_clear(&err);
	s->child = agent_child_spawn(&spec, &err);
	if (!s->child) {
		agent_log("warn", "stdio session %s: start %s: %s", id, command, err.msg);
		*error = rpc_err(AGENT_RPC_STDIO_START, "start %s", err.msg);
		goto fail;
	}
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&errp[1]);
	snprintf(s->id, sizeof s->id, "%s", id);
	s->pid = agent_child_pid(s->child);
	s->in_fd = in[1];
	s->out_fd = out[0];
	s->err_fd = errp[0];
	in[1] = out[0] = errp[0] = -1;
	s->state = ST_NONE;
	s->open = true;
	s->created_wall = s->last_used_wall = wall_ms();
	s->last_used = berth_now_ms();
	s->err_window = s->last_used;
	s->idle_ms = (int64_t)idle_s * 1000;
	result = json_pack("{s:s, s:i, s:s}", "id", s->id, "pid", (int)s->pid, "state", "none");
	pthread_mutex_lock(&lock);
	release_id(slot);
	drop_tombstone(s->id);
	s->next = sessions;
	sessions = s;
	wake();
	pthread_mutex_unlock(&lock);
	agent_log("info", "stdio session %s (%s): started %s (pid %d)", s->id, s->name, command,
		  (int)s->pid);
	agent_strv_free(argv);
	agent_strv_free(envp);
	if (!result)
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
	return result;
fail:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	if (s)
		session_free(s);
	agent_strv_free(argv);
	agent_strv_free(envp);
	if (counted) {
		pthread_mutex_lock(&lock);
		release_id(slot);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* ---- stdio/call ---- */

/* Looks up an open session for a connection thread and pins it (waiters++). Under lock. */
static struct session *pin_open(const char *id, json_t **error)
{
	struct session *s = id ? find(id) : NULL;

	if (!s) {
		*error = rpc_err(AGENT_RPC_STDIO_UNKNOWN, "stdio session not found");
		return NULL;
	}
	if (!s->open) {
		*error = rpc_err(AGENT_RPC_STDIO_CLOSED, "stdio session closed: %s", s->reason);
		return NULL;
	}
	s->waiters++;
	return s;
}

/* Reads the session's stdout in this thread until p is answered, the session closes, its stdout
 * ends or the deadline passes, instead of waiting for the I/O thread to read it and hand the
 * reply over (one thread wakeup less per call). Only one call at a time does this per session:
 * stdout is out of the I/O thread's set meanwhile; other calls wait on cond as before, answered
 * by whoever reads. Under lock (released while polling). */
static void drive_begin(struct session *s)
{
	s->driven = true;
	update_out_events(s);
}

static void drive_end(struct session *s)
{
	s->driven = false;
	update_out_events(s);
}

/* The caller has called drive_begin before writing the call (so that the I/O thread is not woken
 * by its reply); drive ends with drive_end. */
static void drive(struct session *s, struct pending *p, int64_t deadline)
{
	while (!p->done && s->open && s->out_fd >= 0) {
		int fd = s->out_fd, ms = STDIO_DRIVE_SLICE_MS;
		struct pollfd pfd = { fd, POLLIN, 0 };

		if (deadline) {
			int64_t left = deadline - berth_now_ms();

			if (left <= 0)
				break;
			if (left < ms)
				ms = (int)left;
		}
		pthread_mutex_unlock(&lock);
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			agent_log("error", "stdio session %s: poll: %s", s->id, strerror(errno));
		pthread_mutex_lock(&lock);
		/* The fd is the session's until it is closed (then out_fd is -1, never reused). */
		if (pfd.revents && s->out_fd == fd && !s->reaped)
			read_stdout(s);
	}
	drive_end(s);
}

/* Sends msg (a call with id) and waits for the reply whose id encodes the same. *reply NEW.
 * Under lock (released while waiting). */
static int do_call(struct session *s, json_t *msg, json_t *id, int64_t deadline, json_t **reply,
		   json_t **error)
{
	struct pending *p, **pp;
	char *key = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
	bool driving = !s->driven;
	int rc = -1;

	*reply = NULL;
	if (!key) {
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	for (p = s->pending; p; p = p->next) {
		if (!strcmp(p->key, key)) {
			*error = rpc_err(AGENT_RPC_INVALID_PARAMS,
					 "a call with id %.64s is pending", key);
			free(key);
			return -1;
		}
	}
	p = calloc(1, sizeof *p);
	if (!p) {
		free(key);
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	p->key = key;
	if (driving)
		drive_begin(s);
	if (queue_write_json(s, msg, error) < 0) {
		if (driving)
			drive_end(s);
		free(key);
		free(p);
		return -1;
	}
	p->next = s->pending;
	s->pending = p;
	if (driving)
		drive(s, p, deadline);
	while (!p->done && s->open)
		if (!wait_until(deadline))
			break;
	for (pp = &s->pending; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	if (p->response) {
		*reply = p->response;
		rc = 0;
	} else if (!s->open) {
		*error = rpc_err(AGENT_RPC_STDIO_ENDED, "stdio session closed: %s", s->reason);
	} else {
		*error = rpc_err(AGENT_RPC_STDIO_TIMEOUT, "the server did not answer in time");
	}
	free(p->key);
	free(p);
	return rc;
}

/* The reply normalised to {jsonrpc, id, result} or {..., error:{code, message}}. NEW. */
static json_t *normalized(json_t *reply, json_t *id)
{
	json_t *error = json_object_get(reply, "error");

	if (error) {
		json_t *code = json_object_get(error, "code");
		const char *message = json_string_value(json_object_get(error, "message"));

		return json_pack(
			"{s:s, s:O, s:{s:I, s:s}}", "jsonrpc", "2.0", "id", id, "error", "code",
			json_is_integer(code) ? json_integer_value(code) : AGENT_RPC_INTERNAL_ERROR,
			"message", message && message[0] ? message : "internal error");
	}
	return json_pack("{s:s, s:O, s:O}", "jsonrpc", "2.0", "id", id, "result",
			 json_object_get(reply, "result") ? json_object_get(reply, "result")
							  : json_null());
}

/* The handshake before a call. 0: ready; 1: *reply NEW holds the child's error reply to
 * initialize; -1: *error. Under lock. */
static int ensure_initialized(struct session *s, int64_t deadline, json_t **reply, json_t **error)
{
	json_t *init, *params, *note, *r = NULL, *iid;
	int rc;

	while (s->open && s->state == ST_INITIALIZING)
		if (!wait_until(deadline)) {
			*error = rpc_err(AGENT_RPC_STDIO_TIMEOUT,
					 "the server did not answer initialize in time");
			return -1;
		}
	if (!s->open) {
		*error = rpc_err(AGENT_RPC_STDIO_ENDED, "stdio session closed: %s", s->reason);
		return -1;
	}
	note = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", "notifications/initialized");
	if (!note) {
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	if (s->state == ST_INITIALIZED) {
		rc = queue_write_json(s, note, error);
		if (rc == 0)
			s->state = ST_READY;
		json_decref(note);
		return rc;
	}
	if (s->state == ST_READY) {
		json_decref(note);
		return 0;
	}
	params = json_loads(AGENT_STDIO_INIT_PARAMS, 0, NULL);
	iid = json_string(AGENT_STDIO_INIT_ID);
	init = params && iid ? json_pack("{s:s, s:O, s:s, s:O}", "jsonrpc", "2.0", "id", iid,
					 "method", "initialize", "params", params)
			     : NULL;
	json_decref(params);
	if (!init) {
		json_decref(iid);
		json_decref(note);
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	s->state = ST_INITIALIZING;
	rc = do_call(s, init, iid, deadline, &r, error);
	json_decref(init);
	json_decref(iid);
	if (rc == 0 && json_object_get(r, "error")) {
		*reply = r;
		rc = 1;
	} else if (rc == 0) {
		json_decref(r);
		rc = s->open ? queue_write_json(s, note, error) : -1;
		if (rc < 0 && !*error)
			*error = rpc_err(AGENT_RPC_STDIO_ENDED, "stdio session closed: %s",
					 s->reason);
	}
	s->state = rc == 0 ? ST_READY : ST_NONE;
	pthread_cond_broadcast(&cond);
	json_decref(note);
	return rc;
}

json_t *agent_stdio_call(json_t *params, json_t **error)
{
	const char *sid = json_string_value(json_object_get(params, "id"));
	json_t *msg = json_object_get(params, "message"),
	       *jt = json_object_get(params, "timeout_ms");
	json_t *id, *mv, *reply = NULL, *result = NULL;
	json_int_t timeout_ms = AGENT_STDIO_CALL_TIMEOUT_MS;
	const char *method;
	struct session *s;
	int64_t deadline;
	int rc;

	if (!json_is_object(msg)) {
		*error = rpc_err(AGENT_RPC_INVALID_PARAMS, "message must be a JSON-RPC object");
		return NULL;
	}
	if (jt) {
		if (!json_is_integer(jt) || json_integer_value(jt) < 1 ||
		    json_integer_value(jt) > AGENT_STDIO_CALL_TIMEOUT_MAX_MS) {
			*error = rpc_err(AGENT_RPC_INVALID_PARAMS, "timeout_ms must be 1..%d",
					 AGENT_STDIO_CALL_TIMEOUT_MAX_MS);
			return NULL;
		}
		timeout_ms = json_integer_value(jt);
	}
	deadline = berth_now_ms() + timeout_ms;
	id = json_object_get(msg, "id");
	mv = json_object_get(msg, "method");
	if (mv && !json_is_string(mv)) {
		*error = rpc_err(AGENT_RPC_INVALID_PARAMS, "message.method must be a string");
		return NULL;
	}
	method = json_string_value(mv);
	pthread_mutex_lock(&lock);
	s = pin_open(sid, error);
	if (!s)
		goto out;
	s->last_used = berth_now_ms();
	s->last_used_wall = wall_ms();
	if (!method) {
		/* The client's response to a server-to-client request. */
		if (!id || (!json_object_get(msg, "result") && !json_object_get(msg, "error"))) {
			*error = rpc_err(AGENT_RPC_INVALID_PARAMS,
					 "message has no method and is not a response");
			goto unpin;
		}
		if (queue_write_json(s, msg, error) == 0)
			result = json_pack("{s:b}", "accepted", 1);
		goto unpin;
	}
	if (!id && !strncmp(method, "notifications/", 14)) {
		if (queue_write_json(s, msg, error) == 0) {
			if (!strcmp(method, "notifications/initialized"))
				s->state = ST_READY;
			result = json_pack("{s:b}", "accepted", 1);
		}
		goto unpin;
	}
	if (!id) {
		result = json_pack("{s:{s:s, s:n, s:{s:i, s:s}}}", "response", "jsonrpc", "2.0",
				   "id", "error", "code", AGENT_RPC_INTERNAL_ERROR, "message",
				   "missing request id");
		goto unpin;
	}
	if (strcmp(method, "initialize")) {
		rc = ensure_initialized(s, deadline, &reply, error);
		if (rc < 0)
			goto unpin;
		if (rc == 1) {
			json_t *n = normalized(reply, id);

			result = n ? json_pack("{s:o}", "response", n) : NULL;
			goto unpin;
		}
	}
	if (do_call(s, msg, id, deadline, &reply, error) < 0)
		goto unpin;
	if (!json_object_get(reply, "error")) {
		if (!strcmp(method, "initialize") && s->state == ST_NONE)
			s->state = ST_INITIALIZED;
		else if (!strcmp(method, "notifications/initialized"))
			s->state = ST_READY;
	}
	{
		json_t *n = normalized(reply, id);

		result = n ? json_pack("{s:o}", "response", n) : NULL;
	}
unpin:
	if (result)
		json_object_set_new(result, "queued", json_integer((json_int_t)s->qcount));
	s->waiters--;
out:
	pthread_mutex_unlock(&lock);
	json_decref(reply);
	if (!result && !*error)
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
	return result;
}

/* ---- stdio/messages, stdio/list, stdio/close ---- */

json_t *agent_stdio_messages(json_t *params, json_t **error)
{
	const char *sid = json_string_value(json_object_get(params, "id"));
	json_t *jmax = json_object_get(params, "max"), *list = json_array(), *result = NULL;
	json_int_t max = AGENT_STDIO_QUEUE_MAX;
	struct session *s;

	if (jmax && (!json_is_integer(jmax) || json_integer_value(jmax) < 1)) {
		json_decref(list);
		*error = rpc_err(AGENT_RPC_INVALID_PARAMS, "max must be an integer >= 1");
		return NULL;
	}
	if (jmax)
		max = json_integer_value(jmax);
	pthread_mutex_lock(&lock);
	s = sid ? find(sid) : NULL;
	if (!s) {
		*error = rpc_err(AGENT_RPC_STDIO_UNKNOWN, "stdio session not found");
		goto out;
	}
	if (s->open) {
		s->last_used = berth_now_ms();
		s->last_used_wall = wall_ms();
	}
	while (list && s->qhead && max-- > 0) {
		struct qmsg *q = s->qhead;

		if (json_array_append(list, q->msg) < 0)
			break;
		s->qhead = q->next;
		if (!s->qhead)
			s->qtail = NULL;
		s->qcount--;
		s->qbytes -= q->bytes;
		json_decref(q->msg);
		free(q);
	}
	result = list ? json_pack("{s:O, s:I}", "messages", list, "dropped", (json_int_t)s->dropped)
		      : NULL;
	if (!result)
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
out:
	pthread_mutex_unlock(&lock);
	json_decref(list);
	return result;
}

static json_t *describe(const struct session *s)
{
	json_t *d = json_pack("{s:s, s:s, s:s, s:i, s:s, s:b, s:I, s:I, s:I, s:I}", "id", s->id,
			      "name", s->name, "command", s->command, "pid", (int)s->pid, "state",
			      state_names[s->state], "open", s->open, "created_ms",
			      (json_int_t)s->created_wall, "last_used_ms",
			      (json_int_t)s->last_used_wall, "queued", (json_int_t)s->qcount,
			      "dropped", (json_int_t)s->dropped);

	if (d && !s->open)
		json_object_set_new(d, "closed_reason", json_string(s->reason));
	return d;
}

json_t *agent_stdio_list(json_t *params, json_t **error)
{
	json_t *list = json_array();
	struct session *s;
	int pass;

	(void)params;
	pthread_mutex_lock(&lock);
	for (pass = 0; pass < 2 && list; pass++) {
		for (s = sessions; s && list; s = s->next) {
			if (s->open != (pass == 0))
				continue;
			if (json_array_append_new(list, describe(s)) < 0) {
				json_decref(list);
				list = NULL;
			}
		}
	}
	pthread_mutex_unlock(&lock);
	if (!list) {
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
		return NULL;
	}
	return json_pack("{s:o}", "sessions", list);
}

json_t *agent_stdio_close(json_t *params, json_t **error)
{
	const char *sid = json_string_value(json_object_get(params, "id"));
	int64_t deadline = berth_now_ms() + AGENT_STDIO_CLOSE_GRACE_MS + 3000;
	struct session *s;
	json_t *result = NULL;

	pthread_mutex_lock(&lock);
	s = sid ? find(sid) : NULL;
	if (!s) {
		*error = rpc_err(AGENT_RPC_STDIO_UNKNOWN, "stdio session not found");
		goto out;
	}
	s->waiters++;
	begin_close(s, "closed by the host");
	while (!s->reaped)
		if (!wait_until(deadline))
			break;
	s->waiters--;
	if (!s->reaped)
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "the server has not exited yet");
	else
		result = json_pack("{s:s, s:b}", "id", s->id, "closed", 1);
out:
	pthread_mutex_unlock(&lock);
	if (!result && !*error)
		*error = rpc_err(AGENT_RPC_INTERNAL_ERROR, "out of memory");
	return result;
}
