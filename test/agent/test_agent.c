/* test_agent.c: berth-agent on the host as an ordinary process (and as PID 1 of a new PID
 * namespace), spoken to over its socket as the host's agent client does. No containerd. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/agent_wire.h"
#include "harness.h"

static struct agent ag;

static void start(void)
{
	agent_prepare(&ag);
	agent_start(&ag, NULL, NULL);
}
static void stop(void)
{
	agent_stop(&ag);
	agent_cleanup(&ag);
}

START_TEST(initialize_negotiates)
{
	struct conn *c = conn_open(&ag);
	json_t *r = rpc(c, "initialize", json_pack("{s:s}", "protocolVersion", "2025-03-26"));
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(r, "result"), "protocolVersion")),
		"2025-03-26");
	json_decref(r);
	r = rpc(c, "initialize", json_pack("{s:s}", "protocolVersion", "1999-01-01"));
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(r, "result"), "protocolVersion")),
		AGENT_MCP_VERSION_LATEST);
	json_decref(r);
	r = rpc(c, "ping", NULL);
	ck_assert(json_is_object(json_object_get(r, "result")));
	json_decref(r);
	r = rpc(c, "no/such", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
			 AGENT_RPC_METHOD_NOT_FOUND);
	json_decref(r);
	conn_close(c);
}
END_TEST

START_TEST(tools_list_pages)
{
	struct conn *c = conn_open(&ag);
	json_t *cursor = NULL;
	int n = 0, pages = 0;
	bool seen_exec = false;

	do {
		json_t *p = json_object();
		if (cursor)
			json_object_set(p, "cursor", cursor);
		json_t *r = rpc(c, "tools/list", p);
		json_t *res = json_object_get(r, "result");
		size_t i;
		json_t *t;
		ck_assert_ptr_nonnull(res);
		json_array_foreach(json_object_get(res, "tools"), i, t)
		{
			ck_assert(json_is_object(json_object_get(t, "inputSchema")));
			if (strcmp(json_string_value(json_object_get(t, "name")), "exec") == 0)
				seen_exec = true;
			n++;
		}
		json_decref(cursor);
		cursor = json_incref(json_object_get(res, "nextCursor"));
		json_decref(r);
		pages++;
	} while (cursor && pages < 10);
	ck_assert_int_ge(n, 12);
	ck_assert_int_ge(pages, 2);
	ck_assert(seen_exec);
	conn_close(c);
}
END_TEST

START_TEST(write_read_roundtrip_exact)
{
	struct conn *c = conn_open(&ag);
	const char *text = "  leading and trailing spaces kept  \r\n\tline two\n\n";
	json_t *r = tool_ok(c, "write",
			    json_pack("{s:s,s:s}", "path", "a/b/c.txt", "content", text));
	json_decref(r);
	r = tool_ok(c, "read", json_pack("{s:s}", "path", "a/b/c.txt"));
	ck_assert_str_eq(json_string_value(json_object_get(r, "content")), text);
	ck_assert(json_is_false(json_object_get(r, "truncated")));
	json_decref(r);
	char *p = data_path(&ag, "a/b/c.txt");
	size_t len;
	char *got = get_file(p, &len);
	ck_assert_uint_eq(len, strlen(text));
	free(got);
	free(p);
	/* base64 binary */
	r = tool_ok(c, "write",
		    json_pack("{s:s,s:s,s:s}", "path", "bin", "content", "AAEC/w==", "encoding",
			      "base64"));
	json_decref(r);
	r = tool_ok(c, "read_base64", json_pack("{s:s}", "path", "bin"));
	ck_assert_str_eq(json_string_value(json_object_get(r, "data")), "AAEC/w==");
	json_decref(r);
	char *e = tool_err(c, "read", json_pack("{s:s}", "path", "bin"));
	ck_assert_ptr_nonnull(strstr(e, "read_base64"));
	free(e);
	e = tool_err(c, "read", json_pack("{s:s}", "path", "missing.txt"));
	ck_assert_ptr_nonnull(e);
	free(e);
	conn_close(c);
}
END_TEST

