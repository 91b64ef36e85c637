/* http_request.h: a request as handlers see it, and its body rules (app/http/request.c).
 * Ownership: everything reachable from a struct http_req is BORROWED by the handler and lives
 * until the response is written.
 */
#ifndef BERTH_HTTP_REQUEST_H
#define BERTH_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "berth/http_auth.h"
#include "berth/http_params.h"
#include "berth/http_router.h"

struct worker_ctx; /* http_context.h: lazy store/containerd connections + config of this worker */
struct store_bot;  /* store_bots.h */
struct http_resp;  /* http_response.h */

struct http_req {
	const char *method;	  /* "GET", ... (borrowed from the params) */
	const char *raw_path;	  /* path part of the request URI, undecoded */
	const char *route;	  /* pattern of the matched route, NULL if none */
	const char *request_id;	  /* nginx's $request_id, else generated */
	char *const *params;	  /* all FastCGI params, envp-style (http_params.h) */
	const char *content_type; /* CONTENT_TYPE or NULL */
	const char *body;	  /* request body (NUL-terminated for convenience), never NULL */
	size_t body_len;
	int64_t start_ms;    /* monotonic (berth_now_ms) */
	int64_t deadline_ms; /* monotonic ms by which the response must be written */
	struct http_caller caller;
	struct worker_ctx *ctx;
	/* Set for routes with a bot policy: the authorized bot (BORROWED, freed after the response). */
	const struct store_bot *bot;
	/* private to the dispatcher */
	char request_id_[65];
	char *raw_path_;
	char *body_;
	struct http_path path_;
	struct http_match match_;
	struct http_query query_;
	json_t *json_;
	bool json_parsed_;
	struct store_bot *bot_;
	bool bot_looked_up_; /* bot_ (NULL: no such bot) and bot_member_ came with the identity */
	bool bot_member_;
};

/* Milliseconds left until req's deadline (0 when it passed). Pass this down to clients. */
int http_req_remaining_ms(const struct http_req *req);

const char *http_req_param(const struct http_req *req, const char *name); /* path :param */
const char *http_req_query(const struct http_req *req, const char *name); /* query string */
const char *http_req_fcgi(const struct http_req *req, const char *name);  /* raw FastCGI param */

/* Reads up to n bytes into buf; returns bytes read (0 at end of body) or -1 on error. */
typedef long (*http_body_reader)(void *arg, char *buf, size_t n);

/* Reads the body announced by content_length (CONTENT_LENGTH param, may be NULL) with reader,
 * never more than max_bytes: a declared length over max_bytes is 413 without reading anything;
 * an undeclared length is read up to max_bytes + 1 (one byte more is 413); a body shorter than
 * declared is 400. On success *out is a NEW NUL-terminated buffer (free()), *len its length.
 * On failure resp holds the error response and -1 is returned. */
int http_body_read(const char *content_length, long max_bytes, http_body_reader reader, void *arg,
		   char **out, size_t *len, struct http_resp *resp);

/* JSON body rules: an empty body gives *out = NULL (no error); a non-empty body whose media type
 * is not JSON is 415 {"code":"unsupported_media_type"}; malformed JSON is
 * 400 {"code":"invalid_json","message":"invalid JSON body: <text> (line L, column C)"}.
 * On success *out is NEW (or NULL). On failure resp holds the error and -1 is returned. */
int http_json_parse_body(const char *content_type, const char *body, size_t len, json_t **out,
			 struct http_resp *resp);

/* The request's JSON body, parsed once (http_json_parse_body rules); *out BORROWED (may be NULL
 * for an empty body). On failure resp is filled and -1 is returned. */
int http_req_json(struct http_req *req, json_t **out, struct http_resp *resp);

#endif
