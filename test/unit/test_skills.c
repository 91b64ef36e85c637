/* test_skills.c: skills parsing, list/upsert/delete rules and symlink attacks (temp dirs). */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/safefs.h"
#include "berth/skills.h"

static const struct skills_limits lim = { .max_count = 5, .max_bytes = 4096 };

/* ---- parsing ---- */

static json_t *parse(const char *dir, const char *text)
{
	json_t *j = skills_parse(dir, text, strlen(text));
	ck_assert_ptr_nonnull(j);
	return j;
}

static const char *sget(const json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	ck_assert_msg(s != NULL, "missing %s", key);
	return s;
}

START_TEST(test_parse_no_front_matter)
{
	json_t *j = parse("web", "  \n# Web\n\nBrowse things.\n  ");

	ck_assert_str_eq(sget(j, "name"), "web");
	ck_assert_str_eq(sget(j, "description"), "web");
	ck_assert_str_eq(sget(j, "content"), "# Web\n\nBrowse things.");
	ck_assert_ptr_null(json_object_get(j, "metadata"));
	json_decref(j);
}
END_TEST

START_TEST(test_parse_front_matter)
{
	json_t *j = parse("dir", "---  \r\n"
				 "name: search\n"
				 "description: '  Finds: things  '\n"
				 "metadata:\n"
				 "  version: 2\n"
				 "  ratio: 0.5\n"
				 "  beta: true\n"
				 "  none: ~\n"
				 "  quoted: \"123\"\n"
				 "  tags: [a, b]\n"
				 "  nested: {k: v}\n"
				 "---\r\n\n# Body\ntext");
	json_t *m = json_object_get(j, "metadata");

	ck_assert_str_eq(sget(j, "name"), "search");
	ck_assert_str_eq(sget(j, "description"), "Finds: things");
	ck_assert_str_eq(sget(j, "content"), "# Body\ntext");
	ck_assert(json_is_object(m));
	ck_assert_int_eq(json_integer_value(json_object_get(m, "version")), 2);
	ck_assert(json_real_value(json_object_get(m, "ratio")) == 0.5);
	ck_assert(json_is_true(json_object_get(m, "beta")));
	ck_assert(json_is_null(json_object_get(m, "none")));
	ck_assert_str_eq(json_string_value(json_object_get(m, "quoted")), "123");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(m, "tags"), 1)), "b");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(m, "nested"), "k")),
			 "v");
	json_decref(j);
}
END_TEST

/* A number out of double's range (JSON has no infinity) costs neither the front matter nor the
 * other fields: it stays the text it was. */
START_TEST(test_parse_out_of_range_number)
{
	json_t *j = parse("dir",
			  "---\nname: calc\ndescription: d\n"
			  "metadata: {ratio: 1e999, low: -1e999, tiny: 1e-999, k: v}\n---\nbody");
	json_t *m = json_object_get(j, "metadata");

	ck_assert_str_eq(sget(j, "name"), "calc");
	ck_assert_str_eq(sget(j, "description"), "d");
	ck_assert_str_eq(sget(j, "content"), "body");
	ck_assert(json_is_object(m));
	ck_assert_str_eq(json_string_value(json_object_get(m, "ratio")), "1e999");
	ck_assert_str_eq(json_string_value(json_object_get(m, "low")), "-1e999");
	ck_assert(json_is_real(json_object_get(m, "tiny")));
	ck_assert_str_eq(json_string_value(json_object_get(m, "k")), "v");
	json_decref(j);
}
END_TEST

