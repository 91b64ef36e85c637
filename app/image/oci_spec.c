/* oci_spec.c: the OCI runtime spec builder (see include/berth/oci_spec.h).
 * Defaults follow containerd 1.6 oci/spec.go, oci/mounts.go and WithDefaultUnixDevices. */
#include "berth/oci_spec.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CPU_PERIOD_US 100000u
/* The kernel's (and runc's) smallest CFS quota: 1 ms. */
#define MIN_CPU_QUOTA_US 1000

static const char *const default_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
	NULL,
};

static const char *const masked_paths[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/sys/firmware",
	"/proc/scsi",
	NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static const char *const namespace_types[] = {
	"pid", "ipc", "uts", "mount", "network", NULL,
};

/* WithDefaultUnixDevices: character devices allowed after the deny-all rule; minor -1 = any. */
static const struct {
	int major, minor;
} default_devices[] = {
	{ 1, 3 }, { 1, 8 }, { 1, 7 }, { 5, 0 }, { 1, 5 }, { 1, 9 }, { 5, 1 }, { 136, -1 }, { 5, 2 },
};

static json_t *string_array(const char *const *items)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	for (size_t i = 0; items && items[i]; i++) {
		if (json_array_append_new(arr, json_string(items[i])) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *default_mounts(void)
{
	return json_pack("[{s:s,s:s,s:s,s:[s,s,s]},"
			 "{s:s,s:s,s:s,s:[s,s,s,s]},"
			 "{s:s,s:s,s:s,s:[s,s,s,s,s,s]},"
			 "{s:s,s:s,s:s,s:[s,s,s,s,s]},"
			 "{s:s,s:s,s:s,s:[s,s,s]},"
			 "{s:s,s:s,s:s,s:[s,s,s,s]},"
			 "{s:s,s:s,s:s,s:[s,s,s,s]}]",
			 "destination", "/proc", "type", "proc", "source", "proc", "options",
			 "nosuid", "noexec", "nodev", "destination", "/dev", "type", "tmpfs",
			 "source", "tmpfs", "options", "nosuid", "strictatime", "mode=755",
			 "size=65536k", "destination", "/dev/pts", "type", "devpts", "source",
			 "devpts", "options", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
			 "mode=0620", "gid=5", "destination", "/dev/shm", "type", "tmpfs", "source",
			 "shm", "options", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k",
			 "destination", "/dev/mqueue", "type", "mqueue", "source", "mqueue",
			 "options", "nosuid", "noexec", "nodev", "destination", "/sys", "type",
			 "sysfs", "source", "sysfs", "options", "nosuid", "noexec", "nodev", "ro",
			 "destination", "/run", "type", "tmpfs", "source", "tmpfs", "options",
			 "nosuid", "strictatime", "mode=755", "size=65536k");
}

static json_t *device_rules(void)
{
	json_t *rules = json_pack("[{s:b,s:s}]", "allow", 0, "access", "rwm");

	if (!rules)
		return NULL;
	for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++) {
		json_t *rule = json_pack("{s:b,s:s,s:I,s:s}", "allow", 1, "type", "c", "major",
					 (json_int_t)default_devices[i].major, "access", "rwm");

		if (rule && default_devices[i].minor >= 0 &&
		    json_object_set_new(rule, "minor", json_integer(default_devices[i].minor)) !=
			    0) {
			json_decref(rule);
			rule = NULL;
		}
		if (json_array_append_new(rules, rule) != 0) {
			json_decref(rules);
			return NULL;
		}
	}
	return rules;
}

static json_t *namespaces(void)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	for (size_t i = 0; namespace_types[i]; i++) {
		if (json_array_append_new(arr, json_pack("{s:s}", "type", namespace_types[i])) !=
		    0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *default_spec(const char *ns, const char *id)
{
	size_t len = strlen(ns) + strlen(id) + 3;
	char *cgroups_path = malloc(len);
	json_t *spec;

	if (!cgroups_path)
		return NULL;
	snprintf(cgroups_path, len, "/%s/%s", ns, id);
	spec = json_pack("{s:s, s:{s:s}, s:o,"
			 " s:{s:b, s:{s:i,s:i,s:[i]}, s:[], s:s, s:{s:o,s:o,s:o},"
			 "    s:[{s:s,s:i,s:i}], s:b},"
			 " s:{s:{s:o}, s:s, s:o, s:o, s:o}}",
			 "ociVersion", "1.0.2-dev", "root", "path", "rootfs", "mounts",
			 default_mounts(), "process", "terminal", 0, "user", "uid", 0, "gid", 0,
			 "additionalGids", 0, "args", "cwd", "/", "capabilities", "bounding",
			 string_array(default_caps), "effective", string_array(default_caps),
			 "permitted", string_array(default_caps), "rlimits", "type",
			 "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges", 1, "linux",
			 "resources", "devices", device_rules(), "cgroupsPath", cgroups_path,
			 "namespaces", namespaces(), "maskedPaths", string_array(masked_paths),
			 "readonlyPaths", string_array(readonly_paths));
	free(cgroups_path);
	return spec;
}

/* Copies a JSON array of strings (from the image config) into dst, which is a fresh array. */
static int append_strings(json_t *dst, const json_t *src, const char *what, berth_err *err)
{
	size_t i;
	json_t *item;

	if (!src || json_is_null(src))
		return 0;
	if (!json_is_array(src))
		return berth_err_set(err, BERTH_E_INVALID, "image config: %s is not an array",
				     what);
	json_array_foreach(src, i, item)
	{
		if (!json_is_string(item))
			return berth_err_set(err, BERTH_E_INVALID,
					     "image config: %s[%zu] is not a string", what, i);
		if (json_array_append_new(dst, json_string(json_string_value(item))) != 0)
			return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	}
	return 0;
}

static int append_cstrings(json_t *dst, const char *const *items, berth_err *err)
{
	for (size_t i = 0; items && items[i]; i++) {
		if (json_array_append_new(dst, json_string(items[i])) != 0)
			return berth_err_set(err, BERTH_E_INVALID,
					     "argument %zu is not valid UTF-8", i);
	}
	return 0;
}

int oci_env_set(json_t *env, const char *entry, berth_err *err)
{
	const char *eq = entry ? strchr(entry, '=') : NULL;
	size_t keylen, i;
	json_t *item;

	if (!eq || eq == entry)
		return berth_err_set(err, BERTH_E_INVALID,
				     "environment entry \"%s\" is not KEY=VALUE",
				     entry ? entry : "(null)");
	keylen = (size_t)(eq - entry) + 1; /* the key including '=' */
	json_array_foreach(env, i, item)
	{
		const char *s = json_string_value(item);

		if (s && strncmp(s, entry, keylen) == 0) {
			if (json_array_set_new(env, i, json_string(entry)) != 0)
				return berth_err_set(err, BERTH_E_INVALID,
						     "environment entry is not UTF-8");
			return 0;
		}
	}
	if (json_array_append_new(env, json_string(entry)) != 0)
		return berth_err_set(err, BERTH_E_INVALID, "environment entry is not UTF-8");
	return 0;
}

static int parse_id(const char *s, size_t len, json_int_t *out)
{
	char buf[16];
	char *end;
	unsigned long v;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*out = (json_int_t)v;
	return 0;
}

/* "uid", "uid:gid" or "root" -> process.user. */
static int set_user(json_t *process, const char *user, berth_err *err)
{
	const char *colon = strchr(user, ':');
	json_int_t uid = 0, gid = 0;
	json_t *juser;

	if (strcmp(user, "root") != 0) {
		size_t uid_len = colon ? (size_t)(colon - user) : strlen(user);

		if (parse_id(user, uid_len, &uid) != 0 ||
		    (colon && parse_id(colon + 1, strlen(colon + 1), &gid) != 0))
			return berth_err_set(
				err, BERTH_E_UNSUPPORTED,
				"user \"%s\": only numeric uid[:gid] or root is supported", user);
	}
	juser = json_pack("{s:I,s:I,s:[I]}", "uid", uid, "gid", gid, "additionalGids", gid);
	if (!juser || json_object_set_new(process, "user", juser) != 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return 0;
}

static int merge_image_config(json_t *process, const json_t *image_config,
			      const struct oci_spec_opts *o, berth_err *err)
{
	const json_t *cfg = image_config ? json_object_get(image_config, "config") : NULL;
	const json_t *img_env = cfg ? json_object_get(cfg, "Env") : NULL;
	json_t *env, *args;
	const char *cwd = NULL, *user = NULL;
	const json_t *v;

	/* Each array is handed to process as soon as it exists (set_new steals it even on failure),
	 * so none leaks when the other cannot be made. */
	env = json_array();
	if (!env || json_object_set_new(process, "env", env) != 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	args = json_array();
	if (!args || json_object_set_new(process, "args", args) != 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	if (image_config && !json_is_object(image_config))
		return berth_err_set(err, BERTH_E_INVALID, "image config is not an object");
	if (cfg && !json_is_null(cfg) && !json_is_object(cfg))
		return berth_err_set(err, BERTH_E_INVALID, "image config: config is not an object");

	if (append_strings(env, img_env, "Env", err) != 0)
		return -1;
	if (json_array_size(env) == 0 &&
	    json_array_append_new(env, json_string(OCI_DEFAULT_PATH_ENV)) != 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	for (size_t i = 0; o->env && o->env[i]; i++)
		if (oci_env_set(env, o->env[i], err) != 0)
			return -1;

	if (o->args) {
		if (append_cstrings(args, o->args, err) != 0)
			return -1;
	} else {
		if (cfg && append_strings(args, json_object_get(cfg, "Entrypoint"), "Entrypoint",
					  err) != 0)
			return -1;
		if (o->cmd) {
			if (append_cstrings(args, o->cmd, err) != 0)
				return -1;
		} else if (cfg &&
			   append_strings(args, json_object_get(cfg, "Cmd"), "Cmd", err) != 0) {
			return -1;
		}
	}
	if (json_array_size(args) == 0)
		return berth_err_set(err, BERTH_E_INVALID,
				     "no process arguments (image has no "
				     "Entrypoint/Cmd and none were given)");

	if (cfg && (v = json_object_get(cfg, "WorkingDir")) && !json_is_null(v)) {
		if (!json_is_string(v))
			return berth_err_set(err, BERTH_E_INVALID,
					     "image config: WorkingDir is not a string");
		cwd = json_string_value(v);
	}
	if (cfg && (v = json_object_get(cfg, "User")) && !json_is_null(v)) {
		if (!json_is_string(v))
			return berth_err_set(err, BERTH_E_INVALID,
					     "image config: User is not a string");
		user = json_string_value(v);
	}
	if (o->cwd)
		cwd = o->cwd;
	if (!cwd || !*cwd)
		cwd = "/";
	if (cwd[0] != '/')
		return berth_err_set(err, BERTH_E_INVALID,
				     "working directory \"%s\" is not absolute", cwd);
	if (json_object_set_new(process, "cwd", json_string(cwd)) != 0)
		return berth_err_set(err, BERTH_E_INVALID, "working directory is not UTF-8");
	if (o->user)
		user = o->user;
	if (user && *user && set_user(process, user, err) != 0)
		return -1;
	return 0;
}

static int add_mounts(json_t *spec, const struct oci_spec_opts *o, berth_err *err)
{
	json_t *mounts = json_object_get(spec, "mounts");

	for (size_t i = 0; i < o->n_mounts; i++) {
		const struct oci_mount *m = &o->mounts[i];
		const char *type = m->type ? m->type : "bind";
		json_t *jm, *opts;

		if (!m->destination || m->destination[0] != '/')
			return berth_err_set(err, BERTH_E_INVALID,
					     "mount %zu: destination must be an "
					     "absolute path",
					     i);
		if (strcmp(type, "bind") == 0 && (!m->source || m->source[0] != '/'))
			return berth_err_set(err, BERTH_E_INVALID,
					     "mount %s: bind source must be an "
					     "absolute path",
					     m->destination);
		if (m->options) {
			opts = string_array(m->options);
		} else if (strcmp(type, "bind") == 0) {
			opts = json_pack("[s,s]", "rbind", m->readonly ? "ro" : "rw");
		} else {
			opts = json_array();
			if (opts && m->readonly &&
			    json_array_append_new(opts, json_string("ro")) != 0) {
				json_decref(opts);
				opts = NULL;
			}
		}
		jm = json_pack("{s:s,s:s,s:s,s:o}", "destination", m->destination, "type", type,
			       "source", m->source ? m->source : type, "options", opts);
		if (!jm)
			return berth_err_set(err, BERTH_E_INVALID, "mount %s: invalid strings",
					     m->destination);
		if (json_array_append_new(mounts, jm) != 0)
			return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	}
	return 0;
}

static int add_annotations(json_t *spec, const struct oci_spec_opts *o, berth_err *err)
{
	json_t *ann;

	if (o->n_annotations == 0)
		return 0;
	ann = json_object();
	if (!ann || json_object_set_new(spec, "annotations", ann) != 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < o->n_annotations; i++) {
		const struct oci_annotation *a = &o->annotations[i];

		if (!a->key || !*a->key || !a->value)
			return berth_err_set(err, BERTH_E_INVALID,
					     "annotation %zu: empty key or value", i);
		if (json_object_set_new(ann, a->key, json_string(a->value)) != 0)
			return berth_err_set(err, BERTH_E_INVALID, "annotation %s: invalid strings",
					     a->key);
	}
	return 0;
}

static int add_limits(json_t *spec, const struct oci_limits *l, berth_err *err)
{
	json_t *res = json_object_get(json_object_get(spec, "linux"), "resources");
	int64_t quota = l->cpu_quota_us;
	uint64_t period = l->cpu_period_us;

	if (l->memory_bytes < 0 || l->cpu_quota_us < 0 || l->cpu_millicores < 0 || l->pids_max < 0)
		return berth_err_set(err, BERTH_E_INVALID, "resource limits must not be negative");
	if (l->cpu_quota_us && l->cpu_millicores)
		return berth_err_set(err, BERTH_E_INVALID,
				     "give a CPU quota or millicores, not both");
	if (l->cpu_quota_us && l->cpu_quota_us < MIN_CPU_QUOTA_US)
		return berth_err_set(err, BERTH_E_INVALID,
				     "CPU quota %lld us is below the minimum "
				     "of %d us",
				     (long long)l->cpu_quota_us, MIN_CPU_QUOTA_US);
	if (l->cpu_millicores) {
		period = DEFAULT_CPU_PERIOD_US;
		quota = (int64_t)l->cpu_millicores * (int64_t)period / 1000;
		if (quota < MIN_CPU_QUOTA_US) /* a tiny share rounds up to the minimum */
			quota = MIN_CPU_QUOTA_US;
	} else if (quota && !period) {
		period = DEFAULT_CPU_PERIOD_US;
	}
	if (period && !quota)
		return berth_err_set(err, BERTH_E_INVALID, "a CPU period needs a quota");
	if (l->memory_bytes &&
	    json_object_set_new(res, "memory",
				json_pack("{s:I}", "limit", (json_int_t)l->memory_bytes)) != 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	if (quota && json_object_set_new(res, "cpu",
					 json_pack("{s:I,s:I}", "quota", (json_int_t)quota,
						   "period", (json_int_t)period)) != 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	if (l->pids_max &&
	    json_object_set_new(res, "pids",
				json_pack("{s:I}", "limit", (json_int_t)l->pids_max)) != 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return 0;
}

json_t *oci_spec_build(const json_t *image_config, const struct oci_spec_opts *o, berth_err *err)
{
	json_t *spec;

	if (!o || !o->id || !*o->id || !o->ns || !*o->ns) {
		berth_err_set(err, BERTH_E_INVALID,
			      "spec: container id and namespace are required");
		return NULL;
	}
	if (strchr(o->id, '/') || strchr(o->ns, '/')) {
		berth_err_set(err, BERTH_E_INVALID, "spec: id and namespace must not contain '/'");
		return NULL;
	}
	spec = default_spec(o->ns, o->id);
	if (!spec) {
		berth_err_set(err, BERTH_E_INVALID,
			      "spec: cannot build the default spec (id or "
			      "namespace not UTF-8, or out of memory)");
		return NULL;
	}
	if (merge_image_config(json_object_get(spec, "process"), image_config, o, err) != 0 ||
	    add_mounts(spec, o, err) != 0 || add_annotations(spec, o, err) != 0 ||
	    add_limits(spec, &o->limits, err) != 0)
		goto fail;
	if (o->hostname && json_object_set_new(spec, "hostname", json_string(o->hostname)) != 0) {
		berth_err_set(err, BERTH_E_INVALID, "hostname is not UTF-8");
		goto fail;
	}
	return spec;
fail:
	berth_err_prefix(err, "spec");
	json_decref(spec);
	return NULL;
}

char *oci_spec_process_json(const json_t *spec, const char *const *args, const char *const *env,
			    const char *cwd, berth_err *err)
{
	const json_t *process = spec ? json_object_get(spec, "process") : NULL;
	json_t *copy = NULL, *jargs = NULL, *jenv;
	char *text = NULL;

	if (!json_is_object(process)) {
		berth_err_set(err, BERTH_E_INVALID, "exec: the spec has no process object");
		return NULL;
	}
	if (!args || !args[0]) {
		berth_err_set(err, BERTH_E_INVALID, "exec: no arguments");
		return NULL;
	}
	if (cwd && cwd[0] != '/') {
		berth_err_set(err, BERTH_E_INVALID,
			      "exec: working directory \"%s\" is not absolute", cwd);
		return NULL;
	}
	copy = json_deep_copy(process);
	jargs = json_array();
	if (!copy || !jargs)
		goto oom;
	if (append_cstrings(jargs, args, err) != 0)
		goto fail;
	if (json_object_set(copy, "args", jargs) != 0 ||
	    json_object_set_new(copy, "terminal", json_false()) != 0)
		goto oom;
	jenv = json_object_get(copy, "env");
	if (!json_is_array(jenv)) {
		jenv = json_array();
		if (!jenv || json_object_set_new(copy, "env", jenv) != 0)
			goto oom;
	}
	for (size_t i = 0; env && env[i]; i++)
		if (oci_env_set(jenv, env[i], err) != 0)
			goto fail;
	if (cwd && json_object_set_new(copy, "cwd", json_string(cwd)) != 0) {
		berth_err_set(err, BERTH_E_INVALID, "exec: working directory is not UTF-8");
		goto fail;
	}
	text = json_dumps(copy, JSON_COMPACT);
	if (!text)
		goto oom;
	json_decref(jargs);
	json_decref(copy);
	return text;
oom:
	berth_err_set(err, BERTH_E_INTERNAL, "exec: out of memory");
fail:
	json_decref(jargs);
	json_decref(copy);
	return NULL;
}
