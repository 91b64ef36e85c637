/* it_container_common.c: shared helpers of the issue #4 integration tests (it_container_common.h). */
#define _GNU_SOURCE /* vasprintf */
#include "it_container_common.h"

#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *it_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	ck_assert_msg(n >= 0, "out of memory");
	return s;
}

const char *it_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

it_owned_bot it_owned_bot_new(const char *type, int allow_guest)
{
	it_owned_bot b;
	memset(&b, 0, sizeof b);
	b.owner = bt_user_new("owner", 0);
	b.bot_id = bt_bot_new(b.owner.name, type, allow_guest);
	snprintf(b.ctr_id, sizeof b.ctr_id, "mcp-%s", b.bot_id);
	return b;
}

void it_owned_bot_done(it_owned_bot *b)
{
	if (b->bot_id) {
		bt_response r;
		/* the snapshots too: each is a GC root that would otherwise outlive the test */
		long s = it_api("DELETE", b->bot_id, "?purge_snapshots=true", NULL, bt_admin(), &r);
		ck_assert_msg(s == 204, "cleanup DELETE of %s: %ld %.300s", b->ctr_id, s, r.body);
		bt_response_free(&r);
		free(b->bot_id);
	}
	bt_user_free(&b->owner);
	memset(b, 0, sizeof *b);
}

long it_api(const char *method, const char *bot_id, const char *suffix, const char *body,
	    bt_identity id, bt_response *resp)
{
	char *path = it_fmt("/bots/%s/container%s", bot_id, suffix ? suffix : "");
	long s = bt_request(method, path, body, body ? "application/json" : NULL, id, resp);
	free(path);
	return s;
}

json_t *it_api_expect(const char *method, const char *bot_id, const char *suffix, const char *body,
		      bt_identity id, long want)
{
	bt_response r;
	long s = it_api(method, bot_id, suffix, body, id, &r);
	ck_assert_msg(s == want, "%s /bots/%s/container%s %s: %ld (want %ld) %s %.500s", method,
		      bot_id, suffix ? suffix : "", body ? body : "", s, want, r.error, r.body);
	json_t *j = r.body_len ? bt_json(&r) : NULL;
	bt_response_free(&r);
	return j;
}

void it_api_expect_error(const char *method, const char *bot_id, const char *suffix,
			 const char *body, bt_identity id, long want)
{
	bt_response r;
	long s = it_api(method, bot_id, suffix, body, id, &r);
	ck_assert_msg(s == want, "%s /bots/%s/container%s %.200s: %ld (want %ld) %s %.500s", method,
		      bot_id, suffix ? suffix : "", body ? body : "", s, want, r.error, r.body);
	bt_expect_error(&r);
	bt_response_free(&r);
}

json_t *it_create(const char *bot_id, bt_identity id)
{
	json_t *j = it_api_expect("POST", bot_id, "", NULL, id, 200);
	ck_assert_msg(json_is_true(json_object_get(j, "started")), "create: started is not true");
	return j;
}

/* ---- ctr ---- */

/* The line of `ctr task ls` for ctr_id: its pid and status. false when absent. */
static bool task_line(const char *ctr_id, int *pid, char *status, size_t cap)
{
	char *out = NULL;
	int rc = bt_ctr(&out, "task", "ls", NULL);
	ck_assert_msg(rc == 0, "ctr task ls failed (%d)", rc);
	bool found = false;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char id[256], st[64];
		int p;
		if (sscanf(line, "%255s %d %63s", id, &p, st) == 3 && strcmp(id, ctr_id) == 0) {
			*pid = p;
			snprintf(status, cap, "%s", st);
			found = true;
		}
	}
	free(out);
	return found;
}

char *it_ctr_task_status(const char *ctr_id)
{
	char st[64] = "";
	int pid = 0;
	if (!task_line(ctr_id, &pid, st, sizeof st))
		st[0] = '\0';
	return strdup(st);
}

int it_ctr_task_pid(const char *ctr_id)
{
	char st[64];
	int pid = 0;
	return task_line(ctr_id, &pid, st, sizeof st) ? pid : 0;
}

bool it_ctr_container_exists(const char *ctr_id)
{
	char *out = NULL;
	int rc = bt_ctr(&out, "container", "ls", "-q", NULL);
	ck_assert_msg(rc == 0, "ctr container ls failed (%d)", rc);
	bool found = false;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		if (strcmp(line, ctr_id) == 0)
			found = true;
	free(out);
	return found;
}