START_TEST(test_parse_invalid_yaml_and_fallbacks)
{
	json_t *j = parse("dir", "---\nname: [unclosed\n---\nthe body");

	ck_assert_str_eq(sget(j, "name"), "dir");
	ck_assert_str_eq(sget(j, "content"), "the body");
	ck_assert_str_eq(sget(j, "description"), "dir");
	json_decref(j);
	/* aliases are refused (billion laughs) */
	j = parse("dir", "---\na: &x [1]\nb: *x\nname: n\n---\nbody");
	ck_assert_str_eq(sget(j, "name"), "dir");
	json_decref(j);
	/* not a mapping */
	j = parse("dir", "---\n- a\n- b\n---\nbody");
	ck_assert_str_eq(sget(j, "name"), "dir");
	json_decref(j);
	/* unclosed front matter: the whole text is the content */
	j = parse("dir", "---\nname: x\nno end");
	ck_assert_str_eq(sget(j, "name"), "dir");
	ck_assert_str_eq(sget(j, "content"), "---\nname: x\nno end");
	json_decref(j);
	/* empty body: content falls back to the description */
	j = parse("dir", "---\nname: n\ndescription: d\n---\n");
	ck_assert_str_eq(sget(j, "content"), "d");
	json_decref(j);
	/* blank name keeps the dir name; empty dir name becomes default */
	j = parse("", "---\nname: '  '\n---\nbody");
	ck_assert_str_eq(sget(j, "name"), "default");
	json_decref(j);
	/* empty front matter */
	j = parse("dir", "---\n---\nbody");
	ck_assert_str_eq(sget(j, "name"), "dir");
	ck_assert_str_eq(sget(j, "content"), "body");
	json_decref(j);
	/* invalid UTF-8 in a file does not break JSON */
	j = parse("dir", "abc\xff\xfe def");
	ck_assert_str_eq(sget(j, "content"), "abc\xef\xbf\xbd\xef\xbf\xbd def");
	json_decref(j);
}
END_TEST

START_TEST(test_name_rules)
{
	char longname[300];

	ck_assert(skills_name_valid("web search", 10));
	ck_assert(skills_name_valid("ünïcode", strlen("ünïcode")));
	ck_assert(skills_name_valid("a..b", 4));
	ck_assert(!skills_name_valid("", 0));
	ck_assert(!skills_name_valid(".", 1));
	ck_assert(!skills_name_valid("..", 2));
	ck_assert(!skills_name_valid("a/b", 3));
	ck_assert(!skills_name_valid("a\\b", 3));
	ck_assert(!skills_name_valid("a\0b", 3));
	ck_assert(!skills_name_valid("a\nb", 3));
	ck_assert(!skills_name_valid("a\x7f", 2));
	memset(longname, 'x', sizeof longname);
	ck_assert(skills_name_valid(longname, 255));
	ck_assert(!skills_name_valid(longname, 256));
}
END_TEST

/* ---- filesystem ---- */

static char base[64], data[128], outside[128];
static int data_fd = -1;

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static char *P(const char *dir, const char *rel)
{
	static char buf[8][512];
	static int k;
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, rel);
	return buf[k];
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void outside_intact(void)
{
	ck_assert_str_eq(slurp(P(outside, "sentinel")), "secret");
	ck_assert_str_eq(slurp(P(outside, "victim/SKILL.md")), "victim");
	ck_assert(!exists(P(outside, "SKILL.md")));
	ck_assert(!exists(P(outside, "evil")));
	ck_assert(!exists(P(outside, "x")));
	ck_assert(!exists(P(outside, "victim/x")));
}

