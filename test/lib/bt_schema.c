/* bt_schema.c: see bt_schema.h. */
#include "bt_schema.h"

#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 64

struct ctx {
	const json_t *doc;
	char *why;
	size_t why_len;
	int depth;
};

__attribute__((format(printf, 3, 4))) static int fail(struct ctx *c, const char *at,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->why || c->why_len == 0)
		return -1;
	n = snprintf(c->why, c->why_len, "%s: ", at);
	if (n < 0 || (size_t)n >= c->why_len)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->why + n, c->why_len - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* "#/a/b" in doc (JSON pointer with ~0 ~1), or NULL. */
static const json_t *resolve(const json_t *doc, const char *ref)
{
	const json_t *node = doc;
	char token[256];

	if (strncmp(ref, "#/", 2) != 0)
		return NULL;
	ref += 2;
	while (node && *ref) {
		size_t n = 0;
		while (*ref && *ref != '/' && n + 1 < sizeof token) {
			if (ref[0] == '~' && ref[1] == '0')
				token[n++] = '~', ref += 2;
			else if (ref[0] == '~' && ref[1] == '1')
				token[n++] = '/', ref += 2;
			else
				token[n++] = *ref++;
		}
		token[n] = '\0';
		if (*ref == '/')
			ref++;
		node = json_object_get(node, token);
	}
	return node;
}

static bool is_type(const json_t *v, const char *type)
{
	if (strcmp(type, "object") == 0)
		return json_is_object(v);
	if (strcmp(type, "array") == 0)
		return json_is_array(v);
	if (strcmp(type, "string") == 0)
		return json_is_string(v);
	if (strcmp(type, "integer") == 0)
		return json_is_integer(v) ||
		       (json_is_real(v) &&
			json_real_value(v) == (double)(long long)json_real_value(v));
	if (strcmp(type, "number") == 0)
		return json_is_number(v);
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(v);
	if (strcmp(type, "null") == 0)
		return json_is_null(v);
	return false;
}

static int validate(struct ctx *c, const json_t *schema, const json_t *v, const char *at);

static const char *const known[] = { "$ref",
				     "type",
				     "enum",
				     "const",
				     "properties",
				     "required",
				     "additionalProperties",
				     "items",
				     "anyOf",
				     "oneOf",
				     "allOf",
				     "minLength",
				     "minimum",
				     "minItems",
				     "maxItems",
				     "pattern",
				     "description",
				     "default",
				     "format",
				     "title",
				     "contentMediaType",
				     "examples" };

static int check_keywords(struct ctx *c, const json_t *schema, const char *at)
{
	const char *key;
	const json_t *val;

	json_object_foreach((json_t *)schema, key, val)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok)
			return fail(c, at, "the schema uses %s, which bt_schema does not check",
				    key);
	}
	return 0;
}

static int check_type(struct ctx *c, const json_t *type, const json_t *v, const char *at)
{
	size_t i;
	const json_t *t;

	if (!type)
		return 0;
	if (json_is_string(type))
		return is_type(v, json_string_value(type))
			       ? 0
			       : fail(c, at, "not of type %s", json_string_value(type));
	json_array_foreach(type, i,
			   t) if (json_is_string(t) && is_type(v, json_string_value(t))) return 0;
	return fail(c, at, "not of any listed type");
}

static int check_object(struct ctx *c, const json_t *schema, const json_t *v, const char *at)
{
	const json_t *props = json_object_get(schema, "properties"),
		     *req = json_object_get(schema, "required");
	const json_t *addl = json_object_get(schema, "additionalProperties"), *item;
	const char *key;
	char sub[512];
	size_t i;

	if (!json_is_object(v))
		return 0;
	json_array_foreach(req, i, item) if (
		!json_object_get(
			v, json_string_value(item))) return fail(c, at,
								 "required member %s is missing",
								 json_string_value(item));
	json_object_foreach((json_t *)v, key, item)
	{
		const json_t *ps = json_object_get(props, key);
		snprintf(sub, sizeof sub, "%s.%s", at, key);
		if (ps) {
			if (validate(c, ps, item, sub) < 0)
				return -1;
		} else if (json_is_false(addl)) {
			return fail(c, sub, "member not allowed (additionalProperties is false)");
		} else if (json_is_object(addl) && validate(c, addl, item, sub) < 0) {
			return -1;
		}
	}
	return 0;
}

static int check_array(struct ctx *c, const json_t *schema, const json_t *v, const char *at)
{
	const json_t *items = json_object_get(schema, "items"),
		     *min = json_object_get(schema, "minItems"),
		     *max = json_object_get(schema, "maxItems"), *item;
	char sub[512];
	size_t i;

	if (!json_is_array(v))
		return 0;
	if (min && json_array_size(v) < (size_t)json_integer_value(min))
		return fail(c, at, "fewer than %lld items", (long long)json_integer_value(min));
	if (max && json_array_size(v) > (size_t)json_integer_value(max))
		return fail(c, at, "more than %lld items", (long long)json_integer_value(max));
	if (!items)
		return 0;
	json_array_foreach(v, i, item)
	{
		snprintf(sub, sizeof sub, "%s[%zu]", at, i);
		if (validate(c, items, item, sub) < 0)
			return -1;
	}
	return 0;
}

