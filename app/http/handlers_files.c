/* handlers_files.c: a bot's tools over plain HTTP, for scripts: exec, and files as raw bytes.
 *   POST   /bots/:bot_id/container/exec            JSON body = the exec tool's arguments
 *   GET    /bots/:bot_id/container/files?path=     the file's bytes (application/octet-stream)
 *   PUT    /bots/:bot_id/container/files?path=     the body becomes the file (within max_body_bytes)
 *   DELETE /bots/:bot_id/container/files?path=[&recursive=true]
 *   GET    /bots/:bot_id/container/files/list?path=[&recursive=true]
 * Each is one or two tool calls through the domain (bottools.h); a tool's isError result is the
 * client's problem (400, or 404 when the path does not exist), with the tool's message.
 */
#include "handlers_bot_common.h"

#include <stdlib.h>
#include <string.h>

#include "berth/base64.h"
#include "berth/botctr_op.h"
#include "berth/bottools.h"
#include "berth/http_handlers_files.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/store_bots.h"

/* The agent's bound on one read (agent_wire.h AGENT_READ_MAX). */
#define FILE_READ_MAX (16u << 20)

/* The text of a tool's error result. BORROWED. */
static const char *tool_error_text(const json_t *result)
{
	const char *text = json_string_value(
		json_object_get(json_object_get(result, "structuredContent"), "error"));

	if (!text)
		text = json_string_value(json_object_get(
			json_array_get(json_object_get(result, "content"), 0), "text"));
	return text ? text : "the tool failed";
}

static bool is_error(const json_t *result)
{
	return json_is_true(json_object_get(result, "isError"));
}

static int domain_failure(struct http_resp *resp, const berth_err *err)
{
	if (err->kind == BERTH_E_PRECONDITION)
		return http_resp_error(resp, 409, "container_not_running", "%s", err->msg);
	if (err->kind == BERTH_E_NOT_FOUND)
		return http_resp_error(resp, 404, "not_found", "%s", err->msg);
	if (err->detail_only)
		return http_resp_error(resp, http_status_for_kind(err->kind),
				       berth_err_code_str(err), "%s", berth_err_public_msg(err));
	return http_resp_err(resp, err);
}

/* One tool call; *result NEW. On failure resp is filled, -1. */
static int call(struct http_req *req, const char *tool, json_t *args_stolen, json_t **result,
		struct http_resp *resp)
{
	struct botctr_env env;
	berth_err err;
	int rc;

	*result = NULL;
	if (!args_stolen)
		return http_resp_error(resp, 500, "internal", "out of memory");
	if (bot_env_for(req, &env, resp) < 0) {
		json_decref(args_stolen);
		return -1;
	}
	rc = bottools_call_tool(&env, req->bot->id, tool, args_stolen, result, &err);
	json_decref(args_stolen);
	if (rc < 0)
		return domain_failure(resp, &err);
	return 0;
}

/* call, where a tool's error result is the client's: 400 tool_error with the tool's text. */
static int call_ok(struct http_req *req, const char *tool, json_t *args_stolen, json_t **result,
		   struct http_resp *resp)
{
	if (call(req, tool, args_stolen, result, resp) < 0)
		return -1;
	if (is_error(*result)) {
		http_resp_error(resp, 400, "tool_error", "%s", tool_error_text(*result));
		json_decref(*result);
		*result = NULL;
		return -1;
	}
	return 0;
}

/* 200 with the result's structuredContent; releases result. */
static int answer_structured(struct http_resp *resp, json_t *result)
{
	http_resp_json(resp, 200, json_incref(json_object_get(result, "structuredContent")));
	json_decref(result);
	return resp->status < 400 ? 0 : -1;
}

static int path_arg(struct http_req *req, const char **path, struct http_resp *resp)
{
	*path = http_req_query(req, "path");
	if (!*path || !**path)
		return http_resp_error(resp, 400, "invalid_argument",
				       "the query parameter path is required");
	return 0;
}

