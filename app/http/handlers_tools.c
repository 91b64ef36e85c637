/* handlers_tools.c: POST /bots/:bot_id/tools, the bot's tools as an MCP Streamable HTTP endpoint
 * (MCP 2025-11-25 transport) in stateless JSON-response mode: one JSON-RPC message per POST, the
 * reply as application/json, no session id, notifications and responses 202 without a body.
 * initialize and ping are answered here; tools/list and tools/call are the agent's (bottools.h).
 *
 * Transport rules, checked in this order after authentication and bot access: an Origin that is
 * not in [agent] allowed_origins 403; an MCP-Protocol-Version that is not supported 400; an Accept
 * that takes neither both application/json and text/event-stream nor * / * 406; a Content-Type
 * other than application/json 415; each with a JSON-RPC error body. The HTTP_* params these come
 * from are client headers: they decide transport rules, never identity.
 */
#define _GNU_SOURCE /* strcasecmp, strncasecmp */
#include "handlers_bot_common.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "berth/botctr_op.h"
#include "berth/botstdio_fed.h"
#include "berth/bottools.h"
#include "berth/http_context.h"
#include "berth/http_handlers_tools.h"
#include "berth/http_request.h"
#include "berth/http_response.h"
#include "berth/jsonscan.h"
#include "berth/log.h"
#include "berth/store_bots.h"

#define MCP_SERVER_NAME "berth-tools-gateway"
#define MCP_SERVER_VERSION "1.0.0"
/* An agent's reply has jsonrpc, id and result or error: more members are rewritten the slow way. */
#define REPLY_MEMBERS_MAX 8

/* Supported protocol versions, newest first (the first is the answer to an unknown request). */
static const char *const mcp_versions[] = { "2025-11-25", "2025-06-18", "2025-03-26" };

#define RPC_PARSE_ERROR (-32700)
#define RPC_INVALID_REQUEST (-32600)
#define RPC_METHOD_NOT_FOUND (-32601)
#define RPC_INVALID_PARAMS (-32602)
#define RPC_INTERNAL_ERROR (-32603)
#define RPC_SERVER_ERROR (-32000)

static bool version_supported(const char *v)
{
	for (size_t i = 0; i < sizeof mcp_versions / sizeof mcp_versions[0]; i++)
		if (strcmp(v, mcp_versions[i]) == 0)
			return true;
	return false;
}

/* A JSON-RPC error reply with the given HTTP status; id BORROWED (NULL: null). */
static int rpc_error(struct http_resp *resp, int status, const json_t *id, int code,
		     const char *message)
{
	json_t *body = json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
				 id ? (json_t *)id : json_null(), "error", "code", code, "message",
				 message);
	http_resp_json(resp, status, body);
	return status < 400 ? 0 : -1;
}

