/* it_tools_files.c: issue #9, every tool through POST /bots/:bot_id/tools, and the plain exec and
 * files routes, each checked against what `ctr task exec` (the independent observer) sees in the
 * container: contents exact (never trimmed), binary content, edit's BOM/CRLF rules, rename's
 * refusal to overwrite, apply_patch, grep, exec's exit codes and signals. */
#define _GNU_SOURCE
#include "it_tools_common.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(every_tool_against_the_observer)
{
	it_owned_bot b = it_running_bot("personal", 0);
	bt_identity me = b.owner.ident;
	json_t *sc;
	char *seen, *msg;

	/* write (parents created), contents exact with leading/trailing blanks and a NUL. */
	sc = it_tool_ok(b.bot_id, me, "write",
			json_pack("{s:s,s:s%}", "path", "dir/sub/a.txt", "content",
				  "  two\nlines \0 nul\n\n", (size_t)19));
	ck_assert_str_eq(it_str(sc, "path"), "/data/dir/sub/a.txt");
	json_decref(sc);
	seen = it_exec_ok(b.ctr_id, "od -An -c /data/dir/sub/a.txt | tr -s ' ' | tr -d '\\n'");
	ck_assert_str_eq(seen, " t w o \\n l i n e s \\0 n u l \\n \\n");
	free(seen);

	/* read: what the observer wrote, exactly. */
	free(it_exec_ok(b.ctr_id, "printf '  padded\\n\\n' > /data/r.txt"));
	sc = it_tool_ok(b.bot_id, me, "read", json_pack("{s:s}", "path", "/data/r.txt"));
	ck_assert_str_eq(it_str(sc, "content"), "  padded\n\n");
	ck_assert(json_is_false(json_object_get(sc, "truncated")));
	json_decref(sc);
	sc = it_tool_ok(b.bot_id, me, "read",
			json_pack("{s:s,s:i,s:i}", "path", "r.txt", "offset", 2, "limit", 3));
	ck_assert_str_eq(it_str(sc, "content"), "pad");
	ck_assert(json_is_true(json_object_get(sc, "truncated")));
	json_decref(sc);

	/* write base64 + read_base64: binary content both ways. */
	sc = it_tool_ok(b.bot_id, me, "write",
			json_pack("{s:s,s:s,s:s}", "path", "bin.dat", "content",
				  "AP8BgH8=", "encoding", "base64"));
	json_decref(sc);
	seen = it_exec_ok(b.ctr_id, "od -An -tx1 /data/bin.dat | tr -d ' \\n'");
	ck_assert_str_eq(seen, "00ff01807f");
	free(seen);
	free(it_exec_ok(b.ctr_id, "printf '\\211PNG\\r\\n\\032\\n\\000' > /data/p.png"));
	sc = it_tool_ok(b.bot_id, me, "read_base64", json_pack("{s:s}", "path", "p.png"));
	ck_assert_str_eq(it_str(sc, "data"), "iVBORw0KGgoA");
	ck_assert_str_eq(it_str(sc, "mime_type"), "image/png");
	json_decref(sc);
	/* read of bytes that are not UTF-8 says to use read_base64. */
	msg = it_tool_err(b.bot_id, me, "read", json_pack("{s:s}", "path", "bin.dat"));
	ck_assert_msg(strstr(msg, "read_base64"), "%s", msg);
	free(msg);

	/* list and stat against the observer's tree. */
	free(it_exec_ok(
		b.ctr_id,
		"mkdir -p /data/l/d && echo x > /data/l/f && ln -s /etc/passwd /data/l/link"));
	sc = it_tool_ok(b.bot_id, me, "list", json_pack("{s:s}", "path", "l"));
	json_t *entries = json_object_get(sc, "entries");
	ck_assert_int_eq(json_array_size(entries), 3);
	ck_assert_str_eq(it_str(json_array_get(entries, 0), "name"), "d");
	ck_assert_str_eq(it_str(json_array_get(entries, 0), "type"), "dir");
	ck_assert_str_eq(it_str(json_array_get(entries, 1), "name"), "f");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(entries, 1), "size")),
			 2);
	ck_assert_str_eq(it_str(json_array_get(entries, 2), "type"), "symlink");
	json_decref(sc);
	sc = it_tool_ok(b.bot_id, me, "list",
			json_pack("{s:s,s:b}", "path", "/data/dir", "recursive", 1));
	ck_assert_int_eq(json_array_size(json_object_get(sc, "entries")), 2); /* sub, sub/a.txt */
	json_decref(sc);
	sc = it_tool_ok(b.bot_id, me, "stat", json_pack("{s:s}", "path", "l/link"));
	ck_assert_str_eq(it_str(sc, "type"), "symlink");
	ck_assert_str_eq(it_str(sc, "link_target"), "/etc/passwd");
	json_decref(sc);
	seen = it_exec_ok(b.ctr_id, "stat -c %s /data/r.txt");
	sc = it_tool_ok(b.bot_id, me, "stat", json_pack("{s:s}", "path", "r.txt"));
	ck_assert_int_eq(json_integer_value(json_object_get(sc, "size")), atoi(seen));
	ck_assert_int_eq(json_integer_value(json_object_get(sc, "mode")), 0644);
	free(seen);
	json_decref(sc);

	/* mkdir, rename (never over an existing target), delete. */
	json_decref(it_tool_ok(b.bot_id, me, "mkdir", json_pack("{s:s}", "path", "m/n/o")));
	ck_assert_int_eq(it_exec(b.ctr_id, "test -d /data/m/n/o", NULL), 0);
	json_decref(
		it_tool_ok(b.bot_id, me, "rename",
			   json_pack("{s:s,s:s}", "source", "r.txt", "destination", "m/r2.txt")));
	ck_assert_int_eq(it_exec(b.ctr_id, "test -f /data/m/r2.txt && ! test -e /data/r.txt", NULL),
			 0);
	msg = it_tool_err(b.bot_id, me, "rename",
			  json_pack("{s:s,s:s}", "source", "e.txt", "destination", "m/r2.txt"));
	free(msg);
	seen = it_exec_ok(b.ctr_id, "cat /data/m/r2.txt");
	ck_assert_str_eq(seen, "  padded");
	free(seen);
	json_decref(it_tool_ok(b.bot_id, me, "delete", json_pack("{s:s}", "path", "m/r2.txt")));
	ck_assert_int_eq(it_exec(b.ctr_id, "test -e /data/m/r2.txt", NULL), 1);
	msg = it_tool_err(b.bot_id, me, "delete", json_pack("{s:s}", "path", "m"));
	free(msg);
	json_decref(it_tool_ok(b.bot_id, me, "delete",
			       json_pack("{s:s,s:b}", "path", "m", "recursive", 1)));
	ck_assert_int_eq(it_exec(b.ctr_id, "test -e /data/m", NULL), 1);

	/* exec: output, exit code, signal, work_dir, env, stdin. */
	sc = it_tool_ok(b.bot_id, me, "exec",
			json_pack("{s:s,s:s,s:{s:s},s:s}", "command",
				  "pwd; echo $GREETING; cat; exit 7", "work_dir", "/data/dir",
				  "env", "GREETING", "hello", "stdin", "from stdin"));
	ck_assert_str_eq(it_str(sc, "stdout"), "/data/dir\nhello\nfrom stdin");
	ck_assert_int_eq(json_integer_value(json_object_get(sc, "exit_code")), 7);
	json_decref(sc);
	sc = it_tool_ok(b.bot_id, me, "exec",
			json_pack("{s:s}", "command", "echo err >&2; kill -9 $$"));
	ck_assert_int_eq(json_integer_value(json_object_get(sc, "signal")), 9);
	ck_assert_int_eq(json_integer_value(json_object_get(sc, "exit_code")), 137);
	ck_assert_str_eq(it_str(sc, "stderr"), "err\n");
	json_decref(sc);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(text_tools_against_the_observer)
{
	it_owned_bot b = it_running_bot("personal", 0);
	bt_identity me = b.owner.ident;
	json_t *sc;
	char *seen, *msg;

	/* edit: BOM and CRLF kept, exact text, unique match. */
	free(it_exec_ok(b.ctr_id,
			"printf '\\357\\273\\277one\\r\\ntwo  \\r\\nthree\\r\\n' > /data/e.txt"));
	sc = it_tool_ok(b.bot_id, me, "edit",
			json_pack("{s:s,s:s,s:s}", "path", "e.txt", "old_text", "two  \nthree",
				  "new_text", " TWO\nthree "));
	json_decref(sc);
	seen = it_exec_ok(b.ctr_id, "od -An -c /data/e.txt | tr -s ' ' | tr -d '\\n'");
	ck_assert_str_eq(seen, " 357 273 277 o n e \\r \\n T W O \\r \\n t h r e e \\r \\n");
	free(seen);
	free(it_exec_ok(b.ctr_id, "printf 'x\\nx\\n' > /data/dup.txt"));
	msg = it_tool_err(
		b.bot_id, me, "edit",
		json_pack("{s:s,s:s,s:s}", "path", "dup.txt", "old_text", "x", "new_text", "y"));
	ck_assert_msg(strstr(msg, "unique") || strstr(msg, "occurrences"), "%s", msg);
	free(msg);

	/* apply_patch with exact context. */
	free(it_exec_ok(b.ctr_id, "printf 'a\\nb\\nc\\n' > /data/p.txt"));
	json_decref(it_tool_ok(
		b.bot_id, me, "apply_patch",
		json_pack("{s:s,s:s}", "path", "p.txt", "patch",
			  "--- a/p.txt\n+++ b/p.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")));
	seen = it_exec_ok(b.ctr_id, "cat /data/p.txt | tr '\\n' ,");
	ck_assert_str_eq(seen, "a,B,c,");
	free(seen);
	msg = it_tool_err(b.bot_id, me, "apply_patch",
			  json_pack("{s:s,s:s}", "path", "p.txt", "patch",
				    "@@ -1,3 +1,3 @@\n a\n-b\n+X\n c\n"));
	free(msg);

	/* grep over the observer's files. */
	free(it_exec_ok(b.ctr_id,
			"mkdir -p /data/g && printf 'alpha\\nneedle here\\n' > /data/g/one && "
			"printf 'needle\\n' > /data/g/two"));
	sc = it_tool_ok(b.bot_id, me, "grep",
			json_pack("{s:s,s:s}", "pattern", "need+le", "path", "g"));
	ck_assert_int_eq(json_array_size(json_object_get(sc, "matches")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(json_object_get(sc, "matches"), 0), "line")),
			 2);
	json_decref(sc);

	it_owned_bot_done(&b);
}
END_TEST