START_TEST(files_stat_mkdir_rename_delete)
{
	struct conn *c = conn_open(&ag);
	json_decref(tool_ok(c, "mkdir", json_pack("{s:s}", "path", "d1/d2")));
	json_decref(tool_ok(c, "write", json_pack("{s:s,s:s}", "path", "d1/f", "content", "x")));
	json_decref(tool_ok(c, "write", json_pack("{s:s,s:s}", "path", "d1/g", "content", "y")));
	char *e = tool_err(c, "rename",
			   json_pack("{s:s,s:s}", "source", "d1/f", "destination", "d1/g"));
	free(e);
	json_decref(tool_ok(c, "rename",
			    json_pack("{s:s,s:s}", "source", "d1/f", "destination", "d1/h")));
	json_t *r = tool_ok(c, "stat", json_pack("{s:s}", "path", "d1/h"));
	ck_assert_str_eq(json_string_value(json_object_get(r, "type")), "file");
	json_decref(r);
	r = tool_ok(c, "list", json_pack("{s:s,s:b}", "path", "d1", "recursive", 1));
	ck_assert_int_eq(json_array_size(json_object_get(r, "entries")), 3);
	json_decref(r);
	e = tool_err(c, "delete", json_pack("{s:s}", "path", "d1"));
	free(e);
	json_decref(tool_ok(c, "delete", json_pack("{s:s,s:b}", "path", "d1", "recursive", 1)));
	char *p = data_path(&ag, "d1");
	struct stat st;
	ck_assert_int_ne(lstat(p, &st), 0);
	free(p);
	conn_close(c);
}
END_TEST

/* Files of the data dir, by relative path. */
static void put(const char *rel, const char *data, size_t len)
{
	char *p = data_path(&ag, rel);
	put_file(p, data, len);
	free(p);
}
static void put_str(const char *rel, const char *text)
{
	put(rel, text, strlen(text));
}
static void expect_file(const char *rel, const char *expected)
{
	char *p = data_path(&ag, rel);
	size_t len;
	char *got = get_file(p, &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(len, strlen(expected));
	ck_assert_mem_eq(got, expected, len);
	free(got);
	free(p);
}
static mode_t data_mode(const char *rel)
{
	char *p = data_path(&ag, rel);
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	free(p);
	return st.st_mode & 07777;
}
static json_t *edit(struct conn *c, const char *path, const char *old_text, const char *new_text)
{
	return tool_ok(c, "edit",
		       json_pack("{s:s,s:s,s:s}", "path", path, "old_text", old_text, "new_text",
				 new_text));
}
static void edit_fails(struct conn *c, const char *path, const char *old_text, const char *new_text,
		       const char *why)
{
	char *e = tool_err(c, "edit",
			   json_pack("{s:s,s:s,s:s}", "path", path, "old_text", old_text,
				     "new_text", new_text));
	ck_assert_msg(strstr(e, why) != NULL, "edit error '%s' lacks '%s'", e, why);
	free(e);
}

START_TEST(edit_exact_and_fuzzy)
{
	struct conn *c = conn_open(&ag);
	put_str("e.txt", "hello world\nsecond line\n");
	json_t *r = edit(c, "e.txt", "world", "there");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "replacements")), 1);
	ck_assert(json_is_false(json_object_get(r, "fuzzy")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r, "path")), "/e.txt"));
	json_decref(r);
	expect_file("e.txt", "hello there\nsecond line\n");

	/* trailing whitespace and smart quotes, dashes, a no-break space: a fuzzy match, which
	 * rewrites the whole file normalised */
	put_str("f.txt", "a = 1;   \nb = \xe2\x80\x9cq\xe2\x80\x9d;\t\nc \xe2\x80\x94 d\xc2\xa0"
			 "e \xe2\x80\x98s\xe2\x80\x99\n");
	r = edit(c, "f.txt", "a = 1;\nb = \"q\";", "a = 2;\nb = \"q\";");
	ck_assert(json_is_true(json_object_get(r, "fuzzy")));
	json_decref(r);
	expect_file("f.txt", "a = 2;\nb = \"q\";\nc - d e 's'\n");
	conn_close(c);
}
END_TEST

