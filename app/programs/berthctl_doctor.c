/* berthctl_doctor.c: `berthctl doctor`: is everything Berth depends on there? One line per check
 * ("ok" or "FAIL", what, details) on stdout; exit 1 if any check failed. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_version.h"
#include "berth/store_conn.h"
#include "berth/store_migrate.h"
#include "berthctl.h"

static int report(bool ok, const char *what, const char *details)
{
	printf("%s\t%s\t%s\n", ok ? "ok" : "FAIL", what, details);
	return ok ? 0 : 1;
}

static int check_database(const struct berth_config *cfg)
{
	berth_err err = { 0 };
	berth_store *store = store_open(cfg->db_conninfo, cfg->db_statement_timeout_ms, &err);
	int applied = 0, latest = 0;
	char details[BERTH_ERR_MSG_MAX + 64];
	int failed;

	if (!store)
		return report(false, "database", err.msg);
	if (store_ping(store, &err) != 0 ||
	    store_schema_version(store, &applied, &latest, &err) != 0) {
		failed = report(false, "database", err.msg);
	} else if (applied < latest) {
		snprintf(details, sizeof details,
			 "schema version %d, this berthctl has %d: run berthctl migrate", applied,
			 latest);
		failed = report(false, "database", details);
	} else {
		snprintf(details, sizeof details, "reachable, schema version %d", applied);
		failed = report(true, "database", details);
	}
	store_close(store);
	return failed;
}

static int check_containerd(const struct berth_config *cfg)
{
	berth_err err = { 0 };
	ctd_conn *conn = ctd_conn_new(cfg->ctd_socket, cfg->ctd_namespace, cfg->ctd_timeout_ms,
				      &err);
	char version[64];
	char details[128];
	int failed;

	if (!conn)
		return report(false, "containerd", err.msg);
	if (ctd_version(conn, version, sizeof version, &err) != 0) {
		failed = report(false, "containerd", err.msg);
	} else {
		snprintf(details, sizeof details, "reachable at %s, version %s", cfg->ctd_socket,
			 version);
		failed = report(true, "containerd", details);
	}
	ctd_conn_free(conn);
	ctd_shutdown();
	return failed;
}

static int check_dir(const char *what, const char *path)
{
	struct stat st;
	char details[4200];

	if (!path || !path[0])
		return report(false, what, "not configured");
	if (stat(path, &st) != 0) {
		snprintf(details, sizeof details, "%s: missing", path);
		return report(false, what, details);
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(details, sizeof details, "%s: not a directory", path);
		return report(false, what, details);
	}
	return report(true, what, path);
}

int berthctl_cmd_doctor(const struct berth_config *cfg, int argc, char **argv)
{
	berth_err err = { 0 };
	int failed = 0;

	if (berthctl_parse(argc, argv, NULL, 0, NULL, 0, 0, &err) != 0) {
		berth_err_prefix(&err, "doctor");
		return berthctl_fail(&err, 1);
	}
	failed += check_database(cfg);
	failed += check_containerd(cfg);
	failed += check_dir("data_root", cfg->data_root);
	failed += check_dir("state_root", cfg->state_root);
	failed += check_dir("cni_conf_dir", cfg->cni_conf_dir);
	failed += check_dir("cni_bin_dir", cfg->cni_bin_dir);
	fflush(stdout);
	if (failed)
		fprintf(stderr, "berthctl: doctor: %d check%s failed\n", failed,
			failed == 1 ? "" : "s");
	return failed ? BERTHCTL_FAILED : BERTHCTL_OK;
}
