/* test_agent_rpc.c: berth-agent's JSON-RPC/MCP protocol over its socket: initialize and version
 * negotiation, ping, notifications, errors (-32700 with resync, -32600, -32601, -32602),
 * tools/list pagination and schemas, the encoding of a tools/call reply, over-long lines,
 * concurrent connections. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "berth/agent_wire.h"
#include "harness.h"

static struct agent ag;

static void setup(void)
{
	agent_prepare(&ag);
	agent_start(&ag, NULL, NULL);
}

static void teardown(void)
{
	agent_stop(&ag);
	agent_cleanup(&ag);
}

static int error_code(json_t *resp)
{
	json_t *e = json_object_get(resp, "error");

	ck_assert_msg(e != NULL, "expected an error: %s", json_dumps(resp, JSON_COMPACT));
	return (int)json_integer_value(json_object_get(e, "code"));
}

START_TEST(initialize_negotiates)
{
	static const char *const cases[][2] = { { "2025-11-25", "2025-11-25" },
						{ "2025-06-18", "2025-06-18" },
						{ "2025-03-26", "2025-03-26" },
						{ "2024-11-05", "2025-11-25" },
						{ "garbage", "2025-11-25" } };
	struct conn *c = conn_open(&ag);
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *r = rpc(c, "initialize",
				json_pack("{s:s, s:{}, s:{s:s, s:s}}", "protocolVersion",
					  cases[i][0], "capabilities", "clientInfo", "name", "t",
					  "version", "1"));
		json_t *res = json_object_get(r, "result");

		ck_assert_str_eq(json_string_value(json_object_get(res, "protocolVersion")),
				 cases[i][1]);
		ck_assert_str_eq(json_string_value(json_object_get(
					 json_object_get(res, "serverInfo"), "name")),
				 "berth-agent");
		ck_assert(json_is_string(
			json_object_get(json_object_get(res, "serverInfo"), "version")));
		ck_assert(json_is_false(json_object_get(
			json_object_get(json_object_get(res, "capabilities"), "tools"),
			"listChanged")));
		json_decref(r);
	}
	conn_close(c);
}
END_TEST

START_TEST(ping_and_notifications)
{
	struct conn *c = conn_open(&ag);
	const char *notes =
		"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
		"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1}}\n"
		"{\"jsonrpc\":\"2.0\",\"method\":\"no/such/notification\"}\n"
		"{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}\n\n";
	json_t *r;

	conn_send(c, notes, strlen(notes));
	/* The next line read is the ping's reply: the notifications got none. */
	r = rpc(c, "ping", NULL);
	ck_assert(json_is_object(json_object_get(r, "result")));
	ck_assert_int_eq(json_object_size(json_object_get(r, "result")), 0);
	json_decref(r);
	conn_close(c);
}
END_TEST

START_TEST(errors)
{
	struct conn *c = conn_open(&ag);
	json_t *r;
	char *line;

	r = rpc(c, "no/such/method", NULL);
	ck_assert_int_eq(error_code(r), AGENT_RPC_METHOD_NOT_FOUND);
	json_decref(r);
	r = rpc(c, "tools/call", json_pack("{s:s}", "name", "no_such_tool"));
	ck_assert_int_eq(error_code(r), AGENT_RPC_INVALID_PARAMS);
	json_decref(r);
	r = rpc(c, "tools/call", json_pack("{s:s, s:i}", "name", "read", "arguments", 3));
	ck_assert_int_eq(error_code(r), AGENT_RPC_INVALID_PARAMS);
	json_decref(r);
	r = rpc(c, "tools/call", json_object());
	ck_assert_int_eq(error_code(r), AGENT_RPC_INVALID_PARAMS);
	json_decref(r);
	r = rpc(c, "tools/list", json_pack("{s:s}", "cursor", "bogus"));
	ck_assert_int_eq(error_code(r), AGENT_RPC_INVALID_PARAMS);
	json_decref(r);

	/* Not JSON: -32700 with id null, and the connection goes on. */
	conn_send(c, "{not json\n", 10);
	line = conn_line(c, 5000);
	ck_assert_ptr_nonnull(line);
	r = json_loads(line, 0, NULL);
	ck_assert_int_eq(error_code(r), AGENT_RPC_PARSE_ERROR);
	ck_assert(json_is_null(json_object_get(r, "id")));
	json_decref(r);
	free(line);
	/* A raw NUL byte in the line is not JSON either. */
	conn_send(c, "{\"a\":\0}\n", 8);
	line = conn_line(c, 5000);
	r = json_loads(line, 0, NULL);
	ck_assert_int_eq(error_code(r), AGENT_RPC_PARSE_ERROR);
	json_decref(r);
	free(line);
	/* JSON but not a request. */
	{
		static const char *const bad[] = {
			"[1,2]\n", "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}\n",
			"{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}\n",
			"{\"jsonrpc\":\"2.0\",\"id\":1}\n", "42\n"
		};
		size_t i;

		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			conn_send(c, bad[i], strlen(bad[i]));
			line = conn_line(c, 5000);
			ck_assert_ptr_nonnull(line);
			r = json_loads(line, 0, NULL);
			ck_assert_int_eq(error_code(r), AGENT_RPC_INVALID_REQUEST);
			json_decref(r);
			free(line);
		}
	}
	r = rpc(c, "ping", NULL);
	ck_assert_ptr_nonnull(json_object_get(r, "result"));
	json_decref(r);
	conn_close(c);
}
END_TEST