START_TEST(edit_keeps_crlf_bom_and_mode)
{
	struct conn *c = conn_open(&ag);
	put_str("w.txt", "\xef\xbb\xbfone\r\ntwo\r\nthree\r\n");
	char *p = data_path(&ag, "w.txt");
	ck_assert_int_eq(chmod(p, 0600), 0);
	free(p);
	json_decref(edit(c, "w.txt", "two\nthree", "2\n3"));
	expect_file("w.txt", "\xef\xbb\xbfone\r\n2\r\n3\r\n");
	/* old_text written with CRLF matches too */
	json_decref(edit(c, "w.txt", "one\r\n2", "1\r\ntwo"));
	expect_file("w.txt", "\xef\xbb\xbf"
			     "1\r\ntwo\r\n3\r\n");
	ck_assert_uint_eq(data_mode("w.txt"), 0600);
	/* an LF file stays LF */
	put_str("lf.txt", "x\ny\r\n");
	json_decref(edit(c, "lf.txt", "x", "z"));
	expect_file("lf.txt", "z\ny\n");
	conn_close(c);
}
END_TEST

START_TEST(edit_errors_leave_file)
{
	struct conn *c = conn_open(&ag);
	const char *text = "x = 1\nx = 1\ny \ny\n";
	put_str("a.txt", text);
	edit_fails(c, "a.txt", "x = 1", "x = 2", "found 2 occurrences");
	/* exact once, but twice once normalised: still ambiguous */
	edit_fails(c, "a.txt", "y \n", "z\n", "found 2 occurrences");
	edit_fails(c, "a.txt", "x = 1\nx", "x = 1\nx", "no changes made");
	edit_fails(c, "a.txt", "nowhere", "x", "could not find the exact text");
	edit_fails(c, "a.txt", "", "x", "old_text");
	edit_fails(c, "missing.txt", "a", "b", "missing.txt");
	expect_file("a.txt", text);
	conn_close(c);
}
END_TEST

static json_t *patch(struct conn *c, const char *path, const char *diff)
{
	return tool_ok(c, "apply_patch", json_pack("{s:s,s:s}", "path", path, "patch", diff));
}
static void patch_fails(struct conn *c, const char *path, const char *diff, const char *why)
{
	char *e = tool_err(c, "apply_patch", json_pack("{s:s,s:s}", "path", path, "patch", diff));
	ck_assert_msg(strstr(e, why) != NULL, "apply_patch error '%s' lacks '%s'", e, why);
	free(e);
}
#define TEN_LINES "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\n"

START_TEST(patch_hunks_all_or_none)
{
	struct conn *c = conn_open(&ag);
	put_str("p.txt", TEN_LINES);
	char *p = data_path(&ag, "p.txt");
	ck_assert_int_eq(chmod(p, 0640), 0);
	free(p);
	json_t *r = patch(c, "p.txt",
			  "--- a/p.txt\n+++ b/p.txt\n"
			  "@@ -1,3 +1,3 @@\n l1\n-l2\n+L2\n l3\n"
			  "@@ -7,3 +7,4 @@\n l7\n l8\n+new\n l9\n"
			  "@@ -10 +11,0 @@\n-l10\n");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "hunks")), 3);
	json_decref(r);
	expect_file("p.txt", "l1\nL2\nl3\nl4\nl5\nl6\nl7\nl8\nnew\nl9\n");
	ck_assert_uint_eq(data_mode("p.txt"), 0640);

	/* the first hunk applies, the second's context does not: nothing is written */
	put_str("q.txt", TEN_LINES);
	patch_fails(c, "q.txt", "@@ -1,2 +1,2 @@\n-l1\n+L1\n l2\n@@ -5,2 +5,2 @@\n l5\n-lX\n+l6\n",
		    "hunk 2");
	patch_fails(c, "q.txt", "@@ -10,2 +10,2 @@\n l10\n-l11\n+x\n", "out of range");
	patch_fails(c, "q.txt", "@@ -1,3 +1,3 @@\n l1\n-l2\n+L2\n", "hunk 1");
	patch_fails(c, "q.txt", "just text\n", "no hunks");
	expect_file("q.txt", TEN_LINES);

	/* "\ No newline at end of file" */
	put_str("n.txt", "a\nb");
	json_decref(patch(c, "n.txt", "@@ -2 +2,2 @@\n-b\n\\ No newline at end of file\n+b\n+c\n"));
	expect_file("n.txt", "a\nb\nc\n");
	conn_close(c);
}
END_TEST

