/* dispatch.c: one request from params to response (http_handle in include/berth/http_dispatch.h). */
#include "berth/http_auth.h"
#include "berth/http_botscope.h"
#include "berth/http_context.h"
#include "berth/http_dispatch.h"
#include "berth/http_params.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/http_router.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/deadline.h"
#include "berth/log.h"
#include "berth/uuid.h"

_Static_assert(offsetof(struct http_route, method) == offsetof(struct http_route_key, method) &&
		       offsetof(struct http_route, pattern) ==
			       offsetof(struct http_route_key, pattern),
	       "struct http_route must begin with the members of struct http_route_key");

/* nginx's $request_id is 32 hex digits; accept any short token, else make one. */
static void set_request_id(struct http_req *req)
{
	const char *given = http_param(req->params, "REQUEST_ID");
	size_t len = given ? strlen(given) : 0;

	if (len > 0 && len < sizeof req->request_id_ &&
	    strspn(given, "0123456789abcdefABCDEF-_.") == len) {
		memcpy(req->request_id_, given, len + 1);
	} else {
		char uuid[BERTH_UUID_LEN + 1];
		size_t out = 0;

		berth_uuid_generate(uuid);
		for (size_t i = 0; uuid[i]; i++)
			if (uuid[i] != '-')
				req->request_id_[out++] = uuid[i];
		req->request_id_[out] = '\0';
	}
	req->request_id = req->request_id_;
}

/* The undecoded path (REQUEST_URI up to '?', else DOCUMENT_URI) and the query string. */
static int split_uri(struct http_req *req, const char **query)
{
	const char *uri = http_param(req->params, "REQUEST_URI");
	size_t len;

	*query = NULL;
	if (uri && *uri) {
		len = strcspn(uri, "?");
		if (uri[len] == '?')
			*query = uri + len + 1;
	} else {
		uri = http_param(req->params, "DOCUMENT_URI");
		if (!uri || !*uri)
			uri = "/";
		len = strlen(uri);
		*query = http_param(req->params, "QUERY_STRING");
	}
	req->raw_path_ = strndup(uri, len);
	if (!req->raw_path_)
		return -1;
	req->raw_path = req->raw_path_;
	return 0;
}

/* On a bot route whose :bot_id is canonical, the bot comes with the identity (one store round
 * trip; http_bot_access decides on it later, in its place in the order of checks). */
static int authenticate(const struct http_server *srv, const struct http_route *route,
			struct http_req *req, struct http_resp *resp)
{
	const char *subject, *bot_id = http_req_param(req, "bot_id");
	berth_err err;
	int rc;

	if (http_auth_subject(req->params, &subject, &err) < 0)
		return http_resp_error(resp, 401, "client_certificate_required", "%s", err.msg);
	if (route->bot_policy && srv->identify_bot && bot_id && berth_uuid_is_canonical(bot_id)) {
		rc = srv->identify_bot(srv->identify_arg, subject, bot_id, &req->caller, &req->bot_,
				       &req->bot_member_, &err);
		req->bot_looked_up_ = rc == 0;
	} else {
		rc = srv->identify(srv->identify_arg, subject, &req->caller, &err);
	}
	if (rc < 0) {
		const char *code = http_auth_failure_code(&err);
		int status = http_status_for_kind(err.kind);

		/* libpq's text names hosts and users: it goes to the log, not to the client. */
		if (status >= 500 || err.detail_only)
			blog(BLOG_WARN, "authentication failed: %s", err.msg);
		return http_resp_error(resp, status, code, "%s", berth_err_public_msg(&err));
	}
	return 0;
}

