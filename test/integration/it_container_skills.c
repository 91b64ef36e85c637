/* it_container_skills.c: issue #4 §5, §7: the skills routes on the host filesystem: round trip
 * (also seen from inside the container), every error code, the limits, and symlink attacks planted
 * by the host or by the bot itself, which must fail and change nothing outside the data dir. */
#define _GNU_SOURCE
#include "it_container_common.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void run_sh(const char *script)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	char *err = NULL;
	int rc = bt_run(argv, NULL, &err, 60);
	ck_assert_msg(rc == 0, "sh -c '%s' failed (%d): %s", script, rc, err ? err : "");
	free(err);
}

/* A directory outside every data dir, holding a sentinel skill and file. NEW path. */
static char *outside_dir(void)
{
	char *name = bt_unique("outside");
	char *dir = it_fmt("%s/%s", bt_env("BERTH_STACK"), name);
	free(name);
	char *script = it_fmt("mkdir -p '%s/keep' && printf 'sentinel' > '%s/keep/SKILL.md' && "
			      "printf 'sentinel' > '%s/SKILL.md' && printf 'file' > '%s/file'",
			      dir, dir, dir, dir);
	run_sh(script);
	free(script);
	return dir;
}

/* The outside dir is exactly as outside_dir left it. */
static void assert_outside_untouched(const char *dir)
{
	const char *expect[][2] = { { "keep/SKILL.md", "sentinel" },
				    { "SKILL.md", "sentinel" },
				    { "file", "file" } };
	for (size_t i = 0; i < 3; i++) {
		char *p = it_fmt("%s/%s", dir, expect[i][0]);
		char *t = it_read_file(p);
		ck_assert_msg(t && strcmp(t, expect[i][1]) == 0, "%s changed: %s", p,
			      t ? t : "(gone)");
		free(t);
		free(p);
	}
	int n = 0;
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "%s gone", dir);
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	ck_assert_msg(n == 3, "%s has %d entries (want 3: something was written there)", dir, n);
}

static void remove_tree(const char *dir)
{
	char *script = it_fmt("rm -rf '%s'", dir);
	run_sh(script);
	free(script);
}