static int check_string(struct ctx *c, const json_t *schema, const json_t *v, const char *at)
{
	const json_t *min = json_object_get(schema, "minLength"),
		     *pat = json_object_get(schema, "pattern");
	regex_t re;
	int rc;

	if (!json_is_string(v))
		return 0;
	/* Code points, as JSON Schema counts. */
	if (min) {
		size_t n = 0;
		for (const unsigned char *p = (const unsigned char *)json_string_value(v); *p; p++)
			n += (*p & 0xc0) != 0x80;
		if (n < (size_t)json_integer_value(min))
			return fail(c, at, "shorter than %lld", (long long)json_integer_value(min));
	}
	if (pat) {
		if (regcomp(&re, json_string_value(pat), REG_EXTENDED | REG_NOSUB) != 0)
			return fail(c, at, "the schema's pattern %s does not compile",
				    json_string_value(pat));
		rc = regexec(&re, json_string_value(v), 0, NULL, 0);
		regfree(&re);
		if (rc != 0)
			return fail(c, at, "\"%s\" does not match %s", json_string_value(v),
				    json_string_value(pat));
	}
	return 0;
}

static int check_combinators(struct ctx *c, const json_t *schema, const json_t *v, const char *at)
{
	const json_t *sub;
	size_t i, matched;
	char inner[1024];
	struct ctx quiet = { c->doc, inner, sizeof inner, c->depth };

	json_array_foreach(json_object_get(schema, "allOf"), i,
			   sub) if (validate(c, sub, v, at) < 0) return -1;
	if (json_object_get(schema, "anyOf")) {
		matched = 0;
		json_array_foreach(json_object_get(schema, "anyOf"), i, sub)
			matched += validate(&quiet, sub, v, at) == 0;
		if (!matched)
			return fail(c, at, "matches none of anyOf (last: %s)", inner);
	}
	if (json_object_get(schema, "oneOf")) {
		matched = 0;
		json_array_foreach(json_object_get(schema, "oneOf"), i, sub)
			matched += validate(&quiet, sub, v, at) == 0;
		if (matched != 1)
			return fail(c, at, "matches %zu of oneOf, not exactly one", matched);
	}
	return 0;
}

static int validate(struct ctx *c, const json_t *schema, const json_t *v, const char *at)
{
	const json_t *ref, *e, *min;
	size_t i;
	int rc;

	if (json_is_true(schema))
		return 0;
	if (json_is_false(schema))
		return fail(c, at, "no value is allowed here");
	if (!json_is_object(schema))
		return fail(c, at, "the schema is not an object");
	if (c->depth >= MAX_DEPTH)
		return fail(c, at, "schema nesting deeper than %d", MAX_DEPTH);
	if (check_keywords(c, schema, at) < 0)
		return -1;
	c->depth++;
	ref = json_object_get(schema, "$ref");
	rc = 0;
	if (ref) {
		const json_t *target = json_is_string(ref) ? resolve(c->doc, json_string_value(ref))
							   : NULL;
		rc = target ? validate(c, target, v, at)
			    : fail(c, at, "unresolvable $ref %s", json_string_value(ref));
	}
	if (rc == 0)
		rc = check_type(c, json_object_get(schema, "type"), v, at);
	if (rc == 0 && (e = json_object_get(schema, "const")) && !json_equal(e, v))
		rc = fail(c, at, "not the const value");
	if (rc == 0 && (e = json_object_get(schema, "enum"))) {
		const json_t *x;
		bool found = false;
		json_array_foreach(e, i, x) found = found || json_equal(x, v);
		if (!found)
			rc = json_is_string(v) ? fail(c, at, "\"%s\" is not in the enum",
						      json_string_value(v))
					       : fail(c, at, "not in the enum");
	}
	if (rc == 0 && (min = json_object_get(schema, "minimum")) && json_is_number(v) &&
	    json_number_value(v) < json_number_value(min))
		rc = fail(c, at, "below the minimum %g", json_number_value(min));
	if (rc == 0)
		rc = check_object(c, schema, v, at);
	if (rc == 0)
		rc = check_array(c, schema, v, at);
	if (rc == 0)
		rc = check_string(c, schema, v, at);
	if (rc == 0)
		rc = check_combinators(c, schema, v, at);
	c->depth--;
	return rc;
}

int bt_schema_validate(const json_t *doc, const json_t *schema, const json_t *instance, char *why,
		       size_t why_len)
{
	struct ctx c = { doc, why, why_len, 0 };

	if (why && why_len)
		why[0] = '\0';
	return validate(&c, schema, instance, "$");
}

