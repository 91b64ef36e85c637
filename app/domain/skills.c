/* skills.c: a bot's skills on the host filesystem (see include/berth/skills.h). */
#define _GNU_SOURCE /* asprintf, memrchr */
#include "berth/skills.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "berth/log.h"
#include "berth/safefs.h"
#include "berth/strbuf.h"
#include "berth/utf8.h"

#define SKILLS_DIR ".skills"
#define SKILL_FILE "SKILL.md"
#define SKILL_NAME_MAX 255
#define YAML_MAX_DEPTH 64

/* ---- small string helpers ---------------------------------------------------------------- */

static void trim(const char **s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* A JSON string of arbitrary bytes: invalid UTF-8 becomes U+FFFD (files are the bot's). */
static json_t *json_text(const char *s, size_t n)
{
	struct strbuf b = STRBUF_INIT;
	json_t *j = json_stringn(s, n);

	if (j)
		return j;
	utf8_clean(&b, s, n, SIZE_MAX);
	j = b.ok ? json_stringn(b.s ? b.s : "", b.len) : NULL;
	free(b.s);
	return j;
}

/* Names in messages: valid UTF-8 (directory names are the bot's and may be any bytes), at most
 * SHOWN_NAME_MAX bytes cut at a character boundary, "..." marking a cut. */
#define SHOWN_NAME_MAX 64
struct shown_name {
	char s[SHOWN_NAME_MAX + 4];
};

static const char *shown_name(struct shown_name *out, const char *name)
{
	struct strbuf b = STRBUF_INIT;
	int cut = utf8_clean(&b, name, strlen(name), SHOWN_NAME_MAX);

	snprintf(out->s, sizeof out->s, "%s%s", b.ok && b.s ? b.s : "?", cut ? "..." : "");
	free(b.s);
	return out->s;
}

/* Makes a message valid UTF-8 in place (messages of lower layers name the bot's paths as they
 * are), cut at a character boundary to fit size. */
static void utf8_fix_msg(char *msg, size_t size)
{
	struct strbuf b = STRBUF_INIT;

	utf8_clean(&b, msg, strlen(msg), size - 1);
	if (b.ok)
		snprintf(msg, size, "%s", b.s ? b.s : "");
	else
		snprintf(msg, size, "(message not shown: out of memory)");
	free(b.s);
}

static int fail_utf8(berth_err *err)
{
	if (err)
		utf8_fix_msg(err->msg, sizeof err->msg);
	return -1;
}

/* ---- YAML front matter -> JSON ----------------------------------------------------------- */

static int match_int(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	return *s == '\0';
}

static int match_float(const char *s)
{
	int digits = 0;

	if (*s == '-' || *s == '+')
		s++;
	while (isdigit((unsigned char)*s))
		s++, digits++;
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s))
			s++, digits++;
	}
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0';
}

/* YAML 1.2 core schema resolution of a scalar. */
static json_t *yaml_scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;

	if (tag && strcmp(tag, YAML_STR_TAG) == 0)
		return json_text(v, n);
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || strlen(v) != n)
		return json_text(v, n);
	if (n == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	    strcmp(v, "NULL") == 0)
		return json_null();
	if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
		return json_true();
	if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0)
		return json_false();
	if (match_int(v)) {
		char *end;
		long long x;

		errno = 0;
		x = strtoll(v, &end, 10);
		if (errno == 0 && *end == '\0')
			return json_integer(x);
		return json_text(v, n);
	}
	if (match_float(v)) {
		double d = strtod(v, NULL);

		/* JSON has no infinity: a number out of double's range stays the text it was, so
		 * that one such value does not cost the rest of the front matter. */
		if (!isfinite(d))
			return json_text(v, n);
		return json_real(d);
	}
	return json_text(v, n);
}

/* Converts the node that starts with ev (already parsed; consumed here) and its children.
 * Aliases are refused: they let a few bytes expand into huge documents. */
