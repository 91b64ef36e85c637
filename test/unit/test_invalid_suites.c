/* The invalid-input suites as data (as jansson's test/suites/invalid): every directory
 * test/suites/invalid/<area>/<case>/ holds an `input` (raw bytes, NULs included) and an `expected`
 * ("key value" lines), and optionally `args` ("key value" lines choosing what the input is for).
 * Each case is one check that runs the input through the real parser of its area:
 *
 *   body   http_json_parse_body (application/json) then the route's body rules: args `route`
 *          container | snapshot | rollback (body_string of its field) or skills_upsert |
 *          skills_delete (the skills domain, on an empty data dir) or mcp_upsert | mcp_import |
 *          mcp_batch_delete (the MCP connections' rules, berth/mcpconn.h) or limits (the "limits"
 *          member under bounds of 2 CPUs, 8 GiB, 4096 pids, berth/botctr_limits.h). expected: status, code,
 *          message (a substring of the JSON message).
 *   route  the request URI "path[?query]" up to its first NUL (FastCGI params are C strings):
 *          http_path_parse, http_route_match on http_routes[] with args `method` (GET), then
 *          http_query_parse. expected: kind + message (a parse error), or match not_found |
 *          method_not_allowed | found, allow, param NAME=VALUE.
 *   skill  skills_parse("dir", input): a SKILL.md front matter. expected: name, description,
 *          content (substring), metadata (compact JSON, sorted keys, or "absent").
 *   cni    cni_result_parse (a plugin's stdout) for args `ifname` (eth0). expected: kind + message,
 *          or ip, gateway.
 *   image  args `kind`: index (image_index_select for linux/amd64 + image_descriptor_parse),
 *          layout (image_archive_parse_index), manifest (image_layers_parse with the case's
 *          `config` file, else a config of one diff ID), config (oci_spec_build). expected: kind
 *          + message, or ok.
 * Pure logic: no services (skills use a temporary directory). */
#define _GNU_SOURCE /* asprintf, strndup */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "berth/botctr_limits.h"
#include "berth/cni.h"
#include "berth/ctd_types.h"
#include "berth/http_params.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/http_router.h"
#include "berth/http_routes.h"
#include "berth/image_json.h"
#include "berth/mcpconn.h"
#include "berth/oci_spec.h"
#include "berth/skills.h"
#include "handlers_bot_common.h"

#ifndef BERTH_SUITES_DIR
#error "BERTH_SUITES_DIR must name test/suites"
#endif

#define MAX_CASES 512
static char *cases[MAX_CASES]; /* "<area>/<case>" */
static int n_cases;

/* A file's bytes, NUL-terminated (len excludes the NUL); NULL if it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, used = 0, n;

	if (!f)
		return NULL;
	do {
		if (used + 4096 + 1 > cap) {
			cap = (used + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		n = fread(buf + used, 1, cap - used - 1, f);
		used += n;
	} while (n > 0);
	fclose(f);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

/* The value of "key value" in a lines file (NEW), or NULL. Values run to the end of the line. */
static char *kv(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 &&
		    (p[klen] == ' ' || p[klen] == '\n' || p[klen] == '\0')) {
			const char *v = p + klen + (p[klen] == ' ');
			return strndup(v, strcspn(v, "\n"));
		}
	}
	return NULL;
}

struct kase {
	const char *name;
	char *input;
	size_t input_len;
	char *expected;
	char *args;
	char dir[512];
};

static void expect_str(const struct kase *k, const char *key, const char *got)
{
	char *want = kv(k->expected, key);
	if (!want)
		return;
	ck_assert_msg(got && strcmp(want, got) == 0, "%s: %s is \"%s\", expected \"%s\"", k->name,
		      key, got ? got : "(none)", want);
	free(want);
}

static void expect_sub(const struct kase *k, const char *key, const char *got)
{
	char *want = kv(k->expected, key);
	if (!want)
		return;
	ck_assert_msg(got && strstr(got, want), "%s: %s \"%s\" does not contain \"%s\"", k->name,
		      key, got ? got : "(none)", want);
	free(want);
}

