/* agentc.c: one JSON-RPC line to a bot's agent and one line back (see include/berth/agentc.h). */
#define _GNU_SOURCE /* O_PATH */
#include "berth/agentc.h"

#include "agentc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define READ_CHUNK (256u << 10)

/* Milliseconds left before end (0 = none: -1 for poll), at least 1 while not passed. */
int agentc_left_ms(berth_deadline end)
{
	int64_t left;

	if (end == 0)
		return -1;
	left = end - berth_now_ms();
	if (left <= 0)
		return 0;
	return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

static int sys_fail(berth_err *err, berth_errkind kind, const char *what, const char *dir_path)
{
	return berth_err_driver(err, kind, BERTH_EC_AGENT, "agent socket in %s: %s: %s", dir_path,
				what, strerror(errno));
}

/* Opens the socket beneath dir_path without following links and checks it is a socket. */
int agentc_open_socket(const char *dir_path, const char *socket_name, int *fd_out,
		       struct stat *st_out, berth_err *err)
{
	struct stat st;
	int dir_fd, fd;

	*fd_out = -1;
	dir_fd = open(dir_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir_fd < 0)
		return sys_fail(err, errno == ENOENT ? BERTH_E_NOT_FOUND : BERTH_E_INTERNAL,
				"open directory", dir_path);
	fd = openat(dir_fd, socket_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		sys_fail(err, errno == ENOENT ? BERTH_E_NOT_FOUND : BERTH_E_INTERNAL, socket_name,
			 dir_path);
		close(dir_fd);
		return -1;
	}
	close(dir_fd);
	if (fstat(fd, &st) != 0) {
		sys_fail(err, BERTH_E_INTERNAL, "fstat", dir_path);
		close(fd);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		close(fd);
		return berth_err_driver(err, BERTH_E_PRECONDITION, BERTH_EC_AGENT,
					"agent socket in %s: %s is not a socket (%s)", dir_path,
					socket_name,
					S_ISLNK(st.st_mode)   ? "a symbolic link"
					: S_ISREG(st.st_mode) ? "a regular file"
					: S_ISDIR(st.st_mode) ? "a directory"
							      : "another file type");
	}
	if (st_out)
		*st_out = st;
	*fd_out = fd;
	return 0;
}

/* Connects to the socket the O_PATH fd names, through /proc/self/fd (the inode checked above,
 * whatever is at the name by now). The connect waits at most until end (SO_SNDTIMEO). */
int agentc_connect(int path_fd, berth_deadline end, const char *dir_path, int *sock_out,
		   berth_err *err)
{
	struct sockaddr_un addr;
	int sock, ms = agentc_left_ms(end);

	*sock_out = -1;
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d", path_fd);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return sys_fail(err, BERTH_E_INTERNAL, "socket", dir_path);
	if (ms == 0) {
		close(sock);
		return berth_err_setc(err, BERTH_E_TIMEOUT, BERTH_EC_AGENT,
				      "agent call: deadline exceeded");
	}
	if (ms > 0) {
		struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
		if (setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
			goto fail;
	}
	if (connect(sock, (struct sockaddr *)&addr, sizeof addr) != 0) {
		if (errno == EAGAIN || errno == EINPROGRESS || errno == ETIMEDOUT)
			berth_err_driver(err, BERTH_E_TIMEOUT, BERTH_EC_AGENT,
					 "agent socket in %s: connect timed out", dir_path);
		else
			sys_fail(err,
				 errno == ECONNREFUSED ? BERTH_E_UNAVAILABLE : BERTH_E_INTERNAL,
				 "connect", dir_path);
		close(sock);
		return -1;
	}
	if (fcntl(sock, F_SETFL, O_NONBLOCK) != 0)
		goto fail;
	*sock_out = sock;
	return 0;
fail:
	sys_fail(err, BERTH_E_INTERNAL, "socket options", dir_path);
	close(sock);
	return -1;
}

/* Waits for events on sock until end. 0 when ready, -1 (timeout or error) with err set. */
static int wait_ready(int sock, short events, berth_deadline end, berth_err *err)
{
	struct pollfd p = { sock, events, 0 };

	for (;;) {
		int ms = agentc_left_ms(end), rc;

		if (ms == 0)
			return berth_err_setc(err, BERTH_E_TIMEOUT, BERTH_EC_AGENT,
					      "agent call: deadline exceeded");
		rc = poll(&p, 1, ms);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_AGENT,
						"agent call: poll: %s", strerror(errno));
	}
}

int agentc_send_all(int sock, const char *data, size_t len, berth_deadline end, size_t *sent,
		    berth_err *err)
{
	while (len > 0) {
		ssize_t n = send(sock, data, len, MSG_NOSIGNAL);

		if (n > 0) {
			if (sent)
				*sent += (size_t)n;
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_ready(sock, POLLOUT, end, err) < 0)
				return -1;
			continue;
		}
		return berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_AGENT,
					"agent call: send: %s",
					n < 0 ? strerror(errno) : "nothing sent");
	}
	return 0;
}