START_TEST(patch_creates_file)
{
	struct conn *c = conn_open(&ag);
	json_t *r = patch(c, "sub/new.txt",
			  "--- /dev/null\n+++ b/sub/new.txt\n@@ -0,0 +1,2 @@\n+a\n+b\n");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "hunks")), 1);
	json_decref(r);
	expect_file("sub/new.txt", "a\nb\n");
	ck_assert_uint_eq(data_mode("sub/new.txt"), 0644);
	/* a missing file with a hunk that expects lines */
	patch_fails(c, "absent.txt", "@@ -1 +1 @@\n-a\n+b\n", "absent.txt");
	char *p = data_path(&ag, "absent.txt");
	ck_assert_int_ne(access(p, F_OK), 0);
	free(p);
	conn_close(c);
}
END_TEST

static void mkdir_data(const char *rel)
{
	char *p = data_path(&ag, rel);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
}
static json_t *grep(struct conn *c, json_t *args)
{
	return tool_ok(c, "grep", args);
}
static const char *match_path(json_t *r, size_t i)
{
	return json_string_value(
		json_object_get(json_array_get(json_object_get(r, "matches"), i), "path"));
}
static json_int_t match_line(json_t *r, size_t i)
{
	return json_integer_value(
		json_object_get(json_array_get(json_object_get(r, "matches"), i), "line"));
}
static const char *match_text(json_t *r, size_t i)
{
	return json_string_value(
		json_object_get(json_array_get(json_object_get(r, "matches"), i), "text"));
}
static size_t match_count(json_t *r)
{
	return json_array_size(json_object_get(r, "matches"));
}
static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

START_TEST(grep_finds_lines)
{
	struct conn *c = conn_open(&ag);
	mkdir_data("g");
	mkdir_data("g/sub");
	mkdir_data("outside");
	put_str("g/a.txt", "Hello World\nfoo bar\r\nhello again\n");
	put_str("g/sub/b.txt", "nested hello\n");
	put("g/bin.dat", "hello\0binary\n", 13);
	put_str("outside/c.txt", "hello outside\n");
	char *link = data_path(&ag, "g/link");
	ck_assert_int_eq(symlink("../outside", link), 0);
	free(link);

	/* fixed string, recursive by default: the binary file and the symlinked dir are skipped */
	json_t *r = grep(
		c, json_pack("{s:s,s:s,s:b}", "pattern", "hello", "path", "g", "fixed_string", 1));
	ck_assert_uint_eq(match_count(r), 2);
	ck_assert(ends_with(match_path(r, 0), "/g/a.txt"));
	ck_assert_int_eq(match_line(r, 0), 3);
	ck_assert_str_eq(match_text(r, 0), "hello again");
	ck_assert(ends_with(match_path(r, 1), "/g/sub/b.txt"));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "files_scanned")), 2);
	ck_assert(json_is_false(json_object_get(r, "truncated")));
	json_decref(r);

	/* extended regex, ignore case; the CR of a CRLF line is not part of it */
	r = grep(c, json_pack("{s:s,s:s,s:b}", "pattern", "^(h|f)[a-z]+ ?[a-z]+$", "path", "g",
			      "ignore_case", 1));
	ck_assert_uint_eq(match_count(r), 3);
	ck_assert_str_eq(match_text(r, 0), "Hello World");
	ck_assert_str_eq(match_text(r, 1), "foo bar");
	ck_assert_int_eq(match_line(r, 2), 3);
	json_decref(r);

	/* ignore case for a fixed string; not recursive */
	r = grep(c, json_pack("{s:s,s:s,s:b,s:b,s:b}", "pattern", "HELLO", "path", "g",
			      "fixed_string", 1, "ignore_case", 1, "recursive", 0));
	ck_assert_uint_eq(match_count(r), 2);
	ck_assert(ends_with(match_path(r, 1), "/g/a.txt"));
	json_decref(r);

	/* max_matches */
	r = grep(c, json_pack("{s:s,s:s,s:b,s:i}", "pattern", "hello", "path", "g", "ignore_case",
			      1, "max_matches", 2));
	ck_assert_uint_eq(match_count(r), 2);
	ck_assert(json_is_true(json_object_get(r, "truncated")));
	json_decref(r);

	/* one file; the default path is the data dir; a symlink named as the path is followed */
	r = grep(c, json_pack("{s:s,s:s}", "pattern", "o b", "path", "g/a.txt"));
	ck_assert_uint_eq(match_count(r), 1);
	ck_assert_int_eq(match_line(r, 0), 2);
	json_decref(r);
	r = grep(c, json_pack("{s:s}", "pattern", "outside"));
	ck_assert_uint_eq(match_count(r), 1);
	ck_assert(ends_with(match_path(r, 0), "/outside/c.txt"));
	json_decref(r);
	r = grep(c, json_pack("{s:s,s:s}", "pattern", "outside", "path", "g/link"));
	ck_assert_uint_eq(match_count(r), 1);
	json_decref(r);

	char *e = tool_err(c, "grep", json_pack("{s:s}", "pattern", "("));
	ck_assert_ptr_nonnull(strstr(e, "pattern"));
	free(e);
	e = tool_err(c, "grep", json_pack("{s:s,s:s}", "pattern", "x", "path", "nope"));
	free(e);
	conn_close(c);
}
END_TEST