START_TEST(skills_round_trip)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	/* No container needed. */
	json_t *l = it_api_expect("GET", b.bot_id, "/skills", NULL, b.owner.ident, 200);
	ck_assert_msg(json_is_array(json_object_get(l, "skills")), "skills is not an array");
	ck_assert_int_eq(json_array_size(json_object_get(l, "skills")), 0);
	json_decref(l);
	json_t *ok = it_api_expect(
		"POST", b.bot_id, "/skills",
		"{\"skills\":[{\"name\":\"alpha\",\"description\":\"first\",\"content\":"
		"\"---\\nname: alpha\\ndescription: first one\\nmetadata:\\n  k: v\\n---\\nbody text\"},"
		"{\"name\":\"beta: \\\"quoted\\\"\",\"description\":\"needs: quoting # yes\"},"
		"{\"name\":\"gr\\u00fc\\u00df\",\"content\":\"plain\"}]}",
		b.owner.ident, 200);
	ck_assert_msg(json_is_true(json_object_get(ok, "ok")), "upsert: ok not true");
	json_decref(ok);
	l = it_api_expect("GET", b.bot_id, "/skills", NULL, b.owner.ident, 200);
	json_t *arr = json_object_get(l, "skills");
	ck_assert_int_eq(json_array_size(arr), 3);
	json_t *alpha = json_array_get(arr, 0);
	ck_assert_str_eq(it_str(alpha, "name"), "alpha");
	ck_assert_str_eq(it_str(alpha, "description"), "first one");
	ck_assert_str_eq(it_str(alpha, "content"), "body text");
	ck_assert_str_eq(it_str(json_object_get(alpha, "metadata"), "k"), "v");
	/* The generated front matter of beta is valid YAML that round-trips the awkward strings. */
	json_t *beta = json_array_get(arr, 1);
	ck_assert_str_eq(it_str(beta, "name"), "beta: \"quoted\"");
	ck_assert_str_eq(it_str(beta, "description"), "needs: quoting # yes");
	ck_assert_str_eq(it_str(json_array_get(arr, 2), "name"), "gr\xc3\xbc\xc3\x9f");
	ck_assert_str_eq(it_str(json_array_get(arr, 2), "content"), "plain");
	json_decref(l);

	/* On the host, and in the container's data mount. */
	char *data = it_data_dir(b.bot_id);
	char *path = it_fmt("%s/.skills/alpha/SKILL.md", data);
	char *text = it_read_file(path);
	ck_assert_msg(text && strstr(text, "body text"), "%s: %s", path, text ? text : "(none)");
	free(text);
	free(path);
	json_decref(it_create(b.bot_id, b.owner.ident));
	char *inside = it_exec_ok(b.ctr_id, "cat /data/.skills/alpha/SKILL.md");
	ck_assert_msg(strstr(inside, "body text") != NULL, "inside: %s", inside);
	free(inside);

	/* Upsert replaces; delete removes; deleting a missing name is fine. */
	json_decref(it_api_expect("POST", b.bot_id, "/skills",
				  "{\"skills\":[{\"name\":\"alpha\",\"content\":\"v2\"}]}",
				  b.owner.ident, 200));
	inside = it_exec_ok(b.ctr_id, "cat /data/.skills/alpha/SKILL.md");
	ck_assert_str_eq(inside, "v2");
	free(inside);
	json_decref(it_api_expect("DELETE", b.bot_id, "/skills",
				  "{\"names\":[\"alpha\",\"never-existed\"]}", b.owner.ident, 200));
	l = it_api_expect("GET", b.bot_id, "/skills", NULL, b.owner.ident, 200);
	ck_assert_int_eq(json_array_size(json_object_get(l, "skills")), 2);
	json_decref(l);
	/* No temp files left behind by the atomic writes. */
	char *ls = it_exec_ok(b.ctr_id, "find /data/.skills | sort");
	ck_assert_msg(strstr(ls, "tmp") == NULL && strstr(ls, "alpha") == NULL, "find: %s", ls);
	free(ls);

	/* A skill the bot writes itself is listed. */
	free(it_exec_ok(
		b.ctr_id,
		"mkdir -p /data/.skills/own && printf -- '---\\ndescription: mine\\n---\\nhi' > "
		"/data/.skills/own/SKILL.md"));
	l = it_api_expect("GET", b.bot_id, "/skills", NULL, b.owner.ident, 200);
	char *dump = json_dumps(l, JSON_COMPACT);
	ck_assert_msg(strstr(dump, "\"name\":\"own\"") && strstr(dump, "\"description\":\"mine\""),
		      "list: %s", dump);
	free(dump);
	json_decref(l);
	free(data);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(skills_errors)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	char name256[300], name255[300];
	memset(name256, 'n', 256);
	name256[256] = '\0';
	memset(name255, 'n', 255);
	name255[255] = '\0';
	const char *bad_names[] = { "\"\"",	 "\"   \"",	  "\".\"",
				    "\"..\"",	 "\"a/b\"",	  "\"a\\\\b\"",
				    "\"/abs\"",	 "\"..\\\\x\"",	  "\"a\\u0001b\"",
				    "\"a\\nb\"", "\"a\\u007fb\"", "\"a\\tb\"",
				    "5",	 "null",	  NULL };
	for (size_t i = 0; bad_names[i]; i++) {
		char *up = it_fmt("{\"skills\":[{\"name\":%s,\"content\":\"x\"}]}", bad_names[i]);
		char *del = it_fmt("{\"names\":[%s]}", bad_names[i]);
		it_api_expect_error("POST", b.bot_id, "/skills", up, b.owner.ident, 400);
		it_api_expect_error("DELETE", b.bot_id, "/skills", del, b.owner.ident, 400);
		free(up);
		free(del);
	}
	{
		char *up = it_fmt("{\"skills\":[{\"name\":\"%s\",\"content\":\"x\"}]}", name256);
		char *del = it_fmt("{\"names\":[\"%s\"]}", name256);
		it_api_expect_error("POST", b.bot_id, "/skills", up, b.owner.ident, 400);
		it_api_expect_error("DELETE", b.bot_id, "/skills", del, b.owner.ident, 400);
		free(up);
		free(del);
		up = it_fmt("{\"skills\":[{\"name\":\"%s\",\"content\":\"x\"}]}", name255);
		json_decref(it_api_expect("POST", b.bot_id, "/skills", up, b.owner.ident, 200));
		free(up);
	}
	/* A NUL inside a name: JSON with \u0000 (refused by the parser or by the name rule). */
	it_api_expect_error("POST", b.bot_id, "/skills", "{\"skills\":[{\"name\":\"a\\u0000b\"}]}",
			    b.owner.ident, 400);
	it_api_expect_error("DELETE", b.bot_id, "/skills", "{\"names\":[\"a\\u0000b\"]}",
			    b.owner.ident, 400);
	/* One bad entry fails the whole request before anything is written. */
	it_api_expect_error(
		"POST", b.bot_id, "/skills",
		"{\"skills\":[{\"name\":\"good-one\",\"content\":\"x\"},{\"name\":\"..\"}]}",
		b.owner.ident, 400);
	/* Missing or empty lists, wrong shapes. */
	const char *bad_up[] = { "{}",
				 "{\"skills\":[]}",
				 "{\"skills\":null}",
				 "{\"skills\":\"x\"}",
				 "{\"skills\":[5]}",
				 "{\"skills\":[{\"name\":\"x\",\"content\":5}]}",
				 "{\"skills\":[{\"name\":\"x\",\"metadata\":\"m\"}]}",
				 "{\"names\":[\"x\"]}",
				 NULL };
	for (size_t i = 0; bad_up[i]; i++)
		it_api_expect_error("POST", b.bot_id, "/skills", bad_up[i], b.owner.ident, 400);
	it_api_expect_error("POST", b.bot_id, "/skills", NULL, b.owner.ident, 400);
	const char *bad_del[] = { "{}",
				  "{\"names\":[]}",
				  "{\"names\":null}",
				  "{\"names\":\"x\"}",
				  "{\"skills\":[{\"name\":\"x\"}]}",
				  NULL };
	for (size_t i = 0; bad_del[i]; i++)
		it_api_expect_error("DELETE", b.bot_id, "/skills", bad_del[i], b.owner.ident, 400);
	it_api_expect_error("DELETE", b.bot_id, "/skills", NULL, b.owner.ident, 400);

	json_t *l = it_api_expect("GET", b.bot_id, "/skills", NULL, b.owner.ident, 200);
	ck_assert_int_eq(json_array_size(json_object_get(l, "skills")), 1);
	json_decref(l);
	it_owned_bot_done(&b);
}
END_TEST