json_t *it_ctr_info(const char *ctr_id)
{
	char *out = NULL;
	int rc = bt_ctr(&out, "container", "info", ctr_id, NULL);
	ck_assert_msg(rc == 0, "ctr container info %s failed (%d)", ctr_id, rc);
	json_t *j = bt_json_parse(out);
	free(out);
	return j;
}

/* What it_exec appends to the script's output: its end, so that output ctr lost is told from none. */
#define EXEC_END "\nit-exec-end:"
#define EXEC_TRIES 3

int it_exec(const char *ctr_id, const char *script, char **out)
{
	/* ctr task exec now and then loses the output of a process that exits at once (its copy of
	 * the FIFOs races the exit; seen after containerd restarts): the script runs in a subshell
	 * followed by an end marker, and a run whose marker is missing although ctr succeeded is run
	 * again (the tests' scripts are idempotent). */
	size_t len = strlen(script) + 128;
	char *wrapped = malloc(len);
	int rc = -1;

	ck_assert_ptr_nonnull(wrapped);
	snprintf(wrapped, len, "(%s\n); rc=$?; printf '%s%%d\\n' \"$rc\"; exit $rc", script,
		 EXEC_END);
	for (int attempt = 1; attempt <= EXEC_TRIES; attempt++) {
		char *exec_id = bt_unique("it"), *got = NULL, *end;

		rc = bt_ctr(&got, "task", "exec", "--exec-id", exec_id, (char *)ctr_id, "/bin/sh",
			    "-c", wrapped, NULL);
		free(exec_id);
		end = got ? strstr(got, EXEC_END) : NULL;
		if (end) {
			/* as bt_ctr gives output: without trailing white space */
			while (end > got && isspace((unsigned char)end[-1]))
				end--;
			*end = '\0';
		}
		if (end || rc != 0 || attempt == EXEC_TRIES) {
			if (out)
				*out = got;
			else
				free(got);
			break;
		}
		fprintf(stderr, "it_exec: ctr lost the output of '%s' in %s; running it again\n",
			script, ctr_id);
		free(got);
	}
	free(wrapped);
	return rc;
}

char *it_exec_ok(const char *ctr_id, const char *script)
{
	char *out = NULL;
	int rc = it_exec(ctr_id, script, &out);
	ck_assert_msg(rc == 0, "exec in %s of '%s' failed (%d): %s", ctr_id, script, rc,
		      out ? out : "");
	return out;
}

/* ---- host side ---- */

char *it_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *data = NULL;
	size_t len = 0, cap = 0;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			data = realloc(data, cap);
			ck_assert_msg(data != NULL, "out of memory");
		}
		memcpy(data + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!data)
		data = calloc(1, 1);
	else
		data[len] = '\0';
	return data;
}

void it_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	ck_assert_msg(fputs(text, f) >= 0 && fclose(f) == 0, "writing %s failed", path);
}

char *it_data_dir(const char *bot_id)
{
	return it_fmt("%s/bots/%s", bt_env("BERTH_DATA_ROOT"), bot_id);
}

char *it_state_dir(const char *bot_id)
{
	return it_fmt("%s/bots/%s", bt_env("BERTH_STATE_ROOT"), bot_id);
}

char *it_ipam_dir(void)
{
	const char *conf_dir = bt_env("BERTH_CNI_CONF_DIR");
	DIR *d = opendir(conf_dir);
	ck_assert_msg(d != NULL, "opendir %s: %s", conf_dir, strerror(errno));
	char *first = NULL;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n > 9 && strcmp(de->d_name + n - 9, ".conflist") == 0 &&
		    (!first || strcmp(de->d_name, first) < 0)) {
			free(first);
			first = strdup(de->d_name);
		}
	}
	closedir(d);
	ck_assert_msg(first != NULL, "no .conflist in %s", conf_dir);
	char *path = it_fmt("%s/%s", conf_dir, first);
	free(first);
	json_error_t e;
	json_t *conf = json_load_file(path, 0, &e);
	ck_assert_msg(conf != NULL, "%s: %s", path, e.text);
	free(path);
	const char *name = json_string_value(json_object_get(conf, "name"));
	const char *data_dir = NULL;
	size_t i;
	json_t *plugin;
	json_array_foreach(json_object_get(conf, "plugins"), i, plugin)
	{
		json_t *ipam = json_object_get(plugin, "ipam");
		if (json_is_object(ipam) && json_is_string(json_object_get(ipam, "dataDir")))
			data_dir = json_string_value(json_object_get(ipam, "dataDir"));
	}
	ck_assert_msg(name && data_dir, "the conflist names no network name or ipam dataDir");
	char *dir = it_fmt("%s/%s", data_dir, name);
	json_decref(conf);
	return dir;
}

