/* cni.c: CNI client: network config, plugin chain, result cache (see include/berth/cni.h). */
#define _GNU_SOURCE /* asprintf */
#include "berth/cni.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/log.h"
#include "berth/safefs.h"
#include "cni_exec.h"

#define CNI_DEFAULT_TIMEOUT_MS 10000
#define CNI_CONF_MAX_BYTES (1u << 20)
#define CNI_CACHE_KIND "berthCniCacheV1"
#define CNI_LOOPBACK_IF "lo"
#define CNI_ENV_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* One network: {name, cniVersion, plugins:[...], disableCheck?} (a .conf becomes a one-plugin
 * list, as libcni does). */
struct netconf {
	json_t *list;	     /* owned */
	const char *name;    /* borrowed from list */
	const char *version; /* borrowed from list */
	char *file;	     /* owned: where it came from, for messages */
};

static void netconf_free(struct netconf *nc)
{
	json_decref(nc->list);
	free(nc->file);
	nc->list = NULL;
	nc->file = NULL;
}

/* CNI spec: names and container ids are [A-Za-z0-9][A-Za-z0-9_.-]*. */
static int valid_id(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max || !isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	return 1;
}

/* Linux interface names: 1..15 bytes, no '/', ':', whitespace; not "." or "..". */
static int valid_ifname(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) ||
		    !isprint((unsigned char)s[i]))
			return 0;
	return 1;
}

static int has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);
	return n > e && strcmp(name + n - e, ext) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lexically first .conf/.conflist/.json of conf_dir; *path_out NEW. */
static int first_conf_file(const char *conf_dir, char **path_out, berth_err *err)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int rc = -1;

	*path_out = NULL;
	d = opendir(conf_dir);
	if (!d)
		return berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
					"cni config dir %s: %s", conf_dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    !(has_ext(de->d_name, ".conf") || has_ext(de->d_name, ".conflist") ||
		      has_ext(de->d_name, ".json")))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **nv = realloc(names, ncap * sizeof *nv);
			if (!nv)
				goto oom;
			names = nv;
			cap = ncap;
		}
		if (!(names[n] = strdup(de->d_name)))
			goto oom;
		n++;
	}
	if (n == 0) {
		berth_err_driver(
			err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
			"cni config dir %s holds no network config (.conf, .conflist, .json)",
			conf_dir);
		goto out;
	}
	qsort(names, n, sizeof *names, cmp_str);
	if (asprintf(path_out, "%s/%s", conf_dir, names[0]) < 0) {
		*path_out = NULL;
		goto oom;
	}
	rc = 0;
	goto out;
oom:
	berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
out:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int load_netconf(const char *conf_dir, struct netconf *nc, berth_err *err)
{
	json_error_t jerr;
	json_t *root = NULL, *plugins;
	struct stat st;

	memset(nc, 0, sizeof *nc);
	if (!conf_dir || !*conf_dir)
		return berth_err_set(err, BERTH_E_INVALID, "cni: no config dir");
	if (first_conf_file(conf_dir, &nc->file, err) != 0)
		return -1;
	if (stat(nc->file, &st) == 0 && st.st_size > (off_t)CNI_CONF_MAX_BYTES) {
		berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
				 "cni config %s is larger than %u bytes", nc->file,
				 CNI_CONF_MAX_BYTES);
		goto fail;
	}
	root = json_load_file(nc->file, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
				 "cni config %s: line %d: %s", nc->file, jerr.line, jerr.text);
		goto fail;
	}
	if (!json_is_object(root)) {
		berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
				 "cni config %s: not a JSON object", nc->file);
		goto fail;
	}
	plugins = json_object_get(root, "plugins");
	if (plugins) {
		nc->list = root;
		root = NULL;
	} else {
		/* a single plugin config becomes a list of one (libcni's ConfListFromConf) */
		nc->list = json_pack("{s:O*,s:O*,s:[O]}", "name", json_object_get(root, "name"),
				     "cniVersion", json_object_get(root, "cniVersion"), "plugins",
				     root);
		if (!nc->list) {
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			goto fail;
		}
		json_decref(root);
		root = NULL;
		plugins = json_object_get(nc->list, "plugins");
	}
	nc->name = json_string_value(json_object_get(nc->list, "name"));
	nc->version = json_string_value(json_object_get(nc->list, "cniVersion"));
	if (!nc->name || !valid_id(nc->name, 100)) {
		berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
				 "cni config %s: missing or invalid \"name\"", nc->file);
		goto fail;
	}
	if (!nc->version || !*nc->version) {
		berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
				 "cni config %s: missing \"cniVersion\"", nc->file);
		goto fail;
	}
	if (!json_is_array(plugins) || json_array_size(plugins) == 0) {
		berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
				 "cni config %s: no plugins", nc->file);
		goto fail;
	}
	for (size_t i = 0; i < json_array_size(plugins); i++) {
		json_t *p = json_array_get(plugins, i);
		const char *type = json_string_value(json_object_get(p, "type"));

		if (!json_is_object(p) || !type || !valid_id(type, 100)) {
			berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
					 "cni config %s: plugin %zu has no valid \"type\"",
					 nc->file, i);
			goto fail;
		}
	}
	return 0;