/* The trimmed token [s, s+n) equals word, case-insensitively. */
static bool token_is(const char *s, size_t n, const char *word)
{
	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

/* Whether a media range's parameters say q=0 (not acceptable). */
static bool q_zero(const char *params, size_t n)
{
	const char *end = params + n;

	while (params < end) {
		const char *semi = memchr(params, ';', (size_t)(end - params));
		const char *item_end = semi ? semi : end;
		while (params < item_end && isspace((unsigned char)*params))
			params++;
		if (item_end - params >= 2 && (params[0] == 'q' || params[0] == 'Q') &&
		    params[1] == '=') {
			const char *v = params + 2;
			if (v < item_end && *v == '0') {
				v++;
				if (v < item_end && *v == '.')
					v++;
				while (v < item_end && *v == '0')
					v++;
				while (v < item_end && isspace((unsigned char)*v))
					v++;
				if (v == item_end)
					return true;
			}
		}
		params = semi ? semi + 1 : end;
	}
	return false;
}

/* The client must take both JSON and SSE replies (the transport's rule), or anything. An absent
 * Accept means anything (RFC 9110 §12.5.1). */
static bool accept_ok(const char *accept)
{
	bool json = false, sse = false;
	const char *p = accept;

	if (!p || !*p)
		return true;
	while (*p) {
		size_t item = strcspn(p, ","), media = strcspn(p, ";,");
		if (media > item)
			media = item;
		if (!q_zero(p + media, item - media)) {
			if (token_is(p, media, "*/*"))
				json = sse = true;
			else if (token_is(p, media, "application/json") ||
				 token_is(p, media, "application/*"))
				json = true;
			else if (token_is(p, media, "text/event-stream") ||
				 token_is(p, media, "text/*"))
				sse = true;
		}
		p += item;
		if (*p == ',')
			p++;
	}
	return json && sse;
}

static bool content_type_ok(const char *ct)
{
	return ct && token_is(ct, strcspn(ct, ";"), "application/json");
}

/* Origin allowed: absent (not a browser), or listed in the comma-separated allowed list. */
static bool origin_ok(const char *origin, const char *allowed)
{
	const char *p = allowed;

	if (!origin)
		return true;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		if (token_is(p, n, origin))
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

static int initialize_result(const json_t *request, json_t **result)
{
	const char *asked = json_string_value(
		json_object_get(json_object_get(request, "params"), "protocolVersion"));
	const char *version = asked && version_supported(asked) ? asked : mcp_versions[0];

	*result = json_pack("{s:s,s:{s:{s:b}},s:{s:s,s:s}}", "protocolVersion", version,
			    "capabilities", "tools", "listChanged", 0, "serverInfo", "name",
			    MCP_SERVER_NAME, "version", MCP_SERVER_VERSION);
	return *result ? 0 : -1;
}

/* A domain failure as the JSON-RPC reply to request id. */
static int relay_failure(struct http_resp *resp, const json_t *id, const berth_err *err)
{
	switch (err->kind) {
	case BERTH_E_NOT_FOUND: return rpc_error(resp, 404, id, RPC_SERVER_ERROR, err->msg);
	case BERTH_E_PRECONDITION:
		/* The request was fine; the bot is stopped: an error the client can act on. */
		return rpc_error(resp, 200, id, RPC_SERVER_ERROR, err->msg);
	default:
		if (err->detail_only)
			blog(BLOG_WARN, "tools: %s", err->msg);
		return rpc_error(resp, http_status_for_kind(err->kind), id, RPC_INTERNAL_ERROR,
				 err->detail_only ? berth_err_public_msg(err) : err->msg);
	}
}

/* Whether the agent's reply text (one JSON object, bottools_call_raw, whose n top-level members
 * are m) already is the answer to the request id: "jsonrpc":"2.0" and the id as the request has
 * it, each once at the top, so that it can go out as it came (no decoding and encoding of what
 * may be megabytes). */
static bool reply_is_answer(const struct jsonscan_member *m, size_t n, const json_t *id)
{
	size_t n_version = 0, n_id = 0;
	bool ok = false;
	char *want_id;

	if (n == 0 || n > REPLY_MEMBERS_MAX)
		return false;
	want_id = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!want_id)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (m[i].key_len == 7 && memcmp(m[i].key, "jsonrpc", 7) == 0) {
			if (m[i].value_len != 5 || memcmp(m[i].value, "\"2.0\"", 5) != 0)
				goto done;
			n_version++;
		} else if (m[i].key_len == 2 && memcmp(m[i].key, "id", 2) == 0) {
			if (m[i].value_len != strlen(want_id) ||
			    memcmp(m[i].value, want_id, m[i].value_len) != 0)
				goto done;
			n_id++;
		}
	}
	ok = n_version == 1 && n_id == 1;
done:
	free(want_id);
	return ok;
}