/* kind + message of a failed call, or "ok" for one that passed. */
static void expect_err(const struct kase *k, int rc, const berth_err *err)
{
	char *ok = kv(k->expected, "ok");
	if (ok) {
		ck_assert_msg(rc == 0, "%s: expected success, got %s: %s", k->name,
			      berth_errkind_code(err->kind), err->msg);
		free(ok);
		return;
	}
	char *kind = kv(k->expected, "kind");
	ck_assert_msg(kind, "%s: expected names neither ok nor kind", k->name);
	ck_assert_msg(rc < 0, "%s: expected %s, the parser accepted the input", k->name, kind);
	expect_str(k, "kind", berth_errkind_code(err->kind));
	expect_sub(k, "message", err->msg);
	free(kind);
}

static void run_body(const struct kase *k)
{
	struct http_resp resp = { 0 };
	json_t *body = NULL;
	char *route = kv(k->args, "route");
	int rc;

	ck_assert_msg(route, "%s: args name no route", k->name);
	rc = http_json_parse_body("application/json", k->input, k->input_len, &body, &resp);
	if (rc == 0 && (strcmp(route, "container") == 0 || strcmp(route, "snapshot") == 0 ||
			strcmp(route, "rollback") == 0)) {
		const char *v;
		rc = body_string(body,
				 strcmp(route, "container") == 0 ? "snapshotter" : "snapshot_name",
				 &v, &resp);
	} else if (rc == 0 && strncmp(route, "skills_", 7) == 0) {
		char tmpl[] = "/tmp/berth-suites-XXXXXX";
		struct skills_limits lim = { 4, 4096 };
		berth_err err = { 0 };
		ck_assert_ptr_nonnull(mkdtemp(tmpl));
		int fd = open(tmpl, O_RDONLY | O_DIRECTORY);
		ck_assert_int_ge(fd, 0);
		rc = strcmp(route, "skills_upsert") == 0 ? skills_upsert(fd, body, &lim, &err)
							 : skills_delete(fd, body, &err);
		close(fd);
		char *rm = NULL;
		ck_assert_int_ne(asprintf(&rm, "rm -rf %s", tmpl), -1);
		ck_assert_int_eq(system(rm), 0);
		free(rm);
		if (rc < 0)
			http_resp_err(&resp, &err);
	} else if (rc == 0 && strcmp(route, "limits") == 0) {
		static const struct botctr_limit_bounds bounds = { 2, (int64_t)8 << 30, 4096 };
		struct botctr_limits_patch patch;
		berth_err err = { 0 };
		if (!json_is_object(body))
			rc = http_resp_error(&resp, 400, "invalid_body",
					     "request body must be a JSON object");
		else if ((rc = botctr_limits_parse(json_object_get(body, "limits"), &bounds, &patch,
						   &err)) < 0)
			http_resp_err(&resp, &err);
	} else if (rc == 0 && strncmp(route, "mcp_", 4) == 0) {
		berth_err err = { 0 };
		struct mcpconn_spec spec;
		json_t *parsed = NULL;
		size_t n;
		if (strcmp(route, "mcp_upsert") == 0) {
			rc = mcpconn_parse_upsert(body, &spec, &err);
			if (rc == 0)
				mcpconn_spec_clear(&spec);
		} else if (strcmp(route, "mcp_import") == 0) {
			rc = mcpconn_parse_import(body, &parsed, &n, &err);
		} else {
			ck_assert_msg(strcmp(route, "mcp_batch_delete") == 0,
				      "%s: unknown route %s", k->name, route);
			rc = mcpconn_parse_ids(body, &parsed, &err);
		}
		json_decref(parsed);
		if (rc < 0)
			http_resp_err(&resp, &err);
	}
	json_decref(body);
	char *status = kv(k->expected, "status");
	ck_assert_msg(status, "%s: expected names no status", k->name);
	ck_assert_msg(rc < 0, "%s: expected %s, the body was accepted", k->name, status);
	char got[16];
	snprintf(got, sizeof got, "%d", resp.status);
	expect_str(k, "status", got);
	json_t *j = json_loadb(resp.body, resp.body_len, 0, NULL);
	ck_assert_msg(j, "%s: the error body is not JSON: %.*s", k->name, (int)resp.body_len,
		      resp.body);
	expect_str(k, "code", json_string_value(json_object_get(j, "code")));
	expect_sub(k, "message", json_string_value(json_object_get(j, "message")));
	json_decref(j);
	http_resp_free(&resp);
	free(status);
	free(route);
}

