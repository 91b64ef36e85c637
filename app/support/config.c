/* config.c: INI configuration with defaults and environment overrides (see include/berth/config.h). */
#include "berth/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where `make install` puts berth-agent (app/support/local.mk defines it from pkglibexecdir). */
#ifndef BERTH_AGENT_DEFAULT_PATH
#define BERTH_AGENT_DEFAULT_PATH "/usr/local/libexec/berth/berth-agent"
#endif

enum key_type { KEY_STRING, KEY_INT, KEY_LONG, KEY_OCTAL };

struct key_spec {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	const char *default_value;
};

#define K(sec, name, type, field, def)                                                             \
	{                                                                                          \
		sec, name, type, offsetof(struct berth_config, field), def                         \
	}

static const struct key_spec keys[] = {
	K("server", "fcgi_socket", KEY_STRING, fcgi_socket, "/run/berth/fcgi.sock"),
	K("server", "fcgi_listen", KEY_STRING, fcgi_listen, ""),
	K("server", "fcgi_allowed_peers", KEY_STRING, fcgi_allowed_peers, ""),
	K("server", "fcgi_socket_mode", KEY_OCTAL, fcgi_socket_mode, "0660"),
	K("server", "workers", KEY_INT, workers, "4"),
	K("server", "max_requests", KEY_INT, max_requests, "10000"),
	K("server", "request_timeout_ms", KEY_INT, request_timeout_ms, "60000"),
	K("server", "max_body_bytes", KEY_LONG, max_body_bytes, "4194304"),
	K("server", "graceful_timeout_ms", KEY_INT, graceful_timeout_ms, "15000"),
	K("server", "log_level", KEY_STRING, log_level, "info"),
	K("server", "pid_file", KEY_STRING, pid_file, ""),
	K("database", "conninfo", KEY_STRING, db_conninfo, "dbname=berth"),
	K("database", "statement_timeout_ms", KEY_INT, db_statement_timeout_ms, "10000"),
	K("database", "read_cache_ms", KEY_INT, db_read_cache_ms, "1000"),
	K("containerd", "socket", KEY_STRING, ctd_socket, "/run/containerd/containerd.sock"),
	K("containerd", "namespace", KEY_STRING, ctd_namespace, "default"),
	K("containerd", "timeout_ms", KEY_INT, ctd_timeout_ms, "15000"),
	K("bots", "image", KEY_STRING, bot_image, "docker.io/library/berth-bot:latest"),
	K("bots", "snapshotter", KEY_STRING, snapshotter, "overlayfs"),
	K("bots", "data_root", KEY_STRING, data_root, "/var/lib/berth/data"),
	K("bots", "state_root", KEY_STRING, state_root, "/var/lib/berth/state"),
	K("bots", "data_mount", KEY_STRING, data_mount, "/data"),
	K("bots", "init_command", KEY_STRING, init_command, ""),
	K("bots", "stop_timeout_s", KEY_INT, stop_timeout_s, "10"),
	K("bots", "host_resolv_conf", KEY_STRING, host_resolv_conf, "/etc/resolv.conf"),
	K("bots", "fallback_nameservers", KEY_STRING, fallback_nameservers, ""),
	K("bots", "node", KEY_STRING, node, "local"),
	K("cni", "bin_dir", KEY_STRING, cni_bin_dir, "/usr/lib/cni"),
	K("cni", "conf_dir", KEY_STRING, cni_conf_dir, "/etc/berth/cni"),
	K("cni", "timeout_ms", KEY_INT, cni_timeout_ms, "10000"),
	K("skills", "max_count", KEY_INT, skills_max_count, "256"),
	K("skills", "max_bytes", KEY_LONG, skill_max_bytes, "1048576"),
	K("reconcile", "interval_s", KEY_INT, reconcile_interval_s, "10"),
	K("reconcile", "parallel", KEY_INT, reconcile_parallel, "4"),
	K("reconcile", "backoff_initial_ms", KEY_INT, reconcile_backoff_initial_ms, "1000"),
	K("reconcile", "backoff_max_ms", KEY_INT, reconcile_backoff_max_ms, "300000"),
	K("reconcile", "backoff_reset_s", KEY_INT, reconcile_backoff_reset_s, "600"),
	K("reconcile", "orphan_remove_after_s", KEY_INT, reconcile_orphan_remove_after_s, "0"),
	K("agent", "binary", KEY_STRING, agent_binary, BERTH_AGENT_DEFAULT_PATH),
	K("agent", "call_timeout_ms", KEY_INT, agent_call_timeout_ms, "30000"),
	K("agent", "exec_timeout_max_s", KEY_INT, agent_exec_timeout_max_s, "600"),
	K("agent", "allowed_origins", KEY_STRING, agent_allowed_origins, ""),
	K("agent", "stdio_max_sessions", KEY_INT, agent_stdio_max_sessions, "16"),
	K("agent", "stdio_idle_timeout_s", KEY_INT, agent_stdio_idle_timeout_s, "1800"),
	K("metrics", "record", KEY_INT, metrics_record, "1"),
	K("limits", "cpu_quota_us", KEY_LONG, limit_cpu_quota_us, "100000"),
	K("limits", "cpu_period_us", KEY_LONG, limit_cpu_period_us, "100000"),
	K("limits", "memory_bytes", KEY_LONG, limit_memory_bytes, "1073741824"),
	K("limits", "pids", KEY_LONG, limit_pids, "1024"),
	K("limits", "allow_swap", KEY_INT, limit_allow_swap, "0"),
	K("limits", "max_cpus", KEY_INT, limit_max_cpus, "0"),
	K("limits", "max_memory_bytes", KEY_LONG, limit_max_memory_bytes, "0"),
	K("limits", "max_pids", KEY_LONG, limit_max_pids, "32768"),
};

