/* tool_exec.c: exec, a command in the container with bounded output and a timeout that kills
 * its whole process group. */
#include "agent.h"

#include "berth/deadline.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define EXEC_MAX_ARGS 4096

struct outbuf {
	char *data;
	size_t len;
	bool truncated;
};

/* Splits a command line into words: blanks separate, '...' and "..." quote, backslash escapes
 * (for images without /bin/sh). NEW NULL-terminated array of NEW strings. */
static char **split_words(const char *s, size_t len, berth_err *err)
{
	char **argv = calloc(EXEC_MAX_ARGS + 1, sizeof *argv);
	char *word = malloc(len + 1);
	size_t i = 0, n = 0, w;
	char quote;

	if (!argv || !word)
		goto oom;
	while (i < len) {
		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
			i++;
		if (i == len)
			break;
		w = 0;
		quote = 0;
		while (i < len) {
			char c = s[i];

			if (quote) {
				if (c == quote) {
					quote = 0;
					i++;
					continue;
				}
				if (c == '\\' && quote == '"' && i + 1 < len &&
				    (s[i + 1] == '"' || s[i + 1] == '\\')) {
					word[w++] = s[i + 1];
					i += 2;
					continue;
				}
				word[w++] = c;
				i++;
				continue;
			}
			if (c == ' ' || c == '\t' || c == '\n')
				break;
			if (c == '\'' || c == '"') {
				quote = c;
				i++;
				continue;
			}
			if (c == '\\' && i + 1 < len) {
				word[w++] = s[i + 1];
				i += 2;
				continue;
			}
			word[w++] = c;
			i++;
		}
		if (quote) {
			berth_err_set(err, BERTH_E_INVALID, "command: unterminated quote");
			goto fail;
		}
		if (n == EXEC_MAX_ARGS) {
			berth_err_set(err, BERTH_E_INVALID, "command: more than %d words",
				      EXEC_MAX_ARGS);
			goto fail;
		}
		argv[n] = strndup(word, w);
		if (!argv[n])
			goto oom;
		n++;
	}
	if (n == 0) {
		berth_err_set(err, BERTH_E_INVALID, "command is empty");
		goto fail;
	}
	free(word);
	return argv;
oom:
	berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
fail:
	if (argv) {
		for (i = 0; argv[i]; i++)
			free(argv[i]);
	}
	free(argv);
	free(word);
	return NULL;
}

static char **argv_from_args(json_t *args, berth_err *err)
{
	json_t *jargv = json_object_get(args, "argv");
	const char *command = NULL;
	size_t command_len = 0, i, n;
	char **argv;

	if (arg_string(args, "command", false, &command, &command_len, err) < 0)
		return NULL;
	if (jargv && json_is_null(jargv))
		jargv = NULL;
	if (!!command == !!jargv) {
		berth_err_set(err, BERTH_E_INVALID, "exactly one of command and argv is required");
		return NULL;
	}
	if (command) {
		if (memchr(command, '\0', command_len)) {
			berth_err_set(err, BERTH_E_INVALID, "command contains a NUL byte");
			return NULL;
		}
		if (access("/bin/sh", X_OK) < 0)
			return split_words(command, command_len, err);
		argv = calloc(4, sizeof *argv);
		if (!argv || !(argv[0] = strdup("/bin/sh")) || !(argv[1] = strdup("-c")) ||
		    !(argv[2] = strdup(command))) {
			agent_strv_free(argv);
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			return NULL;
		}
		return argv;
	}
	n = json_is_array(jargv) ? json_array_size(jargv) : 0;
	if (n == 0 || n > EXEC_MAX_ARGS) {
		berth_err_set(err, BERTH_E_INVALID, "argv must be a non-empty array of strings");
		return NULL;
	}
	argv = calloc(n + 1, sizeof *argv);
	if (!argv) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		json_t *a = json_array_get(jargv, i);

		if (!json_is_string(a) ||
		    memchr(json_string_value(a), '\0', json_string_length(a))) {
			berth_err_set(err, BERTH_E_INVALID,
				      "argv[%zu] must be a string without NUL", i);
			agent_strv_free(argv);
			return NULL;
		}
		argv[i] = strdup(json_string_value(a));
		if (!argv[i]) {
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			agent_strv_free(argv);
			return NULL;
		}
	}
	if (!argv[0][0]) {
		berth_err_set(err, BERTH_E_INVALID, "argv[0] is empty");
		agent_strv_free(argv);
		return NULL;
	}
	return argv;
}

