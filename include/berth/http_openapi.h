/* http_openapi.h: the OpenAPI 3.1 document of Berth's routes (openapi/berth.openapi.json), embedded
 * at build time (openapi/embed-openapi.sh) and served by GET /openapi.json.
 *
 * The document lists every route of http_routes[] (app/http/routes.c) and nothing else:
 * test/unit/test_openapi compares the two (":param" in a pattern is "{param}" in the document).
 * Ownership: the bytes are static; nothing to free.
 */
#ifndef BERTH_HTTP_OPENAPI_H
#define BERTH_HTTP_OPENAPI_H

#include <stddef.h>

struct http_req; /* the request and response of the dispatcher (http.h) */
struct http_resp;

/* The document's bytes (UTF-8 JSON), NUL-terminated; http_openapi_json_len excludes the NUL. */
extern const char http_openapi_json[];
extern const size_t http_openapi_json_len;

/* GET /openapi.json: 200 with the document as application/json (no user needed: HTTP_AUTH_NONE;
 * nginx still asks for a client certificate). */
int http_get_openapi(struct http_req *req, struct http_resp *resp);

#endif