fail:
	json_decref(root);
	netconf_free(nc);
	return -1;
}

/* <bin_dir entry>/<type> that is executable; *path_out NEW. bin_dir may be ':'-separated. */
static int find_plugin(const char *bin_dir, const char *type, char **path_out, berth_err *err)
{
	const char *p = bin_dir;

	*path_out = NULL;
	while (p && *p) {
		size_t n = strcspn(p, ":");

		if (n > 0) {
			char *cand = NULL;

			if (asprintf(&cand, "%.*s/%s", (int)n, p, type) < 0)
				return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			if (access(cand, X_OK) == 0) {
				*path_out = cand;
				return 0;
			}
			free(cand);
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
				"cni plugin \"%s\" not found in %s", type,
				bin_dir ? bin_dir : "(no bin dir)");
}

static int version_at_least_040(const char *v)
{
	int major = 0, minor = 0;

	if (!v || sscanf(v, "%d.%d", &major, &minor) != 2)
		return 0;
	return major > 0 || minor >= 4;
}

struct call {
	const struct cni_net_opts *opts;
	const char *cmd;
	const char *container_id;
	const char *netns;
	const char *ifname;
	int timeout_ms;
};

/* The error a failed plugin reported: its error JSON on stdout, else its stderr. */
static int plugin_error(const struct call *c, const char *net, const char *type,
			const struct cni_exec_result *r, berth_err *err)
{
	json_t *j = json_loads(r->out, 0, NULL);
	const char *msg = json_string_value(json_object_get(j, "msg"));
	const char *details = json_string_value(json_object_get(j, "details"));
	json_t *code = json_object_get(j, "code");

	if (msg) {
		berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
				 "cni %s/%s %s: %s%s%s (code %lld)", net, type, c->cmd, msg,
				 details && *details ? ": " : "", details ? details : "",
				 json_is_integer(code) ? (long long)json_integer_value(code)
						       : -1LL);
	} else {
		const char *text = r->errout && *r->errout ? r->errout : r->out;
		size_t n = strlen(text);

		while (n > 0 && isspace((unsigned char)text[n - 1]))
			n--;
		berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
				 "cni %s/%s %s: exit status %d%s%.*s", net, type, c->cmd,
				 r->exit_code, n ? ": " : "", (int)(n > 300 ? 300 : n), text);
	}
	json_decref(j);
	return -1;
}