static int keywords_rec(struct ctx *c, const json_t *schema, const char *at)
{
	static const char *const lists[] = { "anyOf", "oneOf", "allOf" };
	const json_t *sub;
	const char *key;
	char inner[512];
	size_t i;

	if (!json_is_object(schema) || c->depth >= MAX_DEPTH)
		return 0;
	if (check_keywords(c, schema, at) < 0)
		return -1;
	c->depth++;
	json_object_foreach(json_object_get(schema, "properties"), key, sub)
	{
		snprintf(inner, sizeof inner, "%s.properties.%s", at, key);
		if (keywords_rec(c, sub, inner) < 0)
			return -1;
	}
	snprintf(inner, sizeof inner, "%s.additionalProperties", at);
	if (keywords_rec(c, json_object_get(schema, "additionalProperties"), inner) < 0)
		return -1;
	snprintf(inner, sizeof inner, "%s.items", at);
	if (keywords_rec(c, json_object_get(schema, "items"), inner) < 0)
		return -1;
	for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
		json_array_foreach(json_object_get(schema, lists[l]), i, sub)
		{
			snprintf(inner, sizeof inner, "%s.%s[%zu]", at, lists[l], i);
			if (keywords_rec(c, sub, inner) < 0)
				return -1;
		}
	c->depth--;
	return 0;
}

int bt_schema_keywords_check(const json_t *schema, char *why, size_t why_len)
{
	struct ctx c = { NULL, why, why_len, 0 };

	if (why && why_len)
		why[0] = '\0';
	return keywords_rec(&c, schema, "$");
}

int bt_schema_path_key(const char *pattern, char *out, size_t out_len)
{
	size_t n = 0;

	for (const char *p = pattern; *p; p++) {
		if (*p == ':' && (p == pattern || p[-1] == '/')) {
			size_t len = strcspn(p + 1, "/");
			if (n + len + 2 >= out_len)
				return -1;
			out[n++] = '{';
			memcpy(out + n, p + 1, len);
			n += len;
			out[n++] = '}';
			p += len;
			continue;
		}
		if (n + 1 >= out_len)
			return -1;
		out[n++] = *p;
	}
	if (n >= out_len)
		return -1;
	out[n] = '\0';
	return 0;
}

/* Whether key ("/a/{b}/c") matches path segment by segment; *literals counts literal segments. */
static bool key_matches(const char *key, const char *path, int *literals)
{
	*literals = 0;
	while (*key == '/' && *path == '/') {
		size_t kn = strcspn(key + 1, "/"), pn = strcspn(path + 1, "/");

		if (kn >= 2 && key[1] == '{' && key[kn] == '}') {
			if (pn == 0)
				return false;
		} else if (kn != pn || strncmp(key + 1, path + 1, kn) != 0) {
			return false;
		} else {
			(*literals)++;
		}
		key += kn + 1;
		path += pn + 1;
	}
	return *key == '\0' && *path == '\0';
}

const char *bt_schema_route_of(const json_t *doc, const char *method, const char *path)
{
	const char *key, *best = NULL;
	const json_t *item;
	char m[16];
	int best_literals = -1, literals;
	size_t i;

	for (i = 0; method[i] && i + 1 < sizeof m; i++)
		m[i] = (char)tolower((unsigned char)method[i]);
	m[i] = '\0';
	json_object_foreach(json_object_get(doc, "paths"), key, item)
	{
		if (json_object_get(item, m) && key_matches(key, path, &literals) &&
		    literals > best_literals) {
			best = key;
			best_literals = literals;
		}
	}
	return best;
}

int bt_schema_check_response(const json_t *doc, const char *method, const char *pattern,
			     long status, const json_t *body, char *why, size_t why_len)
{
	struct ctx c = { doc, why, why_len, 0 };
	char key[512], lower[16], code[16], at[600];
	const json_t *op, *resp, *content, *schema;
	size_t i;

	if (why && why_len)
		why[0] = '\0';
	if (bt_schema_path_key(pattern, key, sizeof key) < 0)
		return fail(&c, pattern, "path too long");
	for (i = 0; method[i] && i + 1 < sizeof lower; i++)
		lower[i] = (char)tolower((unsigned char)method[i]);
	lower[i] = '\0';
	snprintf(at, sizeof at, "%s %s %ld", method, key, status);
	op = json_object_get(json_object_get(json_object_get(doc, "paths"), key), lower);
	if (!op)
		return fail(&c, at, "the operation is not in the document");
	snprintf(code, sizeof code, "%ld", status);
	resp = json_object_get(json_object_get(op, "responses"), code);
	if (!resp)
		return fail(&c, at, "the status is not documented for this operation");
	if (json_object_get(resp, "$ref")) {
		const json_t *target = resolve(doc,
					       json_string_value(json_object_get(resp, "$ref")));
		if (!target)
			return fail(&c, at, "unresolvable response $ref");
		resp = target;
	}
	content = json_object_get(resp, "content");
	if (!body)
		return content ? fail(&c, at,
				      "no body, but the document gives this response content")
			       : 0;
	schema = json_object_get(json_object_get(content, "application/json"), "schema");
	if (!schema)
		return fail(&c, at,
			    "a JSON body, but the document gives no application/json schema");
	return validate(&c, schema, body, at);
}