static json_t *yaml_node(yaml_parser_t *p, yaml_event_t *ev, int depth)
{
	json_t *j = NULL;
	yaml_event_t e;

	if (depth > YAML_MAX_DEPTH) {
		yaml_event_delete(ev);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		j = yaml_scalar(ev);
		yaml_event_delete(ev);
		return j;
	case YAML_SEQUENCE_START_EVENT:
		yaml_event_delete(ev);
		j = json_array();
		for (;;) {
			json_t *item;

			if (!yaml_parser_parse(p, &e))
				goto fail;
			if (e.type == YAML_SEQUENCE_END_EVENT) {
				yaml_event_delete(&e);
				return j;
			}
			item = yaml_node(p, &e, depth + 1);
			if (!item || json_array_append_new(j, item) != 0)
				goto fail;
		}
	case YAML_MAPPING_START_EVENT:
		yaml_event_delete(ev);
		j = json_object();
		for (;;) {
			json_t *val;
			char *key;

			if (!yaml_parser_parse(p, &e))
				goto fail;
			if (e.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&e);
				return j;
			}
			if (e.type != YAML_SCALAR_EVENT ||
			    strlen((const char *)e.data.scalar.value) != e.data.scalar.length) {
				yaml_event_delete(&e);
				goto fail;
			}
			key = strdup((const char *)e.data.scalar.value);
			yaml_event_delete(&e);
			if (!key)
				goto fail;
			if (!yaml_parser_parse(p, &e)) {
				free(key);
				goto fail;
			}
			val = yaml_node(p, &e, depth + 1);
			if (!val || json_object_set_new(j, key, val) != 0) {
				free(key);
				goto fail;
			}
			free(key);
		}
	default: yaml_event_delete(ev); return NULL;
	}
fail:
	json_decref(j);
	return NULL;
}

/* Parses front matter; NEW object, or NULL when it is not valid YAML or not a mapping. */
static json_t *parse_front_matter(const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t e;
	json_t *root = NULL;

	if (!yaml_parser_initialize(&p))
		return NULL;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_parse(&p, &e))
		goto out;
	yaml_event_delete(&e); /* STREAM-START */
	if (!yaml_parser_parse(&p, &e))
		goto out;
	if (e.type == YAML_STREAM_END_EVENT) { /* empty front matter */
		yaml_event_delete(&e);
		root = json_object();
		goto out;
	}
	yaml_event_delete(&e); /* DOCUMENT-START */
	if (!yaml_parser_parse(&p, &e))
		goto out;
	root = yaml_node(&p, &e, 0);
	if (root && json_is_null(root)) { /* a document of comments only */
		json_decref(root);
		root = json_object();
	}
	if (root && !json_is_object(root)) {
		json_decref(root);
		root = NULL;
		goto out;
	}
	/* the document must end cleanly (a later syntax error makes the whole YAML invalid) */
	if (root) {
		if (!yaml_parser_parse(&p, &e)) {
			json_decref(root);
			root = NULL;
			goto out;
		}
		yaml_event_delete(&e);
	}
out:
	yaml_parser_delete(&p);
	return root;
}

/* ---- parsing SKILL.md -------------------------------------------------------------------- */

static const char *find_mem(const char *h, size_t hn, const char *needle)
{
	size_t nn = strlen(needle);

	for (size_t i = 0; i + nn <= hn; i++)
		if (memcmp(h + i, needle, nn) == 0)
			return h + i;
	return NULL;
}