/* Reads up to the first newline; the line (without it) into *out. */
int agentc_read_line(int sock, size_t max, berth_deadline end, char **out, size_t *out_len,
		     size_t *got, berth_err *err)
{
	size_t cap = 64u << 10, used = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	for (;;) {
		ssize_t n;
		char *nl;

		if (cap - used < READ_CHUNK / 4 && cap <= max) {
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nbuf = realloc(buf, ncap + 1);
			if (!nbuf) {
				free(buf);
				return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			}
			buf = nbuf;
			cap = ncap;
		}
		n = recv(sock, buf + used, cap - used, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_ready(sock, POLLIN, end, err) < 0)
				goto fail;
			continue;
		}
		if (n < 0) {
			berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_AGENT,
					 "agent call: recv: %s", strerror(errno));
			goto fail;
		}
		if (n == 0) {
			berth_err_setc(
				err, BERTH_E_INTERNAL, BERTH_EC_AGENT,
				"the agent closed the connection before a whole reply (%zu bytes read)",
				used);
			goto fail;
		}
		if (got)
			*got += (size_t)n;
		nl = memchr(buf + used, '\n', (size_t)n);
		used += (size_t)n;
		if (nl) {
			used = (size_t)(nl - buf);
			if (used > max)
				break;
			buf[used] = '\0';
			*out = buf;
			*out_len = used;
			return 0;
		}
		if (used > max)
			break;
	}
	berth_err_setc(err, BERTH_E_TOO_LARGE, BERTH_EC_AGENT,
		       "the agent's reply is longer than %zu bytes", max);
fail:
	free(buf);
	return -1;
}

char *agentc_request_line(const char *request, size_t len)
{
	char *line = malloc(len + 1);

	if (!line)
		return NULL;
	memcpy(line, request, len);
	line[len] = '\n';
	return line;
}

int agentc_begin(const char *request, size_t len, berth_deadline deadline, int cap_ms,
		 berth_deadline *end, berth_err *err)
{
	int budget_ms;

	*end = 0;
	if (memchr(request, '\n', len))
		return berth_err_set(err, BERTH_E_INVALID, "agent request contains a newline");
	if (berth_deadline_budget(deadline, cap_ms, "agent call", &budget_ms, err) < 0)
		return berth_err_recode(err, BERTH_E_TIMEOUT, BERTH_EC_AGENT);
	if (budget_ms > 0)
		*end = berth_now_ms() + budget_ms;
	return 0;
}

int agentc_call(const char *dir_path, const char *socket_name, const char *request, size_t len,
		berth_deadline deadline, int cap_ms, size_t max_reply, char **reply,
		size_t *reply_len, berth_err *err)
{
	berth_deadline end = 0;
	int path_fd = -1, sock = -1, rc = -1;
	char *line = NULL;

	*reply = NULL;
	*reply_len = 0;
	if (max_reply == 0)
		max_reply = AGENTC_MAX_LINE;
	if (agentc_begin(request, len, deadline, cap_ms, &end, err) < 0)
		return -1;
	line = agentc_request_line(request, len);
	if (!line)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	if (agentc_open_socket(dir_path, socket_name, &path_fd, NULL, err) < 0 ||
	    agentc_connect(path_fd, end, dir_path, &sock, err) < 0 ||
	    agentc_send_all(sock, line, len + 1, end, NULL, err) < 0 ||
	    agentc_read_line(sock, max_reply, end, reply, reply_len, NULL, err) < 0)
		goto fail;
	rc = 0;
fail:
	if (sock >= 0)
		close(sock);
	if (path_fd >= 0)
		close(path_fd);
	free(line);
	return rc;
}