START_TEST(skills_limits_413)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	/* More skills than the configured count limit (256) in one request. */
	size_t cap = 300 * 48 + 64, len = 0;
	char *body = malloc(cap);
	len += (size_t)snprintf(body + len, cap - len, "{\"skills\":[");
	for (int i = 0; i < 257; i++)
		len += (size_t)snprintf(body + len, cap - len,
					"%s{\"name\":\"s%03d\",\"content\":\"x\"}", i ? "," : "",
					i);
	snprintf(body + len, cap - len, "]}");
	it_api_expect_error("POST", b.bot_id, "/skills", body, b.owner.ident, 413);
	free(body);
	/* 250 now, then 10 more: the total over the limit is 413 and nothing of it is written. */
	len = 0;
	body = malloc(cap);
	len += (size_t)snprintf(body + len, cap - len, "{\"skills\":[");
	for (int i = 0; i < 250; i++)
		len += (size_t)snprintf(body + len, cap - len,
					"%s{\"name\":\"s%03d\",\"content\":\"x\"}", i ? "," : "",
					i);
	snprintf(body + len, cap - len, "]}");
	json_decref(it_api_expect("POST", b.bot_id, "/skills", body, b.owner.ident, 200));
	free(body);
	len = 0;
	body = malloc(cap);
	len += (size_t)snprintf(body + len, cap - len, "{\"skills\":[");
	for (int i = 0; i < 10; i++)
		len += (size_t)snprintf(body + len, cap - len,
					"%s{\"name\":\"t%03d\",\"content\":\"x\"}", i ? "," : "",
					i);
	snprintf(body + len, cap - len, "]}");
	it_api_expect_error("POST", b.bot_id, "/skills", body, b.owner.ident, 413);
	free(body);
	json_t *l = it_api_expect("GET", b.bot_id, "/skills", NULL, b.owner.ident, 200);
	ck_assert_int_eq(json_array_size(json_object_get(l, "skills")), 250);
	json_decref(l);

	/* A SKILL.md over 1 MiB cannot be sent: the body is over the request limit. */
	size_t big = 1024 * 1024 + 16;
	body = malloc(big + 128);
	len = (size_t)snprintf(body, 128, "{\"skills\":[{\"name\":\"big\",\"content\":\"");
	memset(body + len, 'x', big);
	len += big;
	snprintf(body + len, 128, "\"}]}");
	bt_response r;
	long s = it_api("POST", b.bot_id, "/skills", body, b.owner.ident, &r);
	ck_assert_msg(s == 413, "oversized skill: %ld %.200s", s, r.body);
	bt_response_free(&r);
	free(body);
	/* One the bot wrote itself over the limit is skipped by the list, not served. */
	char *data = it_data_dir(b.bot_id);
	char *script = it_fmt(
		"mkdir -p '%s/.skills/huge' && head -c 1100000 /dev/zero | tr '\\0' y > "
		"'%s/.skills/huge/SKILL.md'",
		data, data);
	run_sh(script);
	free(script);
	l = it_api_expect("GET", b.bot_id, "/skills", NULL, b.owner.ident, 200);
	char *dump = json_dumps(l, JSON_COMPACT);
	ck_assert_msg(strstr(dump, "\"huge\"") == NULL, "the oversized SKILL.md was listed");
	free(dump);
	json_decref(l);
	free(data);
	it_owned_bot_done(&b);
}
END_TEST