/* The agent's environment with the env argument's variables set over it. NEW. */
static char **envp_from_args(json_t *args, berth_err *err)
{
	json_t *env = json_object_get(args, "env"), *val;
	size_t base = 0, extra, n = 0;
	const char *key;
	char **envp;

	if (env && json_is_null(env))
		env = NULL;
	if (env && !json_is_object(env)) {
		berth_err_set(err, BERTH_E_INVALID, "env must be an object of strings");
		return NULL;
	}
	while (environ[base])
		base++;
	extra = env ? json_object_size(env) : 0;
	envp = calloc(base + extra + 1, sizeof *envp);
	if (!envp)
		goto oom;
	json_object_foreach(env, key, val)
	{
		if (!key[0] || strchr(key, '=') || !json_is_string(val) ||
		    memchr(json_string_value(val), '\0', json_string_length(val))) {
			berth_err_set(
				err, BERTH_E_INVALID,
				"env: each name must be non-empty without '=', each value a string without NUL");
			agent_strv_free(envp);
			return NULL;
		}
		if (asprintf(&envp[n], "%s=%s", key, json_string_value(val)) < 0) {
			envp[n] = NULL;
			goto oom;
		}
		n++;
	}
	if (agent_env_inherit(envp, &n, base) < 0)
		goto oom;
	return envp;
oom:
	agent_strv_free(envp);
	berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return NULL;
}

/* Reads what fd has into b (kept up to AGENT_EXEC_OUTPUT_MAX, the rest dropped). Returns 0 at
 * EOF, 1 when more may come. */
static int drain_fd(int fd, struct outbuf *b)
{
	char scratch[16384];

	for (;;) {
		size_t room = AGENT_EXEC_OUTPUT_MAX - b->len;
		ssize_t n;

		if (room > 0 && !b->data) {
			b->data = malloc(AGENT_EXEC_OUTPUT_MAX);
			if (!b->data)
				room = 0;
		}
		if (room > 0)
			n = read(fd, b->data + b->len, room);
		else
			n = read(fd, scratch, sizeof scratch);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 1 : 0;
		if (n == 0)
			return 0;
		if (room > 0)
			b->len += (size_t)n;
		else
			b->truncated = true;
	}
}

static int make_pipe(int p[2], berth_err *err)
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return agent_err_errno(err, errno, "pipe", "for exec");
	return 0;
}