/* Runs one plugin of a network. result_out (ADD only, may be NULL) receives its result, NEW. */
static int run_plugin(const struct call *c, const char *net, const char *version,
		      const json_t *plugin, const json_t *prev_result, json_t **result_out,
		      berth_err *err)
{
	const char *type = json_string_value(json_object_get(plugin, "type"));
	char *env[8] = { NULL };
	char *path = NULL, *input = NULL;
	struct cni_exec_result r = { 0 };
	json_t *conf = NULL;
	int rc = -1, ne = 0, budget;

	if (result_out)
		*result_out = NULL;
	if (find_plugin(c->opts->bin_dir, type, &path, err) != 0)
		return -1;
	conf = json_deep_copy(plugin);
	if (!conf || json_object_set_new(conf, "name", json_string(net)) != 0 ||
	    json_object_set_new(conf, "cniVersion", json_string(version)) != 0 ||
	    (prev_result && json_object_set(conf, "prevResult", (json_t *)prev_result) != 0) ||
	    !(input = json_dumps(conf, JSON_COMPACT))) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto out;
	}
	if (asprintf(&env[ne++], "CNI_COMMAND=%s", c->cmd) < 0 ||
	    asprintf(&env[ne++], "CNI_CONTAINERID=%s", c->container_id) < 0 ||
	    asprintf(&env[ne++], "CNI_NETNS=%s", c->netns ? c->netns : "") < 0 ||
	    asprintf(&env[ne++], "CNI_IFNAME=%s", c->ifname) < 0 ||
	    asprintf(&env[ne++], "CNI_PATH=%s", c->opts->bin_dir) < 0 ||
	    !(env[ne++] = strdup(CNI_ENV_PATH))) {
		env[ne - 1] = NULL;
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto out;
	}
	if (berth_deadline_budget(c->opts->deadline, c->timeout_ms, "cni plugin", &budget, err) !=
	    0)
		goto out;
	if (cni_exec(path, env, input, strlen(input), budget, &r, err) != 0) {
		/* The plugin's output and paths are detail; a deadline that cut it is the request's. */
		if (err->kind == BERTH_E_TIMEOUT && berth_deadline_passed(c->opts->deadline))
			berth_err_recode(err, BERTH_E_TIMEOUT, BERTH_EC_DEADLINE_EXCEEDED);
		else
			berth_err_recode(err, err->kind, BERTH_EC_NETWORK);
		err->detail_only = true;
		berth_err_prefix(err, "cni %s/%s %s", net, type, c->cmd);
		goto out;
	}
	if (r.exit_code != 0) {
		plugin_error(c, net, type, &r, err);
		goto out;
	}
	if (result_out) {
		json_error_t jerr;
		json_t *res = json_loads(r.out, 0, &jerr);

		if (!json_is_object(res)) {
			json_decref(res);
			berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
					 "cni %s/%s %s: unparsable result: %s", net, type, c->cmd,
					 jerr.text);
			goto out;
		}
		*result_out = res;
	}
	rc = 0;
out:
	for (int i = 0; i < ne; i++)
		free(env[i]);
	cni_exec_result_free(&r);
	free(input);
	free(path);
	json_decref(conf);
	return rc;
}

/* ---- result cache ------------------------------------------------------------------------ */

static int cache_name(const char *net, const struct call *c, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s-%s-%s", net, c->container_id, c->ifname);
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

/* Cached ADD result: *result_out NEW, or NULL when there is none. */
static int cache_load(const struct call *c, const char *net, json_t **result_out, berth_err *err)
{
	char name[512];
	char *text = NULL;
	size_t len;
	berth_err rerr;
	json_t *j;
	int dfd;

	*result_out = NULL;
	if (!c->opts->cache_dir || !*c->opts->cache_dir)
		return berth_err_set(err, BERTH_E_INVALID, "cni: no cache dir");
	if (cache_name(net, c, name, sizeof name) != 0)
		return berth_err_set(err, BERTH_E_INVALID, "cni: cache name too long");
	berth_err_clear(&rerr);
	if (safefs_open_root(c->opts->cache_dir, &dfd, &rerr) != 0) {
		if (rerr.kind == BERTH_E_NOT_FOUND)
			return 0;
		*err = rerr;
		return berth_err_prefix(err, "cni cache");
	}
	if (safefs_read(dfd, name, CNI_CONF_MAX_BYTES, &text, &len, &rerr) != 0) {
		close(dfd);
		if (rerr.kind == BERTH_E_NOT_FOUND)
			return 0;
		*err = rerr;
		return berth_err_prefix(err, "cni cache");
	}
	close(dfd);
	j = json_loadb(text, len, 0, NULL);
	free(text);
	if (!json_is_object(json_object_get(j, "result"))) {
		/* an unreadable entry is as good as none: ensure re-adds */
		json_decref(j);
		return 0;
	}
	*result_out = json_incref(json_object_get(j, "result"));
	json_decref(j);
	return 0;
}

static int cache_store(const struct call *c, const char *net, const json_t *result, berth_err *err)
{
	char name[512];
	char *text = NULL;
	json_t *j;
	int dfd, rc;

	if (!c->opts->cache_dir || !*c->opts->cache_dir)
		return berth_err_set(err, BERTH_E_INVALID, "cni: no cache dir");
	if (cache_name(net, c, name, sizeof name) != 0)
		return berth_err_set(err, BERTH_E_INVALID, "cni: cache name too long");
	if (safefs_mkdir_p(c->opts->cache_dir, 0700, err) != 0) {
		berth_err_recode(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK);
		return berth_err_prefix(err, "cni cache dir");
	}
	j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:O}", "kind", CNI_CACHE_KIND, "containerId",
		      c->container_id, "ifName", c->ifname, "networkName", net, "netns",
		      c->netns ? c->netns : "", "result", result);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	if (safefs_open_root(c->opts->cache_dir, &dfd, err) != 0) {
		free(text);
		return berth_err_prefix(err, "cni cache");
	}
	rc = safefs_write_atomic(dfd, name, text, strlen(text), 0600, err);
	close(dfd);
	free(text);
	return rc == 0 ? 0 : berth_err_prefix(err, "cni cache");
}