/* .skills itself a symlink to a directory outside (planted on the host, as root would). */
START_TEST(skills_dir_symlink_fails_everything)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	char *outside = outside_dir();
	char *data = it_data_dir(b.bot_id);
	char *skills = it_fmt("%s/.skills", data);
	char *mk = it_fmt("mkdir -p '%s'", data); /* the data dir, as a container build makes it */
	run_sh(mk);
	free(mk);
	ck_assert_msg(symlink(outside, skills) == 0, "symlink: %s", strerror(errno));

	it_api_expect_error("GET", b.bot_id, "/skills", NULL, b.owner.ident, 409);
	it_api_expect_error("POST", b.bot_id, "/skills",
			    "{\"skills\":[{\"name\":\"keep\",\"content\":\"pwned\"}]}",
			    b.owner.ident, 409);
	it_api_expect_error("POST", b.bot_id, "/skills",
			    "{\"skills\":[{\"name\":\"new\",\"content\":\"pwned\"}]}",
			    b.owner.ident, 409);
	it_api_expect_error("DELETE", b.bot_id, "/skills", "{\"names\":[\"keep\"]}", b.owner.ident,
			    409);
	assert_outside_untouched(outside);
	struct stat sb;
	ck_assert_msg(lstat(skills, &sb) == 0 && S_ISLNK(sb.st_mode),
		      "the planted link was replaced");

	/* The bot's own .skills breaks its skills, never its container: the build leaves the link
	 * as it is and follows it nowhere. */
	json_decref(it_create(b.bot_id, b.owner.ident));
	assert_outside_untouched(outside);
	ck_assert_msg(lstat(skills, &sb) == 0 && S_ISLNK(sb.st_mode),
		      "the build replaced the planted link");
	remove_tree(outside);
	free(outside);
	free(skills);
	free(data);
	it_owned_bot_done(&b);
}
END_TEST

