/* mcp_testsrv.c: a small MCP stdio server for the stdio session tests (host and container):
 * one JSON-RPC message a line on stdin/stdout. Built static (it runs in any bot image).
 *   flags: --exit N (exits at once with N), --silent (reads, never answers), --init-error
 *          (initialize answers an error), --stderr N (N lines on stderr at start)
 *   tools: echo {text}; ask (sends a server-to-client request "srv-1" roots/list and a
 *          notifications/message, then answers); crash (exits 3, no answer); flood {bytes} (one
 *          line of that many 'x', not JSON); garbage (a line that is not JSON); sleep (no
 *          answer); env {name}; cwd; stats ({initialize, initialized, responses, last_response});
 *          notify {count} (that many notifications/progress, then answers).
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int n_initialize, n_initialized, n_responses;
static json_t *last_response;

static void emit(json_t *m)
{
	char *s = json_dumps(m, JSON_COMPACT);

	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	free(s);
	json_decref(m);
}

static json_t *text_result(const char *text)
{
	return json_pack("{s:[{s:s,s:s}]}", "content", "type", "text", "text", text);
}

static json_t *tools_list(void)
{
	static const char *const names[] = { "echo",  "ask", "crash", "flood", "garbage",
					     "sleep", "env", "cwd",   "stats", "notify" };
	json_t *list = json_array();

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		json_array_append_new(list, json_pack("{s:s,s:s,s:{s:s}}", "name", names[i],
						      "description", "test tool", "inputSchema",
						      "type", "object"));
	return json_pack("{s:o}", "tools", list);
}

/* The result of tools/call, or NULL when there is to be no answer. */
static json_t *call(json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	json_t *args = json_object_get(params, "arguments");

	if (!name)
		return NULL;
	if (!strcmp(name, "echo"))
		return text_result(json_string_value(json_object_get(args, "text"))
					   ? json_string_value(json_object_get(args, "text"))
					   : "");
	if (!strcmp(name, "ask")) {
		emit(json_pack("{s:s,s:s,s:s}", "jsonrpc", "2.0", "id", "srv-1", "method",
			       "roots/list"));
		emit(json_pack("{s:s,s:s,s:{s:s,s:s}}", "jsonrpc", "2.0", "method",
			       "notifications/message", "params", "level", "info", "data",
			       "hello"));
		return text_result("asked");
	}
	if (!strcmp(name, "crash"))
		exit(3);
	if (!strcmp(name, "flood")) {
		long long n = json_integer_value(json_object_get(args, "bytes"));
		static char chunk[65536];

		memset(chunk, 'x', sizeof chunk);
		while (n > 0) {
			size_t k = n > (long long)sizeof chunk ? sizeof chunk : (size_t)n;

			if (fwrite(chunk, 1, k, stdout) != k)
				exit(4);
			n -= (long long)k;
		}
		fputc('\n', stdout);
		fflush(stdout);
		return NULL;
	}
	if (!strcmp(name, "garbage")) {
		fputs("this is not json\n", stdout);
		fflush(stdout);
		return NULL;
	}
	if (!strcmp(name, "sleep"))
		return NULL;
	if (!strcmp(name, "notify")) {
		long long n = json_integer_value(json_object_get(args, "count"));

		for (long long k = 0; k < n; k++)
			emit(json_pack("{s:s,s:s,s:{s:I}}", "jsonrpc", "2.0", "method",
				       "notifications/progress", "params", "progress",
				       (json_int_t)k));
		return text_result("notified");
	}
	if (!strcmp(name, "env")) {
		const char *v = getenv(json_string_value(json_object_get(args, "name"))
					       ? json_string_value(json_object_get(args, "name"))
					       : "");
		return text_result(v ? v : "");
	}
	if (!strcmp(name, "cwd")) {
		char buf[4096];

		return text_result(getcwd(buf, sizeof buf) ? buf : "?");
	}
	if (!strcmp(name, "stats"))
		return json_pack("{s:i,s:i,s:i,s:O}", "initialize", n_initialize, "initialized",
				 n_initialized, "responses", n_responses, "last_response",
				 last_response ? last_response : json_null());
	return NULL;
}

int main(int argc, char **argv)
{
	int silent = 0, init_error = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exit") && i + 1 < argc)
			return atoi(argv[i + 1]);
		if (!strcmp(argv[i], "--silent"))
			silent = 1;
		if (!strcmp(argv[i], "--init-error"))
			init_error = 1;
		if (!strcmp(argv[i], "--stderr") && i + 1 < argc) {
			int n = atoi(argv[++i]);

			for (int k = 0; k < n; k++)
				fprintf(stderr, "testsrv stderr line %d\n", k);
		}
	}
	while ((len = getline(&line, &cap, stdin)) > 0) {
		json_t *m = json_loadb(line, (size_t)len, 0, NULL), *id, *result = NULL,
		       *error = NULL;
		const char *method;

		if (!m || silent) {
			json_decref(m);
			continue;
		}
		id = json_object_get(m, "id");
		method = json_string_value(json_object_get(m, "method"));
		if (!method) {
			n_responses++;
			json_decref(last_response);
			last_response = json_incref(m);
			json_decref(m);
			continue;
		}
		if (!strcmp(method, "notifications/initialized"))
			n_initialized++;
		if (!id) {
			json_decref(m);
			continue;
		}
		if (!strcmp(method, "initialize")) {
			n_initialize++;
			if (init_error)
				error = json_pack("{s:i,s:s}", "code", -32099, "message",
						  "init refused");
			else
				result = json_pack("{s:s,s:{s:{}},s:{s:s,s:s}}", "protocolVersion",
						   "2025-06-18", "capabilities", "tools",
						   "serverInfo", "name", "mcp-testsrv", "version",
						   "1");
		} else if (!strcmp(method, "tools/list")) {
			result = tools_list();
		} else if (!strcmp(method, "tools/call")) {
			result = call(json_object_get(m, "params"));
			if (!result) {
				json_decref(m);
				continue;
			}
		} else if (!strcmp(method, "ping")) {
			result = json_object();
		} else {
			error = json_pack("{s:i,s:s}", "code", -32601, "message",
					  "method not found");
		}
		if (error)
			emit(json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "error",
				       error));
		else
			emit(json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result",
				       result));
		json_decref(m);
	}
	free(line);
	json_decref(last_response);
	return 0;
}