static int cache_remove(const struct call *c, const char *net, berth_err *err)
{
	char name[512];
	berth_err rerr;
	int dfd, rc;

	if (!c->opts->cache_dir || !*c->opts->cache_dir ||
	    cache_name(net, c, name, sizeof name) != 0)
		return 0;
	berth_err_clear(&rerr);
	if (safefs_open_root(c->opts->cache_dir, &dfd, &rerr) != 0)
		return 0; /* no cache dir: nothing cached */
	rc = safefs_remove_tree(dfd, name, err);
	close(dfd);
	return rc == 0 ? 0 : berth_err_prefix(err, "cni cache");
}

/* The entry's age starts over: a CHECK just passed. Best effort (a failure only means an earlier
 * full CHECK next time). */
static void cache_touch(const struct call *c, const char *net)
{
	char name[512];
	berth_err rerr;
	int dfd;

	if (!c->opts->cache_dir || !*c->opts->cache_dir ||
	    cache_name(net, c, name, sizeof name) != 0)
		return;
	berth_err_clear(&rerr);
	if (safefs_open_root(c->opts->cache_dir, &dfd, &rerr) != 0)
		return;
	(void)utimensat(dfd, name, NULL, AT_SYMLINK_NOFOLLOW);
	close(dfd);
}

/* Whether the host interface name still exists with the MAC address mac (any when mac is NULL):
 * read from sysfs, no plugin. */
static int host_link_ok(const char *name, const char *mac)
{
	char path[96], addr[64];
	FILE *f;
	size_t n;

	if (!valid_ifname(name) || strchr(name, '/'))
		return 0;
	snprintf(path, sizeof path, "/sys/class/net/%s/address", name);
	if (!(f = fopen(path, "re")))
		return 0;
	n = fread(addr, 1, sizeof addr - 1, f);
	fclose(f);
	addr[n] = '\0';
	addr[strcspn(addr, "\n")] = '\0';
	return !mac || strcasecmp(addr, mac) == 0;
}

/* The quick verification of cni_ensure (cni.h): the entry of this container was made or CHECKed
 * less than max_age_s ago for netns_path, and every interface of its result outside a sandbox is
 * still there with its MAC address; its result into *result_out (NEW). 0 when any of that fails. */