json_t *skills_parse(const char *dir_name, const char *text, size_t len)
{
	const char *t = text, *body = NULL, *fm = NULL;
	size_t tn = len, body_n = 0, fm_n = 0;
	json_t *meta = NULL, *fmj = NULL, *res, *name_j = NULL, *desc_j = NULL, *content_j = NULL;

	trim(&t, &tn);
	if (tn >= 3 && memcmp(t, "---", 3) == 0) {
		size_t i = 3;

		while (i < tn && (t[i] == ' ' || t[i] == '\t'))
			i++;
		if (i < tn && t[i] == '\n')
			i++;
		else if (i + 1 < tn && t[i] == '\r' && t[i + 1] == '\n')
			i += 2;
		else
			i = 0; /* "---something": not front matter */
		if (i > 0) {
			const char *close = NULL;

			if (tn - i >= 3 && memcmp(t + i, "---", 3) == 0)
				close = t + i - 1; /* empty front matter */
			else
				close = find_mem(t + i, tn - i, "\n---");
			if (close) {
				fm = t + i;
				fm_n = close >= fm ? (size_t)(close - fm) : 0;
				body = close + 4;
				body_n = tn - (size_t)(body - t);
				while (body_n > 0 && (*body == '\r' || *body == '\n'))
					body++, body_n--;
			}
		}
	}

	if (fm)
		fmj = parse_front_matter(fm, fm_n);
	if (fmj) {
		json_t *v = json_object_get(fmj, "name");

		if (json_is_string(v)) {
			const char *s = json_string_value(v);
			size_t n = json_string_length(v);
			trim(&s, &n);
			if (n > 0)
				name_j = json_stringn(s, n);
		}
		v = json_object_get(fmj, "description");
		if (json_is_string(v)) {
			const char *s = json_string_value(v);
			size_t n = json_string_length(v);
			trim(&s, &n);
			desc_j = json_stringn(s, n);
		}
		v = json_object_get(fmj, "metadata");
		if (json_is_object(v) && json_object_size(v) > 0)
			meta = json_incref(v);
	}
	if (!name_j)
		name_j = json_text(dir_name, strlen(dir_name));
	if (!desc_j)
		desc_j = json_string("");
	content_j = fm ? json_text(body, body_n) : json_text(t, tn);

	/* 3aea635e4's normalisation */
	if (name_j && json_string_length(name_j) == 0) {
		json_decref(name_j);
		name_j = json_string("default");
	}
	if (desc_j && name_j && json_string_length(desc_j) == 0) {
		json_decref(desc_j);
		desc_j = json_incref(name_j);
	}
	if (content_j && desc_j && json_string_length(content_j) == 0) {
		json_decref(content_j);
		content_j = json_incref(desc_j);
	}
	json_decref(fmj);
	res = json_object();
	if (!res || !name_j || !desc_j || !content_j) {
		json_decref(res);
		json_decref(name_j);
		json_decref(desc_j);
		json_decref(content_j);
		json_decref(meta);
		return NULL;
	}
	json_object_set_new(res, "name", name_j);
	json_object_set_new(res, "description", desc_j);
	json_object_set_new(res, "content", content_j);
	if (meta)
		json_object_set_new(res, "metadata", meta);
	return res;
}

/* ---- validation --------------------------------------------------------------------------- */

int skills_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > SKILL_NAME_MAX)
		return 0;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

static void limits_or_default(const struct skills_limits *in, struct skills_limits *out)
{
	out->max_count = (in && in->max_count > 0) ? in->max_count : 256;
	out->max_bytes = (in && in->max_bytes > 0) ? in->max_bytes : 1048576L;
}

/* Trimmed, validated name of a JSON value; NEW string, or NULL when invalid. */
static char *valid_name(const json_t *v)
{
	const char *s;
	size_t n;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	n = json_string_length(v);
	trim(&s, &n);
	if (!skills_name_valid(s, n))
		return NULL;
	return strndup(s, n);
}

/* ---- generating SKILL.md with proper YAML quoting ----------------------------------------- */

/* A YAML double-quoted scalar: escapes '"', '\\' and every non-printable character. */
static void yaml_quote(struct strbuf *b, const char *s, size_t n)
{
	strbuf_str(b, "\"");
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_seq((const unsigned char *)s + i, n - i, &cp);
		char esc[16];

		if (k == 0) { /* cannot happen for jansson strings; be safe anyway */
			strbuf_str(b, "\\uFFFD");
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\') {
			esc[0] = '\\';
			esc[1] = (char)cp;
			strbuf_add(b, esc, 2);
		} else if (cp == '\n') {
			strbuf_str(b, "\\n");
		} else if (cp == '\t') {
			strbuf_str(b, "\\t");
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0xfeff ||
			   cp == 0xfffe || cp == 0xffff) {
			snprintf(esc, sizeof esc, "\\u%04X", (unsigned)cp);
			strbuf_str(b, esc);
		} else {
			strbuf_add(b, s + i, k);
		}
		i += k;
	}
	strbuf_str(b, "\"");
}

