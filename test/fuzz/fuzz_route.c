/* libFuzzer harness: the router and params (app/http/router.c, params.c) on a request line
 * "METHOD URI" (no space: GET), the URI up to its first NUL as FastCGI passes it. Checks what
 * http_router.h promises of a match, beyond "no crash, no sanitizer report". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "berth/http_params.h"
#include "berth/http_router.h"

/* The shapes of berth-fcgi's route table (app/http/routes.c): literals, parameters, "/". Its
 * handlers would pull the whole service into the harness; the matcher is what is fuzzed. */
static const struct http_route_key routes[] = {
	{ "GET", "/" },
	{ "GET", "/health" },
	{ "POST", "/bots/:bot_id/container" },
	{ "GET", "/bots/:bot_id/container" },
	{ "DELETE", "/bots/:bot_id/container" },
	{ "POST", "/bots/:bot_id/container/snapshots/rollback" },
	{ "GET", "/bots/:bot_id/container/skills" },
	{ "DELETE", "/container/:id" },
	{ "GET", "/:a/:b/:c/:d/:e/:f/:g/:h/:i" }, /* more parameters than a match holds */
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

static void check_match(const struct http_path *path, const char *method)
{
	struct http_match m;

	http_route_match(routes, N_ROUTES, sizeof routes[0], method, path, &m);
	if (m.kind == HTTP_MATCH_FOUND) {
		if (m.route_index >= N_ROUTES || m.n_params > HTTP_ROUTE_MAX_PARAMS ||
		    (strcmp(routes[m.route_index].method, method) != 0 &&
		     /* HEAD is served by the GET route of the path */
		     !(strcmp(method, "HEAD") == 0 &&
		       strcmp(routes[m.route_index].method, "GET") == 0)))
			abort();
		for (size_t i = 0; i < m.n_params; i++) {
			char name[64];
			if (m.param_name_len[i] >= sizeof name || m.param_value[i][0] == '\0')
				abort();
			memcpy(name, m.param_name[i], m.param_name_len[i]);
			name[m.param_name_len[i]] = '\0';
			if (!http_match_param(&m, name))
				abort();
		}
	} else if (m.kind == HTTP_MATCH_METHOD_NOT_ALLOWED) {
		if (m.allow[0] == '\0' || memchr(m.allow, '\0', sizeof m.allow) == NULL)
			abort();
	} else if (m.kind != HTTP_MATCH_NOT_FOUND) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *uri, *query, *sp, *decoded;
	const char *method = "GET";
	struct http_path path;
	struct http_query q;
	berth_err err;
	bool present;
	long n;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	uri = line;
	sp = strchr(line, ' ');
	if (sp) {
		*sp = '\0';
		method = line;
		uri = sp + 1;
	}
	query = strchr(uri, '?');
	if (query)
		*query++ = '\0';
	if (http_path_parse(uri, &path, &err) == 0) {
		if (path.n_segments > HTTP_PATH_MAX_SEGMENTS)
			abort();
		check_match(&path, method);
		http_path_free(&path);
	}
	if (http_query_parse(query, &q, &err) == 0) {
		if (q.count > HTTP_QUERY_MAX || (q.count && !http_query_get(&q, q.name[0])))
			abort();
		http_query_free(&q);
	}
	/* the raw bytes, NULs included, through the decoder and the header rules */
	decoded = malloc(size + 1);
	if (decoded) {
		long len = http_percent_decode((const char *)data, size, decoded, true, &err);
		if (len > (long)size || (len >= 0 && (long)strlen(decoded) != len))
			abort();
		free(decoded);
	}
	if (http_content_length(uri, &present, &n, &err) == 0 && present && n < 0)
		abort();
	(void)http_media_type_is_json(uri);
	free(line);
	return 0;
}
