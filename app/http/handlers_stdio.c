/* handlers_stdio.c: the stdio MCP session routes (see include/berth/http_handlers_stdio.h). */
#include "handlers_bot_common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "berth/botstdio.h"
#include "berth/http_handlers_stdio.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/store_bots.h"

#define RPC_INVALID_REQUEST (-32600)
#define RPC_METHOD_NOT_FOUND (-32601)

static int stdio_failure(struct http_resp *resp, const berth_err *err)
{
	if (berth_err_is(err, BERTH_EC_MCP_LIMIT))
		return http_resp_error(resp, 429, berth_err_code_str(err), "%s", err->msg);
	return http_resp_err(resp, err);
}

/* An optional member of the body that must have the given JSON type (NULL when absent or null). */
static int body_typed(const json_t *body, const char *field, json_type type, const char *what,
		      const json_t **out, struct http_resp *resp)
{
	const json_t *v = json_object_get(body, field);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_typeof(v) != type)
		return http_resp_error(resp, 400, "invalid_body", "%s must be %s", field, what);
	*out = v;
	return 0;
}

int http_stdio_create(struct http_req *req, struct http_resp *resp)
{
	struct botstdio_spec spec = { 0 };
	struct botctr_env env;
	json_t *body = NULL, *out = NULL;
	berth_err err;

	if (http_req_json(req, &body, resp) < 0)
		return -1;
	if (!json_is_object(body))
		return http_resp_error(resp, 400, "invalid_body",
				       "request body must be a JSON object");
	if (body_string(body, "name", &spec.name, resp) < 0 ||
	    body_string(body, "command", &spec.command, resp) < 0 ||
	    body_string(body, "cwd", &spec.cwd, resp) < 0 ||
	    body_typed(body, "args", JSON_ARRAY, "an array of strings", &spec.args, resp) < 0 ||
	    body_typed(body, "env", JSON_OBJECT, "an object of strings", &spec.env, resp) < 0)
		return -1;
	if (bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botstdio_create(&env, req->bot->id, &spec, &out, &err) < 0)
		return stdio_failure(resp, &err);
	return http_resp_json(resp, 200, out);
}

/* A JSON-RPC error answered with 200 (the original's relay rules). */
static int rpc_error_200(struct http_resp *resp, const json_t *id, int code, const char *message)
{
	return http_resp_json(resp, 200,
			      json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
					id ? (json_t *)id : json_null(), "error", "code", code,
					"message", message));
}

static bool blank(const char *s)
{
	while (s && isspace((unsigned char)*s))
		s++;
	return !s || !*s;
}

int http_stdio_relay(struct http_req *req, struct http_resp *resp)
{
	const char *connection_id = http_req_param(req, "connection_id");
	const json_t *jsonrpc, *method, *id;
	json_t *body = NULL, *response = NULL;
	struct botctr_env env;
	long queued = 0;
	berth_err err;

	if (blank(connection_id))
		return http_resp_error(resp, 400, "invalid_request", "connection_id is required");
	if (http_req_json(req, &body, resp) < 0)
		return -1;
	if (!json_is_object(body))
		return http_resp_error(resp, 400, "invalid_body",
				       "request body must be a JSON-RPC object");
	jsonrpc = json_object_get(body, "jsonrpc");
	method = json_object_get(body, "method");
	id = json_object_get(body, "id");
	if ((jsonrpc && !json_is_string(jsonrpc)) || (method && !json_is_string(method)))
		return http_resp_error(resp, 400, "invalid_body",
				       "jsonrpc and method must be strings");
	if (bot_env_for(req, &env, resp) < 0)
		return -1;
	if (jsonrpc && strcmp(json_string_value(jsonrpc), "2.0") != 0)
		return rpc_error_200(resp, id, RPC_INVALID_REQUEST, "invalid jsonrpc version");
	/* A blank method is "method not found", unless the message answers a request of the server. */
	if (blank(json_string_value(method)) &&
	    (method || !id ||
	     (!json_object_get(body, "result") && !json_object_get(body, "error"))))
		return rpc_error_200(resp, id, RPC_METHOD_NOT_FOUND, "method not found");
	if (botstdio_relay(&env, req->bot->id, connection_id, body, &response, &queued, &err) < 0)
		return stdio_failure(resp, &err);
	if (queued > 0) {
		char n[32];

		snprintf(n, sizeof n, "%ld", queued);
		if (http_resp_header(resp, "Berth-MCP-Queued", n) < 0) {
			json_decref(response);
			return http_resp_error(resp, 500, "internal", "out of memory");
		}
	}
	if (!response)
		return http_resp_empty(resp, 202);
	return http_resp_json(resp, 200, response);
}

int http_stdio_messages(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	json_t *out = NULL;
	berth_err err;

	if (bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botstdio_messages(&env, req->bot->id, http_req_param(req, "connection_id"), &out,
			      &err) < 0)
		return stdio_failure(resp, &err);
	return http_resp_json(resp, 200, out);
}

int http_stdio_list(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	json_t *sessions = NULL;
	berth_err err;

	if (bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botstdio_list(&env, req->bot->id, &sessions, &err) < 0)
		return stdio_failure(resp, &err);
	return http_resp_json(resp, 200, json_pack("{s:o}", "sessions", sessions));
}

int http_stdio_delete(struct http_req *req, struct http_resp *resp)
{
	struct botctr_env env;
	berth_err err;

	if (bot_env_for(req, &env, resp) < 0)
		return -1;
	if (botstdio_delete(&env, req->bot->id, http_req_param(req, "connection_id"), &err) < 0)
		return stdio_failure(resp, &err);
	return http_resp_empty(resp, 204);
}