/* JSON value as YAML flow syntax, every string quoted. */
static void yaml_flow(struct strbuf *b, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *val;
		int first = 1;

		strbuf_str(b, "{");
		json_object_foreach((json_t *)v, key, val)
		{
			if (!first)
				strbuf_str(b, ", ");
			first = 0;
			yaml_quote(b, key, strlen(key));
			strbuf_str(b, ": ");
			yaml_flow(b, val);
		}
		strbuf_str(b, "}");
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *val;

		strbuf_str(b, "[");
		json_array_foreach(v, i, val)
		{
			if (i)
				strbuf_str(b, ", ");
			yaml_flow(b, val);
		}
		strbuf_str(b, "]");
		break;
	}
	case JSON_STRING: yaml_quote(b, json_string_value(v), json_string_length(v)); break;
	default: {
		char *num = json_dumps(v, JSON_ENCODE_ANY);
		if (num)
			strbuf_str(b, num);
		else
			b->ok = 0;
		free(num);
	}
	}
}

static char *generate_skill(const char *name, const char *desc, size_t desc_n,
			    const json_t *metadata, size_t *len_out)
{
	struct strbuf b = STRBUF_INIT;

	if (desc_n == 0) {
		desc = name;
		desc_n = strlen(name);
	}
	strbuf_str(&b, "---\nname: ");
	yaml_quote(&b, name, strlen(name));
	strbuf_str(&b, "\ndescription: ");
	yaml_quote(&b, desc, desc_n);
	if (json_is_object(metadata) && json_object_size(metadata) > 0) {
		strbuf_str(&b, "\nmetadata: ");
		yaml_flow(&b, metadata);
	}
	strbuf_str(&b, "\n---\n\n# ");
	strbuf_str(&b, name);
	strbuf_str(&b, "\n\n");
	strbuf_add(&b, desc, desc_n);
	strbuf_str(&b, "\n");
	if (!b.ok) {
		free(b.s);
		return NULL;
	}
	*len_out = b.len;
	return b.s;
}

/* ---- list ---------------------------------------------------------------------------------- */

/* How many entries .skills may hold before list and upsert refuse to read it: room for max_count
 * skill directories and some other files, never millions of names in a worker's memory. */
static size_t skills_dir_max_entries(const struct skills_limits *lim)
{
	return (size_t)lim->max_count * 4 + 64;
}

/* Bound of the listing's encoded JSON (see skills.h). */
static size_t skills_list_max_json(const struct skills_limits *lim)
{
	if ((unsigned long)lim->max_bytes > SIZE_MAX / 8)
		return SIZE_MAX;
	return (size_t)lim->max_bytes * 8;
}

/* Reads one SKILL.md (relative to the data dir): *skill_out is NEW, or NULL when the file is
 * absent or skipped (unreadable, oversized, not regular); a planted link fails the request. */
static int read_one(int data_fd, const char *rel, const char *skill_name, size_t max_bytes,
		    json_t **skill_out, berth_err *err)
{
	enum safefs_type t;
	berth_err rerr;
	size_t len;
	char *text;
	int exists;

	*skill_out = NULL;
	if (safefs_stat(data_fd, rel, &exists, &t, err) != 0)
		return -1;
	if (!exists || t == SAFEFS_DIR || t == SAFEFS_OTHER)
		return 0;
	if (t == SAFEFS_LINK)
		return berth_err_set(err, BERTH_E_PRECONDITION, "%s is a symbolic link", rel);
	berth_err_clear(&rerr);
	if (safefs_read(data_fd, rel, max_bytes, &text, &len, &rerr) != 0) {
		if (berth_err_is(&rerr, BERTH_EC_SYMLINK)) {
			*err = rerr;
			return -1;
		}
		utf8_fix_msg(rerr.msg, sizeof rerr.msg);
		blog(BLOG_WARN, "skills: skipped: %s", rerr.msg);
		return 0;
	}
	*skill_out = skills_parse(skill_name, text, len);
	free(text);
	if (!*skill_out)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return 0;
}