int it_ipam_leases(const char *ctr_id)
{
	char *dir = it_ipam_dir();
	DIR *d = opendir(dir);
	int n = 0;
	if (!d) {
		ck_assert_msg(errno == ENOENT, "opendir %s: %s", dir, strerror(errno));
		free(dir);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		/* Lease files are named by the address; skip lock and last_reserved_ip.*. */
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		char *path = it_fmt("%s/%s", dir, de->d_name);
		char *text = it_read_file(path);
		free(path);
		if (text && strncmp(text, ctr_id, strlen(ctr_id)) == 0 &&
		    (text[strlen(ctr_id)] == '\n' || text[strlen(ctr_id)] == '\r' ||
		     text[strlen(ctr_id)] == '\0'))
			n++;
		free(text);
	}
	closedir(d);
	free(dir);
	return n;
}

/* When the suite started (UTC, a few seconds early), for the final sweep. Set in main before Check
 * forks the tests, which inherit it. */
static char suite_start[64];

/* A fixture after every test of the program, not a test: deletes the containers that tests which
 * failed before their own cleanup left behind (rows created since the suite started; the programs
 * run one at a time). It runs in the runner process, after the last tcase, where a Check assertion
 * would end the program before its summary: so nothing in it aborts (bt_psql, not bt_sql). */
static void sweep_after_failed_tests(void)
{
	char *sql = it_fmt("SELECT bot_id FROM containers WHERE created_at >= '%s'", suite_start);
	char *bots = NULL;
	if (bt_psql(&bots, "-c", sql, NULL) != 0) {
		fprintf(stderr, "sweep: listing the containers created by this program failed\n");
		free(bots);
		free(sql);
		return;
	}
	for (char *id = strtok(bots, "\n"); id; id = strtok(NULL, "\n")) {
		bt_response r;
		long s = it_api("DELETE", id, "?purge_snapshots=true", NULL, bt_admin(), &r);
		fprintf(stderr,
			"sweep: DELETE the container of bot %s left by a failed test: %ld\n", id,
			s);
		bt_response_free(&r);
	}
	free(bots);
	free(sql);
}

int it_run_suite(Suite *suite)
{
	time_t t = time(NULL) - 5;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(suite_start, sizeof suite_start, "%Y-%m-%d %H:%M:%S+00", &tm);
	/* a tcase without tests: Check still runs its unchecked fixtures, after every other tcase */
	TCase *tc = tcase_create("sweep");
	tcase_add_unchecked_fixture(tc, NULL, sweep_after_failed_tests);
	suite_add_tcase(suite, tc);
	SRunner *sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

void it_run_concurrently(const char *bot_id, bt_identity id, const struct it_op *ops, int n,
			 long *statuses)
{
	int gate[2], results[2];
	pid_t pids[IT_MAX_CHILDREN];
	ck_assert_int_le(n, IT_MAX_CHILDREN);
	ck_assert_int_eq(pipe(gate), 0);
	ck_assert_int_eq(pipe(results), 0);
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			char c;
			close(gate[1]);
			close(results[0]);
			/* Blocks until the parent closes its end: then every child goes at once. */
			if (read(gate[0], &c, 1) < 0)
				_exit(2);
			bt_response r;
			long s = it_api(ops[i].method, bot_id, ops[i].suffix,
					ops[i].body[0] ? ops[i].body : NULL, id, &r);
			char line[64];
			int len = snprintf(line, sizeof line, "%d %ld\n", i, s);
			if (s != 200 && s != 204)
				fprintf(stderr, "child %d: %s container%s: %ld %.300s\n", i,
					ops[i].method, ops[i].suffix, s, r.body);
			bt_response_free(&r);
			/* Lines shorter than PIPE_BUF are written atomically. */
			_exit(write(results[1], line, (size_t)len) == len ? 0 : 3);
		}
	}
	close(gate[0]);
	close(results[1]);
	close(gate[1]); /* go */
	for (int i = 0; i < n; i++)
		statuses[i] = 0;
	FILE *f = fdopen(results[0], "r");
	ck_assert_ptr_nonnull(f);
	int idx;
	long s;
	while (fscanf(f, "%d %ld", &idx, &s) == 2)
		if (idx >= 0 && idx < n)
			statuses[idx] = s;
	fclose(f);
	for (int i = 0; i < n; i++) {
		int st;
		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
	}
}