/* Links planted inside .skills: a skill dir, a SKILL.md, something inside a skill dir. */
START_TEST(links_inside_skills_fail_and_change_nothing)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_api_expect("POST", b.bot_id, "/skills",
				  "{\"skills\":[{\"name\":\"z\",\"content\":\"z\"}]}",
				  b.owner.ident, 200));
	char *outside = outside_dir();
	char *data = it_data_dir(b.bot_id);
	char *x = it_fmt("%s/.skills/x", data);
	ck_assert_msg(symlink(outside, x) == 0, "symlink: %s", strerror(errno));
	char *target_file = it_fmt("%s/file", outside);
	char *ydir = it_fmt("%s/.skills/y", data);
	ck_assert_int_eq(mkdir(ydir, 0755), 0);
	char *yfile = it_fmt("%s/SKILL.md", ydir);
	ck_assert_msg(symlink(target_file, yfile) == 0, "symlink: %s", strerror(errno));
	char *zin = it_fmt("%s/.skills/z/inner", data);
	ck_assert_msg(symlink(outside, zin) == 0, "symlink: %s", strerror(errno));

	it_api_expect_error("DELETE", b.bot_id, "/skills", "{\"names\":[\"x\"]}", b.owner.ident,
			    409);
	it_api_expect_error("DELETE", b.bot_id, "/skills", "{\"names\":[\"z\"]}", b.owner.ident,
			    409);
	it_api_expect_error("POST", b.bot_id, "/skills",
			    "{\"skills\":[{\"name\":\"x\",\"content\":\"pwned\"}]}", b.owner.ident,
			    409);
	it_api_expect_error("POST", b.bot_id, "/skills",
			    "{\"skills\":[{\"name\":\"y\",\"content\":\"pwned\"}]}", b.owner.ident,
			    409);
	/* The list fails too (issue #4 §5: a planted link makes the request fail), serving nothing. */
	it_api_expect_error("GET", b.bot_id, "/skills", NULL, b.owner.ident, 409);
	assert_outside_untouched(outside);
	struct stat sb;
	ck_assert_msg(lstat(x, &sb) == 0 && S_ISLNK(sb.st_mode),
		      ".skills/x is no longer the planted link");

	remove_tree(outside);
	free(outside);
	free(x);
	free(target_file);
	free(ydir);
	free(yfile);
	free(zin);
	free(data);
	it_owned_bot_done(&b);
}
END_TEST

