/* http.h: requests, responses, routes and the handler API of berth-fcgi.
 *
 * A handler gets a request that is already routed, authenticated and (for bot-scoped routes)
 * authorized, and fills the response:
 *
 *     static int get_thing(struct http_req *req, struct http_resp *resp)
 *     {
 *         berth_err err;
 *         berth_store *st = worker_store(req->ctx, &err);
 *         if (!st)
 *             return http_resp_err(resp, &err);
 *         ...
 *         return http_resp_json(resp, 200, json_pack("{s:s}", "bot_id", req->bot->id));
 *     }
 *
 * Routes live in one table (app/http/routes.c, http_routes[]). Ownership: everything reachable
 * from a struct http_req is BORROWED by the handler and lives until the response is written.
 * Response bodies are owned by the struct http_resp (http_resp_json STEALS its json_t).
 */
#ifndef BERTH_HTTP_H
#define BERTH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "berth/err.h"
#include "berth/http_params.h"
#include "berth/http_router.h"
#include "berth/uuid.h"

struct worker_ctx;  /* worker.h: lazy store/containerd connections + config of this worker */
struct store_bot;   /* store.h */
struct authz_policy; /* authz.h: who may act on a bot */

/* ---- the caller ---- */

struct http_caller {
	bool authenticated;
	char user_id[BERTH_UUID_LEN + 1];
	char username[256];
	bool is_admin;
};

/* ---- request ---- */

struct http_req {
	const char *method;       /* "GET", ... (borrowed from the params) */
	const char *raw_path;     /* path part of the request URI, undecoded */
	const char *route;        /* pattern of the matched route, NULL if none */
	const char *request_id;   /* nginx's $request_id, else generated */
	char *const *params;      /* all FastCGI params, envp-style (http_params.h) */
	const char *content_type; /* CONTENT_TYPE or NULL */
	const char *body;         /* request body (NUL-terminated for convenience), never NULL */
	size_t body_len;
	int64_t start_ms;         /* monotonic (berth_now_ms) */
	int64_t deadline_ms;      /* monotonic ms by which the response must be written */
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
	bool bot_looked_up_;  /* bot_ (NULL: no such bot) and bot_member_ came with the identity */
	bool bot_member_;
};

/* Milliseconds left until req's deadline (0 when it passed). Pass this down to clients. */
int http_req_remaining_ms(const struct http_req *req);

const char *http_req_param(const struct http_req *req, const char *name);  /* path :param */
const char *http_req_query(const struct http_req *req, const char *name);  /* query string */
const char *http_req_fcgi(const struct http_req *req, const char *name);   /* raw FastCGI param */

/* ---- response ---- */

#define HTTP_RESP_MAX_HEADERS 8

struct http_resp {
	int status;              /* 0: not set yet */
	char *body;              /* owned; NULL for no body */
	size_t body_len;
	const char *code;        /* error code of an error response (static or in body), for logs */
	size_t n_headers;
	char *header_name[HTTP_RESP_MAX_HEADERS];  /* owned */
	char *header_value[HTTP_RESP_MAX_HEADERS]; /* owned */
	bool close_connection;   /* the request body was not fully read: do not reuse the connection */
	const char *content_type;/* static; NULL: application/json (every body but http_resp_bytes') */
};

void http_resp_init(struct http_resp *resp);
void http_resp_free(struct http_resp *resp);  /* frees the body and headers; resp can be reused */

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
int http_resp_bytes(struct http_resp *resp, int status, const char *content_type, char *data, size_t len);
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

/* ---- body rules ---- */

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

/* ---- authentication ---- */

/* The verified client-certificate subject from the params nginx sets: SSL_CLIENT_VERIFY must
 * appear exactly once and equal "SUCCESS", SSL_CLIENT_S_DN exactly once and be non-empty.
 * HTTP_* params (client headers) are never consulted. *subject is BORROWED from params.
 * Failure: BERTH_E_UNAUTHENTICATED. */
int http_auth_subject(char *const *params, const char **subject, berth_err *err);

/* Looks up a verified subject (channel_type "x509") and fills *caller. Failure kinds:
 * UNAUTHENTICATED (unknown identity or inactive user), UNAVAILABLE (store unreachable). */