/* A tools/call reply line is written by the agent's own encoder: byte for byte jansson's compact
 * encoding of the same reply (escapes of quotes, backslashes, control characters and NUL, UTF-8
 * as it is), with its text content the encoding of its structuredContent. */
START_TEST(call_reply_encoding)
{
	static const char tricky[] = "q\"b\\s/ \x01\x1f\x7f \t\n\r\b\f \xc3\xa9 \xe2\x98\x83 "
				     "\xf0\x9d\x84\x9e \0 end";
	struct conn *c = conn_open(&ag);
	char *path = data_path(&ag, "tricky.txt");
	const char *const calls[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"read\","
		"\"arguments\":{\"path\":\"tricky.txt\"}}}\n",
		"{\"jsonrpc\":\"2.0\",\"id\":\"x\\\"y\",\"method\":\"tools/call\",\"params\":{\"name\":"
		"\"stat\",\"arguments\":{\"path\":\"tricky.txt\"}}}\n",
		"{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"tools/call\",\"params\":{\"name\":\"list\","
		"\"arguments\":{\"path\":\".\"}}}\n",
	};

	put_file(path, tricky, sizeof tricky - 1);
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		char *line, *again, *text;
		json_t *r, *result;

		conn_send(c, calls[i], strlen(calls[i]));
		line = conn_line(c, 5000);
		ck_assert_ptr_nonnull(line);
		r = json_loads(line, JSON_ALLOW_NUL, NULL);
		ck_assert_ptr_nonnull(r);
		again = json_dumps(r, JSON_COMPACT);
		ck_assert_str_eq(line, again);
		result = json_object_get(r, "result");
		ck_assert(json_is_false(json_object_get(result, "isError")));
		text = json_dumps(json_object_get(result, "structuredContent"), JSON_COMPACT);
		ck_assert_str_eq(
			json_string_value(json_object_get(
				json_array_get(json_object_get(result, "content"), 0), "text")),
			text);
		if (i == 0) {
			json_t *content = json_object_get(
				json_object_get(result, "structuredContent"), "content");

			ck_assert_uint_eq(json_string_length(content), sizeof tricky - 1);
			ck_assert_mem_eq(json_string_value(content), tricky, sizeof tricky - 1);
		}
		free(text);
		free(again);
		free(line);
		json_decref(r);
	}
	free(path);
	conn_close(c);
}
END_TEST