START_TEST(plain_routes)
{
	it_owned_bot b = it_running_bot("personal", 0);
	bt_response r;
	char *p;
	static const char bytes[] = "raw\0bytes\n\377";

	p = it_fmt("/bots/%s/container/files?path=up/load.bin", b.bot_id);
	ck_assert_int_eq(bt_request_ex("PUT", p, bytes, sizeof bytes - 1,
				       "application/octet-stream", NULL, b.owner.ident, &r),
			 200);
	bt_response_free(&r);
	char *seen = it_exec_ok(b.ctr_id, "od -An -tx1 /data/up/load.bin | tr -d ' \\n'");
	ck_assert_str_eq(seen, "726177006279746573"
			       "0aff");
	free(seen);
	ck_assert_int_eq(bt_request("GET", p, NULL, NULL, b.owner.ident, &r), 200);
	ck_assert_int_eq(r.body_len, sizeof bytes - 1);
	ck_assert(memcmp(r.body, bytes, sizeof bytes - 1) == 0);
	char *ct = bt_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "application/octet-stream");
	free(ct);
	bt_response_free(&r);
	free(p);

	p = it_fmt("/bots/%s/container/files/list?path=/data/up", b.bot_id);
	ck_assert_int_eq(bt_request("GET", p, NULL, NULL, b.owner.ident, &r), 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"load.bin\""));
	bt_response_free(&r);
	free(p);

	p = it_fmt("/bots/%s/container/exec", b.bot_id);
	ck_assert_int_eq(bt_request("POST", p, "{\"command\":\"cat /data/up/load.bin | wc -c\"}",
				    "application/json", b.owner.ident, &r),
			 200);
	json_t *j = bt_json(&r);
	ck_assert_str_eq(it_str(j, "stdout"), "11\n");
	json_decref(j);
	bt_response_free(&r);
	ck_assert_int_eq(bt_request("POST", p, "{\"command\":\"true\",\"work_dir\":\"/nowhere\"}",
				    "application/json", b.owner.ident, &r),
			 400);
	bt_response_free(&r);
	free(p);

	p = it_fmt("/bots/%s/container/files?path=/data/up", b.bot_id);
	ck_assert_int_eq(bt_request("GET", p, NULL, NULL, b.owner.ident, &r),
			 400); /* a directory */
	bt_response_free(&r);
	free(p);
	p = it_fmt("/bots/%s/container/files?path=/data/up&recursive=true", b.bot_id);
	ck_assert_int_eq(bt_request("DELETE", p, NULL, NULL, b.owner.ident, &r), 204);
	bt_response_free(&r);
	ck_assert_int_eq(it_exec(b.ctr_id, "test -e /data/up", NULL), 1);
	ck_assert_int_eq(bt_request("DELETE", p, NULL, NULL, b.owner.ident, &r), 404);
	bt_response_free(&r);
	free(p);
	p = it_fmt("/bots/%s/container/files?path=nothing-here", b.bot_id);
	ck_assert_int_eq(bt_request("GET", p, NULL, NULL, b.owner.ident, &r), 404);
	bt_response_free(&r);
	free(p);
	p = it_fmt("/bots/%s/container/files", b.bot_id);
	ck_assert_int_eq(bt_request("GET", p, NULL, NULL, b.owner.ident, &r), 400);
	bt_response_free(&r);
	free(p);
	it_owned_bot_done(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tools_files");
	TCase *tc = tcase_create("files");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, every_tool_against_the_observer);
	tcase_add_test(tc, text_tools_against_the_observer);
	tcase_add_test(tc, plain_routes);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