/* The bot itself, inside its container, replaces .skills with a link to a host path. */
START_TEST(bot_planted_link_is_refused)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	char *outside = outside_dir();
	char *script = it_fmt("rm -rf /data/.skills && ln -s '%s' /data/.skills", outside);
	free(it_exec_ok(b.ctr_id, script));
	free(script);
	it_api_expect_error("GET", b.bot_id, "/skills", NULL, b.owner.ident, 409);
	it_api_expect_error("POST", b.bot_id, "/skills",
			    "{\"skills\":[{\"name\":\"keep\",\"content\":\"pwned\"}]}",
			    b.owner.ident, 409);
	it_api_expect_error("DELETE", b.bot_id, "/skills", "{\"names\":[\"keep\"]}", b.owner.ident,
			    409);
	assert_outside_untouched(outside);
	/* A link to the host's root: nothing of the host is listed. */
	free(it_exec_ok(
		b.ctr_id,
		"rm -f /data/.skills && mkdir /data/.skills && ln -s / /data/.skills/root && "
		"ln -s /etc /data/.skills/etc"));
	it_api_expect_error("GET", b.bot_id, "/skills", NULL, b.owner.ident, 409);
	it_api_expect_error("DELETE", b.bot_id, "/skills", "{\"names\":[\"etc\"]}", b.owner.ident,
			    409);
	it_api_expect_error("POST", b.bot_id, "/skills",
			    "{\"skills\":[{\"name\":\"root\",\"content\":\"x\"}]}", b.owner.ident,
			    409);
	ck_assert_msg(access("/SKILL.md", F_OK) != 0, "a SKILL.md was written at the host's root");
	/* The running bot is not disturbed by any of this, and the bot can repair its own dir. */
	free(it_exec_ok(b.ctr_id, "rm -f /data/.skills/root /data/.skills/etc"));
	json_t *l = it_api_expect("GET", b.bot_id, "/skills", NULL, b.owner.ident, 200);
	ck_assert_int_eq(json_array_size(json_object_get(l, "skills")), 0);
	json_decref(l);
	ck_assert_msg(access("/etc/passwd", F_OK) == 0, "the host lost /etc/passwd");
	remove_tree(outside);
	free(outside);
	it_owned_bot_done(&b);
}
END_TEST

/* A GET changes nothing: listing the skills of a bot without a data dir creates no directory. */
START_TEST(list_creates_no_directory)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	char *data = it_data_dir(b.bot_id), *state = it_state_dir(b.bot_id);
	struct stat sb;

	ck_assert_msg(lstat(data, &sb) != 0, "%s exists before the test", data);
	json_t *l = it_api_expect("GET", b.bot_id, "/skills", NULL, b.owner.ident, 200);
	ck_assert_int_eq(json_array_size(json_object_get(l, "skills")), 0);
	json_decref(l);
	ck_assert_msg(lstat(data, &sb) != 0, "GET /skills created %s", data);
	ck_assert_msg(lstat(state, &sb) != 0, "GET /skills created %s", state);
	free(data);
	free(state);
	it_owned_bot_done(&b);
}
END_TEST

/* The stack's [skills] max_count (scripts/stack.sh). */
#define STACK_SKILLS_MAX 256
#define RACERS 8
/* Each racer first rewrites this many existing skills, then adds its own: a wide window. */
#define REWRITES 200

static int count_skill_dirs(const char *data)
{
	char *dir = it_fmt("%s/.skills", data);
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_msg(d != NULL, "opendir %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	free(dir);
	return n;
}

/* Upserts hold the bot's lock: racing upserts at max_count - 1 skills, each adding one new name,
 * end with exactly max_count skills: one success, the rest 413. */
START_TEST(concurrent_upserts_respect_the_count_limit)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_api_expect("POST", b.bot_id, "/skills",
				  "{\"skills\":[{\"name\":\"s0\",\"content\":\"x\"}]}",
				  b.owner.ident, 200));
	char *data = it_data_dir(b.bot_id);
	char *script = it_fmt(
		"cd '%s/.skills' && i=1 && while [ $i -lt %d ]; do mkdir s$i && echo x > s$i/SKILL.md; "
		"i=$((i+1)); done",
		data, STACK_SKILLS_MAX - 1);
	run_sh(script);
	free(script);
	ck_assert_int_eq(count_skill_dirs(data), STACK_SKILLS_MAX - 1);

	struct it_op ops[RACERS];
	long statuses[RACERS];
	int ok = 0;
	for (int i = 0; i < RACERS; i++) {
		size_t off = 0;
		ops[i] = (struct it_op){ "POST", "/skills", "" };
		off += (size_t)snprintf(ops[i].body + off, sizeof ops[i].body - off,
					"{\"skills\":[");
		for (int k = 0; k < REWRITES; k++)
			off += (size_t)snprintf(ops[i].body + off, sizeof ops[i].body - off,
						"{\"name\":\"s%d\",\"content\":\"y\"},", k);
		off += (size_t)snprintf(ops[i].body + off, sizeof ops[i].body - off,
					"{\"name\":\"racer%d\",\"content\":\"x\"}]}", i);
		ck_assert_uint_lt(off, sizeof ops[i].body);
	}
	it_run_concurrently(b.bot_id, b.owner.ident, ops, RACERS, statuses);
	for (int i = 0; i < RACERS; i++) {
		ck_assert_msg(statuses[i] == 200 || statuses[i] == 413, "upsert %d: %ld", i,
			      statuses[i]);
		ok += statuses[i] == 200;
	}
	ck_assert_int_eq(count_skill_dirs(data), STACK_SKILLS_MAX);
	ck_assert_int_eq(ok, 1);
	free(data);
	it_owned_bot_done(&b);
}
END_TEST