static void setup(void)
{
	snprintf(base, sizeof base, "/tmp/berth-skills-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(data, sizeof data, "%s/data", base);
	snprintf(outside, sizeof outside, "%s/outside", base);
	ck_assert_int_eq(mkdir(data, 0755), 0);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	ck_assert_int_eq(mkdir(P(outside, "victim"), 0755), 0);
	put(P(outside, "sentinel"), "secret");
	put(P(outside, "victim/SKILL.md"), "victim");
	ck_assert_int_eq(safefs_open_root(data, &data_fd, NULL), 0);
}

static void teardown(void)
{
	close(data_fd);
	data_fd = -1;
	nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static json_t *body(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_ALLOW_NUL, &e);
	ck_assert_msg(j != NULL, "bad test JSON: %s", e.text);
	return j;
}

static int upsert(const char *text, berth_err *err)
{
	json_t *b = body(text);
	int rc = skills_upsert(data_fd, b, &lim, err);
	json_decref(b);
	return rc;
}

static int del(const char *text, berth_err *err)
{
	json_t *b = body(text);
	int rc = skills_delete(data_fd, b, err);
	json_decref(b);
	return rc;
}

static json_t *list(void)
{
	berth_err err;
	json_t *out = NULL;

	ck_assert_msg(skills_list(data_fd, &lim, &out, &err) == 0, "%s", err.msg);
	ck_assert(json_is_array(json_object_get(out, "skills")));
	return out;
}

/* A list is a read: without .skills it is empty and creates nothing. */
START_TEST(test_list_creates_nothing)
{
	struct stat st;
	json_t *out = list();

	ck_assert_int_eq(json_array_size(json_object_get(out, "skills")), 0);
	json_decref(out);
	ck_assert_int_ne(lstat(P(data, ".skills"), &st), 0);
}
END_TEST

START_TEST(test_upsert_list_delete)
{
	struct stat st;
	berth_err err;
	json_t *out, *arr;

	ck_assert_int_eq(upsert("{\"skills\":[{\"name\":\" zeta \",\"content\":\"# Z\"},"
				"{\"name\":\"alpha\",\"description\":\"first: \\\"one\\\"\\nline\","
				"\"metadata\":{\"k\":[1,\"two\",{\"x\":null}],\"q\":\"a'b\"}}]}",
				&err),
			 0);
	ck_assert_str_eq(slurp(P(data, ".skills/zeta/SKILL.md")), "# Z");
	ck_assert_int_eq(stat(P(data, ".skills/alpha/SKILL.md"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	put(P(data, ".skills/SKILL.md"), "root skill");
	put(P(data, ".skills/notes.txt"), "ignored");
	ck_assert_int_eq(mkdir(P(data, ".skills/empty"), 0755), 0);

	out = list();
	arr = json_object_get(out, "skills");
	ck_assert_uint_eq(json_array_size(arr), 3);
	/* name order of the entries: SKILL.md, alpha, zeta */
	ck_assert_str_eq(sget(json_array_get(arr, 0), "name"), "default");
	ck_assert_str_eq(sget(json_array_get(arr, 0), "content"), "root skill");
	ck_assert_str_eq(sget(json_array_get(arr, 1), "name"), "alpha");
	/* generated content round-trips through proper YAML quoting */
	ck_assert_str_eq(sget(json_array_get(arr, 1), "description"), "first: \"one\"\nline");
	{
		json_t *m = json_object_get(json_array_get(arr, 1), "metadata");
		json_t *want = body("{\"k\":[1,\"two\",{\"x\":null}],\"q\":\"a'b\"}");
		ck_assert(json_equal(m, want));
		json_decref(want);
	}
	ck_assert_str_eq(sget(json_array_get(arr, 2), "name"), "zeta");
	ck_assert_str_eq(sget(json_array_get(arr, 2), "content"), "# Z");
	json_decref(out);

	/* replace */
	ck_assert_int_eq(upsert("{\"skills\":[{\"name\":\"zeta\",\"content\":\"v2\"}]}", &err), 0);
	ck_assert_str_eq(slurp(P(data, ".skills/zeta/SKILL.md")), "v2");

	ck_assert_int_eq(del("{\"names\":[\"zeta\",\"missing\"]}", &err), 0);
	ck_assert(!exists(P(data, ".skills/zeta")));
	ck_assert(exists(P(data, ".skills/alpha/SKILL.md")));
	ck_assert_int_eq(del("{\"names\":[\"zeta\"]}", &err), 0);
}
END_TEST

START_TEST(test_generated_quoting_hostile_name)
{
	const char *names[] = { "a: b",	   "#x",  "- item", "\"quoted\"",
				"key: [1", "yes", "123",    "tab\there" };
	berth_err err;

	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		json_t *b = json_pack("{s:[{s:s}]}", "skills", "name", names[i]);
		json_t *out, *s;
		int valid = skills_name_valid(names[i], strlen(names[i]));

		ck_assert_int_eq(skills_upsert(data_fd, b, &lim, &err), valid ? 0 : -1);
		json_decref(b);
		if (!valid)
			continue;
		out = list();
		s = json_array_get(json_object_get(out, "skills"), 0);
		ck_assert_str_eq(sget(s, "name"), names[i]);
		ck_assert_str_eq(sget(s, "description"), names[i]);
		json_decref(out);
		b = json_pack("{s:[s]}", "names", names[i]);
		ck_assert_int_eq(skills_delete(data_fd, b, &err), 0);
		json_decref(b);
	}
}
END_TEST

START_TEST(test_validation_changes_nothing)
{
	const char *bad[] = {
		"{}",
		"{\"skills\":[]}",
		"{\"skills\":{}}",
		"[]",
		"{\"skills\":[{\"name\":\"ok\"},{\"name\":\"\"}]}",
		"{\"skills\":[{\"name\":\"ok\"},{\"name\":\"  \"}]}",
		"{\"skills\":[{\"name\":\"ok\"},{\"name\":\".\"}]}",
		"{\"skills\":[{\"name\":\"ok\"},{\"name\":\"..\"}]}",
		"{\"skills\":[{\"name\":\"ok\"},{\"name\":\"a/b\"}]}",
		"{\"skills\":[{\"name\":\"ok\"},{\"name\":\"a\\\\b\"}]}",
		"{\"skills\":[{\"name\":\"ok\"},{\"name\":\"a\\u0000b\"}]}",
		"{\"skills\":[{\"name\":\"ok\"},{\"name\":\"a\\u0001b\"}]}",
		"{\"skills\":[{\"name\":\"ok\"},{\"name\":7}]}",
		"{\"skills\":[{\"name\":\"ok\"},\"x\"]}",
		"{\"skills\":[{\"name\":\"ok\"},{\"name\":\"x\",\"content\":5}]}",
		"{\"skills\":[{\"name\":\"ok\"},{\"name\":\"x\",\"metadata\":[1]}]}",
	};
	berth_err err;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_int_eq(upsert(bad[i], &err), -1);
		ck_assert_int_eq(err.kind, BERTH_E_INVALID);
		ck_assert(!exists(P(data, ".skills/ok")));
	}
	ck_assert_int_eq(upsert("{}", &err), -1);
	ck_assert_str_eq(err.msg, "skills is required");
	ck_assert_int_eq(upsert("{\"skills\":[{\"name\":\"a/b\"}]}", &err), -1);
	ck_assert_str_eq(err.msg, "invalid skill name");

	ck_assert_int_eq(del("{}", &err), -1);
	ck_assert_str_eq(err.msg, "names is required");
	ck_assert_int_eq(del("{\"names\":[]}", &err), -1);
	ck_assert_str_eq(err.msg, "names is required");
	ck_assert_int_eq(del("{\"names\":[\"..\"]}", &err), -1);
	ck_assert_str_eq(err.msg, "invalid skill name");
	ck_assert_int_eq(del("{\"names\":[\"../outside\"]}", &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_INVALID);
	outside_intact();
}
END_TEST

START_TEST(test_limits)
{
	char big[5000];
	json_t *b, *out;
	berth_err err;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	b = json_pack("{s:[{s:s},{s:s,s:s}]}", "skills", "name", "ok", "name", "big", "content",
		      big);
	ck_assert_int_eq(skills_upsert(data_fd, b, &lim, &err), -1);
	json_decref(b);
	ck_assert_int_eq(err.kind, BERTH_E_TOO_LARGE);
	ck_assert(!exists(P(data, ".skills/ok")));

	ck_assert_int_eq(
		upsert("{\"skills\":[{\"name\":\"s1\"},{\"name\":\"s2\"},{\"name\":\"s3\"},"
		       "{\"name\":\"s4\"}]}",
		       &err),
		0);
	/* 4 existing + 2 new (one repeated) > 5 */
	ck_assert_int_eq(
		upsert("{\"skills\":[{\"name\":\"s5\"},{\"name\":\"s6\"},{\"name\":\"s6\"}]}",
		       &err),
		-1);
	ck_assert_int_eq(err.kind, BERTH_E_TOO_LARGE);
	ck_assert(!exists(P(data, ".skills/s5")));
	/* existing names do not count twice */
	ck_assert_int_eq(
		upsert("{\"skills\":[{\"name\":\"s1\"},{\"name\":\"s5\"},{\"name\":\"s5\"}]}",
		       &err),
		0);

	/* an oversized SKILL.md planted by the bot is skipped; the list is capped at max_count */
	ck_assert_int_eq(mkdir(P(data, ".skills/s0"), 0755), 0);
	{
		FILE *f = fopen(P(data, ".skills/s0/SKILL.md"), "w");
		fputs(big, f);
		fclose(f);
	}
	ck_assert_int_eq(mkdir(P(data, ".skills/s9"), 0755), 0);
	put(P(data, ".skills/s9/SKILL.md"), "nine");
	out = list();
	ck_assert_uint_eq(json_array_size(json_object_get(out, "skills")), 5);
	ck_assert_str_eq(sget(json_array_get(json_object_get(out, "skills"), 0), "name"), "s1");
	json_decref(out);
}
END_TEST

START_TEST(test_symlink_skills_dir)
{
	berth_err err;
	json_t *out = NULL;

	ck_assert_int_eq(symlink(outside, P(data, ".skills")), 0);
	ck_assert_int_eq(skills_list(data_fd, &lim, &out, &err), -1);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_str_eq(err.msg, ".skills is a symbolic link");
	ck_assert_int_eq(upsert("{\"skills\":[{\"name\":\"evil\"}]}", &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_int_eq(upsert("{\"skills\":[{\"name\":\"victim\",\"content\":\"x\"}]}", &err),
			 -1);
	ck_assert_int_eq(del("{\"names\":[\"victim\"]}", &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	outside_intact();
}
END_TEST

START_TEST(test_symlink_skill_entry)
{
	berth_err err;
	json_t *out = NULL;

	ck_assert_int_eq(mkdir(P(data, ".skills"), 0755), 0);
	ck_assert_int_eq(symlink(P(outside, "victim"), P(data, ".skills/victim")), 0);
	ck_assert_int_eq(skills_list(data_fd, &lim, &out, &err), -1);
	ck_assert_str_eq(err.msg, ".skills/victim is a symbolic link");
	ck_assert_int_eq(upsert("{\"skills\":[{\"name\":\"victim\",\"content\":\"x\"}]}", &err),
			 -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_int_eq(del("{\"names\":[\"victim\"]}", &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert(exists(P(data, ".skills/victim")));
	outside_intact();
}
END_TEST

START_TEST(test_symlink_inside_skill)
{
	berth_err err;
	json_t *out = NULL;

	ck_assert_int_eq(upsert("{\"skills\":[{\"name\":\"good\"},{\"name\":\"other\"}]}", &err),
			 0);
	/* a link deep inside a skill dir: delete fails and removes nothing */
	ck_assert_int_eq(mkdir(P(data, ".skills/good/assets"), 0755), 0);
	ck_assert_int_eq(symlink(outside, P(data, ".skills/good/assets/up")), 0);
	ck_assert_int_eq(del("{\"names\":[\"other\",\"good\"]}", &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	ck_assert_str_eq(err.msg, ".skills/good/assets/up is a symbolic link");
	ck_assert(exists(P(data, ".skills/other/SKILL.md")));
	ck_assert(exists(P(data, ".skills/good/SKILL.md")));
	/* SKILL.md itself a link */
	ck_assert_int_eq(unlink(P(data, ".skills/other/SKILL.md")), 0);
	ck_assert_int_eq(symlink(P(outside, "sentinel"), P(data, ".skills/other/SKILL.md")), 0);
	ck_assert_int_eq(skills_list(data_fd, &lim, &out, &err), -1);
	ck_assert_str_eq(err.msg, ".skills/other/SKILL.md is a symbolic link");
	ck_assert_int_eq(upsert("{\"skills\":[{\"name\":\"other\",\"content\":\"x\"}]}", &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	/* root SKILL.md a link */
	ck_assert_int_eq(unlink(P(data, ".skills/other/SKILL.md")), 0);
	ck_assert_int_eq(symlink(P(outside, "sentinel"), P(data, ".skills/SKILL.md")), 0);
	ck_assert_int_eq(skills_list(data_fd, &lim, &out, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	outside_intact();
	ck_assert_str_eq(slurp(P(outside, "sentinel")), "secret");
}
END_TEST

/* Messages are valid UTF-8: jansson refuses anything else as a string. */
static void assert_msg_utf8(const berth_err *err)
{
	json_t *j = json_string(err->msg);
	ck_assert_msg(j != NULL, "message is not valid UTF-8: %s", err->msg);
	json_decref(j);
}

START_TEST(test_messages_utf8)
{
	char name[256] = "a", big[5000], want[128] = "skill \"a";
	json_t *b, *out = NULL;
	berth_err err;

	/* a multi-byte name cut at a character boundary (a byte cut would split an "é") */
	for (int i = 0; i < 100; i++)
		strcat(name, "\xc3\xa9");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	b = json_pack("{s:[{s:s,s:s}]}", "skills", "name", name, "content", big);
	ck_assert_int_eq(skills_upsert(data_fd, b, &lim, &err), -1);
	json_decref(b);
	ck_assert_int_eq(err.kind, BERTH_E_TOO_LARGE);
	assert_msg_utf8(&err);
	for (int i = 0; i < 31; i++)
		strcat(want, "\xc3\xa9");
	strcat(want, "...\": SKILL.md is larger than 4096 bytes");
	ck_assert_str_eq(err.msg, want);

	/* directory names the bot made are any bytes */
	ck_assert_int_eq(mkdir(P(data, ".skills"), 0755), 0);
	ck_assert_int_eq(mkdir(P(data, ".skills/bad\xff\xfe"), 0755), 0);
	ck_assert_int_eq(symlink(P(outside, "sentinel"), P(data, ".skills/bad\xff\xfe/SKILL.md")),
			 0);
	ck_assert_int_eq(skills_list(data_fd, &lim, &out, &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	assert_msg_utf8(&err);
	ck_assert_str_eq(err.msg,
			 ".skills/bad\xef\xbf\xbd\xef\xbf\xbd/SKILL.md is a symbolic link");
	ck_assert_int_eq(unlink(P(data, ".skills/bad\xff\xfe/SKILL.md")), 0);
	ck_assert_int_eq(symlink(outside, P(data, ".skills/link\xc3")), 0);
	ck_assert_int_eq(skills_list(data_fd, &lim, &out, &err), -1);
	assert_msg_utf8(&err);
	ck_assert_str_eq(err.msg, ".skills/link\xef\xbf\xbd is a symbolic link");
	ck_assert_int_eq(unlink(P(data, ".skills/link\xc3")), 0);

	/* a link deep inside a skill, under a name that is not UTF-8: delete's message */
	ck_assert_int_eq(mkdir(P(data, ".skills/good"), 0755), 0);
	ck_assert_int_eq(mkdir(P(data, ".skills/good/\x80"), 0755), 0);
	ck_assert_int_eq(symlink(outside, P(data, ".skills/good/\x80/up")), 0);
	ck_assert_int_eq(del("{\"names\":[\"good\"]}", &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_PRECONDITION);
	assert_msg_utf8(&err);
	ck_assert_str_eq(err.msg, ".skills/good/\xef\xbf\xbd/up is a symbolic link");
	outside_intact();
}
END_TEST

/* 5 x 4000 bytes of control characters would be ~120 KB of JSON (\u0001 each): the listing
 * stops at 8 x max_bytes and leaves out the rest, in name order. */
START_TEST(test_list_json_bound)
{
	char ctl[4001];
	json_t *out, *arr;

	memset(ctl, '\x01', sizeof ctl - 1);
	ctl[sizeof ctl - 1] = '\0';
	ck_assert_int_eq(mkdir(P(data, ".skills"), 0755), 0);
	for (int i = 1; i <= 3; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, ".skills/a%d", i);
		ck_assert_int_eq(mkdir(P(data, rel), 0755), 0);
		strcat(rel, "/SKILL.md");
		put(P(data, rel), ctl);
	}
	ck_assert_int_eq(mkdir(P(data, ".skills/z"), 0755), 0);
	put(P(data, ".skills/z/SKILL.md"), "small");
	out = list();
	arr = json_object_get(out, "skills");
	ck_assert_uint_eq(json_array_size(arr), 1);
	ck_assert_str_eq(sget(json_array_get(arr, 0), "name"), "a1");
	{
		char *text = json_dumps(out, JSON_COMPACT);
		ck_assert_uint_le(strlen(text), 8 * 4096);
		free(text);
	}
	json_decref(out);
	/* small ones fit */
	ck_assert_int_eq(rename(P(data, ".skills/a1"), P(data, ".skills/y")), 0);
	ck_assert_int_eq(rename(P(data, ".skills/a2"), P(data, ".skills/yy")), 0);
	ck_assert_int_eq(rename(P(data, ".skills/a3"), P(data, ".skills/yyy")), 0);
	put(P(data, ".skills/y/SKILL.md"), "one");
	put(P(data, ".skills/yy/SKILL.md"), "two");
	out = list();
	ck_assert_uint_eq(json_array_size(json_object_get(out, "skills")), 4);
	json_decref(out);
}
END_TEST

/* .skills may hold 4 x max_count + 64 entries (84 here); more are not read. */
START_TEST(test_dir_entry_cap)
{
	json_t *out = NULL;
	berth_err err;

	ck_assert_int_eq(mkdir(P(data, ".skills"), 0755), 0);
	for (int i = 0; i < 84; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, ".skills/junk%03d", i);
		put(P(data, rel), "x");
	}
	out = list();
	ck_assert_uint_eq(json_array_size(json_object_get(out, "skills")), 0);
	json_decref(out);
	out = NULL;
	ck_assert_int_eq(upsert("{\"skills\":[{\"name\":\"s1\"}]}", &err), 0);
	ck_assert_int_eq(skills_list(data_fd, &lim, &out, &err), -1);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(err.kind, BERTH_E_TOO_LARGE);
	ck_assert_str_eq(err.msg, ".skills has more than 84 entries");
	ck_assert_int_eq(upsert("{\"skills\":[{\"name\":\"s2\"}]}", &err), -1);
	ck_assert_int_eq(err.kind, BERTH_E_TOO_LARGE);
	ck_assert(!exists(P(data, ".skills/s2")));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("skills");
	TCase *pure = tcase_create("parse");
	TCase *fs = tcase_create("files");

	tcase_add_test(pure, test_parse_no_front_matter);
	tcase_add_test(pure, test_parse_front_matter);
	tcase_add_test(pure, test_parse_out_of_range_number);
	tcase_add_test(pure, test_parse_invalid_yaml_and_fallbacks);
	tcase_add_test(pure, test_name_rules);
	tcase_add_checked_fixture(fs, setup, teardown);
	tcase_add_test(fs, test_list_creates_nothing);
	tcase_add_test(fs, test_upsert_list_delete);
	tcase_add_test(fs, test_generated_quoting_hostile_name);
	tcase_add_test(fs, test_validation_changes_nothing);
	tcase_add_test(fs, test_limits);
	tcase_add_test(fs, test_symlink_skills_dir);
	tcase_add_test(fs, test_symlink_skill_entry);
	tcase_add_test(fs, test_symlink_inside_skill);
	tcase_add_test(fs, test_messages_utf8);
	tcase_add_test(fs, test_list_json_bound);
	tcase_add_test(fs, test_dir_entry_cap);
	suite_add_tcase(s, pure);
	suite_add_tcase(s, fs);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
