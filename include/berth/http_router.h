/* http_router.h: method + path -> route. Pure: no I/O, nothing global.
 *
 * Patterns are absolute paths whose segments are literals or ":name" parameters, e.g.
 * "/bots/:bot_id/container/snapshots". A path is split on '/' first and each segment is then
 * percent-decoded, so "%2F" inside a segment never creates a new segment. Matching is exact per
 * segment: no trailing-slash folding ("/health/" is not "/health": 404), no empty segments
 * ("/bots//container" is 404). Routes are tried in table order; the first route whose pattern and
 * method match wins; HEAD matches a GET route (the response is the GET's without its body, see
 * http_fcgi.h). A path matched by some pattern but with no route for the method is 405 and the
 * Allow list names every method that would match, in table order, without duplicates, HEAD right
 * after GET.
 */
#ifndef BERTH_HTTP_ROUTER_H
#define BERTH_HTTP_ROUTER_H

#include <stddef.h>

#include "berth/err.h"

#define HTTP_PATH_MAX_SEGMENTS 16
#define HTTP_ROUTE_MAX_PARAMS 8
#define HTTP_PATH_MAX_BYTES 4096

/* A decoded path. Owns its storage (http_path_free). */
struct http_path {
	size_t n_segments;
	char *segment[HTTP_PATH_MAX_SEGMENTS]; /* decoded; point into buf */
	char *buf;
};

/* Splits and decodes raw (the path part of the request URI, without '?' and query).
 * raw must start with '/'. "/" has zero segments. Too many segments, a path longer than
 * HTTP_PATH_MAX_BYTES or a malformed escape is BERTH_E_INVALID. On failure nothing to free. */
int http_path_parse(const char *raw, struct http_path *path, berth_err *err);
void http_path_free(struct http_path *path);

/* One route. The router only reads method and pattern; the rest is for the dispatcher (http_dispatch.h).
 * Defined in http_dispatch.h; the router sees it through this prefix struct. */
struct http_route;

/* What http_route_match found. Parameter values point into the http_path (BORROWED). */
enum http_match_kind { HTTP_MATCH_FOUND = 0, HTTP_MATCH_NOT_FOUND, HTTP_MATCH_METHOD_NOT_ALLOWED };
struct http_match {
	enum http_match_kind kind;
	size_t route_index; /* valid when FOUND */
	size_t n_params;
	const char *param_name[HTTP_ROUTE_MAX_PARAMS]; /* borrowed from the pattern, without ':' */
	size_t param_name_len[HTTP_ROUTE_MAX_PARAMS];
	const char *param_value[HTTP_ROUTE_MAX_PARAMS]; /* borrowed from the path */
	char allow[96]; /* "GET, HEAD, POST" when METHOD_NOT_ALLOWED */
};

/* Minimal view of a route for matching: an array of these (stride bytes apart, so the caller's
 * struct http_route array can be passed with stride = sizeof(struct http_route) as long as its
 * first two members are method and pattern). */
struct http_route_key {
	const char *method;
	const char *pattern;
};

void http_route_match(const void *routes, size_t n_routes, size_t stride, const char *method,
		      const struct http_path *path, struct http_match *match);

/* Value of the parameter called name in a match, or NULL. */
const char *http_match_param(const struct http_match *match, const char *name);

#endif
