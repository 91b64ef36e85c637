/* config.h: the one configuration file shared by berth-fcgi, berth-reconcile and berthctl.
 *
 * Format: INI (libinih), sections [server] [database] [containerd] [bots] [cni] [skills]
 * [reconcile] [agent] [metrics] [limits]; conf/berth.conf.example documents every key and its default. A few environment
 * variables override the file (listed in that example). Strings in a loaded config are owned by the
 * config and freed by berth_config_free; callers borrow them.
 */
#ifndef BERTH_CONFIG_H
#define BERTH_CONFIG_H

#include "berth/err.h"

#define BERTH_CONFIG_DEFAULT_PATH "/etc/berth/berth.conf"

#define CONFIG_REQUEST_TIMEOUT_MAX_MS 3600000 /* one hour */
#define CONFIG_READ_CACHE_MAX_MS 60000	      /* [database] read_cache_ms */
#define CONFIG_MAX_BODY_BYTES_MAX (1L << 30)  /* 1 GiB */

struct berth_config {
	/* [server] */
	char *fcgi_socket;	  /* unix socket the master binds */
	char *fcgi_listen;	  /* optional "host:port" TCP listener instead of the socket */
	char *fcgi_allowed_peers; /* IPv4 addresses that may connect to fcgi_listen, normalised to
				      "a.b.c.d,e.f.g.h" ("" = any; only for a loopback listener) */
	int fcgi_socket_mode;	  /* octal permission bits of the socket */
	int workers;		  /* pre-forked FastCGI workers */
	int max_requests;	  /* a worker is recycled after this many requests (0: never) */
	int request_timeout_ms;	 /* deadline of one request: 100 .. CONFIG_REQUEST_TIMEOUT_MAX_MS */
	long max_body_bytes;	 /* larger request bodies get 413: 1 .. CONFIG_MAX_BODY_BYTES_MAX */
	int graceful_timeout_ms; /* bound on draining in-flight requests at stop/reload */
	char *log_level;	 /* debug, info, warn, error */
	char *pid_file;		 /* master pid file ("" for none) */
	/* [database] */
	char *db_conninfo; /* libpq connection string */
	int db_statement_timeout_ms;
	/* How long a worker may answer identity, bot access and container reads from its own
	 * cache (0: never); changes made through any worker of the same berth-fcgi are seen at
	 * once, others on the database's notification (berth/store_cache.h). */
	int db_read_cache_ms;
	/* [containerd] */
	char *ctd_socket;
	char *ctd_namespace;
	int ctd_timeout_ms; /* default deadline of a containerd call */
	/* [bots] */
	char *bot_image; /* image every bot container runs */
	char *snapshotter;
	char *data_root;  /* <data_root>/bots/<uuid> is mounted at data_mount */
	char *state_root; /* host-only per-bot state: <state_root>/bots/<uuid> */
	char *data_mount;
	char *init_command;	/* first process of the bot container ("" = built-in bootstrap) */
	int stop_timeout_s;	/* SIGTERM -> SIGKILL escalation delay */
	char *host_resolv_conf; /* resolver config the bots' resolv.conf is built from */
	char *fallback_nameservers; /* space-separated, used when the host has no usable nameserver */
	char *node;		    /* this containerd node's name */
	/* [cni] */
	char *cni_bin_dir;
	char *cni_conf_dir;
	int cni_timeout_ms;
	/* [skills] */
	int skills_max_count;
	long skill_max_bytes;
	/* [reconcile] */
	int reconcile_interval_s;	     /* full relist period (>= 1) */
	int reconcile_parallel;		     /* bots converged at the same time (>= 1) */
	int reconcile_backoff_initial_ms;    /* first restart delay after an exit (>= 1) */
	int reconcile_backoff_max_ms;	     /* the doubling stops here */
	int reconcile_backoff_reset_s;	     /* a run this long starts the backoff over */
	int reconcile_orphan_remove_after_s; /* 0: orphans are only reported */
	/* [agent] */
	char *agent_binary; /* host path of berth-agent, bind-mounted read-only into every bot */
	int agent_call_timeout_ms; /* cap of one call to a bot's agent (an exec's own timeout is added) */
	int agent_exec_timeout_max_s; /* an exec tool call's timeout is clamped to this */
	char *agent_allowed_origins;  /* comma-separated Origin values /tools accepts ("" = none) */
	int agent_stdio_max_sessions; /* stdio MCP sessions a bot's agent may hold (1..64) */
	int agent_stdio_idle_timeout_s; /* an unused stdio session is closed after this (0: never) */
	/* [metrics] */
	int metrics_record; /* 1: workers record requests and dependency calls (berth/metrics.h) */
	/* [limits]: every bot's defaults (0 = no limit) and the bounds a bot's own limits must keep
	 * (berth/botctr_limits.h) */
	long limit_cpu_quota_us;     /* 0, or >= CONFIG_CPU_QUOTA_MIN_US */
	long limit_cpu_period_us;    /* CONFIG_CPU_PERIOD_MIN_US .. CONFIG_CPU_PERIOD_MAX_US */
	long limit_memory_bytes;     /* 0, or >= CONFIG_MEMORY_MIN_BYTES */
	long limit_pids;	     /* 0, or >= CONFIG_PIDS_MIN */
	int limit_allow_swap;	     /* 0: memory+swap = memory (no swap); 1: swap not limited */
	int limit_max_cpus;	     /* 0: the host's online CPUs */
	long limit_max_memory_bytes; /* 0: the host's physical memory */
	long limit_max_pids;
};

/* The kernel's and runc's bounds on limits (a bot's own and the defaults). */
#define CONFIG_CPU_QUOTA_MIN_US 1000L
#define CONFIG_CPU_PERIOD_MIN_US 1000L
#define CONFIG_CPU_PERIOD_MAX_US 1000000L
#define CONFIG_MEMORY_MIN_BYTES                                                                    \
	(6L << 20)	    /* below this runc/the kernel refuse or the agent cannot start */
#define CONFIG_PIDS_MIN 16L /* the agent and a shell must still fit */

/* Fills *cfg with defaults, then the file, then environment overrides.
 * path == NULL: $BERTH_CONFIG, else BERTH_CONFIG_DEFAULT_PATH, and a missing default file is not an
 * error. An explicitly named file that is missing or malformed (unknown key, bad number) is an
 * error naming the file and line. On failure *cfg holds nothing to free. */
int berth_config_load(const char *path, struct berth_config *cfg, berth_err *err);

/* Defaults only (no file, no environment): for tests and tools. */
int berth_config_defaults(struct berth_config *cfg, berth_err *err);

void berth_config_free(struct berth_config *cfg);

#endif