START_TEST(grep_cuts_long_lines)
{
	struct conn *c = conn_open(&ag);
	size_t n = AGENT_GREP_LINE_MAX * 2;
	char *line = malloc(n + 2);
	memset(line, 'a', n);
	/* a 2-byte character straddling the cut */
	line[AGENT_GREP_LINE_MAX - 1] = '\xc3';
	line[AGENT_GREP_LINE_MAX] = '\xa9';
	line[n] = '\n';
	line[n + 1] = '\0';
	put_str("long.txt", line);
	free(line);
	json_t *r = grep(c, json_pack("{s:s,s:s}", "pattern", "aaa", "path", "long.txt"));
	ck_assert_uint_eq(match_count(r), 1);
	ck_assert_uint_eq(strlen(match_text(r, 0)), AGENT_GREP_LINE_MAX - 1);
	json_decref(r);
	conn_close(c);
}
END_TEST

START_TEST(exec_status_timeout_flood)
{
	struct conn *c = conn_open(&ag);
	json_t *r = tool_ok(c, "exec",
			    json_pack("{s:s,s:s}", "command",
				      "read x; echo out:$x; echo err >&2; exit 7", "stdin",
				      "abc\n"));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "exit_code")), 7);
	ck_assert_str_eq(json_string_value(json_object_get(r, "stdout")), "out:abc\n");
	ck_assert_str_eq(json_string_value(json_object_get(r, "stderr")), "err\n");
	json_decref(r);
	long long t0 = now_ms();
	r = tool_ok(c, "exec",
		    json_pack("{s:s,s:i}", "command", "sleep 30 & sleep 30", "timeout_s", 1));
	ck_assert(json_is_true(json_object_get(r, "timed_out")));
	ck_assert_int_lt(now_ms() - t0, 5000);
	json_decref(r);
	r = tool_ok(c, "exec",
		    json_pack("{s:s,s:i}", "command", "yes | head -c 5000000", "timeout_s", 20));
	ck_assert(json_is_true(json_object_get(r, "stdout_truncated")));
	ck_assert_uint_le(strlen(json_string_value(json_object_get(r, "stdout"))),
			  AGENT_EXEC_OUTPUT_MAX);
	json_decref(r);
	conn_close(c);
}
END_TEST

START_TEST(concurrent_connections)
{
	struct conn *slow = conn_open(&ag), *fast = conn_open(&ag);
	char req[] =
		"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"exec\","
		"\"arguments\":{\"command\":\"sleep 2\"}}}\n";
	conn_send(slow, req, strlen(req));
	long long t0 = now_ms();
	json_t *r = rpc(fast, "ping", NULL);
	ck_assert_int_lt(now_ms() - t0, 1000);
	json_decref(r);
	char *line = conn_line(slow, 10000);
	ck_assert_ptr_nonnull(line);
	free(line);
	conn_close(slow);
	conn_close(fast);
}
END_TEST

START_TEST(bad_lines)
{
	struct conn *c = conn_open(&ag);
	conn_send(c, "{not json\n", 10);
	char *line = conn_line(c, 5000);
	json_t *r = json_loads(line, 0, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
			 AGENT_RPC_PARSE_ERROR);
	json_decref(r);
	free(line);
	/* the connection is still usable */
	r = rpc(c, "ping", NULL);
	ck_assert(json_is_object(json_object_get(r, "result")));
	json_decref(r);
	/* a notification gets no answer: the next line answers the ping after it */
	const char *note = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
	conn_send(c, note, strlen(note));
	r = rpc(c, "ping", NULL);
	ck_assert(json_is_object(json_object_get(r, "result")));
	json_decref(r);
	conn_close(c);
}
END_TEST

