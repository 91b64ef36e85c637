/* it_container_compat.c: issue #4 §6, §7: the older version's /container routes with per-container
 * authorization (admin, or the owner of the bot the container belongs to; everyone else 404), and
 * containers Berth did not create never answering, on these routes or the bot routes. */
#define _GNU_SOURCE
#include "it_container_common.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ids listed by GET /container/list as id, joined by ',' (NEW). */
static char *list_ids(bt_identity id)
{
	bt_response r;
	long s = bt_request("GET", "/container/list", NULL, NULL, id, &r);
	ck_assert_msg(s == 200, "GET /container/list: %ld %.300s", s, r.body);
	json_t *j = bt_json(&r);
	bt_response_free(&r);
	json_t *arr = json_object_get(j, "containers");
	ck_assert_msg(json_is_array(arr), "containers is not an array");
	char *ids = strdup(",");
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		ck_assert_str_eq(it_str(json_object_get(e, "labels"), "mcp.bot_id"),
				 it_str(e, "bot_id"));
		char *n = it_fmt("%s%s,", ids, it_str(e, "id"));
		free(ids);
		ids = n;
	}
	json_decref(j);
	return ids;
}

static bool listed(const char *ids, const char *ctr_id)
{
	char *needle = it_fmt(",%s,", ctr_id);
	bool found = strstr(ids, needle) != NULL;
	free(needle);
	return found;
}

static long compat(const char *method, const char *path, const char *body, bt_identity id)
{
	bt_response r;
	long s = bt_request(method, path, body, body ? "application/json" : NULL, id, &r);
	if (s >= 400)
		bt_expect_error(&r);
	bt_response_free(&r);
	return s;
}

