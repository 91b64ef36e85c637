/* it_container_authz.c: issue #4 §1, §7: who may use the bot container routes, and every request
 * error they answer before any work is done (400 bot ids, 401, 403, 404 bot, 405, 415, bad JSON).
 * Only admins and the bot's owner pass; members, guests and strangers get 403 and change nothing. */
#define _GNU_SOURCE
#include "it_container_common.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct route {
	const char *method, *suffix, *body;
};

/* Every bot-scoped container route, with a body that would do work if it were allowed. */
static const struct route ROUTES[] = {
	{ "POST", "", NULL },
	{ "GET", "", NULL },
	{ "DELETE", "", NULL },
	{ "POST", "/start", NULL },
	{ "POST", "/stop", NULL },
	{ "POST", "/snapshots", "{\"snapshot_name\":\"intruder\"}" },
	{ "GET", "/snapshots", NULL },
	{ "POST", "/snapshots/rollback", "{\"snapshot_name\":\"keep\"}" },
	{ "GET", "/skills", NULL },
	{ "POST", "/skills", "{\"skills\":[{\"name\":\"intruder\",\"content\":\"x\"}]}" },
	{ "DELETE", "/skills", "{\"names\":[\"keep\"]}" },
	{ "PATCH", "", "{\"limits\":{\"pids\":16}}" },
	{ "GET", "/stats", NULL },
};
#define N_ROUTES (sizeof ROUTES / sizeof ROUTES[0])

/* Every route as id on bot answers want with an error body (and the given code when non-NULL). */
static void all_routes_answer(const char *bot, bt_identity id, long want, const char *code,
			      const char *who)
{
	for (size_t i = 0; i < N_ROUTES; i++) {
		bt_response r;
		long s = it_api(ROUTES[i].method, bot, ROUTES[i].suffix, ROUTES[i].body, id, &r);
		ck_assert_msg(s == want, "%s: %s /bots/%s/container%s: %ld (want %ld) %.300s", who,
			      ROUTES[i].method, bot, ROUTES[i].suffix, s, want, r.body);
		const char *c = bt_expect_error(&r);
		if (code)
			ck_assert_msg(strcmp(c, code) == 0, "%s: %s %s: code %s (want %s)", who,
				      ROUTES[i].method, ROUTES[i].suffix, c, code);
		bt_response_free(&r);
	}
}

/* The state an allowed caller built; asserted unchanged after the denied ones. */
static void assert_untouched(const it_owned_bot *b, int pid)
{
	ck_assert_int_eq(it_ctr_task_pid(b->ctr_id), pid);
	json_t *l = it_api_expect("GET", b->bot_id, "/snapshots", NULL, b->owner.ident, 200);
	char *text = json_dumps(l, JSON_COMPACT);
	ck_assert_msg(strstr(text, "\"keep\"") && !strstr(text, "intruder"),
		      "snapshots after denied calls: %s", text);
	free(text);
	json_decref(l);
	l = it_api_expect("GET", b->bot_id, "/skills", NULL, b->owner.ident, 200);
	text = json_dumps(l, JSON_COMPACT);
	ck_assert_msg(strstr(text, "\"keep\"") && !strstr(text, "intruder"),
		      "skills after denied calls: %s", text);
	free(text);
	json_decref(l);
}