int skills_list(int data_dir_fd, const struct skills_limits *limits, json_t **out, berth_err *err)
{
	struct skills_limits lim;
	struct safefs_entry *v = NULL;
	size_t n = 0, json_total = 0, json_max;
	enum safefs_type t;
	json_t *arr = NULL;
	int exists;

	*out = NULL;
	limits_or_default(limits, &lim);
	json_max = skills_list_max_json(&lim);
	/* A read creates nothing: no .skills is no skills. */
	if (safefs_stat(data_dir_fd, SKILLS_DIR, &exists, &t, err) != 0)
		return fail_utf8(err);
	if (exists && t == SAFEFS_LINK)
		return berth_err_set(err, BERTH_E_PRECONDITION, SKILLS_DIR " is a symbolic link");
	if (exists && t != SAFEFS_DIR)
		return berth_err_set(err, BERTH_E_PRECONDITION, SKILLS_DIR " is not a directory");
	if (exists && safefs_list_max(data_dir_fd, SKILLS_DIR, skills_dir_max_entries(&lim), &v, &n,
				      err) != 0)
		return fail_utf8(err);
	arr = json_array();
	if (!arr) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n && json_array_size(arr) < (size_t)lim.max_count; i++) {
		struct shown_name sn;
		json_t *skill;
		char *rel = NULL;
		size_t size;
		int rc;

		if (v[i].type == SAFEFS_LINK) {
			berth_err_set(err, BERTH_E_PRECONDITION,
				      SKILLS_DIR "/%s is a symbolic link", v[i].name);
			goto fail;
		}
		if (v[i].type == SAFEFS_DIR) {
			if (asprintf(&rel, SKILLS_DIR "/%s/" SKILL_FILE, v[i].name) < 0)
				rel = NULL;
		} else if (v[i].type == SAFEFS_REG && strcmp(v[i].name, SKILL_FILE) == 0) {
			rel = strdup(SKILLS_DIR "/" SKILL_FILE);
		} else {
			continue;
		}
		if (!rel) {
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			goto fail;
		}
		rc = read_one(data_dir_fd, rel, v[i].type == SAFEFS_DIR ? v[i].name : "default",
			      (size_t)lim.max_bytes, &skill, err);
		free(rel);
		if (rc != 0)
			goto fail;
		if (!skill)
			continue;
		/* the encoded size: control characters grow sixfold as \uXXXX escapes */
		size = json_dumpb(skill, NULL, 0, JSON_COMPACT) + 1;
		if (size > json_max - json_total) {
			blog(BLOG_WARN,
			     "skills: the listing would exceed %zu bytes of JSON: " SKILLS_DIR
			     "/%s and the entries after it are left out",
			     json_max, shown_name(&sn, v[i].name));
			json_decref(skill);
			break;
		}
		json_total += size;
		if (json_array_append_new(arr, skill) != 0) {
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			goto fail;
		}
	}
	safefs_entries_free(v, n);
	*out = json_pack("{s:o}", "skills", arr);
	if (!*out)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return 0;
fail:
	safefs_entries_free(v, n);
	json_decref(arr);
	return fail_utf8(err);
}

/* ---- upsert -------------------------------------------------------------------------------- */

struct pending_skill {
	char *name;
	char *data;
	size_t len;
};

static void pending_free(struct pending_skill *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].data);
	}
	free(p);
}

/* Optional string member: absent/null -> "" ; anything but a string -> error. */
static int opt_string(const json_t *obj, const char *key, const char **s, size_t *n, berth_err *err)
{
	const json_t *v = json_object_get(obj, key);

	*s = "";
	*n = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return berth_err_set(err, BERTH_E_INVALID, "invalid skill %s", key);
	*s = json_string_value(v);
	*n = json_string_length(v);
	trim(s, n);
	return 0;
}

