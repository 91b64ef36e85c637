/* berth_fcgi_worker.h: the berth-fcgi worker loop (berth_fcgi_worker.c). Private to
 * app/programs/.
 */
#ifndef BERTH_BERTH_FCGI_WORKER_H
#define BERTH_BERTH_FCGI_WORKER_H

#include <sys/types.h>

#include "berth/config.h"

/* The worker: serves requests on listen_fd until told to stop (SIGTERM/SIGINT/SIGHUP), after
 * max_requests, or when the master dies. Sets FCGI_WEB_SERVER_ADDRS from fcgi_allowed_peers (unset
 * when empty) before libfcgi reads it. cfg is BORROWED. Returns the exit status (0: normal). */
int worker_loop(const struct berth_config *cfg, int listen_fd, pid_t master_pid);

#endif