static int dispatch(const struct http_server *srv, char *const *params, http_body_reader reader,
		    void *reader_arg, struct http_req *req, struct http_resp *resp)
{
	const struct http_route *route;
	const char *query;
	bool declared;
	long length;
	berth_err err;

	set_request_id(req);
	req->method = http_param(params, "REQUEST_METHOD");
	if (!req->method)
		req->method = "";
	req->content_type = http_param(params, "CONTENT_TYPE");
	blog_ctx_set(req->request_id, req->method, NULL);
	/* The body bound holds for every path, before routing: a declared oversized body is
	 * refused without reading any of it. */
	if (http_content_length(http_param(params, "CONTENT_LENGTH"), &declared, &length, &err) <
	    0) {
		resp->close_connection = true;
		return http_resp_error(resp, 400, "invalid_content_length", "%s", err.msg);
	}
	if (declared && length > srv->max_body_bytes) {
		resp->close_connection = true;
		return http_resp_error(resp, 413, "body_too_large",
				       "request body of %ld bytes exceeds the limit of %ld bytes",
				       length, srv->max_body_bytes);
	}
	if (split_uri(req, &query) < 0)
		return http_resp_error(resp, 500, "internal", "out of memory");
	if (http_path_parse(req->raw_path, &req->path_, &err) < 0)
		return http_resp_error(resp, 400, "invalid_path", "%s", err.msg);

	http_route_match(srv->routes, srv->n_routes, sizeof *srv->routes, req->method, &req->path_,
			 &req->match_);
	if (req->match_.kind == HTTP_MATCH_NOT_FOUND)
		return http_resp_error(resp, 404, "not_found", "no such route");
	if (req->match_.kind == HTTP_MATCH_METHOD_NOT_ALLOWED) {
		http_resp_error(resp, 405, "method_not_allowed",
				"method %s is not allowed here; allowed: %s", req->method,
				req->match_.allow);
		if (http_resp_header(resp, "Allow", req->match_.allow) < 0)
			return http_resp_error(resp, 500, "internal", "out of memory");
		return -1;
	}
	route = &srv->routes[req->match_.route_index];
	req->route = route->pattern;
	blog_ctx_set(req->request_id, req->method, req->route);

	if (http_query_parse(query, &req->query_, &err) < 0)
		return http_resp_error(resp, 400, "invalid_query", "%s", err.msg);
	if (route->auth == HTTP_AUTH_USER && authenticate(srv, route, req, resp) < 0)
		return -1;
	if (http_body_read(http_param(params, "CONTENT_LENGTH"), srv->max_body_bytes, reader,
			   reader_arg, &req->body_, &req->body_len, resp) < 0)
		return -1;
	req->body = req->body_;
	if (route->bot_policy) {
		if (http_bot_access(req, http_req_param(req, "bot_id"), route->bot_policy,
				    &req->bot_, resp) < 0)
			return -1;
		req->bot = req->bot_;
	}
	route->handler(req, resp);
	if (resp->status == 0) {
		blog(BLOG_ERROR, "handler for %s %s set no response", req->method, req->route);
		return http_resp_error(resp, 500, "internal", "internal error");
	}
	return 0;
}

void http_handle(const struct http_server *srv, char *const *params, http_body_reader reader,
		 void *reader_arg, struct http_req *req, struct http_resp *resp)
{
	memset(req, 0, sizeof *req);
	http_resp_init(resp);
	req->params = params;
	req->ctx = srv->ctx;
	req->body = "";
	req->start_ms = berth_now_ms();
	req->deadline_ms = req->start_ms + srv->request_timeout_ms;
	if (srv->ctx)
		worker_begin_request(srv->ctx, req->deadline_ms);
	dispatch(srv, params, reader, reader_arg, req, resp);
}

void http_req_release(struct http_req *req)
{
	free(req->body_);
	free(req->raw_path_);
	http_path_free(&req->path_);
	http_query_free(&req->query_);
	json_decref(req->json_);
	free(req->bot_);
	memset(req, 0, sizeof *req);
}

void http_log_access(const struct http_req *req, const struct http_resp *resp)
{
	json_t *fields = json_object();
	int status = resp->status ? resp->status : 500;

	if (fields) {
		json_object_set_new(fields, "status", json_integer(status));
		json_object_set_new(fields, "duration_ms",
				    json_integer((json_int_t)(berth_now_ms() - req->start_ms)));
		if (!req->route && req->raw_path)
			json_object_set_new(fields, "path", json_string(req->raw_path));
		if (req->caller.authenticated)
			json_object_set_new(fields, "user_id", json_string(req->caller.user_id));
		if (resp->code)
			json_object_set_new(fields, "code", json_string(resp->code));
	}
	blog_fields(status >= 500 ? BLOG_WARN : BLOG_INFO, "request", fields);
}