START_TEST(list_is_scoped_to_the_caller)
{
	it_owned_bot a = it_owned_bot_new("personal", 0), b = it_owned_bot_new("public", 1);
	json_decref(it_create(a.bot_id, a.owner.ident));
	json_decref(it_create(b.bot_id, b.owner.ident));
	bt_user member = bt_user_new("member", 0);
	bt_member_add(b.bot_id, member.name, "member");

	char *ids = list_ids(bt_admin());
	ck_assert_msg(listed(ids, a.ctr_id) && listed(ids, b.ctr_id), "admin list: %s", ids);
	free(ids);
	ids = list_ids(a.owner.ident);
	ck_assert_msg(listed(ids, a.ctr_id) && !listed(ids, b.ctr_id), "owner a list: %s", ids);
	free(ids);
	ids = list_ids(b.owner.ident);
	ck_assert_msg(!listed(ids, a.ctr_id) && listed(ids, b.ctr_id), "owner b list: %s", ids);
	free(ids);
	ids = list_ids(member.ident);
	ck_assert_msg(strcmp(ids, ",") == 0, "a member with no bot of their own sees: %s", ids);
	free(ids);
	/* Unknown identity. */
	bt_user nobody = bt_cert_new("nobody", "/O=Berth test/OU=strangers/CN=compat-nobody");
	ck_assert_int_eq(compat("GET", "/container/list", NULL, nobody.ident), 401);
	bt_user_free(&nobody);
	bt_user_free(&member);
	it_owned_bot_done(&a);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(snapshots_and_delete_per_container)
{
	it_owned_bot a = it_owned_bot_new("public", 1);
	json_decref(it_create(a.bot_id, a.owner.ident));
	bt_user stranger = bt_user_new("stranger", 0), member = bt_user_new("member", 0);
	bt_member_add(a.bot_id, member.name, "member");
	char *create = it_fmt("{\"container_id\":\"%s\",\"snapshot_name\":\"compat-1\"}", a.ctr_id);
	char *list = it_fmt("/container/snapshots?container_id=%s", a.ctr_id);
	char *del = it_fmt("/container/%s", a.ctr_id);

	/* Others: 404 on everything, as if the container did not exist. */
	bt_identity others[] = { stranger.ident, member.ident };
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(compat("POST", "/container/snapshots", create, others[i]), 404);
		ck_assert_int_eq(compat("GET", list, NULL, others[i]), 404);
		ck_assert_int_eq(compat("DELETE", del, NULL, others[i]), 404);
	}
	ck_assert(it_ctr_container_exists(a.ctr_id));
	char *st = it_ctr_task_status(a.ctr_id);
	ck_assert_str_eq(st, "RUNNING");
	free(st);

	/* The owner: snapshot, list. */
	bt_response r;
	long s = bt_request("POST", "/container/snapshots", create, "application/json",
			    a.owner.ident, &r);
	ck_assert_msg(s == 200, "compat snapshot: %ld %.300s", s, r.body);
	json_t *j = bt_json(&r);
	ck_assert_str_eq(it_str(j, "snapshot_name"), "compat-1");
	ck_assert_str_eq(it_str(j, "container_id"), a.ctr_id);
	json_decref(j);
	bt_response_free(&r);
	ck_assert_int_eq(compat("POST", "/container/snapshots", create, a.owner.ident), 409);
	s = bt_request("GET", list, NULL, NULL, a.owner.ident, &r);
	ck_assert_msg(s == 200 && strstr(r.body, "\"compat-1\""), "compat list: %ld %.300s", s,
		      r.body);
	bt_response_free(&r);
	/* The admin too; and the bot route sees the same snapshot. */
	s = bt_request("GET", list, NULL, NULL, bt_admin(), &r);
	ck_assert_msg(s == 200 && strstr(r.body, "\"compat-1\""),
		      "compat list as admin: %ld %.300s", s, r.body);
	bt_response_free(&r);
	json_decref(it_api_expect("POST", a.bot_id, "/snapshots/rollback",
				  "{\"snapshot_name\":\"compat-1\"}", a.owner.ident, 200));

	/* Bad requests. */
	ck_assert_int_eq(
		compat("POST", "/container/snapshots", "{\"snapshot_name\":\"x\"}", a.owner.ident),
		400);
	ck_assert_int_eq(
		compat("POST", "/container/snapshots", "{\"container_id\":\"\"}", a.owner.ident),
		400);
	ck_assert_int_eq(
		compat("POST", "/container/snapshots", "{\"container_id\":5}", a.owner.ident), 400);
	ck_assert_int_eq(compat("POST", "/container/snapshots", NULL, a.owner.ident), 400);
	ck_assert_int_eq(compat("GET", "/container/snapshots", NULL, a.owner.ident), 400);
	ck_assert_int_eq(compat("GET", "/container/snapshots?container_id=", NULL, a.owner.ident),
			 400);
	ck_assert_int_eq(
		compat("GET", "/container/snapshots?container_id=mcp-nope", NULL, bt_admin()), 404);
	ck_assert_int_eq(compat("DELETE", "/container/mcp-nope", NULL, bt_admin()), 404);
	{
		char *bad = it_fmt("{\"container_id\":\"%s\",\"snapshot_name\":\"a/b\"}", a.ctr_id);
		ck_assert_int_eq(compat("POST", "/container/snapshots", bad, a.owner.ident), 400);
		free(bad);
		s = bt_request("POST", "/container/snapshots", create, "text/plain", a.owner.ident,
			       &r);
		ck_assert_msg(s == 415, "compat snapshot text/plain: %ld", s);
		bt_response_free(&r);
	}

	/* The owner deletes; then it is gone for everyone. */
	ck_assert_int_eq(compat("DELETE", del, NULL, a.owner.ident), 204);
	ck_assert(!it_ctr_container_exists(a.ctr_id));
	ck_assert_int_eq(compat("DELETE", del, NULL, a.owner.ident), 404);
	ck_assert_int_eq(compat("GET", list, NULL, bt_admin()), 404);
	char *ids = list_ids(bt_admin());
	ck_assert_msg(!listed(ids, a.ctr_id), "deleted container still listed");
	free(ids);

	/* An admin deletes another user's container. */
	json_decref(it_create(a.bot_id, a.owner.ident));
	ck_assert_int_eq(compat("DELETE", del, NULL, bt_admin()), 204);
	ck_assert(!it_ctr_container_exists(a.ctr_id));
	free(create);
	free(list);
	free(del);
	bt_user_free(&stranger);
	bt_user_free(&member);
	it_owned_bot_done(&a);
}
END_TEST