START_TEST(members_guests_and_strangers_get_403)
{
	it_owned_bot b = it_owned_bot_new("public", 1);
	json_decref(it_create(b.bot_id, b.owner.ident));
	json_decref(it_api_expect("POST", b.bot_id, "/snapshots", "{\"snapshot_name\":\"keep\"}",
				  b.owner.ident, 200));
	json_decref(it_api_expect("POST", b.bot_id, "/skills",
				  "{\"skills\":[{\"name\":\"keep\",\"content\":\"k\"}]}",
				  b.owner.ident, 200));
	int pid = it_ctr_task_pid(b.ctr_id);
	ck_assert_int_gt(pid, 0);

	bt_user member = bt_user_new("member", 0);
	bt_member_add(b.bot_id, member.name, "member");
	bt_user bot_admin = bt_user_new("botadmin", 0);
	bt_member_add(b.bot_id, bot_admin.name, "admin");
	bt_user guest = bt_user_new("guest", 0); /* any user of a public bot that allows guests */
	all_routes_answer(b.bot_id, member.ident, 403, "bot_access_denied", "member");
	all_routes_answer(b.bot_id, bot_admin.ident, 403, "bot_access_denied",
			  "bot member with role admin");
	all_routes_answer(b.bot_id, guest.ident, 403, "bot_access_denied", "guest");
	assert_untouched(&b, pid);

	/* A personal bot: a stranger, and a member of it, are refused too. */
	it_owned_bot p = it_owned_bot_new("personal", 0);
	json_decref(it_create(p.bot_id, p.owner.ident));
	json_decref(it_api_expect("POST", p.bot_id, "/snapshots", "{\"snapshot_name\":\"keep\"}",
				  p.owner.ident, 200));
	json_decref(it_api_expect("POST", p.bot_id, "/skills",
				  "{\"skills\":[{\"name\":\"keep\",\"content\":\"k\"}]}",
				  p.owner.ident, 200));
	int ppid = it_ctr_task_pid(p.ctr_id);
	bt_user stranger = bt_user_new("stranger", 0);
	bt_member_add(p.bot_id, member.name, "member");
	all_routes_answer(p.bot_id, stranger.ident, 403, "bot_access_denied", "stranger");
	all_routes_answer(p.bot_id, member.ident, 403, "bot_access_denied",
			  "member of a personal bot");
	/* The owner of one bot is a stranger to another. */
	all_routes_answer(p.bot_id, b.owner.ident, 403, "bot_access_denied",
			  "owner of another bot");
	assert_untouched(&p, ppid);

	bt_user_free(&stranger);
	bt_user_free(&guest);
	bt_user_free(&bot_admin);
	bt_user_free(&member);
	it_owned_bot_done(&p);
	it_owned_bot_done(&b);
}
END_TEST

/* Every route works for the owner and for an admin who is not the owner. */
static void every_route_works(const it_owned_bot *b, bt_identity id)
{
	json_decref(it_api_expect("POST", b->bot_id, "", NULL, id, 200));
	json_decref(it_api_expect("GET", b->bot_id, "", NULL, id, 200));
	json_decref(it_api_expect("POST", b->bot_id, "/stop", NULL, id, 200));
	json_decref(it_api_expect("POST", b->bot_id, "/start", NULL, id, 200));
	json_decref(it_api_expect("POST", b->bot_id, "/snapshots", "{\"snapshot_name\":\"mine\"}",
				  id, 200));
	json_decref(it_api_expect("GET", b->bot_id, "/snapshots", NULL, id, 200));
	json_decref(it_api_expect("POST", b->bot_id, "/snapshots/rollback",
				  "{\"snapshot_name\":\"mine\"}", id, 200));
	json_decref(it_api_expect("POST", b->bot_id, "/skills",
				  "{\"skills\":[{\"name\":\"mine\"}]}", id, 200));
	json_decref(it_api_expect("GET", b->bot_id, "/skills", NULL, id, 200));
	json_decref(
		it_api_expect("DELETE", b->bot_id, "/skills", "{\"names\":[\"mine\"]}", id, 200));
	ck_assert_ptr_null(it_api_expect("DELETE", b->bot_id, "", NULL, id, 204));
}

START_TEST(owner_and_admin_pass_on_every_route)
{
	it_owned_bot b = it_owned_bot_new("public", 1);
	every_route_works(&b, b.owner.ident);
	it_owned_bot_done(&b);
	it_owned_bot p = it_owned_bot_new("personal", 0);
	every_route_works(&p, bt_admin());
	bt_user other_admin = bt_user_new("admin2", 1);
	json_decref(it_create(p.bot_id, p.owner.ident));
	json_decref(it_api_expect("GET", p.bot_id, "", NULL, other_admin.ident, 200));
	ck_assert_ptr_null(it_api_expect("DELETE", p.bot_id, "", NULL, other_admin.ident, 204));
	bt_user_free(&other_admin);
	it_owned_bot_done(&p);
}
END_TEST

