/* harness.c: see harness.h. */
#define _GNU_SOURCE
#include "harness.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int next_id = 1;

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *agent_bin(void)
{
	const char *b = getenv("BERTH_AGENT_BIN");

	return b && b[0] ? b : "test/agent/berth-agent-dyn";
}

void agent_prepare(struct agent *a)
{
	memset(a, 0, sizeof *a);
	a->pid = -1;
	strcpy(a->dir, "/tmp/berth-agent-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(a->dir));
	snprintf(a->data, sizeof a->data, "%s/data", a->dir);
	snprintf(a->tpl, sizeof a->tpl, "%s/tpl", a->dir);
	snprintf(a->sock, sizeof a->sock, "%s/run/agent.sock", a->dir);
	snprintf(a->log, sizeof a->log, "%s/agent.log", a->dir);
	ck_assert_int_eq(mkdir(a->data, 0755), 0);
	ck_assert_int_eq(mkdir(a->tpl, 0755), 0);
	{
		char run[160];

		snprintf(run, sizeof run, "%s/run", a->dir);
		ck_assert_int_eq(mkdir(run, 0700), 0);
	}
}

void agent_start(struct agent *a, const char *const *wrapper, const char *const *extra)
{
	const char *argv[64];
	int n = 0, i, logfd;
	long long deadline;

	for (i = 0; wrapper && wrapper[i]; i++)
		argv[n++] = wrapper[i];
	argv[n++] = agent_bin();
	argv[n++] = "serve";
	argv[n++] = "--socket";
	argv[n++] = a->sock;
	argv[n++] = "--data";
	argv[n++] = a->data;
	argv[n++] = "--template";
	argv[n++] = a->tpl;
	for (i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	logfd = open(a->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	ck_assert_int_ge(logfd, 0);
	a->pid = fork();
	ck_assert_int_ge(a->pid, 0);
	if (a->pid == 0) {
		dup2(logfd, 2);
		dup2(logfd, 1);
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	close(logfd);
	deadline = now_ms() + 10000;
	for (;;) {
		struct sockaddr_un addr = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int status;

		strcpy(addr.sun_path, a->sock);
		if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
			close(fd);
			return;
		}
		close(fd);
		if (waitpid(a->pid, &status, WNOHANG) == a->pid)
			ck_abort_msg("agent exited at start (status %d), see %s", status, a->log);
		ck_assert_msg(now_ms() < deadline, "agent socket did not appear");
		usleep(10000);
	}
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	chmod(p, 0700);
	return remove(p);
}

void agent_cleanup(struct agent *a)
{
	if (a->dir[0])
		nftw(a->dir, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
	a->dir[0] = '\0';
}

int agent_stop(struct agent *a)
{
	long long deadline = now_ms() + 10000;
	int status = -1;

	if (a->pid > 0) {
		kill(a->pid, SIGTERM);
		while (waitpid(a->pid, &status, WNOHANG) == 0) {
			if (now_ms() > deadline) {
				kill(a->pid, SIGKILL);
				waitpid(a->pid, &status, 0);
				ck_abort_msg("agent did not stop within 10 s");
			}
			usleep(5000);
		}
		a->pid = -1;
	}
	return status;
}

struct conn *conn_open(const struct agent *a)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct conn *c = calloc(1, sizeof *c);

	ck_assert_ptr_nonnull(c);
	strcpy(addr.sun_path, a->sock);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(c->fd, 0);
	ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&addr, sizeof addr), 0);
	return c;
}

void conn_close(struct conn *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c->buf);
	free(c);
}

void conn_send(struct conn *c, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n > 0, "send: %s", strerror(errno));
		data += n;
		len -= (size_t)n;
	}
}

char *conn_line(struct conn *c, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		long long left;
		ssize_t n;

		if (nl) {
			size_t l = (size_t)(nl - c->buf);
			char *line = strndup(c->buf, l);

			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
			return line;
		}
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 1 << 20;
			c->buf = realloc(c->buf, c->cap);
			ck_assert_ptr_nonnull(c->buf);
		}
		left = deadline - now_ms();
		ck_assert_msg(left > 0, "no reply line within %d ms", timeout_ms);
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		c->len += (size_t)n;
	}
}

json_t *rpc(struct conn *c, const char *method, json_t *params)
{
	int id = next_id++;
	json_t *req = json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id", id, "method", method);
	json_t *resp;
	json_error_t jerr;
	char *text, *line;

	if (params)
		json_object_set_new(req, "params", params);
	text = json_dumps(req, JSON_COMPACT);
	ck_assert_ptr_nonnull(text);
	conn_send(c, text, strlen(text));
	conn_send(c, "\n", 1);
	free(text);
	json_decref(req);
	line = conn_line(c, 120000);
	ck_assert_msg(line != NULL, "connection closed instead of a reply to %s", method);
	resp = json_loads(line, JSON_ALLOW_NUL, &jerr);
	ck_assert_msg(resp != NULL, "reply is not JSON: %.200s", line);
	free(line);
	ck_assert_int_eq(json_integer_value(json_object_get(resp, "id")), id);
	ck_assert_str_eq(json_string_value(json_object_get(resp, "jsonrpc")), "2.0");
	return resp;
}

json_t *tool(struct conn *c, const char *name, json_t *args, bool expect_error)
{
	json_t *resp = rpc(
		c, "tools/call",
		json_pack("{s:s, s:o}", "name", name, "arguments", args ? args : json_object()));
	json_t *result = json_object_get(resp, "result"), *content, *sc;
	const char *text;

	ck_assert_msg(result != NULL, "tools/call %s: no result: %s", name,
		      json_dumps(resp, JSON_COMPACT));
	json_incref(result);
	json_decref(resp);
	content = json_object_get(result, "content");
	ck_assert_int_eq(json_array_size(content), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(content, 0), "type")),
			 "text");
	text = json_string_value(json_object_get(json_array_get(content, 0), "text"));
	ck_assert_ptr_nonnull(text);
	sc = json_object_get(result, "structuredContent");
	ck_assert_msg(json_is_object(sc), "no structuredContent");
	ck_assert_msg(json_is_true(json_object_get(result, "isError")) == expect_error,
		      "%s: isError %s, expected %s: %s", name,
		      json_is_true(json_object_get(result, "isError")) ? "true" : "false",
		      expect_error ? "true" : "false", text);
	if (expect_error) {
		ck_assert_str_eq(json_string_value(json_object_get(sc, "error")), text);
	} else {
		json_t *parsed = json_loads(text, JSON_ALLOW_NUL, NULL);

		ck_assert_msg(parsed && json_equal(parsed, sc),
			      "text block is not structuredContent");
		json_decref(parsed);
	}
	return result;
}

json_t *tool_ok(struct conn *c, const char *name, json_t *args)
{
	json_t *r = tool(c, name, args, false);
	json_t *sc = json_incref(json_object_get(r, "structuredContent"));

	json_decref(r);
	return sc;
}

char *tool_err(struct conn *c, const char *name, json_t *args)
{
	json_t *r = tool(c, name, args, true);
	char *msg = strdup(json_string_value(
		json_object_get(json_object_get(r, "structuredContent"), "error")));

	json_decref(r);
	return msg;
}

char *data_path(const struct agent *a, const char *rel)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", a->data, rel), 0);
	return p;
}

void put_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

char *get_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "VmRSS:", 6))
			kib = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return kib;
}