START_TEST(tools_list_paginates)
{
	struct conn *c = conn_open(&ag);
	const char *expected[] = {
		"apply_patch", "delete", "edit",	"exec",	  "grep", "list",
		"mkdir",       "read",	 "read_base64", "rename", "stat", "write"
	};
	json_t *cursor = NULL, *names = json_array();
	regex_t re;
	int pages = 0;
	size_t i;

	ck_assert_int_eq(regcomp(&re, AGENT_TOOL_NAME_PATTERN, REG_EXTENDED | REG_NOSUB), 0);
	do {
		json_t *r = rpc(c, "tools/list",
				cursor ? json_pack("{s:O}", "cursor", cursor) : NULL);
		json_t *res = json_object_get(r, "result"), *t;
		size_t k;

		ck_assert_ptr_nonnull(res);
		ck_assert_int_le(json_array_size(json_object_get(res, "tools")),
				 AGENT_TOOLS_PAGE_SIZE);
		json_array_foreach(json_object_get(res, "tools"), k, t)
		{
			const char *name = json_string_value(json_object_get(t, "name"));

			ck_assert_int_eq(regexec(&re, name, 0, NULL, 0), 0);
			ck_assert(json_is_string(json_object_get(t, "description")));
			ck_assert_str_eq(json_string_value(json_object_get(
						 json_object_get(t, "inputSchema"), "type")),
					 "object");
			ck_assert_str_eq(json_string_value(json_object_get(
						 json_object_get(t, "outputSchema"), "type")),
					 "object");
			json_array_append_new(names, json_string(name));
		}
		json_decref(cursor);
		cursor = json_incref(json_object_get(res, "nextCursor"));
		json_decref(r);
		pages++;
	} while (cursor);
	regfree(&re);
	ck_assert_int_eq(pages, 2);
	ck_assert_int_eq(json_array_size(names), sizeof expected / sizeof expected[0]);
	for (i = 0; i < json_array_size(names); i++)
		ck_assert_str_eq(json_string_value(json_array_get(names, i)), expected[i]);
	json_decref(names);
	conn_close(c);
}
END_TEST

START_TEST(over_long_line_closes)
{
	struct conn *c = conn_open(&ag);
	size_t chunk = 1 << 20, sent = 0;
	char *junk = malloc(chunk);
	char *line;
	json_t *r;

	memset(junk, 'x', chunk);
	/* Sent until the agent has seen AGENT_MAX_LINE bytes without a newline (it may close first). */
	while (sent <= AGENT_MAX_LINE) {
		ssize_t n = send(c->fd, junk, chunk, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		sent += (size_t)n;
	}
	free(junk);
	line = conn_line(c, 10000);
	ck_assert_ptr_nonnull(line);
	r = json_loads(line, 0, NULL);
	ck_assert_int_eq(error_code(r), AGENT_RPC_INVALID_REQUEST);
	json_decref(r);
	free(line);
	ck_assert_ptr_null(conn_line(c, 10000));
	conn_close(c);
	/* The agent serves the next connection. */
	c = conn_open(&ag);
	r = rpc(c, "ping", NULL);
	ck_assert_ptr_nonnull(json_object_get(r, "result"));
	json_decref(r);
	conn_close(c);
}
END_TEST

struct pinger {
	int n;
	int ok;
};

static void *ping_loop(void *arg)
{
	struct pinger *p = arg;
	struct conn *c = conn_open(&ag);
	int i;

	for (i = 0; i < p->n; i++) {
		json_t *r = tool_ok(c, "stat", json_pack("{s:s}", "path", "."));

		if (json_is_object(r))
			p->ok++;
		json_decref(r);
	}
	conn_close(c);
	return NULL;
}

START_TEST(concurrent_connections)
{
	/* A long exec on one connection does not hold the others. */
	struct conn *slow = conn_open(&ag);
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":"
			  "{\"name\":\"exec\",\"arguments\":{\"command\":\"sleep 3\"}}}\n";
	struct pinger p[16];
	pthread_t t[16];
	long long start = now_ms();
	char *line;
	int i;

	conn_send(slow, req, strlen(req));
	usleep(100000);
	for (i = 0; i < 16; i++) {
		p[i] = (struct pinger){ .n = 20 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, ping_loop, &p[i]), 0);
	}
	for (i = 0; i < 16; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(p[i].ok, 20);
	}
	ck_assert_int_lt(now_ms() - start, 2500);
	line = conn_line(slow, 10000);
	ck_assert_ptr_nonnull(strstr(line, "\"exit_code\":0"));
	free(line);
	conn_close(slow);
}
END_TEST