int http_tools_post(struct http_req *req, struct http_resp *resp)
{
	const struct berth_config *cfg = worker_config(req->ctx);
	const char *version = http_req_fcgi(req, "HTTP_MCP_PROTOCOL_VERSION");
	json_t *msg = NULL, *reply = NULL, *result = NULL;
	struct jsonscan_member members[REPLY_MEMBERS_MAX];
	char *line = NULL;
	size_t line_len = 0, n_members = 0;
	const json_t *id, *method_v;
	const char *method;
	struct botctr_env env;
	json_error_t jerr;
	berth_err err;
	int rc = -1;

	if (!origin_ok(http_req_fcgi(req, "HTTP_ORIGIN"), cfg->agent_allowed_origins))
		return rpc_error(resp, 403, NULL, RPC_SERVER_ERROR,
				 "Forbidden: this Origin is not allowed");
	if (version && !version_supported(version))
		return rpc_error(
			resp, 400, NULL, RPC_SERVER_ERROR,
			"Bad Request: unsupported MCP-Protocol-Version (supported: 2025-11-25, 2025-06-18, 2025-03-26)");
	if (!accept_ok(http_req_fcgi(req, "HTTP_ACCEPT")))
		return rpc_error(
			resp, 406, NULL, RPC_SERVER_ERROR,
			"Not Acceptable: the client must accept both application/json and text/event-stream");
	if (!content_type_ok(req->content_type))
		return rpc_error(resp, 415, NULL, RPC_SERVER_ERROR,
				 "Unsupported Media Type: the body must be application/json");

	msg = json_loadb(req->body, req->body_len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	if (!msg)
		return rpc_error(resp, 400, NULL, RPC_PARSE_ERROR, "Parse error");
	if (!json_is_object(msg)) {
		rc = rpc_error(resp, 400, NULL, RPC_INVALID_REQUEST,
			       json_is_array(msg) ? "Invalid Request: batches are not supported"
						  : "Invalid Request");
		goto done;
	}
	id = json_object_get(msg, "id");
	method_v = json_object_get(msg, "method");
	if (!json_is_string(json_object_get(msg, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(msg, "jsonrpc")), "2.0") != 0 ||
	    (method_v && !json_is_string(method_v))) {
		rc = rpc_error(resp, 400, json_is_string(id) || json_is_integer(id) ? id : NULL,
			       RPC_INVALID_REQUEST, "Invalid Request");
		goto done;
	}
	/* A notification, or a response to a request of ours (we send none): accepted, no body. */
	if (!method_v || !id) {
		rc = http_resp_empty(resp, 202);
		goto done;
	}
	if (!json_is_string(id) && !json_is_integer(id)) {
		rc = rpc_error(resp, 400, NULL, RPC_INVALID_REQUEST,
			       "Invalid Request: id must be a string or an integer");
		goto done;
	}
	method = json_string_value(method_v);
	if (strcmp(method, "initialize") == 0 || strcmp(method, "ping") == 0) {
		if (strcmp(method, "ping") == 0)
			result = json_object();
		else if (initialize_result(msg, &result) < 0)
			result = NULL;
		rc = http_resp_json(resp, 200,
				    result ? json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id,
						       "result", result)
					   : NULL);
		goto done;
	}
	if (strcmp(method, "tools/list") != 0 && strcmp(method, "tools/call") != 0) {
		rc = rpc_error(resp, 200, id, RPC_METHOD_NOT_FOUND, "Method not found");
		goto done;
	}
	if (bot_env_for(req, &env, resp) < 0)
		goto done;
	/* A tool of a federated stdio MCP connection (issue #10), else the agent's own. */
	if (botstdio_fed_call(&env, req->bot->id, msg, &reply, &err) < 0) {
		rc = relay_failure(resp, id, &err);
		goto done;
	}
	if (!reply) {
		if (bottools_call_raw(&env, req->bot->id, msg, false, &line, &line_len, members,
				      REPLY_MEMBERS_MAX, &n_members, &err) < 0) {
			rc = relay_failure(resp, id, &err);
			goto done;
		}
		/* A tools/call reply answers this request whatever the agent wrote as its id: as it is
		 * when the agent echoed the id and the version (it does), else rewritten. A tools/list
		 * reply may get the federated tools appended. */
		if (strcmp(method, "tools/call") == 0 && reply_is_answer(members, n_members, id)) {
			rc = http_resp_bytes(resp, 200, "application/json", line, line_len);
			line = NULL;
			goto done;
		}
		reply = json_loadb(line, line_len, JSON_ALLOW_NUL, &jerr);
		if (!json_is_object(reply)) {
			rc = rpc_error(resp, 500, id, RPC_INTERNAL_ERROR,
				       "the bot's agent sent a malformed reply");
			goto done;
		}
	}
	botstdio_fed_extend_list(&env, req->bot->id, msg, reply);
	if (json_object_set(reply, "id", (json_t *)id) < 0 ||
	    json_object_set_new(reply, "jsonrpc", json_string("2.0")) < 0) {
		rc = http_resp_error(resp, 500, "internal", "out of memory");
		goto done;
	}
	rc = http_resp_json(resp, 200, reply);
	reply = NULL;
done:
	free(line);
	json_decref(reply);
	json_decref(msg);
	return rc;
}