START_TEST(idle_rss_small)
{
	/* the static binary, as containers run it */
	struct agent st;
	const char *bin = getenv("BERTH_AGENT_STATIC");
	if (!bin || access(bin, X_OK) != 0) {
		printf("SKIP: idle_rss_small: BERTH_AGENT_STATIC not set\n");
		return;
	}
	setenv("BERTH_AGENT_BIN", bin, 1);
	agent_prepare(&st);
	agent_start(&st, NULL, NULL);
	usleep(200000);
	long kib = rss_kib(st.pid);
	printf("berth-agent idle RSS: %ld KiB\n", kib);
	agent_stop(&st);
	agent_cleanup(&st);
	unsetenv("BERTH_AGENT_BIN");
	ck_assert_int_le(kib, 2048);
}
END_TEST

/* How many zombies have parent as their parent (from /proc/N/stat). */
static int zombie_children(pid_t parent)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		char path[300], line[512], state;
		int ppid;
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if (!(f = fopen(path, "r")))
			continue; /* gone meanwhile */
		char *close_paren = fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
		fclose(f);
		if (close_paren && sscanf(close_paren + 1, " %c %d", &state, &ppid) == 2 &&
		    state == 'Z' && ppid == (int)parent)
			n++;
	}
	closedir(d);
	return n;
}

START_TEST(pid1_reaps_and_stops)
{
	struct agent p1;
	const char *wrapper[] = {
		"unshare", "--pid", "--fork", "--kill-child", "--mount-proc", NULL
	};
	if (access("/usr/bin/unshare", X_OK) != 0 || geteuid() != 0) {
		printf("SKIP: pid1_reaps_and_stops: needs root and unshare\n");
		return;
	}
	agent_prepare(&p1);
	agent_start(&p1, wrapper, NULL);
	/* the agent itself (PID 1 inside), found as unshare's child */
	char path[64], buf[32] = "";
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)p1.pid, (int)p1.pid);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
	fclose(f);
	pid_t agent_pid = (pid_t)atoi(buf);
	struct conn *c = conn_open(&p1);
	/* orphans: each shell exits at once, its background child is re-parented to PID 1 */
	json_t *r = tool_ok(
		c, "exec",
		json_pack("{s:s}", "command", "(sleep 0.2 &) ; (sleep 0.3 &) ; echo $$"));
	json_decref(r);
	/* watched from the host: the namespace has no /proc of its own, and a ps inside would
	 * count every zombie on the machine */
	long long deadline = now_ms() + 5000;
	int zombies;
	usleep(400000);
	while ((zombies = zombie_children(agent_pid)) > 0 && now_ms() < deadline)
		usleep(100000);
	ck_assert_int_eq(zombies, 0);
	conn_close(c);
	/* SIGTERM to the agent: what containerd sends at stop */
	long long t0 = now_ms();
	ck_assert_int_eq(kill(agent_pid, SIGTERM), 0);
	int status = agent_stop(&p1);
	ck_assert(WIFEXITED(status));
	ck_assert_int_lt(now_ms() - t0, AGENT_STOP_GRACE_MS + 2000);
	agent_cleanup(&p1);
}
END_TEST

/* Any image, also one without busybox and without a shell: a Debian-like rootfs made from host
 * files (coreutils' dynamically linked echo and cat with the glibc they load, nothing else) with
 * the static agent as its only other program, entered with chroot in a private mount namespace
 * (the test's dir bind-mounted at the same path inside, for the socket and /data, and /dev/null,
 * which a container runtime always provides). */
