/* http_response.h: the response a handler fills, and its CGI head (app/http/response.c).
 * Ownership: response bodies and headers are owned by the struct http_resp (http_resp_json STEALS
 * its json_t).
 */
#ifndef BERTH_HTTP_RESPONSE_H
#define BERTH_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "berth/err.h"

#define HTTP_RESP_MAX_HEADERS 8

struct http_resp {
	int status; /* 0: not set yet */
	char *body; /* owned; NULL for no body */
	size_t body_len;
	const char *code; /* error code of an error response (static or in body), for logs */
	size_t n_headers;
	char *header_name[HTTP_RESP_MAX_HEADERS];  /* owned */
	char *header_value[HTTP_RESP_MAX_HEADERS]; /* owned */
	bool close_connection; /* the request body was not fully read: do not reuse the connection */
	const char *
		content_type; /* static; NULL: application/json (every body but http_resp_bytes') */
};

void http_resp_init(struct http_resp *resp);
void http_resp_free(struct http_resp *resp); /* frees the body and headers; resp can be reused */

/* Each of these replaces any response set before and returns 0 when the response handed in
 * is a success (status < 400), -1 when it is an error; so a handler can end with
 * `return http_resp_err(resp, &err);`. Out of memory degrades to a fixed 500. */

/* body is STOLEN. NULL means building it failed (json_pack returns NULL when out of memory or
 * given text that is not UTF-8): 500 "internal" is sent instead. Content-Type: application/json. */
int http_resp_json(struct http_resp *resp, int status, json_t *body);
/* {"message": <printf>, "code": code}. code must be a static string. Bytes of the message that are
 * not well-formed UTF-8 (echoed input, a character cut by truncation) are sent as '?'. */
int http_resp_error(struct http_resp *resp, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* status from err->kind (http_status_for_kind), code berth_err_code_str(err), message
 * berth_err_public_msg(err): driver and host text (detail_only) never reaches the client; the full
 * message is logged once (with the request id of the log context) for detail and 5xx errors. */
int http_resp_err(struct http_resp *resp, const berth_err *err);
/* A body of raw bytes (NEW malloc'd data, STOLEN; len may be 0) with a static content type. */
int http_resp_bytes(struct http_resp *resp, int status, const char *content_type, char *data,
		    size_t len);
/* No body (e.g. 204). */
int http_resp_empty(struct http_resp *resp, int status);
/* Adds a header (copied). Names/values with CR, LF or NUL, or too many headers: -1, not added. */
int http_resp_header(struct http_resp *resp, const char *name, const char *value);

/* INVALID 400, NOT_FOUND 404, ALREADY_EXISTS 409, PRECONDITION 409, UNAVAILABLE 503,
 * TIMEOUT 504, UNAUTHENTICATED 401, PERMISSION 403, TOO_LARGE 413, UNSUPPORTED 415, else 500. */
int http_status_for_kind(berth_errkind kind);
const char *http_status_text(int status);

/* The CGI response head ("Status: 200 OK\r\nContent-Type: ...\r\n...\r\n") into a new string
 * (caller frees), or NULL when out of memory. request_id (may be NULL) is sent as X-Request-Id. */
char *http_resp_head(const struct http_resp *resp, const char *request_id);

#endif