typedef int (*http_identity_lookup)(void *arg, const char *subject, struct http_caller *caller,
				    berth_err *err);

/* The lookup berth-fcgi uses: arg is a struct worker_ctx *, store_user_by_identity. */
int http_identity_from_store(void *arg, const char *subject, struct http_caller *caller,
			     berth_err *err);

/* http_identity_lookup and the bot of a bot route (bot_id canonical) in one lookup: *bot NEW (free();
 * NULL when there is no such bot), *is_member whether the caller is its member. Fails as
 * http_identity_lookup. http_identity_bot_from_store is berth-fcgi's (store_access_get). */
typedef int (*http_identity_bot_lookup)(void *arg, const char *subject, const char *bot_id,
					struct http_caller *caller, struct store_bot **bot, bool *is_member,
					berth_err *err);
int http_identity_bot_from_store(void *arg, const char *subject, const char *bot_id, struct http_caller *caller,
				 struct store_bot **bot, bool *is_member, berth_err *err);

/* The error code of a failed identity lookup: database_unavailable (UNAVAILABLE),
 * user_inactive (BERTH_EC_USER_INACTIVE), unknown_identity (other UNAUTHENTICATED), else
 * berth_err_code_str (e.g. deadline_exceeded). Decided by kind and sub-code, never by text. */
const char *http_auth_failure_code(const berth_err *err);

/* ---- routes and dispatch ---- */

typedef int (*http_handler)(struct http_req *req, struct http_resp *resp);

enum http_auth { HTTP_AUTH_NONE = 0, HTTP_AUTH_USER };

struct http_route {
	const char *method;   /* first two members: see http_router.h */
	const char *pattern;
	http_handler handler;
	enum http_auth auth;
	/* Non-NULL for bot-scoped routes (pattern has :bot_id): the dispatcher checks the id
	 * (400 invalid_bot_id), loads the bot (404 "bot not found"), decides with authz_decide
	 * (403 "bot access denied") and sets req->bot before calling the handler. */
	const struct authz_policy *bot_policy;
};

/* The table berth-fcgi serves (app/http/routes.c). */
extern const struct http_route http_routes[];
extern const size_t http_routes_count;

/* What one worker serves requests with. */
struct http_server {
	const struct http_route *routes;
	size_t n_routes;
	struct worker_ctx *ctx;          /* handed to handlers as req->ctx */
	long max_body_bytes;
	int request_timeout_ms;
	http_identity_lookup identify;   /* normally http_identity_from_store */
	/* NULL, or used instead of identify on bot routes with a canonical :bot_id (arg identify_arg) */
	http_identity_bot_lookup identify_bot;
	void *identify_arg;
};

/* One request, from params and a body reader to a response, in this order: request id;
 * declared Content-Length over max_body_bytes (413, on any path, nothing read); path (400
 * invalid_path); routing (404 not_found, 405 method_not_allowed + Allow); query (400
 * invalid_query); authentication for HTTP_AUTH_USER routes (401 client_certificate_required,
 * unknown_identity, user_inactive; 503 database_unavailable); body read (413/400); bot access for
 * routes with a bot_policy (400/404/403/503); the handler (a handler that sets no response gives
 * 500). Never fails: resp always ends up holding a response. req is filled for the caller's access log and must be released with
 * http_req_release after the response is written. */
void http_handle(const struct http_server *srv, char *const *params, http_body_reader reader,
		 void *reader_arg, struct http_req *req, struct http_resp *resp);
void http_req_release(struct http_req *req);

/* The access log line of a handled request (status, duration_ms, route, request id, bot id). */
void http_log_access(const struct http_req *req, const struct http_resp *resp);

/* Bot-scoped access by hand (what the dispatcher does for routes with a bot_policy): bot_id must
 * be a canonical UUID (else 400 invalid_bot_id), the bot must exist (404 bot_not_found "bot not
 * found"), membership is loaded when the policy could use it, and authz_decide must allow
 * (403 bot_access_denied "bot access denied"); store failures map by kind (503 ...). Also sets
 * the log context's bot_id. On success *bot is NEW (free()). On failure resp is filled, -1. */
int http_bot_access(struct http_req *req, const char *bot_id, const struct authz_policy *policy,
		    struct store_bot **bot, struct http_resp *resp);

#endif
