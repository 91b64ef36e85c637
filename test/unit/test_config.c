/* test_config.c: the configuration file: defaults, values, environment overrides, errors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth/config.h"

static char path[64];

/* Writes text to a new temporary file whose name is left in path. */
static void write_config(const char *text)
{
	int fd;
	FILE *f;

	snprintf(path, sizeof path, "/tmp/berth-config-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void clear_env(void)
{
	const char *vars[] = { "BERTH_CONFIG",
			       "BERTH_DATABASE",
			       "BERTH_CONTAINERD_SOCKET",
			       "BERTH_CONTAINERD_NAMESPACE",
			       "BERTH_FCGI_SOCKET",
			       "BERTH_WORKERS",
			       "BERTH_LOG_LEVEL" };
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
}

START_TEST(defaults_follow_the_original)
{
	struct berth_config c;
	berth_err err;

	ck_assert_int_eq(berth_config_defaults(&c, &err), 0);
	ck_assert_str_eq(c.ctd_namespace, "default");
	ck_assert_str_eq(c.data_mount, "/data");
	ck_assert_str_eq(c.ctd_socket, "/run/containerd/containerd.sock");
	ck_assert_str_eq(c.snapshotter, "overlayfs");
	ck_assert_int_eq(c.stop_timeout_s, 10);
	ck_assert_int_eq(c.fcgi_socket_mode, 0660);
	ck_assert_int_gt(c.workers, 0);
	berth_config_free(&c);
}
END_TEST

START_TEST(file_values_and_comments)
{
	struct berth_config c;
	berth_err err;

	clear_env();
	write_config(
		"; a comment\n[server]\nworkers = 7\nfcgi_socket_mode = 0640\nmax_body_bytes = 123\n"
		"[database]\nconninfo = host=/tmp dbname=x\n[bots]\ndata_root = /srv/data\n"
		"[cni]\nconf_dir = /etc/x\n");
	ck_assert_msg(berth_config_load(path, &c, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(c.workers, 7);
	ck_assert_int_eq(c.fcgi_socket_mode, 0640);
	ck_assert_int_eq(c.max_body_bytes, 123);
	ck_assert_str_eq(c.db_conninfo, "host=/tmp dbname=x");
	ck_assert_str_eq(c.data_root, "/srv/data");
	ck_assert_str_eq(c.cni_conf_dir, "/etc/x");
	ck_assert_str_eq(c.state_root, "/var/lib/berth/state"); /* untouched keys keep defaults */
	berth_config_free(&c);
	unlink(path);
}
END_TEST

START_TEST(allowed_peers_are_normalised)
{
	struct berth_config c;
	berth_err err;

	clear_env();
	write_config("[server]\nfcgi_allowed_peers =  10.0.0.1 ,127.0.0.1  \n");
	ck_assert_msg(berth_config_load(path, &c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c.fcgi_allowed_peers, "10.0.0.1,127.0.0.1");
	berth_config_free(&c);
	unlink(path);
}
END_TEST

START_TEST(environment_overrides_the_file)
{
	struct berth_config c;
	berth_err err;

	clear_env();
	write_config("[server]\nworkers = 7\n[database]\nconninfo = dbname=file\n");
	setenv("BERTH_WORKERS", "3", 1);
	setenv("BERTH_DATABASE", "dbname=env", 1);
	setenv("BERTH_CONFIG", path, 1);
	ck_assert_msg(berth_config_load(NULL, &c, &err) == 0, "%s",
		      err.msg); /* path from BERTH_CONFIG */
	ck_assert_int_eq(c.workers, 3);
	ck_assert_str_eq(c.db_conninfo, "dbname=env");
	berth_config_free(&c);
	clear_env();
	unlink(path);
}
END_TEST

START_TEST(errors_name_file_line_and_key)
{
	struct berth_config c;
	berth_err err;
	const struct {
		const char *text;
		const char *says;
	} bad[] = {
		{ "[server]\nworkerz = 2\n", "unknown key [server] workerz" },
		{ "[server]\n\nworkers = many\n", "line 3" },
		{ "[server]\nworkers = -1\n", "workers" },
		{ "[server]\nworkers = 0\n", "workers must be 1..512" },
		{ "[server]\nfcgi_socket_mode = 0999\n", "octal" },
		{ "[bots]\ndata_root = relative/path\n", "absolute" },
		{ "[containerd]\nnamespace =\n", "namespace" },
		{ "[server\nworkers = 2\n", "line 1" },
		{ "[server]\nmax_body_bytes = 0\n", "max_body_bytes" },
		{ "[server]\nmax_body_bytes = 2147483648\n", "max_body_bytes" },
		{ "[server]\nrequest_timeout_ms = 3600001\n", "request_timeout_ms" },
		{ "[server]\nfcgi_allowed_peers = 10.0.0.1, example.org\n",
		  "'example.org' is not an IPv4 address" },
		{ "[server]\nfcgi_allowed_peers = ::1\n", "fcgi_allowed_peers" },
	};

	clear_env();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config(bad[i].text);
		ck_assert_int_eq(berth_config_load(path, &c, &err), -1);
		ck_assert_int_eq(err.kind, BERTH_E_INVALID);
		ck_assert_msg(strstr(err.msg, bad[i].says) && strstr(err.msg, path), "case %zu: %s",
			      i, err.msg);
		unlink(path);
	}
	ck_assert_int_eq(berth_config_load("/nonexistent/berth.conf", &c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/berth.conf"));
	setenv("BERTH_WORKERS", "lots", 1);
	ck_assert_int_eq(berth_config_load(NULL, &c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "BERTH_WORKERS"));
	clear_env();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults_follow_the_original);
	tcase_add_test(tc, file_values_and_comments);
	tcase_add_test(tc, allowed_peers_are_normalised);
	tcase_add_test(tc, environment_overrides_the_file);
	tcase_add_test(tc, errors_name_file_line_and_key);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