static int cache_quick(const struct call *c, const char *net, int max_age_s, json_t **result_out)
{
	char name[512];
	char *text = NULL;
	size_t len, i;
	berth_err rerr;
	struct stat st;
	json_t *j = NULL, *res, *ifaces, *intf;
	const char *netns;
	int dfd, ok = 0, sandboxed = 0;

	*result_out = NULL;
	if (max_age_s <= 0 || !c->opts->cache_dir || !*c->opts->cache_dir ||
	    cache_name(net, c, name, sizeof name) != 0)
		return 0;
	berth_err_clear(&rerr);
	if (safefs_open_root(c->opts->cache_dir, &dfd, &rerr) != 0)
		return 0;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
	    (long long)time(NULL) - (long long)st.st_mtime >= max_age_s ||
	    (long long)time(NULL) < (long long)st.st_mtime ||
	    safefs_read(dfd, name, CNI_CONF_MAX_BYTES, &text, &len, &rerr) != 0) {
		close(dfd);
		return 0;
	}
	close(dfd);
	j = json_loadb(text, len, 0, NULL);
	free(text);
	netns = json_string_value(json_object_get(j, "netns"));
	res = json_object_get(j, "result");
	ifaces = json_object_get(res, "interfaces");
	if (!netns || !c->netns || strcmp(netns, c->netns) != 0 || !json_is_array(ifaces) ||
	    json_array_size(ifaces) == 0)
		goto out;
	json_array_foreach(ifaces, i, intf)
	{
		const char *ifname = json_string_value(json_object_get(intf, "name"));
		const char *sandbox = json_string_value(json_object_get(intf, "sandbox"));

		if (!ifname)
			goto out;
		if (sandbox && *sandbox) {
			if (strcmp(sandbox, c->netns) != 0)
				goto out;
			sandboxed = 1;
			continue;
		}
		if (!host_link_ok(ifname, json_string_value(json_object_get(intf, "mac"))))
			goto out;
	}
	if (sandboxed) {
		*result_out = json_incref(res);
		ok = 1;
	}
out:
	json_decref(j);
	return ok;
}

/* ---- results ------------------------------------------------------------------------------ */

static int copy_field(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* "A.B.C.D" (with_prefix 0) or "A.B.C.D/N" with N in 0..32 (with_prefix 1). A plugin's result is
 * outside input: anything else ("10/9.0.9/24", "1.2.3.4x") is not an address. */
static int ipv4_text(const char *s, int with_prefix)
{
	char addr[INET_ADDRSTRLEN];
	struct in_addr in;
	size_t n = strcspn(s, "/");
	const char *p = s + n;

	if (n >= sizeof addr)
		return 0;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, &in) != 1)
		return 0;
	if (!with_prefix)
		return *p == '\0';
	if (*p != '/' || !isdigit((unsigned char)p[1]) ||
	    (p[2] && (!isdigit((unsigned char)p[2]) || p[3])))
		return 0;
	return atoi(p + 1) <= 32;
}

static int fill_result(const json_t *res, const char *net, const char *ifname,
		       struct cni_result *out, berth_err *err)
{
	const json_t *ifaces = json_object_get(res, "interfaces");
	const json_t *ips = json_object_get(res, "ips");
	const char *addr = NULL, *gw = NULL;
	long long want = -1;
	size_t i;
	json_t *v;

	json_array_foreach(ifaces, i, v)
	{
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *sandbox = json_string_value(json_object_get(v, "sandbox"));

		if (name && strcmp(name, ifname) == 0 && sandbox && *sandbox) {
			want = (long long)i;
			break;
		}
	}
	/* first IPv4 address of ifname, else the first IPv4 address at all */
	for (int pass = 0; pass < 2 && !addr; pass++) {
		json_array_foreach(ips, i, v)
		{
			const char *a = json_string_value(json_object_get(v, "address"));
			json_t *idx = json_object_get(v, "interface");

			if (!a || !ipv4_text(a, 1))
				continue;
			if (pass == 0 && !(json_is_integer(idx) && json_integer_value(idx) == want))
				continue;
			addr = a;
			gw = json_string_value(json_object_get(v, "gateway"));
			break;
		}
	}
	if (!addr) { /* results of spec 0.2.0 */
		const json_t *ip4 = json_object_get(res, "ip4");
		addr = json_string_value(json_object_get(ip4, "ip"));
		gw = json_string_value(json_object_get(ip4, "gateway"));
	}
	if (!addr || !ipv4_text(addr, 1))
		return berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
					"cni %s: result has no IPv4 address", net);
	if (gw && *gw && !ipv4_text(gw, 0))
		return berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
					"cni %s: malformed result", net);
	if (!out)
		return 0;
	memset(out, 0, sizeof *out);
	if (copy_field(out->network, sizeof out->network, net) != 0 ||
	    copy_field(out->cidr, sizeof out->cidr, addr) != 0 ||
	    copy_field(out->gateway, sizeof out->gateway, gw ? gw : "") != 0)
		return berth_err_driver(err, BERTH_E_INTERNAL, BERTH_EC_NETWORK,
					"cni %s: malformed result", net);
	snprintf(out->ip, sizeof out->ip, "%.*s", (int)strcspn(addr, "/"), addr);
	return 0;
}