static int build_pending(const json_t *item, const struct skills_limits *lim,
			 struct pending_skill *p, berth_err *err)
{
	const char *desc, *content;
	size_t desc_n, content_n;
	const json_t *meta;

	if (!json_is_object(item))
		return berth_err_set(err, BERTH_E_INVALID, "invalid skill entry");
	p->name = valid_name(json_object_get(item, "name"));
	if (!p->name)
		return berth_err_set(err, BERTH_E_INVALID, "invalid skill name");
	if (opt_string(item, "description", &desc, &desc_n, err) != 0 ||
	    opt_string(item, "content", &content, &content_n, err) != 0)
		return -1;
	meta = json_object_get(item, "metadata");
	if (meta && !json_is_null(meta) && !json_is_object(meta))
		return berth_err_set(err, BERTH_E_INVALID, "invalid skill metadata");
	if (content_n > 0) {
		p->data = malloc(content_n + 1);
		if (!p->data)
			return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		memcpy(p->data, content, content_n);
		p->data[content_n] = '\0';
		p->len = content_n;
	} else {
		p->data = generate_skill(p->name, desc, desc_n, meta, &p->len);
		if (!p->data)
			return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	}
	if (p->len > (size_t)lim->max_bytes) {
		struct shown_name sn;

		return berth_err_set(err, BERTH_E_TOO_LARGE,
				     "skill \"%s\": SKILL.md is larger than %ld bytes",
				     shown_name(&sn, p->name), lim->max_bytes);
	}
	return 0;
}

/* The paths an upsert of name writes must be link-free: .skills/<name> a directory (or absent),
 * .skills/<name>/SKILL.md a regular file (or absent). */
static int check_target(int data_fd, const char *name, int *exists_out, berth_err *err)
{
	char rel[sizeof SKILLS_DIR + SKILL_NAME_MAX + sizeof SKILL_FILE + 4];
	enum safefs_type t;
	int exists;

	snprintf(rel, sizeof rel, SKILLS_DIR "/%s", name);
	if (safefs_stat(data_fd, rel, &exists, &t, err) != 0)
		return -1;
	*exists_out = exists && t == SAFEFS_DIR;
	if (!exists)
		return 0;
	if (t == SAFEFS_LINK)
		return berth_err_set(err, BERTH_E_PRECONDITION, "%s is a symbolic link", rel);
	if (t != SAFEFS_DIR)
		return berth_err_set(err, BERTH_E_PRECONDITION, "%s is not a directory", rel);
	snprintf(rel, sizeof rel, SKILLS_DIR "/%s/" SKILL_FILE, name);
	if (safefs_stat(data_fd, rel, &exists, &t, err) != 0)
		return -1;
	if (exists && t == SAFEFS_LINK)
		return berth_err_set(err, BERTH_E_PRECONDITION, "%s is a symbolic link", rel);
	if (exists && t != SAFEFS_REG)
		return berth_err_set(err, BERTH_E_PRECONDITION, "%s is not a regular file", rel);
	return 0;
}

static size_t count_skill_dirs(const struct safefs_entry *v, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].type == SAFEFS_DIR)
			c++;
	return c;
}