int tool_exec(json_t *args, json_t **result, berth_err *err)
{
	uint64_t timeout_s = AGENT_EXEC_TIMEOUT_DEFAULT;
	const char *stdin_data = NULL;
	size_t stdin_len = 0, stdin_off = 0;
	char **argv = NULL, **envp = NULL, *work_dir = NULL;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct outbuf bo = { 0 }, be = { 0 };
	struct child *child = NULL;
	bool timed_out = false, exited = false;
	int64_t start = berth_now_ms(), deadline, drain_deadline = 0;
	int status = 0, rc = -1, i;
	json_t *jout, *jerr;

	if (arg_uint(args, "timeout_s", AGENT_EXEC_TIMEOUT_MAX, &timeout_s, err) < 0 ||
	    arg_string(args, "stdin", false, &stdin_data, &stdin_len, err) < 0)
		return -1;
	if (timeout_s == 0)
		return berth_err_set(err, BERTH_E_INVALID, "timeout_s must be between 1 and %d",
				     AGENT_EXEC_TIMEOUT_MAX);
	{
		json_t *wd = json_object_get(args, "work_dir");

		if (wd && !json_is_null(wd)) {
			if (arg_path(args, "work_dir", true, &work_dir, err) < 0)
				return -1;
		} else if (!(work_dir = strdup(agent_data_dir))) {
			return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		}
	}
	argv = argv_from_args(args, err);
	if (!argv)
		goto done;
	envp = envp_from_args(args, err);
	if (!envp)
		goto done;
	if ((stdin_data && make_pipe(in, err) < 0) || make_pipe(out, err) < 0 ||
	    make_pipe(errp, err) < 0)
		goto done;
	{
		struct child_spec spec = { .argv = argv,
					   .envp = envp,
					   .work_dir = work_dir,
					   .stdin_fd = in[0],
					   .stdout_fd = out[1],
					   .stderr_fd = errp[1] };

		child = agent_child_spawn(&spec, err);
	}
	/* The child's ends: closed here so that EOF comes when the child's side is gone. */
	if (in[0] >= 0)
		close(in[0]);
	close(out[1]);
	close(errp[1]);
	in[0] = out[1] = errp[1] = -1;
	if (!child)
		goto done;
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);
	if (in[1] >= 0)
		fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (in[1] >= 0 && stdin_len == 0) {
		close(in[1]);
		in[1] = -1;
	}
	deadline = start + (int64_t)timeout_s * 1000;

	while (!exited || out[0] >= 0 || errp[0] >= 0) {
		struct pollfd pfd[4];
		int nfds = 0, wait_ms;
		int64_t now = berth_now_ms(), until;

		if (!exited && !timed_out && now >= deadline) {
			timed_out = true;
			agent_child_kill_group(child);
		}
		if (exited && now >= drain_deadline)
			break;
		until = exited ? drain_deadline : timed_out ? now + 1000 : deadline;
		wait_ms = until > now ? (int)(until - now) : 0;
		pfd[nfds++] = (struct pollfd){ .fd = agent_child_exit_fd(child), .events = POLLIN };
		if (out[0] >= 0)
			pfd[nfds++] = (struct pollfd){ .fd = out[0], .events = POLLIN };
		if (errp[0] >= 0)
			pfd[nfds++] = (struct pollfd){ .fd = errp[0], .events = POLLIN };
		if (in[1] >= 0)
			pfd[nfds++] = (struct pollfd){ .fd = in[1], .events = POLLOUT };
		if (poll(pfd, (nfds_t)nfds, wait_ms) < 0 && errno != EINTR) {
			agent_err_errno(err, errno, "poll", "exec");
			agent_child_kill_group(child);
			goto done;
		}
		for (i = 0; i < nfds; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == out[0] && drain_fd(out[0], &bo) == 0) {
				close(out[0]);
				out[0] = -1;
			} else if (pfd[i].fd == errp[0] && drain_fd(errp[0], &be) == 0) {
				close(errp[0]);
				errp[0] = -1;
			} else if (pfd[i].fd == in[1]) {
				ssize_t n = write(in[1], stdin_data + stdin_off,
						  stdin_len - stdin_off);

				if (n > 0)
					stdin_off += (size_t)n;
				if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
				    stdin_off == stdin_len) {
					close(in[1]);
					in[1] = -1;
				}
			}
		}
		if (!exited && agent_child_exited(child, &status)) {
			exited = true;
			drain_deadline = berth_now_ms() + AGENT_EXEC_DRAIN_MS;
			if (in[1] >= 0) {
				close(in[1]);
				in[1] = -1;
			}
		}
	}
	jout = json_string_lossy(bo.data ? bo.data : "", bo.len, NULL);
	jerr = json_string_lossy(be.data ? be.data : "", be.len, NULL);
	*result = json_pack(
		"{s:i, s:o, s:o, s:o, s:b, s:b, s:b, s:I}", "exit_code",
		WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), "signal",
		WIFSIGNALED(status) ? json_integer(WTERMSIG(status)) : json_null(), "stdout", jout,
		"stderr", jerr, "stdout_truncated", bo.truncated, "stderr_truncated", be.truncated,
		"timed_out", timed_out, "duration_ms", (json_int_t)(berth_now_ms() - start));
	if (!*result) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto done;
	}
	rc = 0;
done:
	agent_child_release(child);
	for (i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	free(bo.data);
	free(be.data);
	agent_strv_free(argv);
	agent_strv_free(envp);
	free(work_dir);
	return rc;
}