/* A container made with ctr directly, even one labelled and named like Berth's, never answers. */
START_TEST(foreign_containers_never_answer)
{
	it_owned_bot a = it_owned_bot_new("personal", 0);
	/* Named like a bot's container, mcp-<a's uuid>, but created by ctr without Berth: without the
	 * label Berth puts on its containers (mcp.bot_id=<uuid>; forging that needs containerd access). */
	char *args_label = it_fmt("mcp.bot_id=%s", a.bot_id);
	char *foreign = bt_unique("foreign");
	const char *image = bt_env("BERTH_BOT_IMAGE");
	ck_assert_int_eq(bt_ctr(NULL, "container", "create", "--label", "owner=someone-else",
				(char *)image, a.ctr_id, "--", "/bin/sh", "-c", "sleep 600", NULL),
			 0);
	/* And one with a Berth-looking label but another name. */
	ck_assert_int_eq(bt_ctr(NULL, "run", "-d", "--label", args_label, (char *)image, foreign,
				"/bin/sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait", NULL),
			 0);

	char *ids = list_ids(bt_admin());
	ck_assert_msg(!listed(ids, a.ctr_id) && !listed(ids, foreign),
		      "foreign containers listed: %s", ids);
	free(ids);
	const char *who[] = { "admin", "owner" };
	bt_identity idents[] = { bt_admin(), a.owner.ident };
	for (int i = 0; i < 2; i++) {
		const char *ctrs[] = { a.ctr_id, foreign };
		for (int k = 0; k < 2; k++) {
			char *del = it_fmt("/container/%s", ctrs[k]);
			char *list = it_fmt("/container/snapshots?container_id=%s", ctrs[k]);
			char *snap = it_fmt("{\"container_id\":\"%s\"}", ctrs[k]);
			ck_assert_msg(compat("DELETE", del, NULL, idents[i]) == 404, "%s DELETE %s",
				      who[i], ctrs[k]);
			ck_assert_msg(compat("GET", list, NULL, idents[i]) == 404,
				      "%s GET snapshots %s", who[i], ctrs[k]);
			ck_assert_msg(compat("POST", "/container/snapshots", snap, idents[i]) ==
					      404,
				      "%s POST snapshots %s", who[i], ctrs[k]);
			free(del);
			free(list);
			free(snap);
		}
	}
	/* Bot routes: the bot has no container of Berth's; the one named like it is not touched. */
	it_api_expect_error("GET", a.bot_id, "", NULL, a.owner.ident, 404);
	json_t *l = it_api_expect("GET", a.bot_id, "/snapshots", NULL, a.owner.ident, 200);
	ck_assert_int_eq(json_array_size(json_object_get(l, "snapshots")), 0);
	json_decref(l);
	bt_response r;
	long s = it_api("POST", a.bot_id, "", NULL, a.owner.ident, &r);
	ck_assert_msg(s == 409, "POST create over a foreign container of the same id: %ld %.300s",
		      s, r.body);
	bt_response_free(&r);
	s = it_api("DELETE", a.bot_id, "", NULL, a.owner.ident, &r);
	ck_assert_msg(s == 409, "DELETE with a foreign container of the same id: %ld %.300s", s,
		      r.body);
	bt_response_free(&r);
	it_api_expect_error("POST", a.bot_id, "/start", NULL, a.owner.ident, 409);
	it_api_expect_error("POST", a.bot_id, "/stop", NULL, a.owner.ident, 409);
	it_api_expect_error("POST", a.bot_id, "/snapshots", "{\"snapshot_name\":\"x\"}",
			    a.owner.ident, 404);
	ck_assert_msg(it_ctr_container_exists(a.ctr_id) && it_ctr_container_exists(foreign),
		      "Berth touched a container it did not create");
	char *st = it_ctr_task_status(foreign);
	ck_assert_str_eq(st, "RUNNING");
	free(st);

	ck_assert_int_eq(bt_ctr(NULL, "task", "kill", "-s", "KILL", foreign, NULL), 0);
	long long deadline = bt_now_ms() + 10000;
	for (;;) {
		st = it_ctr_task_status(foreign);
		bool stopped = strcmp(st, "STOPPED") == 0;
		free(st);
		if (stopped || bt_now_ms() > deadline)
			break;
		bt_sleep_ms(100);
	}
	ck_assert_int_eq(bt_ctr(NULL, "task", "rm", foreign, NULL), 0);
	ck_assert_int_eq(bt_ctr(NULL, "container", "rm", foreign, NULL), 0);
	ck_assert_int_eq(bt_ctr(NULL, "container", "rm", a.ctr_id, NULL), 0);
	free(foreign);
	free(args_label);
	it_owned_bot_done(&a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("container_compat");
	TCase *tc = tcase_create("compat");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, list_is_scoped_to_the_caller);
	tcase_add_test(tc, snapshots_and_delete_per_container);
	tcase_add_test(tc, foreign_containers_never_answer);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
