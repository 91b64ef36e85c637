/* berth_fcgi_master.h: the berth-fcgi master (berth_fcgi_master.c), and the process model:
 * listener (berth_fcgi_listen.h), master, worker loop (berth_fcgi_worker.h). Private to
 * app/programs/.
 *
 * The master binds the listener, forks the workers and supervises them; it never calls
 * grpc_init and never connects to the database. Each worker runs worker_loop on the inherited
 * listening socket. See app/programs/berth_fcgi_*.c.
 */
#ifndef BERTH_BERTH_FCGI_MASTER_H
#define BERTH_BERTH_FCGI_MASTER_H

#include "berth/config.h"

#include "berth_fcgi_listen.h"

/* Supervises workers until SIGTERM/SIGINT; SIGHUP reloads config_path (NULL: the default
 * lookup of berth_config_load). *cfg is the loaded config; the master takes it over (frees it).
 * Returns the process exit status. In a forked worker this function does not return: the
 * worker exits with the worker loop's status. */
int server_master_run(const char *config_path, struct berth_config *cfg, struct server_listener *l);

#endif