START_TEST(unknown_identity_gets_401)
{
	it_owned_bot b = it_owned_bot_new("public", 1);
	char *cn = bt_unique("unknown");
	char *subject = it_fmt("/O=Berth test/OU=strangers/CN=%s", cn);
	bt_user nobody = bt_cert_new("nobody", subject);
	all_routes_answer(b.bot_id, nobody.ident, 401, NULL, "unknown identity");
	ck_assert(!it_ctr_container_exists(b.ctr_id));
	bt_user_free(&nobody);
	free(subject);
	free(cn);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(non_canonical_bot_ids_get_400)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	char upper[64], braces[80], urn[80], hex32[40], trailing[64], spaces[80];
	snprintf(upper, sizeof upper, "%s", b.bot_id);
	for (char *c = upper; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	snprintf(braces, sizeof braces, "%%7B%s%%7D", b.bot_id);
	snprintf(urn, sizeof urn, "urn:uuid:%s", b.bot_id);
	size_t k = 0;
	for (const char *c = b.bot_id; *c; c++)
		if (*c != '-')
			hex32[k++] = *c;
	hex32[k] = '\0';
	snprintf(trailing, sizeof trailing, "%sa", b.bot_id);
	snprintf(spaces, sizeof spaces, "%%20%s", b.bot_id);
	const char *bad[] = { upper,
			      braces,
			      urn,
			      hex32,
			      trailing,
			      spaces,
			      "garbage",
			      "0",
			      "a%2Fb",
			      "x%0A",
			      "00000000-0000-0000-0000-00000000000g" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char who[160];
		snprintf(who, sizeof who, "bot id '%s' as admin", bad[i]);
		all_routes_answer(bad[i], bt_admin(), 400, NULL, who);
		snprintf(who, sizeof who, "bot id '%s' as owner", bad[i]);
		all_routes_answer(bad[i], b.owner.ident, 400, NULL, who);
	}
	ck_assert(!it_ctr_container_exists(b.ctr_id));
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(unknown_bot_gets_404)
{
	char *id = bt_sql("SELECT gen_random_uuid()");
	all_routes_answer(id, bt_admin(), 404, "bot_not_found", "admin, unknown bot");
	bt_user u = bt_user_new("user", 0);
	all_routes_answer(id, u.ident, 404, "bot_not_found", "user, unknown bot");
	bt_user_free(&u);
	free(id);
}
END_TEST

START_TEST(wrong_methods_get_405)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	const struct route wrong[] = {
		{ "PUT", "", "{}" },
		{ "POST", "/stats", "{}" },
		{ "GET", "/start", NULL },
		{ "DELETE", "/start", NULL },
		{ "GET", "/stop", NULL },
		{ "PUT", "/stop", NULL },
		{ "DELETE", "/snapshots", NULL },
		{ "PUT", "/snapshots", "{}" },
		{ "GET", "/snapshots/rollback", NULL },
		{ "DELETE", "/snapshots/rollback", NULL },
		{ "PUT", "/skills", "{}" },
		{ "PATCH", "/skills", "{}" },
	};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		bt_response r;
		long s = it_api(wrong[i].method, b.bot_id, wrong[i].suffix, wrong[i].body,
				b.owner.ident, &r);
		ck_assert_msg(s == 405, "%s container%s: %ld %.300s", wrong[i].method,
			      wrong[i].suffix, s, r.body);
		bt_expect_error(&r);
		char *allow = bt_header(&r, "Allow");
		ck_assert_msg(allow && *allow, "405 without Allow for %s container%s",
			      wrong[i].method, wrong[i].suffix);
		free(allow);
		bt_response_free(&r);
	}
	/* Compat routes too. */
	bt_response r;
	ck_assert_int_eq(
		bt_request("POST", "/container/list", "{}", "application/json", bt_admin(), &r),
		405);
	bt_response_free(&r);
	ck_assert_int_eq(bt_request("GET", "/container/mcp-x", NULL, NULL, bt_admin(), &r), 405);
	bt_response_free(&r);
	ck_assert_int_eq(
		bt_request("PUT", "/container/snapshots", "{}", "application/json", bt_admin(), &r),
		405);
	bt_response_free(&r);
	ck_assert(!it_ctr_container_exists(b.ctr_id));
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(bodies_bad_json_and_media_types)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	const char *json_routes[][2] = {
		{ "POST", "" },	       { "POST", "/snapshots" }, { "POST", "/snapshots/rollback" },
		{ "POST", "/skills" }, { "DELETE", "/skills" },
	};
	for (size_t i = 0; i < sizeof json_routes / sizeof json_routes[0]; i++) {
		const char *m = json_routes[i][0], *suffix = json_routes[i][1];
		char *path = it_fmt("/bots/%s/container%s", b.bot_id, suffix);
		bt_response r;
		long s = bt_request(m, path, "{\"snapshot_name\":\"x\"}", "text/plain",
				    b.owner.ident, &r);
		ck_assert_msg(s == 415, "%s %s text/plain: %ld %.300s", m, suffix, s, r.body);
		bt_expect_error(&r);
		bt_response_free(&r);
		s = bt_request(m, path, "snapshot_name=x", "application/x-www-form-urlencoded",
			       b.owner.ident, &r);
		ck_assert_msg(s == 415, "%s %s form: %ld %.300s", m, suffix, s, r.body);
		bt_response_free(&r);
		s = bt_request(m, path, "{\"snapshot_name\":", "application/json", b.owner.ident,
			       &r);
		ck_assert_msg(s == 400, "%s %s truncated JSON: %ld %.300s", m, suffix, s, r.body);
		bt_expect_error(&r);
		bt_response_free(&r);
		s = bt_request(m, path, "[1,2]", "application/json", b.owner.ident, &r);
		ck_assert_msg(s == 400, "%s %s JSON array: %ld %.300s", m, suffix, s, r.body);
		bt_expect_error(&r);
		bt_response_free(&r);
		s = bt_request(m, path, "{\"a\":1,\"a\":2}", "application/json", b.owner.ident, &r);
		ck_assert_msg(s == 400, "%s %s duplicate keys: %ld %.300s", m, suffix, s, r.body);
		bt_response_free(&r);
		free(path);
	}
	/* Field types. */
	it_api_expect_error("POST", b.bot_id, "", "{\"snapshotter\":5}", b.owner.ident, 400);
	it_api_expect_error("POST", b.bot_id, "", "{\"snapshotter\":\"../../x\"}", b.owner.ident,
			    400);
	it_api_expect_error("POST", b.bot_id, "", "{\"snapshotter\":\"Over Lay\"}", b.owner.ident,
			    400);
	it_api_expect_error("GET", b.bot_id, "/snapshots?snapshotter=a%2Fb", NULL, b.owner.ident,
			    400);
	ck_assert(!it_ctr_container_exists(b.ctr_id));
	/* application/json with parameters is JSON. */
	json_t *c = NULL;
	{
		char *path = it_fmt("/bots/%s/container", b.bot_id);
		bt_response r;
		long s = bt_request("POST", path, "{}", "application/json; charset=utf-8",
				    b.owner.ident, &r);
		ck_assert_msg(s == 200, "POST with application/json; charset=utf-8: %ld %.300s", s,
			      r.body);
		c = bt_json(&r);
		bt_response_free(&r);
		free(path);
	}
	json_decref(c);
	it_api_expect_error("POST", b.bot_id, "/snapshots", "{\"snapshot_name\":7}", b.owner.ident,
			    400);
	it_owned_bot_done(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("container_authz");
	TCase *tc = tcase_create("authz");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, members_guests_and_strangers_get_403);
	tcase_add_test(tc, owner_and_admin_pass_on_every_route);
	tcase_add_test(tc, unknown_identity_gets_401);
	tcase_add_test(tc, non_canonical_bot_ids_get_400);
	tcase_add_test(tc, unknown_bot_gets_404);
	tcase_add_test(tc, wrong_methods_get_405);
	tcase_add_test(tc, bodies_bad_json_and_media_types);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