int cni_result_parse(const char *text, size_t len, const char *net, const char *ifname,
		     struct cni_result *out, berth_err *err)
{
	json_error_t jerr;
	json_t *res = json_loadb(text, len, 0, &jerr);
	int rc;

	if (!json_is_object(res)) {
		json_decref(res);
		return berth_err_set(err, BERTH_E_INTERNAL, "cni %s: unparsable result: %s", net,
				     res ? "not an object" : jerr.text);
	}
	rc = fill_result(res, net, ifname, out, err);
	json_decref(res);
	return rc;
}

/* ---- operations --------------------------------------------------------------------------- */

static int check_args(const struct cni_net_opts *opts, const char *container_id, const char *ifname,
		      berth_err *err)
{
	if (!opts || !opts->bin_dir || !*opts->bin_dir)
		return berth_err_set(err, BERTH_E_INVALID, "cni: no plugin dir");
	if (!valid_id(container_id, 255))
		return berth_err_set(err, BERTH_E_INVALID, "cni: invalid container id");
	if (!valid_ifname(ifname))
		return berth_err_set(err, BERTH_E_INVALID, "cni: invalid interface name");
	return 0;
}

static void init_call(struct call *c, const struct cni_net_opts *opts, const char *cmd,
		      const char *container_id, const char *netns, const char *ifname)
{
	c->opts = opts;
	c->cmd = cmd;
	c->container_id = container_id;
	c->netns = netns;
	c->ifname = ifname;
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : CNI_DEFAULT_TIMEOUT_MS;
}

static json_t *loopback_conf(void)
{
	return json_pack("{s:s}", "type", "loopback");
}

static int loopback(const struct cni_net_opts *opts, const char *cmd, const char *container_id,
		    const char *netns, berth_err *err)
{
	struct call c;
	json_t *conf = loopback_conf(), *res = NULL;
	int rc;

	if (!conf)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	init_call(&c, opts, cmd, container_id, netns, CNI_LOOPBACK_IF);
	rc = run_plugin(&c, "cni-loopback", "1.0.0", conf, NULL,
			strcmp(cmd, "ADD") == 0 ? &res : NULL, err);
	json_decref(res);
	json_decref(conf);
	return rc;
}

/* DEL of every plugin of the network in reverse order with prev_result (may be NULL; passed
 * from spec 0.4.0 on), going on past failures so that what can be released is released. The
 * first failure is reported. */
static int del_chain(const struct call *c, const struct netconf *nc, const json_t *prev_result,
		     berth_err *err)
{
	json_t *plugins = json_object_get(nc->list, "plugins");
	int rc = 0;

	for (size_t i = json_array_size(plugins); i-- > 0;) {
		berth_err perr;

		berth_err_clear(&perr);
		if (run_plugin(c, nc->name, nc->version, json_array_get(plugins, i),
			       version_at_least_040(nc->version) ? prev_result : NULL, NULL,
			       &perr) != 0 &&
		    rc == 0) {
			if (err)
				*err = perr;
			rc = -1;
		}
	}
	return rc;
}

/* A chain that failed part-way (a plugin after the first, or caching the result) leaves the
 * earlier plugins' interface and IPAM lease behind: DEL the whole chain with what ADD returned so
 * far and forget any cached result. (A failing first plugin created nothing of this ADD and
 * cleans up after itself; a DEL then would tear down an attachment that was there before, e.g.
 * on "already exists".) The ADD's error is what the caller reports. */
static void roll_back_add(const struct call *add, const struct netconf *nc,
			  const json_t *partial_result)
{
	struct call del = *add;
	berth_err derr;

	del.cmd = "DEL";
	berth_err_clear(&derr);
	if (del_chain(&del, nc, partial_result, &derr) != 0 ||
	    cache_remove(&del, nc->name, &derr) != 0)
		blog(BLOG_WARN, "cni %s: DEL after a failed ADD of %s/%s failed too: %s", nc->name,
		     add->container_id, add->ifname, derr.msg);
}

/* ADD of the network's plugin chain; caches and returns the final result (NEW). On failure the
 * chain is rolled back. */
