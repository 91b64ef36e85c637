/* it_tools_hostile.c: issue #9, what a bot (root in its container) or a careless client can throw
 * at the tools: paths with .., links to host paths, NUL bytes, huge writes (413), an exec that
 * never exits or forks a crowd (timeout, the whole group killed), output floods (bounded),
 * invalid UTF-8 file names; a bot that deletes or replaces its agent socket with a link to a host
 * socket or a regular file (a clear error, never followed; the next start restores it); the agent
 * as PID 1 (orphans reaped, stop within the timeout). */
#define _GNU_SOURCE
#include "it_tools_common.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(paths_links_and_nul)
{
	it_owned_bot b = it_running_bot("personal", 0);
	bt_identity me = b.owner.ident;
	json_t *sc;
	char *msg, *seen;

	/* Paths are the container's: .. climbs within the container, never onto the host. */
	seen = it_exec_ok(b.ctr_id, "cat /etc/passwd");
	sc = it_tool_ok(b.bot_id, me, "read", json_pack("{s:s}", "path", "../../../../etc/passwd"));
	char *content = strdup(it_str(sc, "content"));
	size_t n = strlen(content);
	while (n > 0 && content[n - 1] == '\n')
		content[--n] = '\0';
	ck_assert_str_eq(content, seen);
	free(content);
	free(seen);
	json_decref(sc);

	/* A link to a host path names nothing the container has. */
	char *host_secret = it_fmt("%s/pki/ca.key", bt_env("BERTH_STACK"));
	char *cmd = it_fmt("ln -s %s /data/hostkey", host_secret);
	free(it_exec_ok(b.ctr_id, cmd));
	free(cmd);
	msg = it_tool_err(b.bot_id, me, "read", json_pack("{s:s}", "path", "hostkey"));
	free(msg);
	ck_assert_int_eq(access(host_secret, R_OK), 0);
	free(host_secret);

	/* NUL bytes in a path are refused, not cut. */
	msg = it_tool_err(
		b.bot_id, me, "write",
		json_pack("{s:s%,s:s}", "path", "a\0/etc/evil", (size_t)11, "content", "x"));
	free(msg);
	ck_assert_int_eq(it_exec(b.ctr_id, "test -e /data/a || test -e /etc/evil", NULL), 1);

	/* Invalid UTF-8 names are listed, marked, with U+FFFD. */
	free(it_exec_ok(b.ctr_id, "mkdir /data/u && touch \"/data/u/bad$(printf '\\377')name\""));
	sc = it_tool_ok(b.bot_id, me, "list", json_pack("{s:s}", "path", "u"));
	json_t *e = json_array_get(json_object_get(sc, "entries"), 0);
	ck_assert_msg(json_is_true(json_object_get(e, "invalid_utf8")), "entry %s",
		      json_dumps(e, JSON_COMPACT));
	ck_assert_ptr_nonnull(strstr(it_str(e, "name"), "\xef\xbf\xbd"));
	json_decref(sc);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(huge_input_and_floods)
{
	it_owned_bot b = it_running_bot("personal", 0);
	bt_identity me = b.owner.ident;
	bt_response r;
	long max_body = 1048576; /* the stack's max_body_bytes */
	size_t big = (size_t)max_body * 2;
	char *blob = malloc(big + 1);

	memset(blob, 'a', big);
	blob[big] = '\0';
	/* A write tool call larger than the body limit: 413, nothing written. */
	json_t *req = json_pack("{s:s,s:i,s:s,s:{s:s,s:{s:s,s:s}}}", "jsonrpc", "2.0", "id", 1,
				"method", "tools/call", "params", "name", "write", "arguments",
				"path", "huge.txt", "content", blob);
	char *text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	ck_assert_int_eq(it_mcp_post(b.bot_id, text, "application/json", NULL, me, &r), 413);
	bt_response_free(&r);
	free(text);
	char *p = it_fmt("/bots/%s/container/files?path=huge.bin", b.bot_id);
	ck_assert_int_eq(
		bt_request_ex("PUT", p, blob, big, "application/octet-stream", NULL, me, &r), 413);
	bt_response_free(&r);
	free(p);
	free(blob);
	ck_assert_int_eq(
		it_exec(b.ctr_id, "test -e /data/huge.txt || test -e /data/huge.bin", NULL), 1);

	/* Output floods are bounded (1 MiB each) and flagged. */
	json_t *sc = it_tool_ok(b.bot_id, me, "exec",
				json_pack("{s:s}", "command",
					  "head -c 5000000 /dev/zero | tr '\\000' a; "
					  "head -c 3000000 /dev/zero | tr '\\000' b >&2"));
	ck_assert(json_is_true(json_object_get(sc, "stdout_truncated")));
	ck_assert(json_is_true(json_object_get(sc, "stderr_truncated")));
	ck_assert_int_eq(json_string_length(json_object_get(sc, "stdout")), 1048576);
	ck_assert_int_eq(json_string_length(json_object_get(sc, "stderr")), 1048576);
	json_decref(sc);

	/* A read is bounded (limit, at most 16 MiB) and says it was cut. */
	free(it_exec_ok(b.ctr_id, "head -c 3000000 /dev/zero | tr '\\000' c > /data/big.txt"));
	sc = it_tool_ok(b.bot_id, me, "read",
			json_pack("{s:s,s:i}", "path", "big.txt", "limit", 1000000));
	ck_assert(json_is_true(json_object_get(sc, "truncated")));
	ck_assert_int_eq(json_string_length(json_object_get(sc, "content")), 1000000);
	json_decref(sc);
	it_owned_bot_done(&b);
}
END_TEST

/* How many processes of the container run a program named comm (the observer reads /proc). */
static int count_procs(const char *ctr_id, const char *comm)
{
	char *cmd = it_fmt(
		"n=0; for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = %s ] && n=$((n+1)); done; echo $n",
		comm);
	char *out = it_exec_ok(ctr_id, cmd);
	int n = atoi(out);
	free(out);
	free(cmd);
	return n;
}

START_TEST(exec_timeout_kills_the_group)
{
	it_owned_bot b = it_running_bot("personal", 0);
	long long t0 = bt_now_ms();
	json_t *sc = it_tool_ok(
		b.bot_id, b.owner.ident, "exec",
		json_pack("{s:s,s:i}", "command",
			  "i=0; while [ $i -lt 50 ]; do sleep 300 & i=$((i+1)); done; sleep 300",
			  "timeout_s", 2));
	long long took = bt_now_ms() - t0;
	ck_assert(json_is_true(json_object_get(sc, "timed_out")));
	ck_assert_msg(took < 8000, "exec with timeout 2 s took %lld ms", took);
	json_decref(sc);
	int left = -1;
	for (int i = 0; i < 20 && left != 0; i++) {
		left = count_procs(b.ctr_id, "sleep");
		if (left)
			bt_sleep_ms(100);
	}
	ck_assert_msg(left == 0, "%d sleep processes survived the timeout", left);

	/* A timeout beyond the configured maximum is clamped, never refused or honoured. */
	sc = it_tool_ok(b.bot_id, b.owner.ident, "exec",
			json_pack("{s:s,s:i}", "command", "echo ok", "timeout_s", 999999));
	ck_assert_str_eq(it_str(sc, "stdout"), "ok\n");
	json_decref(sc);
	it_owned_bot_done(&b);
}
END_TEST

/* A tools/call on the bot answers 503 with the agent error that says to restart. */
static void expect_agent_unreachable(const it_owned_bot *b, const char *what)
{
	bt_response r;
	const char *call =
		"{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"stat\","
		"\"arguments\":{\"path\":\"/data\"}}}";

	it_mcp_post(b->bot_id, call, "application/json", NULL, b->owner.ident, &r);
	ck_assert_msg(r.status == 503, "%s: %ld %s", what, r.status, r.body);
	json_t *j = bt_json(&r);
	const char *msg = it_str(json_object_get(j, "error"), "message");
	ck_assert_msg(strstr(msg, "agent cannot be reached") && strstr(msg, "/container/start"),
		      "%s: %s", what, msg);
	ck_assert_msg(!strstr(msg, bt_env("BERTH_STACK")), "%s: a host path in the message: %s",
		      what, msg);
	json_decref(j);
	bt_response_free(&r);
}

static void restart_and_check(const it_owned_bot *b)
{
	json_decref(it_api_expect("POST", b->bot_id, "/stop", NULL, b->owner.ident, 200));
	json_decref(it_api_expect("POST", b->bot_id, "/start", NULL, b->owner.ident, 200));
	json_decref(
		it_tool_ok(b->bot_id, b->owner.ident, "stat", json_pack("{s:s}", "path", "/data")));
}

START_TEST(bot_replaces_its_agent_socket)
{
	it_owned_bot b = it_running_bot("personal", 0);

	free(it_exec_ok(b.ctr_id, "rm /run/berth/agent.sock"));
	expect_agent_unreachable(&b, "socket deleted");
	restart_and_check(&b);

	/* A link to a host socket (containerd's): never followed. */
	char *cmd = it_fmt("rm /run/berth/agent.sock && ln -s %s /run/berth/agent.sock",
			   bt_env("BERTH_CONTAINERD_SOCKET"));
	free(it_exec_ok(b.ctr_id, cmd));
	free(cmd);
	expect_agent_unreachable(&b, "socket replaced by a link");
	restart_and_check(&b);

	free(it_exec_ok(b.ctr_id, "rm /run/berth/agent.sock && echo '{}' > /run/berth/agent.sock"));
	expect_agent_unreachable(&b, "socket replaced by a regular file");
	restart_and_check(&b);

	free(it_exec_ok(b.ctr_id, "rm /run/berth/agent.sock && mkdir /run/berth/agent.sock"));
	expect_agent_unreachable(&b, "socket replaced by a directory");
	restart_and_check(&b);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(agent_as_pid1)
{
	it_owned_bot b = it_running_bot("personal", 0);

	char *cmdline = it_exec_ok(b.ctr_id, "tr '\\000' ' ' < /proc/1/cmdline");
	ck_assert_msg(strncmp(cmdline, "/.berth/berth-agent serve --socket /run/berth/agent.sock",
			      56) == 0,
		      "PID 1: %s", cmdline);
	free(cmdline);
	/* Orphans are reparented to PID 1 and reaped. */
	json_decref(
		it_tool_ok(b.bot_id, b.owner.ident, "exec",
			   json_pack("{s:s}", "command",
				     "for i in 1 2 3 4 5; do (sleep 0.1 &) ; done; sleep 0.5")));
	bt_sleep_ms(300);
	char *z = it_exec_ok(b.ctr_id,
			     "grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l");
	ck_assert_msg(atoi(z) == 0, "%s zombies", z);
	free(z);
	/* A child that ignores SIGTERM does not hold the stop past the timeout (stop_timeout_s 10). */
	json_decref(it_tool_ok(b.bot_id, b.owner.ident, "exec",
			       json_pack("{s:s}", "command",
					 "(trap '' TERM; exec sleep 1000) >/dev/null 2>&1 &")));
	long long t0 = bt_now_ms();
	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, b.owner.ident, 200));
	long long took = bt_now_ms() - t0;
	ck_assert_msg(took < 9000, "stop took %lld ms", took);
	char *status = it_ctr_task_status(b.ctr_id);
	ck_assert_msg(strcmp(status, "") == 0 || strcmp(status, "STOPPED") == 0,
		      "task after stop: %s", status);
	free(status);
	it_owned_bot_done(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tools_hostile");
	TCase *tc = tcase_create("hostile");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, paths_links_and_nul);
	tcase_add_test(tc, huge_input_and_floods);
	tcase_add_test(tc, exec_timeout_kills_the_group);
	tcase_add_test(tc, bot_replaces_its_agent_socket);
	tcase_add_test(tc, agent_as_pid1);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
