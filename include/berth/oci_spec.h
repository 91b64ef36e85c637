/* oci_spec.h: builds the OCI runtime spec (JSON) of a container, as containerd 1.6 does it.
 *
 * Pure (jansson only, no I/O). The defaults are those of containerd 1.6's
 * oci.populateDefaultUnixSpec + oci.WithDefaultUnixDevices, i.e. what `ctr run` generates:
 * ociVersion 1.0.2-dev, user 0:0, cwd "/", the 14 default capabilities in bounding, effective and
 * permitted (inheritable empty), RLIMIT_NOFILE 1024/1024, noNewPrivileges, root "rootfs", the 7
 * default mounts (/proc /dev /dev/pts /dev/shm /dev/mqueue /sys /run), namespaces pid ipc uts mount
 * network, masked and read-only /proc and /sys paths, device cgroup deny-all "rwm" followed by the
 * default character devices (null, random, full, tty, zero, urandom, console, pts, ptmx),
 * cgroupsPath "/<ns>/<id>".
 *
 * Then the image config is merged as containerd's WithImageConfigArgs does: image Env (or the
 * default PATH when the image has none), Entrypoint + Cmd, WorkingDir (or "/"), User. Then the
 * caller's options win: env entries replace image entries with the same key, args, cwd, user,
 * hostname, extra mounts (appended after the defaults), annotations and resource limits.
 *
 * User strings (image or caller) are numeric only: "uid" (gid 0) or "uid:gid"; "root" means 0:0.
 * Any other name is refused with BERTH_E_UNSUPPORTED, because resolving names would need the
 * container's /etc/passwd. additionalGids is [gid], as containerd's ensureAdditionalGids makes it.
 *
 * Ownership: every pointer in the options is borrowed for the duration of the call; the results
 * are new and owned by the caller.
 */
#ifndef BERTH_OCI_SPEC_H
#define BERTH_OCI_SPEC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/err.h"

/* type_url of the spec and of an exec process when they travel as protobuf Any to containerd. */
#define OCI_SPEC_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/Spec"
#define OCI_PROCESS_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/Process"

/* The PATH containerd puts in the environment when the image defines no Env. */
#define OCI_DEFAULT_PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct oci_mount {
	const char *destination; /* absolute path in the container */
	const char *type;	 /* "bind", "tmpfs", ...; NULL means "bind" */
	const char *source;	 /* host path for bind mounts */
	const char *const
		*options; /* NULL-terminated, may be NULL; a bind mount with no options gets
	                              {"rbind", "rw"} (or "ro" when readonly is set) */
	int readonly;	  /* adds "ro" to a bind mount's default options */
};

struct oci_annotation {
	const char *key;
	const char *value;
};

/* Resource limits; zero means "no limit" for every field. */
struct oci_limits {
	int64_t memory_bytes;	/* linux.resources.memory.limit */
	int64_t cpu_quota_us;	/* linux.resources.cpu.quota (>= 1000: runc refuses less) ... */
	uint64_t cpu_period_us; /* ... and period (default 100000 when quota is given) */
	int cpu_millicores;	/* alternative to quota: 1000 = one CPU (period 100000) */
	int64_t pids_max;	/* linux.resources.pids.limit */
};

struct oci_spec_opts {
	const char *id;	      /* container id: required (cgroupsPath) */
	const char *ns;	      /* containerd namespace: required (cgroupsPath) */
	const char *hostname; /* NULL: no hostname in the spec (as ctr run) */
	/* Process arguments. args (NULL-terminated) replaces the image's Entrypoint AND Cmd;
	 * otherwise cmd (NULL-terminated) replaces only Cmd and the Entrypoint stays in front
	 * (containerd's WithImageConfigArgs). With neither, Entrypoint + Cmd of the image. The result
	 * must not be empty. */
	const char *const *args;
	const char *const *cmd;
	const char *const
		*env;	  /* "KEY=VALUE" entries, NULL-terminated; replace by key, else append */
	const char *cwd;  /* NULL: image WorkingDir, else "/" */
	const char *user; /* NULL: image User, else 0:0 */
	const struct oci_mount *mounts;
	size_t n_mounts;
	const struct oci_annotation *annotations;
	size_t n_annotations;
	struct oci_limits limits;
};

/* Builds the spec. image_config is the image's config document as stored in the content store
 * ({"config": {"Env": [...], ...}, "rootfs": ...}); borrowed, may be NULL (no image defaults).
 * Returns a NEW reference, or NULL with err set (BERTH_E_INVALID for bad input, e.g. a missing id,
 * a relative mount destination, no process args, malformed image config fields). */
json_t *oci_spec_build(const json_t *image_config, const struct oci_spec_opts *opts,
		       berth_err *err);

/* The spec's process object for an exec: a deep copy of spec.process with args replaced
 * (NULL-terminated, non-empty), env entries replaced/added by key (env may be NULL) and cwd
 * replaced when cwd != NULL; terminal false. spec is borrowed. Returns the compact JSON text
 * (NEW, caller frees with free()), or NULL with err set. */
char *oci_spec_process_json(const json_t *spec, const char *const *args, const char *const *env,
			    const char *cwd, berth_err *err);

/* Sets or replaces KEY's entry in a JSON array of "KEY=VALUE" strings (borrowed array, modified in
 * place); entry must contain '='. Returns 0, or -1 with err set. */
int oci_env_set(json_t *env, const char *entry, berth_err *err);

#endif
