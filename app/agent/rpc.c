/* rpc.c: JSON-RPC 2.0 framing and the MCP methods (initialize, ping, tools/list, tools/call),
 * and the dispatch of the stdio session methods (stdio.c). The MCP server keeps no session
 * state: every request stands alone. */
#include "agent.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dump_line(json_t *msg, size_t *len)
{
	char *text = json_dumps(msg, JSON_COMPACT);

	*len = text ? strlen(text) : 0;
	return text;
}

char *agent_rpc_error_line(json_t *id, int code, const char *message, size_t *len)
{
	json_t *msg = json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
				id ? id : json_null(), "error", "code", code, "message", message);
	char *text = msg ? dump_line(msg, len) : NULL;

	json_decref(msg);
	return text;
}

int agent_rpc_line_reserve(char **buf, size_t *cap, size_t len, size_t chunk)
{
	size_t ncap;
	char *nbuf;

	if (*cap - len >= chunk / 2)
		return 0;
	ncap = *cap ? *cap * 2 : chunk;
	if (ncap > AGENT_MAX_LINE)
		ncap = AGENT_MAX_LINE;
	nbuf = realloc(*buf, ncap + 1);
	if (!nbuf)
		return -1;
	*buf = nbuf;
	*cap = ncap;
	return 0;
}

static json_t *rpc_error(int code, const char *message)
{
	return json_pack("{s:i, s:s}", "code", code, "message", message);
}

/* ---- initialize ---- */
static json_t *method_initialize(json_t *params, json_t **error)
{
	static const char *const versions[] = AGENT_MCP_VERSIONS;
	const char *want = json_string_value(json_object_get(params, "protocolVersion"));
	const char *chosen = AGENT_MCP_VERSION_LATEST;
	size_t i;

	(void)error;
	for (i = 0; want && i < sizeof versions / sizeof versions[0]; i++) {
		if (!strcmp(want, versions[i]))
			chosen = versions[i];
	}
	return json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s}}", "protocolVersion", chosen,
			 "capabilities", "tools", "listChanged", 0, "serverInfo", "name",
			 AGENT_SERVER_NAME, "version", PACKAGE_VERSION);
}

/* ---- tools/list ---- */
static json_t *tool_descriptor(const struct agent_tool *t)
{
	json_t *input = json_loads(t->input_schema, 0, NULL);
	json_t *output = t->output_schema ? json_loads(t->output_schema, 0, NULL) : NULL;
	json_t *d;

	if (!input || (t->output_schema && !output)) {
		agent_log("error", "tool %s: bad schema", t->name);
		json_decref(input);
		json_decref(output);
		return NULL;
	}
	d = json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:b, s:b, s:b, s:b}}", "name", t->name, "title",
		      t->title, "description", t->description, "inputSchema", input, "annotations",
		      "title", t->title, "readOnlyHint", t->read_only, "destructiveHint",
		      t->destructive, "idempotentHint", t->read_only, "openWorldHint", 0);
	if (d && output)
		json_object_set_new(d, "outputSchema", output);
	else
		json_decref(output);
	return d;
}

static json_t *method_tools_list(json_t *params, json_t **error)
{
	json_t *cursor = json_object_get(params, "cursor");
	size_t count, start = 0, i;
	const struct agent_tool *tools = agent_tools(&count);
	json_t *result, *list;

	if (cursor && !json_is_null(cursor)) {
		const char *c = json_string_value(cursor);
		char *end;
		unsigned long v;

		if (!c || c[0] != 't' || c[1] < '0' || c[1] > '9') {
			*error = rpc_error(AGENT_RPC_INVALID_PARAMS, "invalid cursor");
			return NULL;
		}
		v = strtoul(c + 1, &end, 10);
		if (*end || v == 0 || v >= count) {
			*error = rpc_error(AGENT_RPC_INVALID_PARAMS, "invalid cursor");
			return NULL;
		}
		start = v;
	}
	list = json_array();
	for (i = start; list && i < count && i < start + AGENT_TOOLS_PAGE_SIZE; i++) {
		json_t *d = tool_descriptor(&tools[i]);

		if (!d || json_array_append_new(list, d) < 0) {
			json_decref(list);
			list = NULL;
		}
	}
	if (!list) {
		*error = rpc_error(AGENT_RPC_INTERNAL_ERROR, "out of memory");
		return NULL;
	}
	result = json_pack("{s:o}", "tools", list);
	if (result && i < count) {
		char next[32];

		snprintf(next, sizeof next, "t%zu", i);
		json_object_set_new(result, "nextCursor", json_string(next));
	}
	return result;
}