START_TEST(too_many_connections)
{
	struct conn *c[AGENT_MAX_CONNECTIONS + 1];
	json_t *r;
	char *line;
	int i;

	for (i = 0; i < AGENT_MAX_CONNECTIONS; i++) {
		c[i] = conn_open(&ag);
		r = rpc(c[i], "ping", NULL);
		json_decref(r);
	}
	c[i] = conn_open(&ag);
	line = conn_line(c[i], 5000);
	ck_assert_ptr_nonnull(line);
	r = json_loads(line, 0, NULL);
	ck_assert_int_eq(error_code(r), AGENT_RPC_BUSY);
	json_decref(r);
	free(line);
	for (i = 0; i <= AGENT_MAX_CONNECTIONS; i++)
		conn_close(c[i]);
	usleep(200000);
	c[0] = conn_open(&ag);
	r = rpc(c[0], "ping", NULL);
	ck_assert_ptr_nonnull(json_object_get(r, "result"));
	json_decref(r);
	conn_close(c[0]);
}
END_TEST

/* Processes whose command line is exactly argv0 arg1 (from /proc). */
static int count_procs(const char *argv0, const char *arg1)
{
	char want[128], path[300], buf[256];
	size_t wlen = (size_t)snprintf(want, sizeof want, "%s%c%s", argv0, '\0', arg1) + 1;
	struct dirent *de;
	DIR *d = opendir("/proc");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		FILE *f;
		size_t got;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		got = fread(buf, 1, sizeof buf, f);
		fclose(f);
		if (got == wlen && !memcmp(buf, want, wlen))
			n++;
	}
	closedir(d);
	return n;
}

START_TEST(hostile_input)
{
	struct conn *c = conn_open(&ag);
	json_t *r, *e;
	char *msg, *p;
	size_t i;
	bool found = false;

	/* ".." resolves like the kernel does: here, next to the data dir (in the container, the
	 * container's own tree; nothing reaches the host from there). */
	r = tool_ok(c, "write", json_pack("{s:s, s:s}", "path", "../outside.txt", "content", "x"));
	json_decref(r);
	ck_assert_int_ge(asprintf(&p, "%s/outside.txt", ag.dir), 0);
	msg = get_file(p, NULL);
	ck_assert_ptr_nonnull(msg);
	free(msg);
	free(p);
	/* A NUL in a path is refused. */
	msg = tool_err(c, "read", json_pack("{s:s%}", "path", "a\0b", (size_t)3));
	ck_assert_ptr_nonnull(strstr(msg, "NUL"));
	free(msg);
	/* A file name that is not UTF-8 is listed with U+FFFD and a flag. */
	p = data_path(&ag, "bad\xff");
	put_file(p, "z", 1);
	free(p);
	r = tool_ok(c, "list", json_pack("{s:s}", "path", "."));
	json_array_foreach(json_object_get(r, "entries"), i, e)
	{
		if (!strcmp(json_string_value(json_object_get(e, "name")), "bad\xef\xbf\xbd")) {
			found = true;
			ck_assert(json_is_true(json_object_get(e, "invalid_utf8")));
		}
	}
	ck_assert(found);
	json_decref(r);
	/* A bounded fork bomb (2^6 shells, each leaving a sleep) dies with its group at the timeout. */
	r = tool_ok(
		c, "exec",
		json_pack(
			"{s:s, s:i}", "command",
			"b(){ if [ $1 -gt 0 ]; then b $(($1-1)) & b $(($1-1)) & fi; exec sleep 97.25; }; b 5",
			"timeout_s", 2));
	ck_assert(json_is_true(json_object_get(r, "timed_out")));
	json_decref(r);
	usleep(300000);
	ck_assert_int_eq(count_procs("sleep", "97.25"), 0);
	/* An output flood is cut at the bound and the agent answers the next request. */
	r = tool_ok(c, "exec",
		    json_pack("{s:s, s:i}", "command", "yes flood | head -c 50000000", "timeout_s",
			      30));
	ck_assert(json_is_true(json_object_get(r, "stdout_truncated")));
	ck_assert_int_eq(strlen(json_string_value(json_object_get(r, "stdout"))),
			 AGENT_EXEC_OUTPUT_MAX);
	json_decref(r);
	r = rpc(c, "ping", NULL);
	ck_assert_ptr_nonnull(json_object_get(r, "result"));
	json_decref(r);
	conn_close(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agent_rpc");
	TCase *tc = tcase_create("rpc");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, initialize_negotiates);
	tcase_add_test(tc, ping_and_notifications);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, call_reply_encoding);
	tcase_add_test(tc, tools_list_paginates);
	tcase_add_test(tc, over_long_line_closes);
	tcase_add_test(tc, concurrent_connections);
	tcase_add_test(tc, too_many_connections);
	tcase_add_test(tc, hostile_input);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