START_TEST(any_rootfs_without_shell)
{
	struct agent r;
	char root[160], script[1024], *msg;
	const char *wrapper[] = {
		"unshare",
		"--mount",
		"--propagation",
		"private",
		"--",
		"sh",
		"-c",
		"R=$1; D=$2; shift 2; mkdir -p \"$R$D\" \"$R/dev\" && mount --bind \"$D\" \"$R$D\" && "
		"touch \"$R/dev/null\" && mount --bind /dev/null \"$R/dev/null\" && exec chroot \"$R\" \"$@\"",
		"sh",
		root,
		r.dir,
		NULL
	}; /* root and r.dir are filled below */
	const char *old_bin = getenv("BERTH_AGENT_BIN");
	json_t *out, *e;
	size_t i;
	bool saw_echo = false;

	if (access("/usr/bin/unshare", X_OK) != 0 || access("/usr/sbin/chroot", X_OK) != 0 ||
	    geteuid() != 0 || access("berth-agent", X_OK) != 0 ||
	    access("/usr/bin/ldd", X_OK) != 0) {
		printf("SKIP: any_rootfs_without_shell: needs root, unshare, chroot, ldd and ./berth-agent\n");
		return;
	}
	agent_prepare(&r);
	snprintf(root, sizeof root, "%s/root", r.dir);
	snprintf(
		script, sizeof script,
		"set -e; R='%s'; mkdir -p \"$R/bin\" \"$R/tmp\"; cp berth-agent \"$R/berth-agent\"; "
		"for b in /usr/bin/echo /usr/bin/cat; do cp \"$b\" \"$R/bin/\"; "
		"for l in $(ldd \"$b\" | grep -o '/[^ ]*'); do mkdir -p \"$R$(dirname \"$l\")\"; "
		"cp -L \"$l\" \"$R$l\"; done; done; test ! -e \"$R/bin/sh\"",
		root);
	ck_assert_msg(system(script) == 0, "building the rootfs failed");
	ck_assert_int_eq(setenv("BERTH_AGENT_BIN", "/berth-agent", 1), 0);
	agent_start(&r, wrapper, NULL);
	if (old_bin)
		setenv("BERTH_AGENT_BIN", old_bin, 1);
	else
		unsetenv("BERTH_AGENT_BIN");
	struct conn *c = conn_open(&r);
	/* No /bin/sh: a command is split into words and run as argv; argv runs as it is. */
	out = tool_ok(c, "exec", json_pack("{s:s}", "command", "/bin/echo no shell here"));
	ck_assert_int_eq(json_integer_value(json_object_get(out, "exit_code")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(out, "stdout")), "no shell here\n");
	json_decref(out);
	out = tool_ok(c, "write",
		      json_pack("{s:s, s:s}", "path", "sub/f.txt", "content", "in the rootfs\n"));
	json_decref(out);
	out = tool_ok(c, "exec", json_pack("{s:[s,s]}", "argv", "/bin/cat", "sub/f.txt"));
	ck_assert_str_eq(json_string_value(json_object_get(out, "stdout")), "in the rootfs\n");
	json_decref(out);
	/* The agent sees the rootfs, not the host: /bin holds echo and cat, no busybox. */
	out = tool_ok(c, "list", json_pack("{s:s}", "path", "/bin"));
	json_array_foreach(json_object_get(out, "entries"), i, e)
	{
		const char *name = json_string_value(json_object_get(e, "name"));

		ck_assert_msg(!strcmp(name, "echo") || !strcmp(name, "cat"), "unexpected /bin/%s",
			      name);
		saw_echo |= !strcmp(name, "echo");
	}
	ck_assert(saw_echo);
	json_decref(out);
	msg = tool_err(c, "read", json_pack("{s:s}", "path", "/bin/busybox"));
	free(msg);
	conn_close(c);
	agent_stop(&r);
	agent_cleanup(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("berth-agent");
	TCase *tc = tcase_create("agent");
	tcase_add_checked_fixture(tc, start, stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, initialize_negotiates);
	tcase_add_test(tc, tools_list_pages);
	tcase_add_test(tc, write_read_roundtrip_exact);
	tcase_add_test(tc, files_stat_mkdir_rename_delete);
	tcase_add_test(tc, edit_exact_and_fuzzy);
	tcase_add_test(tc, edit_keeps_crlf_bom_and_mode);
	tcase_add_test(tc, edit_errors_leave_file);
	tcase_add_test(tc, patch_hunks_all_or_none);
	tcase_add_test(tc, patch_creates_file);
	tcase_add_test(tc, grep_finds_lines);
	tcase_add_test(tc, grep_cuts_long_lines);
	tcase_add_test(tc, exec_status_timeout_flood);
	tcase_add_test(tc, concurrent_connections);
	tcase_add_test(tc, bad_lines);
	suite_add_tcase(s, tc);
	TCase *solo = tcase_create("process");
	tcase_set_timeout(solo, 60);
	tcase_add_test(solo, idle_rss_small);
	tcase_add_test(solo, pid1_reaps_and_stops);
	tcase_add_test(solo, any_rootfs_without_shell);
	suite_add_tcase(s, solo);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