/* A bot that plants a link at /data/.skills breaks its skills listing, never its container: stop
 * and start, rollback, delete and create all succeed and leave the link as it is. */
START_TEST(planted_link_never_blocks_the_container)
{
	it_owned_bot b = it_owned_bot_new("personal", 0);
	json_decref(it_create(b.bot_id, b.owner.ident));
	json_decref(it_api_expect("POST", b.bot_id, "/snapshots",
				  "{\"snapshot_name\":\"before-link\"}", b.owner.ident, 200));
	char *outside = outside_dir();
	char *script = it_fmt("rm -rf /data/.skills && ln -s '%s' /data/.skills", outside);
	free(it_exec_ok(b.ctr_id, script));
	free(script);
	char *data = it_data_dir(b.bot_id);
	char *skills = it_fmt("%s/.skills", data);
	struct stat sb;
	it_api_expect_error("GET", b.bot_id, "/skills", NULL, b.owner.ident, 409);

	json_decref(it_api_expect("POST", b.bot_id, "/stop", NULL, b.owner.ident, 200));
	json_decref(it_api_expect("POST", b.bot_id, "/start", NULL, b.owner.ident, 200));
	char *status = it_ctr_task_status(b.ctr_id);
	ck_assert_str_eq(status, "RUNNING");
	free(status);
	json_decref(it_api_expect("POST", b.bot_id, "/snapshots/rollback",
				  "{\"snapshot_name\":\"before-link\"}", b.owner.ident, 200));
	json_decref(it_api_expect("DELETE", b.bot_id, "", NULL, b.owner.ident, 204));
	json_decref(it_create(b.bot_id, b.owner.ident));
	ck_assert_msg(lstat(skills, &sb) == 0 && S_ISLNK(sb.st_mode),
		      "the planted link was replaced");
	assert_outside_untouched(outside);
	it_api_expect_error("GET", b.bot_id, "/skills", NULL, b.owner.ident, 409);
	remove_tree(outside);
	free(outside);
	free(skills);
	free(data);
	it_owned_bot_done(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("container_skills");
	TCase *tc = tcase_create("skills");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, skills_round_trip);
	tcase_add_test(tc, skills_errors);
	tcase_add_test(tc, skills_limits_413);
	tcase_add_test(tc, skills_dir_symlink_fails_everything);
	tcase_add_test(tc, links_inside_skills_fail_and_change_nothing);
	tcase_add_test(tc, bot_planted_link_is_refused);
	tcase_add_test(tc, list_creates_no_directory);
	tcase_add_test(tc, concurrent_upserts_respect_the_count_limit);
	tcase_add_test(tc, planted_link_never_blocks_the_container);
	suite_add_tcase(s, tc);
	return it_run_suite(s);
}