/* ---- tools/call ---- */
static json_t *tool_error_result(const char *message)
{
	return json_pack("{s:[{s:s, s:s}], s:{s:s}, s:b}", "content", "type", "text", "text",
			 message, "structuredContent", "error", message, "isError", 1);
}

/* Runs the tool. A failure is an error result (returned) or *error; a success is its result
 * object, or with out_only its structuredContent alone in *out_only (NULL returned). */
static json_t *tools_call(json_t *params, json_t **error, json_t **out_only)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	json_t *args = json_object_get(params, "arguments");
	const struct agent_tool *tool;
	json_t *out = NULL, *result;
	berth_err err;
	char *text;

	if (!name || !name[0]) {
		*error = rpc_error(AGENT_RPC_INVALID_PARAMS, "tools/call: name is required");
		return NULL;
	}
	tool = agent_tool_find(name);
	if (!tool) {
		char msg[160];

		snprintf(msg, sizeof msg, "unknown tool: %.64s", name);
		*error = rpc_error(AGENT_RPC_INVALID_PARAMS, msg);
		return NULL;
	}
	if (args && json_is_null(args))
		args = NULL;
	if (args && !json_is_object(args)) {
		*error = rpc_error(AGENT_RPC_INVALID_PARAMS,
				   "tools/call: arguments must be an object");
		return NULL;
	}
	berth_err_clear(&err);
	if (!args) {
		json_t *empty = json_object();

		if (tool->run(empty, &out, &err) < 0)
			out = NULL;
		json_decref(empty);
	} else if (tool->run(args, &out, &err) < 0) {
		out = NULL;
	}
	if (!out)
		return tool_error_result(err.msg[0] ? err.msg : "tool execution failed");
	if (out_only) {
		*out_only = out;
		return NULL;
	}
	text = json_dumps(out, JSON_COMPACT);
	if (!text) {
		json_decref(out);
		return tool_error_result("result could not be encoded");
	}
	result = json_pack("{s:[{s:s, s:s}], s:o, s:b}", "content", "type", "text", "text", text,
			   "structuredContent", out, "isError", 0);
	free(text);
	return result;
}

static json_t *method_tools_call(json_t *params, json_t **error)
{
	return tools_call(params, error, NULL);
}

/* A growing buffer for success_line; ok false once an allocation failed. */
struct line_buf {
	char *s;
	size_t len, cap;
	bool ok;
};

