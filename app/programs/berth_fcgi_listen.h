/* berth_fcgi_listen.h: the listening socket of berth-fcgi (berth_fcgi_listen.c). Private to
 * app/programs/.
 */
#ifndef BERTH_BERTH_FCGI_LISTEN_H
#define BERTH_BERTH_FCGI_LISTEN_H

#include <stdbool.h>
#include <sys/types.h>

#include "berth/config.h"
#include "berth/err.h"

struct server_listener {
	int fd; /* listening socket, O_NONBLOCK (workers poll before accepting) */
	bool is_unix;
	char path[108]; /* unix socket path we bound ("" for TCP) */
	dev_t dev;	/* identity of the socket file we created, so that we unlink only ours */
	ino_t ino;
	char where[160]; /* for logs: "unix:/run/berth/fcgi.sock" or "tcp:127.0.0.1:9000" */
	bool ipv4;	 /* TCP: bound to an IPv4 address */
	bool loopback;	 /* TCP: bound to a loopback address (127.0.0.0/8, ::1) */
};

/* Binds [server] fcgi_listen ("host:port", TCP) when set, else the unix socket fcgi_socket with
 * mode fcgi_socket_mode. A stale socket file is removed first; a socket on which a live server
 * answers, or a path that is not a socket, is an error (nothing is removed). A TCP address that
 * server_listener_check_peers refuses is an error before anything is bound. */
int server_listen(const struct berth_config *cfg, struct server_listener *l, berth_err *err);

/* Whether cfg's [server] fcgi_allowed_peers can protect listener l. The FastCGI params carry the
 * client's identity and are trusted, so any peer able to connect could claim any identity:
 * INVALID for a TCP listener on a non-loopback address without fcgi_allowed_peers, and for
 * fcgi_allowed_peers with an IPv6 listener (libfcgi checks the peers of IPv4 connections only).
 * A unix socket is guarded by its permissions; the peer list does not apply to it. */
int server_listener_check_peers(const struct server_listener *l, const struct berth_config *cfg,
				berth_err *err);

/* Closes the socket; with unlink_path, removes the unix socket file if it is still the one we
 * created. */
void server_listener_close(struct server_listener *l, bool unlink_path);

#endif