static const struct {
	const char *env;
	const char *section;
	const char *name;
} env_overrides[] = {
	{ "BERTH_DATABASE", "database", "conninfo" },
	{ "BERTH_CONTAINERD_SOCKET", "containerd", "socket" },
	{ "BERTH_CONTAINERD_NAMESPACE", "containerd", "namespace" },
	{ "BERTH_FCGI_SOCKET", "server", "fcgi_socket" },
	{ "BERTH_WORKERS", "server", "workers" },
	{ "BERTH_LOG_LEVEL", "server", "log_level" },
	{ "BERTH_REQUEST_TIMEOUT_MS", "server", "request_timeout_ms" },
};

#define NKEYS (sizeof keys / sizeof keys[0])

static const struct key_spec *find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int parse_number(const char *value, int base, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, base);
	if (errno || end == value || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Stores one value; returns 0, or -1 with a message in err. */
static int set_key(struct berth_config *cfg, const struct key_spec *k, const char *value,
		   berth_err *err)
{
	char *base = (char *)cfg + k->offset;
	long n;

	switch (k->type) {
	case KEY_STRING: {
		char *copy = strdup(value);
		if (!copy)
			return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		free(*(char **)base);
		*(char **)base = copy;
		return 0;
	}
	case KEY_INT:
		if (parse_number(value, 10, 0, INT_MAX, &n) < 0)
			return berth_err_set(err, BERTH_E_INVALID,
					     "[%s] %s: '%s' is not a whole number >= 0", k->section,
					     k->name, value);
		*(int *)base = (int)n;
		return 0;
	case KEY_LONG:
		if (parse_number(value, 10, 0, LONG_MAX, &n) < 0)
			return berth_err_set(err, BERTH_E_INVALID,
					     "[%s] %s: '%s' is not a whole number >= 0", k->section,
					     k->name, value);
		*(long *)base = n;
		return 0;
	case KEY_OCTAL:
		if (parse_number(value, 8, 0, 07777, &n) < 0)
			return berth_err_set(err, BERTH_E_INVALID,
					     "[%s] %s: '%s' is not an octal mode", k->section,
					     k->name, value);
		*(int *)base = (int)n;
		return 0;
	}
	return berth_err_set(err, BERTH_E_INTERNAL, "unknown key type");
}

struct parse_state {
	struct berth_config *cfg;
	berth_err *err;
	int failed;
};

static int on_ini_value(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;
	const struct key_spec *k = find_key(section, name);

	if (st->failed)
		return 0;
	if (!k) {
		berth_err_set(st->err, BERTH_E_INVALID, "unknown key [%s] %s", section, name);
		st->failed = 1;
		return 0;
	}
	if (set_key(st->cfg, k, value, st->err) < 0) {
		st->failed = 1;
		return 0;
	}
	return 1;
}

void berth_config_free(struct berth_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].type == KEY_STRING) {
			char **p = (char **)((char *)cfg + keys[i].offset);
			free(*p);
			*p = NULL;
		}
	}
}

int berth_config_defaults(struct berth_config *cfg, berth_err *err)
{
	memset(cfg, 0, sizeof *cfg);
	for (size_t i = 0; i < NKEYS; i++) {
		if (set_key(cfg, &keys[i], keys[i].default_value, err) < 0) {
			berth_config_free(cfg);
			return -1;
		}
	}
	return 0;
}