static int add_network(const struct call *c, const struct netconf *nc, json_t **result_out,
		       berth_err *err)
{
	json_t *plugins = json_object_get(nc->list, "plugins"), *prev = NULL, *p;
	size_t i;

	*result_out = NULL;
	json_array_foreach(plugins, i, p)
	{
		json_t *res;

		if (run_plugin(c, nc->name, nc->version, p, prev, &res, err) != 0) {
			if (i == 0)
				return -1;
			goto fail;
		}
		json_decref(prev);
		prev = res;
	}
	if (cache_store(c, nc->name, prev, err) != 0)
		goto fail;
	*result_out = prev;
	return 0;
fail:
	roll_back_add(c, nc, prev);
	json_decref(prev);
	return -1;
}

static int del_network(const struct call *c, const struct netconf *nc, berth_err *err)
{
	json_t *cached = NULL;
	berth_err cerr;
	int rc;

	berth_err_clear(&cerr);
	if (cache_load(c, nc->name, &cached, &cerr) != 0) {
		/* the spec allows DEL without prevResult: the IPAM lease is still released */
		blog(BLOG_WARN, "cni %s: DEL of %s/%s without the cached result: %s", nc->name,
		     c->container_id, c->ifname, cerr.msg);
		cached = NULL;
	}
	rc = del_chain(c, nc, cached, err);
	json_decref(cached);
	if (rc == 0)
		rc = cache_remove(c, nc->name, err);
	return rc;
}

static int check_network(const struct call *c, const struct netconf *nc, json_t **cached_out,
			 berth_err *err)
{
	json_t *plugins = json_object_get(nc->list, "plugins"), *cached = NULL, *p;
	size_t i;

	*cached_out = NULL;
	if (cache_load(c, nc->name, &cached, err) != 0)
		return -1;
	if (!cached)
		return berth_err_set(err, BERTH_E_NOT_FOUND,
				     "cni %s: no cached ADD result for %s/%s", nc->name,
				     c->container_id, c->ifname);
	if (!json_is_true(json_object_get(nc->list, "disableCheck")) &&
	    version_at_least_040(nc->version)) {
		json_array_foreach(plugins, i, p)
		{
			if (run_plugin(c, nc->name, nc->version, p, cached, NULL, err) != 0) {
				json_decref(cached);
				return -1;
			}
		}
	}
	*cached_out = cached;
	return 0;
}

int cni_add(const struct cni_net_opts *opts, const char *container_id, const char *netns_path,
	    const char *ifname, struct cni_result *out, berth_err *err)
{
	struct netconf nc;
	struct call c;
	json_t *res = NULL;
	int rc;

	if (check_args(opts, container_id, ifname, err) != 0)
		return -1;
	if (!netns_path || !*netns_path)
		return berth_err_set(err, BERTH_E_INVALID, "cni ADD: no network namespace");
	if (load_netconf(opts->conf_dir, &nc, err) != 0)
		return -1;
	if (loopback(opts, "ADD", container_id, netns_path, err) != 0) {
		netconf_free(&nc);
		return -1;
	}
	init_call(&c, opts, "ADD", container_id, netns_path, ifname);
	rc = add_network(&c, &nc, &res, err);
	if (rc == 0)
		rc = fill_result(res, nc.name, ifname, out, err);
	json_decref(res);
	netconf_free(&nc);
	return rc;
}

int cni_check(const struct cni_net_opts *opts, const char *container_id, const char *netns_path,
	      const char *ifname, struct cni_result *out, berth_err *err)
{
	struct netconf nc;
	struct call c;
	json_t *cached = NULL;
	int rc;

	if (check_args(opts, container_id, ifname, err) != 0)
		return -1;
	if (!netns_path || !*netns_path)
		return berth_err_set(err, BERTH_E_INVALID, "cni CHECK: no network namespace");
	if (load_netconf(opts->conf_dir, &nc, err) != 0)
		return -1;
	init_call(&c, opts, "CHECK", container_id, netns_path, ifname);
	rc = check_network(&c, &nc, &cached, err);
	if (rc == 0)
		rc = fill_result(cached, nc.name, ifname, out, err);
	json_decref(cached);
	netconf_free(&nc);
	return rc;
}