static void run_route(const struct kase *k)
{
	char *method = kv(k->args, "method");
	char *raw = strdup(k->input); /* up to the first NUL, as FastCGI passes it */
	char *q = strchr(raw, '?');
	struct http_path path;
	struct http_query query;
	struct http_match m;
	berth_err err = { 0 };
	int rc;

	if (q)
		*q++ = '\0';
	rc = http_path_parse(raw, &path, &err);
	if (rc == 0) {
		http_route_match(http_routes, http_routes_count, sizeof http_routes[0],
				 method ? method : "GET", &path, &m);
		static const char *const kinds[] = { "found", "not_found", "method_not_allowed" };
		expect_str(k, "match", kinds[m.kind]);
		expect_str(k, "allow", m.allow);
		char *param = kv(k->expected, "param");
		if (param) {
			char *eq = strchr(param, '=');
			ck_assert_ptr_nonnull(eq);
			*eq = '\0';
			const char *v = http_match_param(&m, param);
			ck_assert_msg(v && strcmp(v, eq + 1) == 0,
				      "%s: param %s is %s, expected %s", k->name, param,
				      v ? v : "(none)", eq + 1);
			free(param);
		}
		rc = http_query_parse(q, &query, &err);
		if (rc == 0)
			http_query_free(&query);
		http_path_free(&path);
	}
	char *match = kv(k->expected, "match");
	if (match)
		ck_assert_msg(rc == 0, "%s: %s", k->name, err.msg);
	else
		expect_err(k, rc, &err);
	free(match);
	free(raw);
	free(method);
}

static void run_skill(const struct kase *k)
{
	json_t *s = skills_parse("dir", k->input, k->input_len);
	ck_assert_msg(s, "%s: skills_parse returned NULL", k->name);
	expect_str(k, "name", json_string_value(json_object_get(s, "name")));
	expect_str(k, "description", json_string_value(json_object_get(s, "description")));
	expect_sub(k, "content", json_string_value(json_object_get(s, "content")));
	json_t *md = json_object_get(s, "metadata");
	char *got = md ? json_dumps(md, JSON_COMPACT | JSON_SORT_KEYS) : strdup("absent");
	expect_str(k, "metadata", got);
	free(got);
	json_decref(s);
}

static void run_cni(const struct kase *k)
{
	char *ifname = kv(k->args, "ifname");
	struct cni_result r;
	berth_err err = { 0 };
	int rc = cni_result_parse(k->input, k->input_len, "net", ifname ? ifname : "eth0", &r,
				  &err);
	char *ip = kv(k->expected, "ip");

	if (ip) {
		ck_assert_msg(rc == 0, "%s: %s", k->name, err.msg);
		expect_str(k, "ip", r.ip);
		expect_str(k, "gateway", r.gateway);
		free(ip);
	} else {
		expect_err(k, rc, &err);
	}
	free(ifname);
}

#define ONE_DIFF_ID                                                                                \
	"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"                                 \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}}"