/* Rewrites [server] fcgi_allowed_peers as "a.b.c.d,e.f.g.h": blanks around entries dropped, each
 * entry a dotted-quad IPv4 address (libfcgi compares them with inet_addr, which takes no blanks
 * and no IPv6). */
static int normalise_peers(struct berth_config *cfg, berth_err *err)
{
	const char *p = cfg->fcgi_allowed_peers;
	size_t cap = strlen(p) + 1, used = 0;
	char *out;

	if (strspn(p, " \t") == strlen(p))
		return set_key(cfg, find_key("server", "fcgi_allowed_peers"), "", err);
	out = malloc(cap);
	if (!out)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	for (;;) {
		char addr[INET_ADDRSTRLEN];
		struct in_addr in;
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, ",");
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof addr) {
			free(out);
			return berth_err_set(
				err, BERTH_E_INVALID,
				"[server] fcgi_allowed_peers: expected comma-separated IPv4 addresses");
		}
		memcpy(addr, p, len);
		addr[len] = '\0';
		if (inet_pton(AF_INET, addr, &in) != 1) {
			berth_err_set(err, BERTH_E_INVALID,
				      "[server] fcgi_allowed_peers: '%s' is not an IPv4 address",
				      addr);
			free(out);
			return -1;
		}
		used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? "," : "", addr);
		p += strcspn(p, ",");
		if (*p == '\0')
			break;
		p++;
	}
	free(cfg->fcgi_allowed_peers);
	cfg->fcgi_allowed_peers = out;
	return 0;
}

/* The kernel's and runc's bounds on the defaults. The maxima bound what a request may ask for, not
 * the operator's own defaults. */
static int validate_limits(const struct berth_config *cfg, berth_err *err)
{
	if (cfg->limit_cpu_period_us < CONFIG_CPU_PERIOD_MIN_US ||
	    cfg->limit_cpu_period_us > CONFIG_CPU_PERIOD_MAX_US)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[limits] cpu_period_us must be %ld..%ld",
				     CONFIG_CPU_PERIOD_MIN_US, CONFIG_CPU_PERIOD_MAX_US);
	if (cfg->limit_cpu_quota_us != 0 && cfg->limit_cpu_quota_us < CONFIG_CPU_QUOTA_MIN_US)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[limits] cpu_quota_us must be 0 (none) or >= %ld",
				     CONFIG_CPU_QUOTA_MIN_US);
	if (cfg->limit_memory_bytes != 0 && cfg->limit_memory_bytes < CONFIG_MEMORY_MIN_BYTES)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[limits] memory_bytes must be 0 (none) or >= %ld",
				     CONFIG_MEMORY_MIN_BYTES);
	if (cfg->limit_pids != 0 && cfg->limit_pids < CONFIG_PIDS_MIN)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[limits] pids must be 0 (none) or >= %ld", CONFIG_PIDS_MIN);
	if (cfg->limit_allow_swap > 1)
		return berth_err_set(err, BERTH_E_INVALID, "[limits] allow_swap must be 0 or 1");
	if (cfg->limit_max_cpus > 4096)
		return berth_err_set(err, BERTH_E_INVALID, "[limits] max_cpus must be 0..4096");
	if (cfg->limit_max_memory_bytes != 0 &&
	    cfg->limit_max_memory_bytes < CONFIG_MEMORY_MIN_BYTES)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[limits] max_memory_bytes must be 0 (the host's) or >= %ld",
				     CONFIG_MEMORY_MIN_BYTES);
	if (cfg->limit_max_pids < CONFIG_PIDS_MIN)
		return berth_err_set(err, BERTH_E_INVALID, "[limits] max_pids must be >= %ld",
				     CONFIG_PIDS_MIN);
	return 0;
}