int cni_del(const struct cni_net_opts *opts, const char *container_id, const char *netns_path,
	    const char *ifname, berth_err *err)
{
	struct netconf nc;
	struct call c;
	berth_err lerr;
	int rc;

	if (check_args(opts, container_id, ifname, err) != 0)
		return -1;
	if (load_netconf(opts->conf_dir, &nc, err) != 0)
		return -1;
	init_call(&c, opts, "DEL", container_id, netns_path, ifname);
	rc = del_network(&c, &nc, err);
	berth_err_clear(&lerr);
	/* The loopback plugin holds nothing outside the namespace: without one (the task is gone)
	 * its DEL has nothing to do, and is not run. */
	if (netns_path && *netns_path &&
	    loopback(opts, "DEL", container_id, netns_path, &lerr) != 0 && rc == 0) {
		*err = lerr;
		rc = -1;
	}
	netconf_free(&nc);
	return rc;
}

/* Whether an ADD that failed may succeed after a DEL: when a plugin ran and reported an error.
 * host-local reports "duplicate allocation" (an address still leased to this container) with the
 * generic code 999, as it does most failures, so neither the code nor (never) the text can tell
 * that case apart; DEL of what is absent succeeds, so resetting after any plugin error is safe.
 * A timeout (plugin overrun or deadline) is not retried: the time is gone. */
static int needs_reset(const berth_err *e)
{
	return e->kind != BERTH_E_TIMEOUT && berth_err_is(e, BERTH_EC_NETWORK);
}

int cni_ensure(const struct cni_net_opts *opts, const char *container_id, const char *netns_path,
	       const char *ifname, struct cni_result *out, berth_err *err)
{
	struct netconf nc;
	struct call c;
	berth_err cerr;
	json_t *res = NULL;
	int rc, reset = 0;

	if (check_args(opts, container_id, ifname, err) != 0)
		return -1;
	if (!netns_path || !*netns_path)
		return berth_err_set(err, BERTH_E_INVALID, "cni: no network namespace");
	if (load_netconf(opts->conf_dir, &nc, err) != 0)
		return -1;

	/* An attachment that CHECKs fine was made by an ADD of this namespace, loopback included
	 * (cni_add and the ADD below bring lo up first, and only a full ADD writes the cache); a bot
	 * has no CAP_NET_ADMIN to take lo down: loopback is run again only with a new ADD. */
	init_call(&c, opts, "CHECK", container_id, netns_path, ifname);
	berth_err_clear(&cerr);
	if (cache_quick(&c, nc.name, opts->quick_check_s, &res) &&
	    fill_result(res, nc.name, ifname, out, &cerr) == 0) {
		json_decref(res);
		netconf_free(&nc);
		return 0;
	}
	json_decref(res);
	res = NULL;
	if (cache_load(&c, nc.name, &res, err) != 0)
		goto fail;
	if (res) {
		json_decref(res);
		res = NULL;
		if (check_network(&c, &nc, &res, &cerr) == 0 &&
		    fill_result(res, nc.name, ifname, out, &cerr) == 0) {
			cache_touch(&c, nc.name);
			json_decref(res);
			netconf_free(&nc);
			return 0;
		}
		json_decref(res);
		res = NULL;
		blog(BLOG_WARN, "cni %s: CHECK of %s/%s failed, attaching again: %s", nc.name,
		     container_id, ifname, cerr.msg);
		reset = 1; /* attached once, broken now: start over */
	}
	if (loopback(opts, "ADD", container_id, netns_path, err) != 0)
		goto fail;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (reset) {
			berth_err derr;

			c.cmd = "DEL";
			berth_err_clear(&derr);
			(void)del_network(&c, &nc, &derr); /* its failure shows in the ADD below */
		}
		c.cmd = "ADD";
		berth_err_clear(err);
		rc = add_network(&c, &nc, &res, err);
		if (rc == 0)
			break;
		if (reset || !needs_reset(err))
			goto fail;
		reset = 1;
	}
	if (rc != 0)
		goto fail;
	rc = fill_result(res, nc.name, ifname, out, err);
	json_decref(res);
	netconf_free(&nc);
	return rc;
fail:
	json_decref(res);
	netconf_free(&nc);
	return -1;
}
