/* it_cni.c: the CNI client against the real plugins (/usr/lib/cni) in a network namespace of
 * its own, on a bridge of its own (berthcni0, 10.88.216.0/24, no masquerade, no default route).
 * Needs root; uses ip(8) to make the namespace and to observe, busybox ping host -> container.
 * Traffic goes only between the host and that namespace. Skipped (77) when not root. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/cni.h"
#include "berth/log.h"
#include "bt.h"

#define PLUGINS "/usr/lib/cni"
#define BRIDGE "berthcni0"
#define SUBNET_PREFIX "10.88.216."
#define NETNAME "berth-cni-test"
#define CID "mcp-0b7f4d2c-9a51-4e0f-8c3e-2f6a1d9b7e40"

static char base[64], conf_dir[128], bin_dir[128], cache_dir[128], ipam_dir[128];
static char netns_name[64], netns_path[128];

/* Runs argv (no shell), returns its exit status; output (may be NULL) gets stdout+stderr. */
static int run(char *const argv[], char *output, size_t size)
{
	int p[2], status;
	size_t len = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork(); /* a test process: no gRPC state here */
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		char buf[1024];
		ssize_t r = read(p[0], buf, sizeof buf);
		if (r <= 0)
			break;
		if (output && len + 1 < size) {
			size_t k = (size_t)r < size - 1 - len ? (size_t)r : size - 1 - len;
			memcpy(output + len, buf, k);
			len += k;
		}
	}
	if (output)
		output[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int in_netns(const char *cmd1, const char *cmd2, const char *cmd3, const char *cmd4,
		    char *out, size_t size)
{
	char *argv[] = { "ip",	       "netns",	     "exec",	   netns_name, (char *)cmd1,
			 (char *)cmd2, (char *)cmd3, (char *)cmd4, NULL };
	return run(argv, out, size);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void write_conf(const char *file, const char *plugin_json)
{
	char path[256], text[2048];

	/* one network config at a time: remove the others */
	for (const char *const *n = (const char *const[]){ "10-test.conflist", "20-test.conf",
							   "05-bad.conflist", NULL };
	     *n; n++) {
		snprintf(path, sizeof path, "%s/%s", conf_dir, *n);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/%s", conf_dir, file);
	snprintf(text, sizeof text,
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"" NETNAME "\",\"plugins\":[%s]}",
		 plugin_json);
	write_file(path, text, 0644);
}

/* The bridge plugin, then the plugins of extra (JSON objects, "" for none). */
static void write_bridge_chain(const char *extra)
{
	char plugin[1024];

	snprintf(plugin, sizeof plugin,
		 "{\"type\":\"bridge\",\"bridge\":\"" BRIDGE "\",\"isGateway\":true,"
		 "\"ipMasq\":false,\"ipam\":{\"type\":\"host-local\","
		 "\"ranges\":[[{\"subnet\":\"10.88.216.0/24\"}]],\"dataDir\":\"%s\"}}%s%s",
		 ipam_dir, *extra ? "," : "", extra);
	write_conf("10-test.conflist", plugin);
}

static void write_bridge_conf(void)
{
	write_bridge_chain("");
}

static struct cni_net_opts opts(int timeout_ms)
{
	return (struct cni_net_opts){ .bin_dir = bin_dir,
				      .conf_dir = conf_dir,
				      .cache_dir = cache_dir,
				      .timeout_ms = timeout_ms };
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static void setup(void)
{
	const char *plugins[] = { "bridge", "host-local", "loopback" };
	char src[128], dst[160];

	snprintf(base, sizeof base, "/tmp/berth-cni-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(conf_dir, sizeof conf_dir, "%s/conf", base);
	snprintf(bin_dir, sizeof bin_dir, "%s/bin", base);
	snprintf(cache_dir, sizeof cache_dir, "%s/state/cni-cache", base);
	snprintf(ipam_dir, sizeof ipam_dir, "%s/ipam", base);
	ck_assert_int_eq(mkdir(conf_dir, 0755), 0);
	ck_assert_int_eq(mkdir(bin_dir, 0755), 0);
	for (size_t i = 0; i < sizeof plugins / sizeof *plugins; i++) {
		snprintf(src, sizeof src, PLUGINS "/%s", plugins[i]);
		snprintf(dst, sizeof dst, "%s/%s", bin_dir, plugins[i]);
		ck_assert_int_eq(symlink(src, dst), 0);
	}
	/* a plugin that fails its ADD and records every command it gets */
	snprintf(dst, sizeof dst, "%s/failer", bin_dir);
	{
		char script[512];
		snprintf(
			script, sizeof script,
			"#!/bin/sh\necho \"$CNI_COMMAND\" >>%s/failer.log\n"
			"if [ \"$CNI_COMMAND\" = ADD ]; then\n"
			"  echo '{\"cniVersion\":\"1.0.0\",\"code\":999,\"msg\":\"planned failure\"}'\n"
			"  exit 1\nfi\nexit 0\n",
			base);
		write_file(dst, script, 0755);
	}
	/* a plugin that never answers, and its child too (the process group is killed) */
	snprintf(dst, sizeof dst, "%s/slow", bin_dir);
	write_file(dst, "#!/bin/sh\nsleep 30 &\nsleep 30\n", 0755);
	write_bridge_conf();
	snprintf(netns_name, sizeof netns_name, "berth-cni-test-%d", (int)getpid());
	snprintf(netns_path, sizeof netns_path, "/run/netns/%s", netns_name);
	{
		char *argv[] = { "ip", "netns", "add", netns_name, NULL };
		ck_assert_int_eq(run(argv, NULL, 0), 0);
	}
}

static void teardown(void)
{
	struct cni_net_opts o = opts(10000);
	char *del_ns[] = { "ip", "netns", "del", netns_name, NULL };
	char *del_br[] = { "ip", "link", "del", BRIDGE, NULL };

	write_bridge_conf();
	(void)cni_del(&o, CID, netns_path, "eth0", NULL);
	run(del_ns, NULL, 0);
	run(del_br, NULL, 0);
	nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int lease_exists(const char *ip)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof path, "%s/" NETNAME "/%s", ipam_dir, ip);
	return stat(path, &st) == 0;
}

static int cache_exists(void)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof path, "%s/" NETNAME "-" CID "-eth0", cache_dir);
	return stat(path, &st) == 0;
}

START_TEST(test_add_check_ensure_del)
{
	struct cni_net_opts o = opts(10000);
	struct cni_result r, r2;
	char out[4096], with_space[80];
	berth_err err;

	ck_assert_msg(cni_add(&o, CID, netns_path, "eth0", &r, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(r.network, NETNAME);
	ck_assert_msg(strncmp(r.ip, SUBNET_PREFIX, strlen(SUBNET_PREFIX)) == 0, "ip %s", r.ip);
	ck_assert_ptr_nonnull(strstr(r.cidr, "/24"));
	ck_assert_str_eq(r.gateway, SUBNET_PREFIX "1");
	ck_assert(lease_exists(r.ip));
	ck_assert(cache_exists());

	/* what the namespace says */
	ck_assert_int_eq(in_netns("ip", "-4", "addr", "show", out, sizeof out), 0);
	snprintf(with_space, sizeof with_space, "inet %s/24", r.ip);
	ck_assert_msg(strstr(out, with_space) && strstr(out, "eth0"), "%s", out);
	ck_assert_int_eq(in_netns("ip", "link", "show", "lo", out, sizeof out), 0);
	ck_assert_msg(strstr(out, "UP"), "lo not up: %s", out);
	ck_assert_int_eq(in_netns("ip", "route", "show", NULL, out, sizeof out), 0);
	ck_assert_msg(!strstr(out, "default"), "unexpected default route: %s", out);
	{
		char *ping[] = { "busybox", "ping", "-c", "1", "-W", "3", r.ip, NULL };
		ck_assert_int_eq(run(ping, out, sizeof out), 0);
	}

	ck_assert_msg(cni_check(&o, CID, netns_path, "eth0", &r2, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(r2.ip, r.ip);

	/* a second ADD collides with what is there */
	ck_assert_int_eq(cni_add(&o, CID, netns_path, "eth0", &r2, &err), -1);
	ck_assert_msg(strstr(err.msg, "already exists") || strstr(err.msg, "duplicate allocation"),
		      "%s", err.msg);
	/* ensure on a healthy attachment: CHECK passes, same address */
	ck_assert_msg(cni_ensure(&o, CID, netns_path, "eth0", &r2, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(r2.ip, r.ip);

	/* the interface lost (as after a host network restart): CHECK fails, DEL + ADD repairs */
	ck_assert_int_eq(in_netns("ip", "link", "del", "eth0", out, sizeof out), 0);
	ck_assert_int_eq(cni_check(&o, CID, netns_path, "eth0", NULL, &err), -1);
	ck_assert_msg(cni_ensure(&o, CID, netns_path, "eth0", &r2, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(in_netns("ip", "-4", "addr", "show", out, sizeof out), 0);
	snprintf(with_space, sizeof with_space, "inet %s/24", r2.ip);
	ck_assert_msg(strstr(out, with_space), "%s", out);
	ck_assert_msg(cni_check(&o, CID, netns_path, "eth0", NULL, &err) == 0, "%s", err.msg);

	/* the cache lost while the lease stays: ADD hits "already exists", ensure repairs */
	{
		char path[256];
		snprintf(path, sizeof path, "%s/" NETNAME "-" CID "-eth0", cache_dir);
		ck_assert_int_eq(unlink(path), 0);
	}
	ck_assert_msg(cni_ensure(&o, CID, netns_path, "eth0", &r, &err) == 0, "%s", err.msg);
	ck_assert(lease_exists(r.ip));
	ck_assert(cache_exists());
	{
		char *ping[] = { "busybox", "ping", "-c", "1", "-W", "3", r.ip, NULL };
		ck_assert_int_eq(run(ping, out, sizeof out), 0);
	}

	/* DEL releases the lease and the interface; twice is fine; without a netns too */
	ck_assert_msg(cni_del(&o, CID, netns_path, "eth0", &err) == 0, "%s", err.msg);
	ck_assert(!lease_exists(r.ip));
	ck_assert(!cache_exists());
	ck_assert_int_eq(in_netns("ip", "-4", "addr", "show", out, sizeof out), 0);
	ck_assert_msg(!strstr(out, "eth0"), "%s", out);
	ck_assert_msg(cni_del(&o, CID, netns_path, "eth0", &err) == 0, "%s", err.msg);
	ck_assert_msg(cni_del(&o, CID, NULL, "eth0", &err) == 0, "%s", err.msg);

	/* the lease of a vanished namespace is released by a DEL without one */
	ck_assert_msg(cni_add(&o, CID, netns_path, "eth0", &r, &err) == 0, "%s", err.msg);
	ck_assert(lease_exists(r.ip));
	{
		char *argv[] = { "ip", "netns", "del", netns_name, NULL };
		ck_assert_int_eq(run(argv, NULL, 0), 0);
	}
	ck_assert_msg(cni_del(&o, CID, "", "eth0", &err) == 0, "%s", err.msg);
	ck_assert(!lease_exists(r.ip));
	{
		char *argv[] = { "ip", "netns", "add", netns_name, NULL };
		ck_assert_int_eq(run(argv, NULL, 0), 0);
	}
}
END_TEST

START_TEST(test_errors)
{
	struct cni_net_opts o = opts(10000);
	long long t0;
	char *pgrep_out;
	berth_err err;
	long long ms;

	(void)pgrep_out;
	ck_assert_int_eq(cni_check(&o, CID, netns_path, "eth0", NULL, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_NOT_FOUND);

	/* bad arguments */
	ck_assert_int_eq(cni_add(&o, "../x", netns_path, "eth0", NULL, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_int_eq(cni_add(&o, CID, netns_path, "eth0/x", NULL, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	ck_assert_int_eq(cni_add(&o, CID, NULL, "eth0", NULL, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);

	/* a missing plugin */
	write_conf("10-test.conflist", "{\"type\":\"nonexistent\"}");
	ck_assert_int_eq(cni_add(&o, CID, netns_path, "eth0", NULL, &err), -1);
	ck_assert_msg(strstr(err.msg, "cni plugin \"nonexistent\" not found in"), "%s", err.msg);

	/* a plugin's error JSON */
	write_conf("10-test.conflist", "{\"type\":\"bridge\",\"bridge\":\"" BRIDGE
				       "\",\"ipam\":{\"type\":\"host-local\","
				       "\"ranges\":[[{\"subnet\":\"not-a-subnet\"}]]}}");
	ck_assert_int_eq(cni_add(&o, CID, netns_path, "eth0", NULL, &err), -1);
	ck_assert_msg(strstr(err.msg, "cni " NETNAME "/bridge ADD: ") && strstr(err.msg, "(code "),
		      "%s", err.msg);

	/* bad config: the lexically first file is unparsable */
	write_conf("10-test.conflist", "{\"type\":\"bridge\"}");
	{
		char path[256];
		snprintf(path, sizeof path, "%s/05-bad.conflist", conf_dir);
		write_file(path, "{ not json", 0644);
	}
	ck_assert_int_eq(cni_add(&o, CID, netns_path, "eth0", NULL, &err), -1);
	ck_assert_msg(strstr(err.msg, "05-bad.conflist: line 1"), "%s", err.msg);
	/* a single .conf without a type */
	write_conf("20-test.conf", "{}");
	{
		char path[256], text[256];
		snprintf(path, sizeof path, "%s/20-test.conf", conf_dir);
		snprintf(text, sizeof text, "{\"cniVersion\":\"1.0.0\",\"name\":\"x\"}");
		write_file(path, text, 0644);
	}
	ck_assert_int_eq(cni_add(&o, CID, netns_path, "eth0", NULL, &err), -1);
	ck_assert_msg(strstr(err.msg, "has no valid \"type\""), "%s", err.msg);
	/* no config at all; no conf dir */
	{
		char path[256];
		snprintf(path, sizeof path, "%s/20-test.conf", conf_dir);
		unlink(path);
	}
	ck_assert_int_eq(cni_add(&o, CID, netns_path, "eth0", NULL, &err), -1);
	ck_assert_msg(strstr(err.msg, "holds no network config"), "%s", err.msg);
	o.conf_dir = "/nonexistent/berth-cni";
	ck_assert_int_eq(cni_add(&o, CID, netns_path, "eth0", NULL, &err), -1);
	ck_assert_msg(strstr(err.msg, "/nonexistent/berth-cni"), "%s", err.msg);
	o.conf_dir = conf_dir;

	/* a plugin that overruns its deadline is killed, with its children */
	write_conf("10-test.conflist", "{\"type\":\"slow\"}");
	o.timeout_ms = 400;
	t0 = bt_now_ms();
	ck_assert_int_eq(cni_add(&o, CID, netns_path, "eth0", NULL, &err), -1);
	ms = bt_now_ms() - t0;
	ck_assert_int_eq(err.kind, BERTH_E_TIMEOUT);
	ck_assert_msg(strstr(err.msg, "slow ADD") && strstr(err.msg, "timed out"), "%s", err.msg);
	ck_assert_msg(ms < 3000, "took %lld ms", ms);
	{
		char out[256], pat[200];
		char *argv[] = { "pgrep", "-f", pat, NULL };
		snprintf(pat, sizeof pat, "^/bin/sh %s/slow", bin_dir);
		ck_assert_int_ne(run(argv, out, sizeof out), 0);
	}
}
END_TEST

/* Leases host-local holds in the test subnet. */
static int lease_count(void)
{
	char path[256];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof path, "%s/" NETNAME, ipam_dir);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, SUBNET_PREFIX, strlen(SUBNET_PREFIX)) == 0)
			n++;
	closedir(d);
	return n;
}

static int netns_has_eth0(void)
{
	char out[4096];

	ck_assert_int_eq(in_netns("ip", "link", "show", NULL, out, sizeof out), 0);
	return strstr(out, "eth0") != NULL;
}

static char *slurp(const char *path)
{
	static char buf[16384];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* A chain failing part-way is rolled back: the earlier plugin's interface and lease are gone. */
START_TEST(test_partial_add_rolled_back)
{
	struct cni_net_opts o = opts(10000);
	char path[320], blocker[256];
	berth_err err;

	write_bridge_chain("{\"type\":\"failer\"}");
	ck_assert_int_eq(cni_add(&o, CID, netns_path, "eth0", NULL, &err), -1);
	ck_assert_msg(strstr(err.msg, "cni " NETNAME "/failer ADD: planned failure (code 999)"),
		      "%s", err.msg);
	snprintf(path, sizeof path, "%s/failer.log", base);
	ck_assert_str_eq(slurp(path), "ADD\nDEL\n");
	ck_assert_int_eq(lease_count(), 0);
	ck_assert(!netns_has_eth0());
	ck_assert(!cache_exists());

	/* the result cannot be cached (the cache dir's parent is a file): rolled back as well */
	write_bridge_conf();
	snprintf(blocker, sizeof blocker, "%s/blocker", base);
	write_file(blocker, "", 0644);
	snprintf(path, sizeof path, "%s/cache", blocker);
	o.cache_dir = path;
	ck_assert_int_eq(cni_add(&o, CID, netns_path, "eth0", NULL, &err), -1);
	ck_assert_msg(strstr(err.msg, "cni cache dir"), "%s", err.msg);
	ck_assert_int_eq(lease_count(), 0);
	ck_assert(!netns_has_eth0());

	/* the first plugin failing leaves an attachment that was there before alone */
	o.cache_dir = cache_dir;
	ck_assert_msg(cni_add(&o, CID, netns_path, "eth0", NULL, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(cni_add(&o, CID, netns_path, "eth0", NULL, &err), -1);
	ck_assert_int_eq(lease_count(), 1);
	ck_assert(netns_has_eth0());
	ck_assert_msg(cni_check(&o, CID, netns_path, "eth0", NULL, &err) == 0, "%s", err.msg);
}
END_TEST

/* DEL goes on without prevResult when the cache entry cannot be read: the lease is released. */
START_TEST(test_del_with_unreadable_cache)
{
	struct cni_net_opts o = opts(10000);
	char entry[256], outside[256];
	struct stat st;
	berth_err err;

	ck_assert_msg(cni_add(&o, CID, netns_path, "eth0", NULL, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(lease_count(), 1);
	snprintf(entry, sizeof entry, "%s/" NETNAME "-" CID "-eth0", cache_dir);
	snprintf(outside, sizeof outside, "%s/outside", base);
	write_file(outside, "keep", 0644);
	ck_assert_int_eq(unlink(entry), 0);
	ck_assert_int_eq(symlink(outside, entry), 0);
	ck_assert_msg(cni_del(&o, CID, netns_path, "eth0", &err) == 0, "%s", err.msg);
	ck_assert_int_eq(lease_count(), 0);
	ck_assert(!netns_has_eth0());
	ck_assert_int_ne(lstat(entry, &st), 0);
	ck_assert_str_eq(slurp(outside), "keep");
}
END_TEST

/* ensure logs why CHECK failed before it repairs. */
START_TEST(test_ensure_logs_check_failure)
{
	struct cni_net_opts o = opts(10000);
	char log_path[256], out[4096];
	const char *text;
	berth_err err;
	int fd;

	snprintf(log_path, sizeof log_path, "%s/log", base);
	fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	blog_init("it_cni", BLOG_INFO, fd);
	ck_assert_msg(cni_add(&o, CID, netns_path, "eth0", NULL, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(in_netns("ip", "link", "del", "eth0", out, sizeof out), 0);
	ck_assert_msg(cni_ensure(&o, CID, netns_path, "eth0", NULL, &err) == 0, "%s", err.msg);
	blog_init("it_cni", BLOG_INFO, 2);
	close(fd);
	text = slurp(log_path);
	ck_assert_msg(strstr(text, "\"level\":\"warn\"") &&
			      strstr(text, "cni " NETNAME ": CHECK of " CID
					   "/eth0 failed, attaching again: "
					   "cni " NETNAME "/bridge CHECK: "),
		      "%s", text);
	ck_assert(netns_has_eth0());
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	/* before anything is allocated: LeakSanitizer would turn the skip into a failure */
	if (geteuid() != 0 || access(PLUGINS "/bridge", X_OK) != 0) {
		fprintf(stderr, "it_cni: needs root and " PLUGINS "/bridge; skipped\n");
		return BT_EXIT_SKIP;
	}
	s = suite_create("cni");
	tc = tcase_create("plugins");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_add_check_ensure_del);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_partial_add_rolled_back);
	tcase_add_test(tc, test_del_with_unreadable_cache);
	tcase_add_test(tc, test_ensure_logs_check_failure);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
