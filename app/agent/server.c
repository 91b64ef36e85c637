/* server.c: the agent's unix socket. One thread per connection (an exec of minutes must not
 * delay a read on another connection); each reads '\n'-terminated lines of at most
 * AGENT_MAX_LINE bytes and answers them in order. A buffer lives only while a line is being read,
 * so an idle agent holds none, also with connections kept open. */
#include "agent.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define CONN_STACK_SIZE (512 * 1024)
#define CONN_READ_CHUNK 65536
#define CONN_SEND_TIMEOUT_S 120

static atomic_int connections;

int agent_server_listen(const char *socket_path, berth_err *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_umask;
	int fd;

	if (strlen(socket_path) >= sizeof addr.sun_path)
		return berth_err_set(err, BERTH_E_INVALID, "socket path too long: %s", socket_path);
	strcpy(addr.sun_path, socket_path);
	/* The directory is shared with the host: replace whatever is there unless it is a
	 * directory. */
	if (lstat(socket_path, &st) == 0 && !S_ISDIR(st.st_mode) && unlink(socket_path) < 0)
		return agent_err_errno(err, errno, "unlink stale socket", socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return agent_err_errno(err, errno, "socket", socket_path);
	old_umask = umask(0177);
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		umask(old_umask);
		agent_err_errno(err, errno, "bind", socket_path);
		close(fd);
		return -1;
	}
	umask(old_umask);
	if (chmod(socket_path, 0600) < 0 || listen(fd, 64) < 0) {
		agent_err_errno(err, errno, "listen", socket_path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends reply (without '\n') and its newline in one sendmsg (one wakeup of the reader, which
 * waits for the newline), continuing after a partial send. */
static int send_line(int fd, char *reply, size_t len)
{
	char nl = '\n';
	struct iovec iov[2] = { { reply, len }, { &nl, 1 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	while (msg.msg_iovlen > 0) {
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		while (msg.msg_iovlen > 0 && (size_t)n >= msg.msg_iov[0].iov_len) {
			n -= (ssize_t)msg.msg_iov[0].iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen > 0) {
			msg.msg_iov[0].iov_base = (char *)msg.msg_iov[0].iov_base + n;
			msg.msg_iov[0].iov_len -= (size_t)n;
		}
	}
	return 0;
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = NULL, *reply;
	size_t cap = 0, len = 0, scanned = 0, reply_len;
	ssize_t n;

	for (;;) {
		char *nl = len > scanned ? memchr(buf + scanned, '\n', len - scanned) : NULL;

		if (nl) {
			size_t line_len = (size_t)(nl - buf);

			agent_rpc_handle_line(buf, line_len, &reply, &reply_len);
			if (reply) {
				int rc = send_line(fd, reply, reply_len);

				free(reply);
				if (rc < 0)
					break;
			}
			memmove(buf, nl + 1, len - line_len - 1);
			len -= line_len + 1;
			scanned = 0;
			/* A connection kept open between calls (the workers pool them) holds no buffer
			 * while idle, and a big request's buffer is not kept for the next small one. */
			if (len == 0) {
				free(buf);
				buf = NULL;
				cap = 0;
			} else if (cap > 4 * CONN_READ_CHUNK && len < CONN_READ_CHUNK) {
				char *small = realloc(buf, CONN_READ_CHUNK + 1);

				if (small) {
					buf = small;
					cap = CONN_READ_CHUNK;
				}
			}
			continue;
		}
		scanned = len;
		if (len >= AGENT_MAX_LINE) {
			reply = agent_rpc_error_line(
				NULL, AGENT_RPC_INVALID_REQUEST,
				"message line longer than the limit (AGENT_MAX_LINE bytes); connection closed",
				&reply_len);
			if (reply) {
				(void)send_line(fd, reply, reply_len);
				free(reply);
			}
			break;
		}
		if (agent_rpc_line_reserve(&buf, &cap, len, CONN_READ_CHUNK) < 0) {
			agent_log("error", "connection: out of memory");
			break;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	free(buf);
	close(fd);
	atomic_fetch_sub(&connections, 1);
	return NULL;
}

void agent_server_accept(int listen_fd)
{
	struct timeval send_timeout = { .tv_sec = CONN_SEND_TIMEOUT_S };
	pthread_attr_t attr;
	pthread_t thread;
	char *reply;
	size_t reply_len;
	int fd, rc;

	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
			agent_log("error", "accept: %s", strerror(errno));
		return;
	}
	/* A peer that stops reading must not hold a thread forever. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout) < 0)
		agent_log("warn", "setsockopt SO_SNDTIMEO: %s", strerror(errno));
	if (atomic_fetch_add(&connections, 1) >= AGENT_MAX_CONNECTIONS) {
		atomic_fetch_sub(&connections, 1);
		reply = agent_rpc_error_line(NULL, AGENT_RPC_BUSY, "too many connections",
					     &reply_len);
		if (reply) {
			(void)send(fd, reply, reply_len, MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			free(reply);
		}
		close(fd);
		return;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CONN_STACK_SIZE);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&thread, &attr, conn_main, (void *)(intptr_t)fd);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		agent_log("error", "pthread_create: %s", strerror(rc));
		atomic_fetch_sub(&connections, 1);
		close(fd);
	}
}