static int validate(const struct berth_config *cfg, berth_err *err)
{
	if (cfg->workers < 1 || cfg->workers > 512)
		return berth_err_set(err, BERTH_E_INVALID, "[server] workers must be 1..512");
	if (cfg->request_timeout_ms < 100 ||
	    cfg->request_timeout_ms > CONFIG_REQUEST_TIMEOUT_MAX_MS)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[server] request_timeout_ms must be 100..%d",
				     CONFIG_REQUEST_TIMEOUT_MAX_MS);
	if (cfg->db_read_cache_ms < 0 || cfg->db_read_cache_ms > CONFIG_READ_CACHE_MAX_MS)
		return berth_err_set(err, BERTH_E_INVALID, "[database] read_cache_ms must be 0..%d",
				     CONFIG_READ_CACHE_MAX_MS);
	if (cfg->max_body_bytes < 1 || cfg->max_body_bytes > CONFIG_MAX_BODY_BYTES_MAX)
		return berth_err_set(err, BERTH_E_INVALID, "[server] max_body_bytes must be 1..%ld",
				     CONFIG_MAX_BODY_BYTES_MAX);
	if (cfg->data_root[0] != '/' || cfg->state_root[0] != '/')
		return berth_err_set(err, BERTH_E_INVALID,
				     "[bots] data_root and state_root must be absolute paths");
	if (cfg->data_mount[0] != '/')
		return berth_err_set(err, BERTH_E_INVALID,
				     "[bots] data_mount must be an absolute path");
	if (cfg->agent_binary[0] != '/')
		return berth_err_set(err, BERTH_E_INVALID,
				     "[agent] binary must be an absolute path");
	if (cfg->agent_call_timeout_ms < 100 ||
	    cfg->agent_call_timeout_ms > CONFIG_REQUEST_TIMEOUT_MAX_MS)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[agent] call_timeout_ms must be 100..%d",
				     CONFIG_REQUEST_TIMEOUT_MAX_MS);
	if (cfg->agent_exec_timeout_max_s < 1 ||
	    cfg->agent_exec_timeout_max_s > CONFIG_REQUEST_TIMEOUT_MAX_MS / 1000)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[agent] exec_timeout_max_s must be 1..%d",
				     CONFIG_REQUEST_TIMEOUT_MAX_MS / 1000);
	if (cfg->agent_stdio_max_sessions < 1 || cfg->agent_stdio_max_sessions > 64)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[agent] stdio_max_sessions must be 1..64");
	if (cfg->agent_stdio_idle_timeout_s < 0 || cfg->agent_stdio_idle_timeout_s > 30 * 86400)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[agent] stdio_idle_timeout_s must be 0..2592000");
	if (cfg->metrics_record > 1)
		return berth_err_set(err, BERTH_E_INVALID, "[metrics] record must be 0 or 1");
	if (cfg->ctd_namespace[0] == '\0')
		return berth_err_set(err, BERTH_E_INVALID,
				     "[containerd] namespace must not be empty");
	if (cfg->reconcile_interval_s < 1 || cfg->reconcile_parallel < 1 ||
	    cfg->reconcile_parallel > 64)
		return berth_err_set(err, BERTH_E_INVALID,
				     "[reconcile] interval_s must be >= 1, parallel 1..64");
	if (cfg->reconcile_backoff_initial_ms < 1 ||
	    cfg->reconcile_backoff_max_ms < cfg->reconcile_backoff_initial_ms)
		return berth_err_set(
			err, BERTH_E_INVALID,
			"[reconcile] backoff_initial_ms must be >= 1 and backoff_max_ms >= it");
	return validate_limits(cfg, err);
}

int berth_config_load(const char *path, struct berth_config *cfg, berth_err *err)
{
	struct parse_state st = { cfg, err, 0 };
	int explicit_path = 1;
	int rc;

	if (berth_config_defaults(cfg, err) < 0)
		return -1;
	if (!path || !*path) {
		path = getenv("BERTH_CONFIG");
		if (!path || !*path) {
			path = BERTH_CONFIG_DEFAULT_PATH;
			explicit_path = 0;
		}
	}
	if (access(path, F_OK) == 0 || explicit_path) {
		rc = ini_parse(path, on_ini_value, &st);
		if (rc == -1) {
			berth_err_set(err, BERTH_E_INVALID, "cannot open config file %s: %s", path,
				      strerror(errno));
			goto fail;
		}
		if (rc != 0 || st.failed) {
			if (!st.failed)
				berth_err_set(err, BERTH_E_INVALID, "syntax error");
			berth_err_prefix(err, "config %s line %d", path, rc);
			goto fail;
		}
	}
	for (size_t i = 0; i < sizeof env_overrides / sizeof env_overrides[0]; i++) {
		const char *v = getenv(env_overrides[i].env);
		if (v && *v) {
			if (set_key(cfg, find_key(env_overrides[i].section, env_overrides[i].name),
				    v, err) < 0) {
				berth_err_prefix(err, "environment %s", env_overrides[i].env);
				goto fail;
			}
		}
	}
	if (normalise_peers(cfg, err) < 0 || validate(cfg, err) < 0) {
		berth_err_prefix(err, "config %s", path);
		goto fail;
	}
	return 0;
fail:
	berth_config_free(cfg);
	return -1;
}