static void run_image(const struct kase *k)
{
	char *kind = kv(k->args, "kind");
	berth_err err = { 0 };
	int rc;

	ck_assert_msg(kind, "%s: args name no kind", k->name);
	if (strcmp(kind, "layout") == 0) {
		struct image_archive_list l;
		rc = image_archive_parse_index(k->input, k->input_len, &l, &err);
		if (rc == 0)
			image_archive_list_free(&l);
	} else {
		json_error_t jerr;
		json_t *doc = json_loadb(k->input, k->input_len, 0, &jerr);
		if (!doc) {
			rc = berth_err_set(&err, BERTH_E_INTERNAL, "not JSON: %s", jerr.text);
		} else if (strcmp(kind, "index") == 0) {
			ctd_descriptor d;
			const json_t *e = image_index_select(doc, "linux", "amd64", &err);
			rc = e ? image_descriptor_parse(e, &d, &err) : -1;
		} else if (strcmp(kind, "manifest") == 0) {
			char path[600];
			snprintf(path, sizeof path, "%s/config", k->dir);
			char *ctext = slurp(path, NULL);
			json_t *config = json_loads(ctext ? ctext : ONE_DIFF_ID, 0, NULL);
			struct image_info info;
			ctd_descriptor d;
			memset(&info, 0, sizeof info);
			ck_assert_ptr_nonnull(config);
			rc = image_descriptor_parse(json_object_get(doc, "config"), &d, &err);
			if (rc == 0)
				rc = image_layers_parse(doc, config, &info, &err);
			image_info_free(&info);
			json_decref(config);
			free(ctext);
		} else {
			struct oci_spec_opts o;
			memset(&o, 0, sizeof o);
			o.id = "c1";
			o.ns = "berth";
			json_t *spec = oci_spec_build(doc, &o, &err);
			rc = spec ? 0 : -1;
			json_decref(spec);
		}
		json_decref(doc);
	}
	expect_err(k, rc, &err);
	free(kind);
}

START_TEST(invalid_case)
{
	struct kase k;
	char path[600];
	memset(&k, 0, sizeof k);
	k.name = cases[_i];
	snprintf(k.dir, sizeof k.dir, "%s/invalid/%s", BERTH_SUITES_DIR, k.name);
	snprintf(path, sizeof path, "%s/input", k.dir);
	k.input = slurp(path, &k.input_len);
	ck_assert_msg(k.input, "%s: no input", k.name);
	snprintf(path, sizeof path, "%s/expected", k.dir);
	k.expected = slurp(path, NULL);
	ck_assert_msg(k.expected, "%s: no expected", k.name);
	snprintf(path, sizeof path, "%s/args", k.dir);
	k.args = slurp(path, NULL);
	if (!k.args)
		k.args = strdup("");

	if (strncmp(k.name, "body/", 5) == 0)
		run_body(&k);
	else if (strncmp(k.name, "route/", 6) == 0)
		run_route(&k);
	else if (strncmp(k.name, "skill/", 6) == 0)
		run_skill(&k);
	else if (strncmp(k.name, "cni/", 4) == 0)
		run_cni(&k);
	else if (strncmp(k.name, "image/", 6) == 0)
		run_image(&k);
	else
		ck_abort_msg("%s: unknown area", k.name);
	free(k.input);
	free(k.expected);
	free(k.args);
}
END_TEST

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Every <area>/<case> under the suites directory, in name order. */
static void collect(void)
{
	struct dirent **areas, **list;
	char dir[600];
	int na = scandir(BERTH_SUITES_DIR "/invalid", &areas, not_dot, by_name);

	if (na < 0) {
		perror(BERTH_SUITES_DIR "/invalid");
		exit(EXIT_FAILURE);
	}
	for (int a = 0; a < na; a++) {
		snprintf(dir, sizeof dir, "%s/invalid/%s", BERTH_SUITES_DIR, areas[a]->d_name);
		int n = scandir(dir, &list, not_dot, by_name);
		for (int i = 0; i < n; i++) {
			if (n_cases < MAX_CASES &&
			    asprintf(&cases[n_cases], "%s/%s", areas[a]->d_name, list[i]->d_name) !=
				    -1)
				n_cases++;
			free(list[i]);
		}
		if (n > 0)
			free(list);
		free(areas[a]);
	}
	free(areas);
}

int main(void)
{
	collect();
	Suite *s = suite_create("invalid_suites");
	TCase *tc = tcase_create("cases");
	tcase_add_loop_test(tc, invalid_case, 0, n_cases);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (int i = 0; i < n_cases; i++)
		free(cases[i]);
	return failed || n_cases == 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
