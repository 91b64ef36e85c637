/* berth-fcgi: the FastCGI application behind nginx (master + pre-forked workers).
 *
 *   berth-fcgi [-c CONFIG]
 *
 * Runs in the foreground and logs JSON lines to standard error. See berth_fcgi_master.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/config.h"
#include "berth/http_routes.h"
#include "berth/log.h"
#include "berth/metrics.h"
#include "berth/store_cache.h"
#include "berth_fcgi_listen.h"
#include "berth_fcgi_master.h"

static void usage(FILE *to)
{
	fputs("usage: berth-fcgi [-c CONFIG]\n"
	      "  -c CONFIG  configuration file (default: $BERTH_CONFIG, else " BERTH_CONFIG_DEFAULT_PATH
	      ")\n",
	      to);
}

int main(int argc, char **argv)
{
	const char *config_path = NULL;
	struct berth_config cfg;
	struct server_listener listener;
	enum blog_level level = BLOG_INFO;
	berth_err err = { 0 };
	int opt, rc;

	blog_init("berth-fcgi", BLOG_INFO, 2);
	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (berth_config_load(config_path, &cfg, &err) < 0) {
		blog(BLOG_ERROR, "configuration: %s", err.msg);
		return 1;
	}
	if (blog_level_parse(cfg.log_level, &level) < 0)
		blog(BLOG_WARN, "unknown log_level '%s', using info", cfg.log_level);
	blog_set_level(level);
	if (server_listen(&cfg, &listener, &err) < 0) {
		blog(BLOG_ERROR, "cannot listen: %s", err.msg);
		berth_config_free(&cfg);
		return 1;
	}
	if (listener.is_unix && cfg.fcgi_allowed_peers[0])
		blog(BLOG_WARN, "[server] fcgi_allowed_peers has no effect on the unix socket %s",
		     listener.where);
	/* The counters of every worker, made before the first fork (berth/metrics.h); the master
	 * keeps them across reloads. */
	if (metrics_table_create(http_routes_count, &err) < 0) {
		blog(BLOG_ERROR, "%s", err.msg);
		server_listener_close(&listener, true);
		berth_config_free(&cfg);
		return 1;
	}
	/* The write epoch of the workers' read caches, shared the same way (berth/store_cache.h). */
	if (store_cache_share() < 0) {
		blog(BLOG_ERROR, "read cache: shared epoch: %s", strerror(errno));
		metrics_table_destroy();
		server_listener_close(&listener, true);
		berth_config_free(&cfg);
		return 1;
	}
	rc = server_master_run(config_path, &cfg, &listener);
	metrics_table_destroy();
	return rc;
}