static bool flag_arg(struct http_req *req, const char *name)
{
	const char *v = http_req_query(req, name);

	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* stat of path: 404 with the tool's message when it fails; *type (BORROWED from *st) on success. */
static int stat_path(struct http_req *req, const char *path, json_t **st, const char **type,
		     struct http_resp *resp)
{
	if (call(req, "stat", json_pack("{s:s}", "path", path), st, resp) < 0)
		return -1;
	if (is_error(*st)) {
		http_resp_error(resp, 404, "not_found", "%s", tool_error_text(*st));
		json_decref(*st);
		*st = NULL;
		return -1;
	}
	*type = json_string_value(
		json_object_get(json_object_get(*st, "structuredContent"), "type"));
	if (!*type)
		*type = "";
	return 0;
}

int http_container_exec(struct http_req *req, struct http_resp *resp)
{
	json_t *body = NULL, *result = NULL;

	if (http_req_json(req, &body, resp) < 0)
		return -1;
	if (!json_is_object(body))
		return http_resp_error(resp, 400, "invalid_body",
				       "the body must be a JSON object with a command");
	if (call_ok(req, "exec", json_incref(body), &result, resp) < 0)
		return -1;
	return answer_structured(resp, result);
}

int http_container_file_get(struct http_req *req, struct http_resp *resp)
{
	json_t *st = NULL, *result = NULL;
	const char *path, *type, *data;
	char *bytes;
	size_t len;

	if (path_arg(req, &path, resp) < 0 || stat_path(req, path, &st, &type, resp) < 0)
		return -1;
	if (strcmp(type, "file") != 0) {
		/* type is borrowed from st: answer before releasing it. */
		http_resp_error(resp, 400, "not_a_file", "%s is not a regular file (%s)", path,
				type);
		json_decref(st);
		return -1;
	}
	json_decref(st);
	if (call_ok(req, "read_base64",
		    json_pack("{s:s,s:i}", "path", path, "limit", (json_int_t)FILE_READ_MAX),
		    &result, resp) < 0)
		return -1;
	if (json_is_true(
		    json_object_get(json_object_get(result, "structuredContent"), "truncated"))) {
		json_decref(result);
		return http_resp_error(
			resp, 413, "file_too_large",
			"the file is larger than %u bytes: read it in parts with the read_base64 tool "
			"(offset, limit)",
			FILE_READ_MAX);
	}
	data = json_string_value(
		json_object_get(json_object_get(result, "structuredContent"), "data"));
	bytes = data ? base64_decode(data, strlen(data), &len) : NULL;
	json_decref(result);
	if (!bytes)
		return http_resp_error(resp, 502, "agent_error",
				       "the bot's agent sent malformed file data");
	return http_resp_bytes(resp, 200, "application/octet-stream", bytes, len);
}

int http_container_file_put(struct http_req *req, struct http_resp *resp)
{
	json_t *result = NULL;
	const char *path;
	char *encoded;
	size_t len;

	if (path_arg(req, &path, resp) < 0)
		return -1;
	encoded = base64_encode(req->body, req->body_len, &len);
	if (!encoded)
		return http_resp_error(resp, 500, "internal", "out of memory");
	if (call_ok(req, "write",
		    json_pack("{s:s,s:s%,s:s}", "path", path, "content", encoded, len, "encoding",
			      "base64"),
		    &result, resp) < 0) {
		free(encoded);
		return -1;
	}
	free(encoded);
	return answer_structured(resp, result);
}

int http_container_file_delete(struct http_req *req, struct http_resp *resp)
{
	json_t *st = NULL, *result = NULL;
	const char *path, *type;

	if (path_arg(req, &path, resp) < 0 || stat_path(req, path, &st, &type, resp) < 0)
		return -1;
	json_decref(st);
	if (call_ok(req, "delete",
		    json_pack("{s:s,s:b}", "path", path, "recursive", flag_arg(req, "recursive")),
		    &result, resp) < 0)
		return -1;
	json_decref(result);
	return http_resp_empty(resp, 204);
}

int http_container_file_list(struct http_req *req, struct http_resp *resp)
{
	json_t *st = NULL, *result = NULL;
	const char *path, *type;

	path = http_req_query(req, "path");
	if (!path || !*path)
		path = ".";
	if (stat_path(req, path, &st, &type, resp) < 0)
		return -1;
	json_decref(st);
	if (call_ok(req, "list",
		    json_pack("{s:s,s:b}", "path", path, "recursive", flag_arg(req, "recursive")),
		    &result, resp) < 0)
		return -1;
	return answer_structured(resp, result);
}