static void lb_add(struct line_buf *b, const char *data, size_t n)
{
	if (!b->ok)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		char *ns;

		while (ncap < b->len + n + 1)
			ncap *= 2;
		ns = realloc(b->s, ncap);
		if (!ns) {
			b->ok = false;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

#define LB_LIT(b, lit) lb_add((b), (lit), sizeof(lit) - 1)

/* Room for n more bytes (and the terminator), so that a long line is not grown step by step. */
static void lb_reserve(struct line_buf *b, size_t n)
{
	char *ns;

	if (!b->ok || b->len + n + 1 <= b->cap)
		return;
	ns = realloc(b->s, b->len + n + 1);
	if (!ns) {
		b->ok = false;
		return;
	}
	b->s = ns;
	b->cap = b->len + n + 1;
}

/* s[0, n) (valid UTF-8, as every jansson string) as the content of a JSON string, escaped as
 * jansson escapes it: '"' and '\\' with a backslash, \b \f \n \r \t, other bytes below 0x20 as
 * \u00XX (upper-case hex); everything else as it is. */
static void lb_add_escaped(struct line_buf *b, const char *s, size_t n)
{
	const char *run = s, *p, *end = s + n;

	for (p = s; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		char esc[8];

		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		lb_add(b, run, (size_t)(p - run));
		esc[0] = '\\';
		switch (c) {
		case '"':
		case '\\': esc[1] = (char)c; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default: esc[1] = 0; break;
		}
		if (esc[1])
			lb_add(b, esc, 2);
		else {
			snprintf(esc, sizeof esc, "\\u%04X", c);
			lb_add(b, esc, 6);
		}
		run = p + 1;
	}
	lb_add(b, run, (size_t)(p - run));
}

#define LB_JSON_MAX_DEPTH 64

/* v in jansson's JSON_COMPACT encoding (members in the order jansson writes them), without
 * jansson's character-by-character UTF-8 decoding of every string. false for what it leaves to
 * jansson (a real, whose formatting is jansson's; a deep value): the caller then uses json_dumps. */
static bool lb_add_json(struct line_buf *b, json_t *v, int depth)
{
	char num[32];
	const char *key;
	json_t *item;
	size_t i;

	if (depth > LB_JSON_MAX_DEPTH)
		return false;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		LB_LIT(b, "{");
		i = 0;
		json_object_foreach(v, key, item)
		{
			if (i++ > 0)
				LB_LIT(b, ",");
			LB_LIT(b, "\"");
			lb_add_escaped(b, key, strlen(key));
			LB_LIT(b, "\":");
			if (!lb_add_json(b, item, depth + 1))
				return false;
		}
		LB_LIT(b, "}");
		return true;
	case JSON_ARRAY:
		LB_LIT(b, "[");
		json_array_foreach(v, i, item)
		{
			if (i > 0)
				LB_LIT(b, ",");
			if (!lb_add_json(b, item, depth + 1))
				return false;
		}
		LB_LIT(b, "]");
		return true;
	case JSON_STRING:
		lb_reserve(b, json_string_length(v) + 2);
		LB_LIT(b, "\"");
		lb_add_escaped(b, json_string_value(v), json_string_length(v));
		LB_LIT(b, "\"");
		return true;
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		lb_add(b, num, strlen(num));
		return true;
	case JSON_TRUE: LB_LIT(b, "true"); return true;
	case JSON_FALSE: LB_LIT(b, "false"); return true;
	case JSON_NULL: LB_LIT(b, "null"); return true;
	default: return false;
	}
}

/* The reply line to a successful tools/call, written directly: the same object the generic path
 * builds ({"content":[{"type":"text","text":<structuredContent as JSON>}],"structuredContent":...,
 * "isError":false}) with structuredContent encoded once instead of three times (a read's
 * content is most of the line), by lb_add_json (jansson's json_dumps for what it leaves). out is
 * STOLEN. NULL when out of memory. */
static char *success_line(json_t *id, json_t *out, size_t *len)
{
	struct line_buf b = { NULL, 0, 0, true }, t = { NULL, 0, 0, true };
	char *text = NULL, *id_text = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t text_len = 0;

	if (lb_add_json(&t, out, 0) && t.ok) {
		text = t.s;
		text_len = t.len;
	} else {
		free(t.s);
		text = json_dumps(out, JSON_COMPACT);
		text_len = text ? strlen(text) : 0;
	}
	json_decref(out);
	if (text && id_text) {
		/* The text twice, once escaped: room for both at once. */
		lb_reserve(&b, 2 * text_len + strlen(id_text) + 128);
		LB_LIT(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
		lb_add(&b, id_text, strlen(id_text));
		LB_LIT(&b, ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"");
		lb_add_escaped(&b, text, text_len);
		LB_LIT(&b, "\"}],\"structuredContent\":");
		lb_add(&b, text, text_len);
		LB_LIT(&b, ",\"isError\":false}}");
	} else {
		b.ok = false;
	}
	free(text);
	free(id_text);
	if (!b.ok) {
		free(b.s);
		return NULL;
	}
	*len = b.len;
	return b.s;
}

/* ---- dispatch ---- */
static const struct {
	const char *name;
	json_t *(*run)(json_t *params, json_t **error);
} methods[] = {
	{ "initialize", method_initialize }, { "tools/list", method_tools_list },
	{ "tools/call", method_tools_call }, { "stdio/start", agent_stdio_start },
	{ "stdio/call", agent_stdio_call },  { "stdio/messages", agent_stdio_messages },
	{ "stdio/list", agent_stdio_list },  { "stdio/close", agent_stdio_close },
};

void agent_rpc_handle_line(const char *line, size_t len, char **reply, size_t *reply_len)
{
	json_t *msg, *id, *params, *result = NULL, *error = NULL, *resp;
	const char *method;
	json_error_t jerr;
	size_t i;

	*reply = NULL;
	*reply_len = 0;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return; /* blank lines are ignored */
	msg = json_loadb(line, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			 &jerr);
	if (!msg) {
		*reply = agent_rpc_error_line(NULL, AGENT_RPC_PARSE_ERROR, "parse error",
					      reply_len);
		return;
	}
	id = json_object_get(msg, "id");
	method = json_string_value(json_object_get(msg, "method"));
	if (!json_is_object(msg) ||
	    (id && !json_is_string(id) && !json_is_integer(id) && !json_is_real(id) &&
	     !json_is_null(id)) ||
	    !json_is_string(json_object_get(msg, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(msg, "jsonrpc")), "2.0")) {
		*reply = agent_rpc_error_line(NULL, AGENT_RPC_INVALID_REQUEST, "invalid request",
					      reply_len);
		goto done;
	}
	if (!method) {
		/* A response from the peer, or garbage with an id. */
		if (!json_object_get(msg, "result") && !json_object_get(msg, "error"))
			*reply = agent_rpc_error_line(id, AGENT_RPC_INVALID_REQUEST,
						      "invalid request", reply_len);
		goto done;
	}
	if (!id)
		goto done; /* a notification: never answered */
	params = json_object_get(msg, "params");
	if (params && !json_is_object(params) && !json_is_null(params)) {
		error = rpc_error(AGENT_RPC_INVALID_PARAMS, "params must be an object");
		goto respond;
	}
	if (!strcmp(method, "ping")) {
		result = json_object();
		goto respond;
	}
	if (!strcmp(method, "tools/call")) {
		json_t *out = NULL;

		result = tools_call(params, &error, &out);
		if (out) {
			*reply = success_line(id, out, reply_len);
			if (*reply && *reply_len + 1 <= AGENT_MAX_LINE)
				goto done;
			free(*reply);
			*reply = NULL;
			result = tool_error_result(
				*reply_len + 1 > AGENT_MAX_LINE
					? "result larger than AGENT_MAX_LINE; ask for less (offset/limit)"
					: "result could not be encoded");
		} else if (!result && !error) {
			error = rpc_error(AGENT_RPC_INTERNAL_ERROR, "out of memory");
		}
		goto respond;
	}
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		if (!strcmp(method, methods[i].name)) {
			result = methods[i].run(params, &error);
			if (!result && !error)
				error = rpc_error(AGENT_RPC_INTERNAL_ERROR, "out of memory");
			goto respond;
		}
	}
	error = rpc_error(AGENT_RPC_METHOD_NOT_FOUND, "method not found");
respond:
	resp = json_pack("{s:s, s:O}", "jsonrpc", "2.0", "id", id);
	if (resp && error)
		json_object_set_new(resp, "error", error);
	else if (resp)
		json_object_set_new(resp, "result", result);
	else {
		json_decref(error);
		json_decref(result);
	}
	*reply = resp ? dump_line(resp, reply_len) : NULL;
	if (*reply && *reply_len + 1 > AGENT_MAX_LINE) {
		json_t *small;

		free(*reply);
		*reply = NULL;
		small = json_pack(
			"{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result",
			tool_error_result(
				"result larger than AGENT_MAX_LINE; ask for less (offset/limit)"));
		*reply = small ? dump_line(small, reply_len) : NULL;
		json_decref(small);
	}
	json_decref(resp);
done:
	json_decref(msg);
}
