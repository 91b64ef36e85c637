/* agentc_pool.c: agent calls over kept connections (see include/berth/agentc_pool.h). */
#include "berth/agentc_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agentc_internal.h"

/* dir_path + '/' + socket_name: longer ones are called without the pool. */
#define POOL_KEY_MAX 1100

struct pool_conn {
	char key[POOL_KEY_MAX];
	dev_t dev;
	ino_t ino;
	int sock; /* -1: free slot */
	int64_t last_used_ms;
};

struct agentc_pool {
	size_t max_conns;
	int idle_ms;
	struct pool_conn *conns;
};

static void conn_close(struct pool_conn *c)
{
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	c->key[0] = '\0';
}

agentc_pool *agentc_pool_new(size_t max_conns, int idle_ms)
{
	agentc_pool *pool = calloc(1, sizeof *pool);

	if (!pool)
		return NULL;
	pool->max_conns = max_conns ? max_conns : 1;
	pool->idle_ms = idle_ms;
	pool->conns = calloc(pool->max_conns, sizeof *pool->conns);
	if (!pool->conns) {
		free(pool);
		return NULL;
	}
	for (size_t i = 0; i < pool->max_conns; i++)
		pool->conns[i].sock = -1;
	return pool;
}

void agentc_pool_free(agentc_pool *pool)
{
	if (!pool)
		return;
	for (size_t i = 0; i < pool->max_conns; i++)
		conn_close(&pool->conns[i]);
	free(pool->conns);
	free(pool);
}

/* The kept connection for key, closing it when its socket is no longer that inode or it has
 * something to read (EOF, an error, bytes nobody asked for); connections idle too long go too. */
static struct pool_conn *pool_find(agentc_pool *pool, const char *key, const struct stat *st,
				   int64_t now)
{
	struct pool_conn *found = NULL;

	for (size_t i = 0; i < pool->max_conns; i++) {
		struct pool_conn *c = &pool->conns[i];

		if (c->sock < 0)
			continue;
		if (pool->idle_ms > 0 && now - c->last_used_ms > pool->idle_ms) {
			conn_close(c);
			continue;
		}
		if (strcmp(c->key, key) != 0)
			continue;
		if (c->dev != st->st_dev || c->ino != st->st_ino) {
			conn_close(c);
			continue;
		}
		struct pollfd p = { c->sock, POLLIN, 0 };
		int rc;

		do
			rc = poll(&p, 1, 0);
		while (rc < 0 && errno == EINTR);
		if (rc != 0) { /* readable, hung up, or poll failed: not a clean idle connection */
			conn_close(c);
			continue;
		}
		found = c;
	}
	return found;
}

/* Whether a connection for key is kept (maybe idle too long: pool_find says). */
static bool pool_has(const agentc_pool *pool, const char *key)
{
	for (size_t i = 0; i < pool->max_conns; i++)
		if (pool->conns[i].sock >= 0 && strcmp(pool->conns[i].key, key) == 0)
			return true;
	return false;
}

/* A free slot, or the least recently used one (closed). */
static struct pool_conn *pool_slot(agentc_pool *pool)
{
	struct pool_conn *lru = &pool->conns[0];

	for (size_t i = 0; i < pool->max_conns; i++) {
		struct pool_conn *c = &pool->conns[i];

		if (c->sock < 0)
			return c;
		if (c->last_used_ms < lru->last_used_ms)
			lru = c;
	}
	conn_close(lru);
	return lru;
}

/* One exchange on sock: the line out, one line back. *sent and *got count the bytes moved. */
static int exchange(int sock, const char *line, size_t line_len, berth_deadline end,
		    size_t max_reply, char **reply, size_t *reply_len, size_t *sent, size_t *got,
		    berth_err *err)
{
	*sent = 0;
	*got = 0;
	if (agentc_send_all(sock, line, line_len, end, sent, err) < 0)
		return -1;
	return agentc_read_line(sock, max_reply, end, reply, reply_len, got, err);
}

int agentc_pool_call(agentc_pool *pool, const char *dir_path, const char *socket_name,
		     const char *request, size_t len, berth_deadline deadline, int cap_ms,
		     size_t max_reply, char **reply, size_t *reply_len, berth_err *err)
{
	char key[POOL_KEY_MAX], *line = NULL;
	struct pool_conn *c;
	berth_deadline end;
	struct stat st;
	size_t sent, got;
	int path_fd = -1, sock = -1, rc = -1;

	if (!pool ||
	    (size_t)snprintf(key, sizeof key, "%s/%s", dir_path, socket_name) >= sizeof key)
		return agentc_call(dir_path, socket_name, request, len, deadline, cap_ms, max_reply,
				   reply, reply_len, err);
	*reply = NULL;
	*reply_len = 0;
	if (max_reply == 0)
		max_reply = AGENTC_MAX_LINE;
	if (agentc_begin(request, len, deadline, cap_ms, &end, err) < 0)
		return -1;
	line = agentc_request_line(request, len);
	if (!line)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	/* With a kept connection, the name is only looked at (one lstat-like call, no fd): when it
	 * is the socket inode the connection was made to, the connection is used. Otherwise (none
	 * kept, or the name changed) the socket is opened and checked as for a new connection. */
	c = NULL;
	if (pool_has(pool, key) && fstatat(AT_FDCWD, key, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISSOCK(st.st_mode))
		c = pool_find(pool, key, &st, berth_now_ms());
	if (!c) {
		if (agentc_open_socket(dir_path, socket_name, &path_fd, &st, err) < 0)
			goto done;
		c = pool_find(pool, key, &st, berth_now_ms());
	}
	if (c) {
		/* Taken out of the pool while in use: kept again only when the exchange ends well. */
		sock = c->sock;
		c->sock = -1;
		c->key[0] = '\0';
		if (exchange(sock, line, len + 1, end, max_reply, reply, reply_len, &sent, &got,
			     err) == 0 &&
		    got == *reply_len + 1)
			goto keep;
		close(sock);
		sock = -1;
		if (*reply) { /* a whole line, and bytes after it: the reply, but not a connection to keep */
			rc = 0;
			goto done;
		}
		/* The agent cannot have seen a request the socket never took: once more on a new one. */
		if (sent != 0 || got != 0 || berth_deadline_passed(end))
			goto done;
	}
	/* The kept connection failed before the socket took a byte: a new one, to the socket checked
	 * now (opened here when only looked at above). */
	if (path_fd < 0 && agentc_open_socket(dir_path, socket_name, &path_fd, &st, err) < 0)
		goto done;
	if (agentc_connect(path_fd, end, dir_path, &sock, err) < 0)
		goto done;
	if (exchange(sock, line, len + 1, end, max_reply, reply, reply_len, &sent, &got, err) < 0)
		goto done;
	if (got != *reply_len + 1) { /* more than the reply line came: do not keep it */
		rc = 0;
		goto done;
	}
keep:
	c = pool_slot(pool);
	memcpy(c->key, key, sizeof key);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->sock = sock;
	c->last_used_ms = berth_now_ms();
	sock = -1;
	rc = 0;
done:
	if (sock >= 0)
		close(sock);
	if (path_fd >= 0)
		close(path_fd);
	free(line);
	return rc;
}
