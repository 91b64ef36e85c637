/* it_container_compat_create.c: issue #10, the older version's remaining routes (reference §5)
 * through nginx with client certificates: POST /container (its body and response; only the
 * configured image; the container is the caller's bot's, Berth's own with its network) and
 * GET|POST|DELETE /container/skills with the older shapes (no metadata), authorized per container
 * as the other compat routes (admin, or the owner of the container's bot; everyone else 404). */
#define _GNU_SOURCE
#include "it_container_common.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* method path body as id: asserts the status (and Berth's error shape); returns the body. */
static json_t *call(const char *method, const char *path, const char *body, bt_identity id,
		    long want)
{
	bt_response r;
	long s = bt_request(method, path, body, body ? "application/json" : NULL, id, &r);
	ck_assert_msg(s == want, "%s %s %s: %ld (want %ld) %.400s", method, path, body ? body : "",
		      s, want, r.body);
	json_t *j = NULL;
	if (s >= 400) {
		const char *code = bt_expect_error(&r);
		j = json_pack("{s:s}", "code", code);
	} else if (r.body_len) {
		j = bt_json(&r);
	}
	bt_response_free(&r);
	return j;
}

START_TEST(create_for_the_callers_bot)
{
	it_owned_bot a = it_owned_bot_new("personal", 0);
	const char *image = bt_env("BERTH_BOT_IMAGE");

	/* Refused requests create nothing. */
	json_t *e = call("POST", "/container", "{\"image\":\"docker.io/library/alpine:latest\"}",
			 a.owner.ident, 403);
	ck_assert_str_eq(it_str(e, "code"), "image_not_allowed");
	json_decref(e);
	e = call("POST", "/container", "{\"container_id\":\"my-box\"}", a.owner.ident, 400);
	json_decref(e);
	e = call("POST", "/container",
		 "{\"container_id\":\"mcp-00000000-0000-4000-8000-000000000000\"}", a.owner.ident,
		 404);
	json_decref(e);
	e = call("POST", "/container", "{\"snapshotter\":\"../x\"}", a.owner.ident, 400);
	ck_assert_str_eq(it_str(e, "code"), "invalid_snapshotter");
	json_decref(e);
	json_decref(call("POST", "/container", "{\"image\":5}", a.owner.ident, 400));
	json_decref(call("POST", "/container", "[1]", a.owner.ident, 400));
	ck_assert(!it_ctr_container_exists(a.ctr_id));
	char *sql = it_fmt("SELECT count(*) FROM containers WHERE bot_id = '%s'", a.bot_id);
	char *n = bt_sql(sql);
	ck_assert_str_eq(n, "0");
	free(n);

	/* Another user's bot: 404, as an unknown one; a user without a bot: 404. */
	bt_user stranger = bt_user_new("stranger", 0);
	char *theirs = it_fmt("{\"container_id\":\"%s\"}", a.ctr_id);
	json_decref(call("POST", "/container", theirs, stranger.ident, 404));
	json_decref(call("POST", "/container", "{}", stranger.ident, 404));
	ck_assert(!it_ctr_container_exists(a.ctr_id));

	/* The owner's only bot, without naming it; the configured image may be named. */
	char *body = it_fmt("{\"image\":\" %s \"}", image);
	json_t *c = call("POST", "/container", body, a.owner.ident, 200);
	free(body);
	ck_assert_str_eq(it_str(c, "container_id"), a.ctr_id);
	ck_assert_str_eq(it_str(c, "image"), image);
	ck_assert(json_is_true(json_object_get(c, "started")));
	ck_assert(json_is_string(json_object_get(c, "snapshotter")));
	ck_assert_msg(*it_str(c, "ip"), "no network: %s", it_str(c, "ip"));
	json_decref(c);
	char *st = it_ctr_task_status(a.ctr_id);
	ck_assert_str_eq(st, "RUNNING");
	free(st);
	/* Berth's container: the data dir at /data only (not the original's /app), with a network. */
	json_t *info = it_ctr_info(a.ctr_id);
	char *spec = json_dumps(json_object_get(info, "Spec"), JSON_COMPACT);
	ck_assert_msg(!strstr(spec, "\"destination\":\"/app\""), "an /app mount");
	ck_assert_msg(strstr(spec, "\"destination\":\"/data\""), "no /data mount");
	free(spec);
	json_decref(info);
	/* Seen by the bot route and the compat listing alike. */
	json_t *g = it_api_expect("GET", a.bot_id, "", NULL, a.owner.ident, 200);
	ck_assert(json_is_true(json_object_get(g, "task_running")));
	json_decref(g);
	/* Again, naming it: the running container is kept. */
	json_t *again = call("POST", "/container", theirs, a.owner.ident, 200);
	ck_assert(json_is_true(json_object_get(again, "started")));
	json_decref(again);
	n = bt_sql(sql);
	ck_assert_str_eq(n, "1");
	free(n);

	/* A second bot: the owner must name which. */
	char *bot2 = bt_bot_new(a.owner.name, "personal", 0);
	e = call("POST", "/container", "{}", a.owner.ident, 400);
	json_decref(e);
	/* The admin may create for anyone's bot, by name. */
	char *ctr2 = it_fmt("{\"container_id\":\"mcp-%s\"}", bot2);
	json_decref(call("POST", "/container", ctr2, stranger.ident, 404));
	c = call("POST", "/container", ctr2, bt_admin(), 200);
	char *want = it_fmt("mcp-%s", bot2);
	ck_assert_str_eq(it_str(c, "container_id"), want);
	json_decref(c);
	bt_response r;
	ck_assert_int_eq(it_api("DELETE", bot2, "?purge_snapshots=true", NULL, bt_admin(), &r),
			 204);
	bt_response_free(&r);

	free(want);
	free(ctr2);
	free(bot2);
	free(theirs);
	free(sql);
	bt_user_free(&stranger);
	it_owned_bot_done(&a);
}
END_TEST

