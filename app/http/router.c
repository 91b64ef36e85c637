/* router.c: method + path -> route (see include/berth/http_router.h). */
#include "berth/http_router.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/http_params.h"

int http_path_parse(const char *raw, struct http_path *path, berth_err *err)
{
	size_t len;
	char *p;

	memset(path, 0, sizeof *path);
	if (!raw || raw[0] != '/')
		return berth_err_set(err, BERTH_E_INVALID, "request path must start with '/'");
	len = strlen(raw);
	if (len > HTTP_PATH_MAX_BYTES)
		return berth_err_set(err, BERTH_E_INVALID, "request path longer than %d bytes",
				     HTTP_PATH_MAX_BYTES);
	path->buf = malloc(len + 1);
	if (!path->buf)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	memcpy(path->buf, raw, len + 1);
	if (len == 1)
		return 0; /* "/" */

	/* Each segment is the text between two slashes (the last one runs to the end), so "/a/"
	 * has segments "a" and "" and never matches a pattern "/a". */
	p = path->buf + 1;
	for (;;) {
		size_t seg_len = strcspn(p, "/");
		bool last = p[seg_len] == '\0';

		if (path->n_segments == HTTP_PATH_MAX_SEGMENTS) {
			http_path_free(path);
			return berth_err_set(err, BERTH_E_INVALID,
					     "request path has more than %d segments",
					     HTTP_PATH_MAX_SEGMENTS);
		}
		p[seg_len] = '\0';
		if (http_percent_decode(p, seg_len, p, false, err) < 0) {
			http_path_free(path);
			return berth_err_prefix(err, "request path");
		}
		path->segment[path->n_segments++] = p;
		if (last)
			break;
		p += seg_len + 1;
	}
	return 0;
}

void http_path_free(struct http_path *path)
{
	free(path->buf);
	memset(path, 0, sizeof *path);
}

/* Matches pattern against path; on success records the :params in *m. */
static bool pattern_matches(const char *pattern, const struct http_path *path, struct http_match *m)
{
	const char *p = pattern;
	size_t seg = 0;

	m->n_params = 0;
	if (strcmp(pattern, "/") == 0)
		return path->n_segments == 0;
	if (*p != '/')
		return false;
	p++;
	for (;;) {
		size_t len = strcspn(p, "/");

		if (seg == path->n_segments)
			return false;
		if (p[0] == ':') {
			if (path->segment[seg][0] == '\0' || m->n_params == HTTP_ROUTE_MAX_PARAMS)
				return false;
			m->param_name[m->n_params] = p + 1;
			m->param_name_len[m->n_params] = len - 1;
			m->param_value[m->n_params] = path->segment[seg];
			m->n_params++;
		} else if (strlen(path->segment[seg]) != len ||
			   memcmp(path->segment[seg], p, len) != 0) {
			return false;
		}
		seg++;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return seg == path->n_segments;
}

static void allow_add(char *allow, size_t cap, const char *method)
{
	size_t mlen = strlen(method);
	const char *p = allow;

	/* skip duplicates */
	while (*p) {
		size_t len = strcspn(p, ",");
		if (len == mlen && memcmp(p, method, mlen) == 0)
			return;
		p += len;
		p += strspn(p, ", ");
	}
	size_t used = strlen(allow);
	snprintf(allow + used, cap - used, "%s%s", used ? ", " : "", method);
}

void http_route_match(const void *routes, size_t n_routes, size_t stride, const char *method,
		      const struct http_path *path, struct http_match *match)
{
	struct http_match probe;
	bool path_known = false;

	memset(&probe, 0, sizeof probe);
	memset(match, 0, sizeof *match);
	match->kind = HTTP_MATCH_NOT_FOUND;
	for (size_t i = 0; i < n_routes; i++) {
		struct http_route_key r;
		bool is_get;

		/* the caller's route struct begins with the two members of http_route_key */
		memcpy(&r, (const char *)routes + i * stride, sizeof r);
		is_get = strcmp(r.method, "GET") == 0;
		if (!pattern_matches(r.pattern, path, &probe))
			continue;
		if (method &&
		    (strcmp(r.method, method) == 0 || (is_get && strcmp(method, "HEAD") == 0))) {
			*match = probe;
			match->kind = HTTP_MATCH_FOUND;
			match->route_index = i;
			return;
		}
		path_known = true;
		allow_add(match->allow, sizeof match->allow, r.method);
		if (is_get)
			allow_add(match->allow, sizeof match->allow, "HEAD");
	}
	if (path_known)
		match->kind = HTTP_MATCH_METHOD_NOT_ALLOWED;
}

const char *http_match_param(const struct http_match *match, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < match->n_params; i++)
		if (match->param_name_len[i] == len && memcmp(match->param_name[i], name, len) == 0)
			return match->param_value[i];
	return NULL;
}
