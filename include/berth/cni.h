/* cni.h: CNI client (spec 1.0.0) for one container's network namespace. Knows nothing of bots.
 *
 * Runs the "loopback" plugin for interface "lo" and the lexically first network config (.conf,
 * .conflist or .json) of conf_dir for the given interface (normally "eth0"). A conflist runs its
 * plugins in order on ADD (name and cniVersion injected, prevResult chained), in reverse order on
 * DEL, and in order on CHECK with the cached prevResult. Plugins are found in bin_dir (also passed
 * as CNI_PATH; may be a ':'-separated list), spawned with posix_spawn (no fork, no shell), each
 * with a deadline of timeout_ms: a plugin that overruns is killed (its process group, SIGKILL) and
 * the call fails with BERTH_E_TIMEOUT. The ADD result of the network is cached in
 * <cache_dir>/<network>-<container id>-<ifname> (as libcni does) for CHECK and DEL.
 * An ADD whose chain fails part-way (a plugin after the first, or storing the cache entry) is
 * rolled back: DEL of the whole chain (its failure only logged), then the ADD's error.
 *
 * Errors: a plugin's error JSON becomes "cni <network>/<plugin> <CMD>: <msg>: <details> (code N)"
 * (BERTH_E_INTERNAL); missing conf dir / no config / unparsable config / missing plugin binary ->
 * BERTH_E_INTERNAL naming the file or plugin; all of these carry BERTH_EC_NETWORK and are
 * detail_only (plugin output and host paths are for the log). Bad arguments -> BERTH_E_INVALID;
 * a plugin overrunning timeout_ms -> BERTH_E_TIMEOUT (BERTH_EC_NETWORK), or BERTH_EC_DEADLINE_EXCEEDED
 * when opts->deadline is what cut it (an invocation after the deadline is not started).
 * Strings in opts and arguments are borrowed.
 *
 * The caller must reap only its own children: a SIGCHLD handler doing waitpid(-1) in the same
 * process would steal the plugin's exit status.
 */
#ifndef BERTH_CNI_H
#define BERTH_CNI_H

#include "berth/deadline.h"
#include "berth/err.h"

struct cni_net_opts {
	const char *bin_dir;	 /* plugin executables, e.g. /usr/lib/cni */
	const char *conf_dir;	 /* network configs */
	const char *cache_dir;	 /* result cache (host-only state), created if missing */
	int timeout_ms;		 /* per plugin invocation; <= 0 means 10000 */
	berth_deadline deadline; /* bounds every invocation too (berth/deadline.h; 0: none) */
	/* cni_ensure only: > 0 lets an attachment whose last full CHECK (or ADD) is younger than this
	 * many seconds be verified without running a plugin (see cni_ensure); 0: always CHECK. */
	int quick_check_s;
};

struct cni_result {
	char network[128]; /* name of the network the config declares */
	char ip[64];	   /* first IPv4 address of the interface, without prefix ("10.88.0.5") */
	char cidr[68];	   /* the same with its prefix length ("10.88.0.5/24") */
	char gateway[64];  /* its gateway, "" when none */
};

/* Reads a plugin's result (its stdout, len bytes of JSON) for the network net: the first IPv4
 * address of ifname (else the first at all, else a spec 0.2.0 "ip4"). A text that is not a JSON
 * object or names no IPv4 address is BERTH_E_INTERNAL (the plugin is at fault, not the caller).
 * Pure; exposed for the invalid-input suites and the fuzzer. out may be NULL. */
int cni_result_parse(const char *text, size_t len, const char *net, const char *ifname,
		     struct cni_result *out, berth_err *err);

/* ADD: loopback on "lo", then the network on ifname inside netns_path (e.g.
 * /proc/<pid>/ns/net). Fills *out (may be NULL) and caches the result. container_id: letters,
 * digits, '_', '.', '-' (CNI spec). The network result must carry an IPv4 address. */
int cni_add(const struct cni_net_opts *opts, const char *container_id, const char *netns_path,
	    const char *ifname, struct cni_result *out, berth_err *err);

/* CHECK of the network with the cached ADD result (no cached result -> BERTH_E_NOT_FOUND).
 * A conflist with "disableCheck": true checks nothing. Fills *out (may be NULL) from the cache. */
int cni_check(const struct cni_net_opts *opts, const char *container_id, const char *netns_path,
	      const char *ifname, struct cni_result *out, berth_err *err);

/* DEL of the network (reverse plugin order, cached prevResult when present) and of loopback (only
 * with a namespace: loopback holds nothing outside it);
 * removes the cache entry. DEL of what is absent is success; netns_path may be NULL or "" when
 * the namespace is gone (the plugins then only release IPAM). A cache entry that cannot be read
 * (not a regular file, too large, ...) is logged and the DEL runs without prevResult. */
int cni_del(const struct cni_net_opts *opts, const char *container_id, const char *netns_path,
	    const char *ifname, berth_err *err);

/* Re-apply. With opts->quick_check_s > 0, a cached result of this netns_path whose last ADD or
 * passed CHECK is younger than that is verified in-process, as far as the host sees it: every
 * interface of the result outside the namespace (the bridge, the host end of the veth) still
 * exists with the recorded MAC address (what the plugins' CHECK also requires); if so, that
 * result, no plugin run. Otherwise (or when that fails):
 * if a cached result exists and CHECK passes (the entry's age starts over), that result (loopback was brought up by
 * the ADD that made it); otherwise loopback ADD and ADD, and when CHECK failed (its reason logged as a warning) or a plugin reported an error on ADD
 * (e.g. host-local's "duplicate allocation", which carries only the generic CNI code 999): DEL
 * (its error ignored) then ADD once more. A timeout is not retried. Fills *out (may be NULL). */
int cni_ensure(const struct cni_net_opts *opts, const char *container_id, const char *netns_path,
	       const char *ifname, struct cni_result *out, berth_err *err);

#endif