START_TEST(skills_per_container)
{
	it_owned_bot a = it_owned_bot_new("public", 1);
	bt_user stranger = bt_user_new("stranger", 0), member = bt_user_new("member", 0);
	bt_member_add(a.bot_id, member.name, "admin");
	bt_identity o = a.owner.ident;

	/* No container yet: 404, as the original (the skills routes name a container). */
	json_decref(call("GET", "/container/skills", NULL, o, 404));
	json_decref(call("POST", "/container/skills", "{\"skills\":[{\"name\":\"x\"}]}", o, 404));

	json_decref(it_create(a.bot_id, o));
	char *q = it_fmt("/container/skills?container_id=%s", a.ctr_id);

	/* Upsert with metadata (ignored), then list: the older shape, without metadata. */
	json_t *ok = call(
		"POST", "/container/skills",
		"{\"skills\":[{\"name\":\"greet\",\"description\":\"Say hello\",\"content\":\"# Greet\\n\\nHi.\","
		"\"metadata\":{\"k\":\"v\"}},{\"name\":\"plain\",\"description\":\"Plain one\"}]}",
		o, 200);
	ck_assert(json_is_true(json_object_get(ok, "ok")));
	json_decref(ok);
	json_t *l = call("GET", q, NULL, o, 200);
	json_t *skills = json_object_get(l, "skills");
	ck_assert_int_eq(json_array_size(skills), 2);
	size_t i;
	json_t *s;
	json_array_foreach(skills, i, s)
	{
		ck_assert_ptr_null(json_object_get(s, "metadata"));
		ck_assert(json_is_string(json_object_get(s, "name")) &&
			  json_is_string(json_object_get(s, "description")) &&
			  json_is_string(json_object_get(s, "content")));
	}
	ck_assert_str_eq(it_str(json_array_get(skills, 0), "name"), "greet");
	ck_assert_str_eq(it_str(json_array_get(skills, 1), "name"), "plain");
	ck_assert_str_eq(it_str(json_array_get(skills, 1), "description"), "Plain one");
	json_decref(l);
	/* The same skills through the bot route (no metadata was written). */
	l = it_api_expect("GET", a.bot_id, "/skills", NULL, o, 200);
	ck_assert_int_eq(json_array_size(json_object_get(l, "skills")), 2);
	ck_assert_ptr_null(
		json_object_get(json_array_get(json_object_get(l, "skills"), 0), "metadata"));
	json_decref(l);

	/* Others: 404 whichever way they name it; a public-bot admin member too. */
	bt_identity others[] = { stranger.ident, member.ident };
	for (int k = 0; k < 2; k++) {
		json_decref(call("GET", q, NULL, others[k], 404));
		json_decref(call("POST", q, "{\"skills\":[{\"name\":\"evil\"}]}", others[k], 404));
		json_decref(call("DELETE", q, "{\"names\":[\"greet\"]}", others[k], 404));
		json_decref(call("GET", "/container/skills", NULL, others[k], 404));
	}
	json_decref(call("GET", "/container/skills?container_id=mcp-nope", NULL, bt_admin(), 404));
	/* The admin, naming the container. */
	l = call("GET", q, NULL, bt_admin(), 200);
	ck_assert_int_eq(json_array_size(json_object_get(l, "skills")), 2);
	json_decref(l);

	/* Bad input: 400 and nothing changes. */
	json_decref(call("POST", q, "{\"skills\":[]}", o, 400));
	json_decref(
		call("POST", q, "{\"skills\":[{\"name\":\"ok\"},{\"name\":\"../x\"}]}", o, 400));
	json_decref(call("DELETE", q, "{\"names\":[\".\"]}", o, 400));
	json_decref(call("DELETE", q, "{}", o, 400));
	json_decref(call("POST", q, "{\"skills\":\"x\"}", o, 400));
	l = call("GET", q, NULL, o, 200);
	ck_assert_int_eq(json_array_size(json_object_get(l, "skills")), 2);
	json_decref(l);

	/* Delete one. */
	ok = call("DELETE", q, "{\"names\":[\"plain\"]}", o, 200);
	ck_assert(json_is_true(json_object_get(ok, "ok")));
	json_decref(ok);
	l = call("GET", "/container/skills", NULL, o, 200);
	ck_assert_int_eq(json_array_size(json_object_get(l, "skills")), 1);
	json_decref(l);

	/* A second container of the owner's: the unnamed form must be told which. */
	char *bot2 = bt_bot_new(a.owner.name, "personal", 0);
	json_decref(it_create(bot2, o));
	json_decref(call("GET", "/container/skills", NULL, o, 400));
	bt_response r;
	ck_assert_int_eq(it_api("DELETE", bot2, "?purge_snapshots=true", NULL, bt_admin(), &r),
			 204);
	bt_response_free(&r);

	free(bot2);
	free(q);
	bt_user_free(&stranger);
	bt_user_free(&member);
	it_owned_bot_done(&a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("container_compat_create");
	TCase *tc = tcase_create("compat_create");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, create_for_the_callers_bot);
	tcase_add_test(tc, skills_per_container);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