int skills_upsert(int data_dir_fd, const json_t *body, const struct skills_limits *limits,
		  berth_err *err)
{
	struct skills_limits lim;
	struct pending_skill *p = NULL;
	struct safefs_entry *v = NULL;
	size_t n, nv = 0, added = 0;
	const json_t *skills = json_is_object(body) ? json_object_get(body, "skills") : NULL;

	limits_or_default(limits, &lim);
	if (!json_is_array(skills) || json_array_size(skills) == 0)
		return berth_err_set(err, BERTH_E_INVALID, "skills is required");
	n = json_array_size(skills);
	if (n > (size_t)lim.max_count)
		return berth_err_set(err, BERTH_E_TOO_LARGE, "too many skills: at most %d",
				     lim.max_count);
	p = calloc(n, sizeof *p);
	if (!p)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (build_pending(json_array_get(skills, i), &lim, &p[i], err) != 0)
			goto fail;

	/* every path is checked before anything is written */
	if (safefs_mkdirs(data_dir_fd, SKILLS_DIR, 0755, NULL, err) != 0 ||
	    safefs_list_max(data_dir_fd, SKILLS_DIR, skills_dir_max_entries(&lim), &v, &nv, err) !=
		    0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		int exists, dup = 0;

		if (check_target(data_dir_fd, p[i].name, &exists, err) != 0)
			goto fail;
		for (size_t k = 0; k < i; k++)
			if (strcmp(p[k].name, p[i].name) == 0)
				dup = 1;
		if (!exists && !dup)
			added++;
	}
	if (count_skill_dirs(v, nv) + added > (size_t)lim.max_count) {
		berth_err_set(err, BERTH_E_TOO_LARGE, "too many skills: %zu, at most %d",
			      count_skill_dirs(v, nv) + added, lim.max_count);
		goto fail;
	}

	for (size_t i = 0; i < n; i++) {
		char rel[sizeof SKILLS_DIR + SKILL_NAME_MAX + sizeof SKILL_FILE + 4];

		snprintf(rel, sizeof rel, SKILLS_DIR "/%s", p[i].name);
		if (safefs_mkdirs(data_dir_fd, rel, 0755, NULL, err) != 0)
			goto fail;
		snprintf(rel, sizeof rel, SKILLS_DIR "/%s/" SKILL_FILE, p[i].name);
		if (safefs_write_atomic(data_dir_fd, rel, p[i].data, p[i].len, 0644, err) != 0)
			goto fail;
	}
	safefs_entries_free(v, nv);
	pending_free(p, n);
	return 0;
fail:
	safefs_entries_free(v, nv);
	pending_free(p, n);
	return fail_utf8(err);
}

/* ---- delete -------------------------------------------------------------------------------- */

int skills_delete(int data_dir_fd, const json_t *body, berth_err *err)
{
	const json_t *names = json_is_object(body) ? json_object_get(body, "names") : NULL;
	char **valid = NULL;
	enum safefs_type t;
	size_t n;
	int exists, rc = -1;

	if (!json_is_array(names) || json_array_size(names) == 0)
		return berth_err_set(err, BERTH_E_INVALID, "names is required");
	n = json_array_size(names);
	valid = calloc(n, sizeof *valid);
	if (!valid)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		valid[i] = valid_name(json_array_get(names, i));
		if (!valid[i]) {
			berth_err_set(err, BERTH_E_INVALID, "invalid skill name");
			goto out;
		}
	}
	if (safefs_stat(data_dir_fd, SKILLS_DIR, &exists, &t, err) != 0)
		goto out;
	if (!exists) {
		rc = 0;
		goto out;
	}
	if (t == SAFEFS_LINK) {
		berth_err_set(err, BERTH_E_PRECONDITION, SKILLS_DIR " is a symbolic link");
		goto out;
	}
	if (t != SAFEFS_DIR) {
		berth_err_set(err, BERTH_E_PRECONDITION, SKILLS_DIR " is not a directory");
		goto out;
	}
	/* a link anywhere in what would be removed fails the request before anything is removed */
	for (size_t i = 0; i < n; i++) {
		char rel[sizeof SKILLS_DIR + SKILL_NAME_MAX + 2];
		char *link = NULL;
		int found;

		snprintf(rel, sizeof rel, SKILLS_DIR "/%s", valid[i]);
		if (safefs_find_link(data_dir_fd, rel, &found, &link, err) != 0)
			goto out;
		if (found) {
			berth_err_set(err, BERTH_E_PRECONDITION, "%s is a symbolic link",
				      link ? link : rel);
			free(link);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		char rel[sizeof SKILLS_DIR + SKILL_NAME_MAX + 2];

		snprintf(rel, sizeof rel, SKILLS_DIR "/%s", valid[i]);
		if (safefs_remove_tree(data_dir_fd, rel, err) != 0)
			goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(valid[i]);
	free(valid);
	return rc == 0 ? 0 : fail_utf8(err);
}
