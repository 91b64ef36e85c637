/* berth_fcgi_listen.c: the master's listening socket (see server_listen in berth_fcgi_listen.h). */
#include "berth_fcgi_listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_BACKLOG 1024

static int set_flags(int fd, berth_err *err)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "fcntl: %s", strerror(errno));
	return 0;
}

/* Removes a stale socket at path. A live server on it, or a file that is not a socket, is an
 * error: we never remove what might be someone else's. */
static int clear_stale_socket(const struct sockaddr_un *sa, berth_err *err)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return berth_err_set(err, BERTH_E_INVALID, "%s: %s", sa->sun_path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return berth_err_set(err, BERTH_E_ALREADY_EXISTS, "%s exists and is not a socket",
				     sa->sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "socket: %s", strerror(errno));
	rc = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
	close(fd);
	if (rc == 0)
		return berth_err_set(err, BERTH_E_ALREADY_EXISTS,
				     "another server is listening on %s", sa->sun_path);
	if (errno != ECONNREFUSED)
		return berth_err_set(err, BERTH_E_INVALID, "%s: cannot check for a live server: %s",
				     sa->sun_path, strerror(errno));
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return berth_err_set(err, BERTH_E_INVALID, "cannot remove stale socket %s: %s",
				     sa->sun_path, strerror(errno));
	return 0;
}

static int listen_unix(const struct berth_config *cfg, struct server_listener *l, berth_err *err)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old_mask;
	int fd, rc;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (!cfg->fcgi_socket || !*cfg->fcgi_socket ||
	    strlen(cfg->fcgi_socket) >= sizeof sa.sun_path)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[server] fcgi_socket must be a path of 1..%zu bytes",
				     sizeof sa.sun_path - 1);
	memcpy(sa.sun_path, cfg->fcgi_socket, strlen(cfg->fcgi_socket) + 1);
	if (clear_stale_socket(&sa, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "socket: %s", strerror(errno));
	/* No moment with looser permissions than configured: create it with none for others. */
	old_mask = umask(0077);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old_mask);
	if (rc < 0) {
		berth_err_set(err, BERTH_E_INVALID, "bind %s: %s", sa.sun_path, strerror(errno));
		goto fail;
	}
	if (chmod(sa.sun_path, (mode_t)cfg->fcgi_socket_mode) < 0 || stat(sa.sun_path, &st) < 0) {
		berth_err_set(err, BERTH_E_INVALID, "%s: %s", sa.sun_path, strerror(errno));
		unlink(sa.sun_path);
		goto fail;
	}
	if (listen(fd, LISTEN_BACKLOG) < 0) {
		berth_err_set(err, BERTH_E_INTERNAL, "listen %s: %s", sa.sun_path, strerror(errno));
		unlink(sa.sun_path);
		goto fail;
	}
	if (set_flags(fd, err) < 0) {
		unlink(sa.sun_path);
		goto fail;
	}
	l->fd = fd;
	l->is_unix = true;
	memcpy(l->path, sa.sun_path, sizeof l->path);
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	snprintf(l->where, sizeof l->where, "unix:%s", sa.sun_path);
	return 0;
fail:
	close(fd);
	return -1;
}

int server_listener_check_peers(const struct server_listener *l, const struct berth_config *cfg,
				berth_err *err)
{
	bool peers = cfg->fcgi_allowed_peers && *cfg->fcgi_allowed_peers;

	if (l->is_unix)
		return 0;
	if (!l->ipv4 && peers)
		return berth_err_set(
			err, BERTH_E_INVALID,
			"[server] fcgi_allowed_peers needs an IPv4 fcgi_listen address (libfcgi checks "
			"IPv4 peers only); %s is IPv6",
			l->where);
	if (!l->loopback && !peers)
		return berth_err_set(
			err, BERTH_E_INVALID,
			"[server] fcgi_listen %s is not a loopback address: set [server] "
			"fcgi_allowed_peers to the IPv4 addresses of the web servers (the FastCGI "
			"params carry the client identity, so any other peer could impersonate "
			"any user)",
			l->where);
	return 0;
}

static void classify_address(const struct sockaddr *sa, struct server_listener *l)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		l->ipv4 = true;
		l->loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		l->ipv4 = false;
		l->loopback = sa->sa_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
}

/* "host:port", "[v6]:port" or ":port" (all addresses). */
static int listen_tcp(const struct berth_config *cfg, struct server_listener *l, berth_err *err)
{
	const char *spec = cfg->fcgi_listen;
	char host[128], port[16];
	const char *colon = strrchr(spec, ':');
	const char *host_start = spec;
	struct addrinfo hints, *res = NULL;
	size_t host_len;
	int fd = -1, one = 1, rc;

	if (!colon || !colon[1] || strlen(colon + 1) >= sizeof port)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[server] fcgi_listen '%s' is not host:port", spec);
	host_len = (size_t)(colon - spec);
	if (host_len >= 2 && spec[0] == '[' && spec[host_len - 1] == ']') {
		host_start++;
		host_len -= 2;
	}
	if (host_len >= sizeof host)
		return berth_err_set(err, BERTH_E_INVALID, "[server] fcgi_listen host is too long");
	memcpy(host, host_start, host_len);
	host[host_len] = '\0';
	memcpy(port, colon + 1, strlen(colon + 1) + 1);

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST;
	rc = getaddrinfo(host_len ? host : NULL, port, &hints, &res);
	if (rc != 0)
		return berth_err_set(err, BERTH_E_INVALID, "[server] fcgi_listen '%s': %s", spec,
				     gai_strerror(rc));
	l->is_unix = false;
	snprintf(l->where, sizeof l->where, "tcp:%s", spec);
	classify_address(res->ai_addr, l);
	if (server_listener_check_peers(l, cfg, err) < 0)
		goto fail;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		berth_err_set(err, BERTH_E_INVALID, "listen on %s: %s", spec, strerror(errno));
		goto fail;
	}
	if (set_flags(fd, err) < 0)
		goto fail;
	freeaddrinfo(res);
	l->fd = fd;
	l->path[0] = '\0';
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

int server_listen(const struct berth_config *cfg, struct server_listener *l, berth_err *err)
{
	memset(l, 0, sizeof *l);
	l->fd = -1;
	if (cfg->fcgi_listen && *cfg->fcgi_listen)
		return listen_tcp(cfg, l, err);
	return listen_unix(cfg, l, err);
}

void server_listener_close(struct server_listener *l, bool unlink_path)
{
	struct stat st;

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (unlink_path && l->is_unix && l->path[0] && lstat(l->path, &st) == 0 &&
	    st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
}
