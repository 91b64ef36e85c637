/* mcpconn.c: the pure rules of a bot's MCP connections (see include/berth/mcpconn.h): what a
 * request may say, the type it implies, and the JSON shapes of rows. No I/O. */
#include "berth/mcpconn.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "berth/uuid.h"

#define COMMAND_MAX 4096
#define ARGS_MAX 256
#define ARG_MAX 4096
#define ENV_MAX 128
#define ENV_KEY_MAX 255
#define ENV_VALUE_MAX 32768
#define CWD_MAX 4096
#define URL_MAX 2048
#define HEADERS_MAX 64
#define HEADER_NAME_MAX 256
#define HEADER_VALUE_MAX 8192

void mcpconn_spec_clear(struct mcpconn_spec *spec)
{
	if (!spec)
		return;
	json_decref(spec->config);
	spec->config = NULL;
}

/* A JSON string's bytes and length (NUL allowed inside), or NULL when v is not a string. */
static const char *str_of(const json_t *v, size_t *len)
{
	if (!json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

/* s[0..n) trimmed of ASCII spaces, tabs and newlines: *start, *n updated. */
static void trim(const char **s, size_t *n)
{
	while (*n > 0 && strchr(" \t\r\n", (*s)[0]) && (*s)[0])
		(*s)++, (*n)--;
	while (*n > 0 && strchr(" \t\r\n", (*s)[*n - 1]) && (*s)[*n - 1])
		(*n)--;
}

static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

static bool has_nul(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

int mcpconn_name_check(const char *name, char out[MCPCONN_NAME_MAX + 1], berth_err *err)
{
	size_t n = name ? strlen(name) : 0;

	trim(&name, &n);
	if (n == 0)
		return berth_err_set(err, BERTH_E_INVALID, "name is required");
	if (n > MCPCONN_NAME_MAX)
		return berth_err_set(err, BERTH_E_INVALID, "name is longer than %d bytes",
				     MCPCONN_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == ' '))
			return berth_err_set(
				err, BERTH_E_INVALID,
				"name may hold only letters, digits, spaces and _ . - (at most %d)",
				MCPCONN_NAME_MAX);
	}
	memcpy(out, name, n);
	out[n] = '\0';
	return 0;
}

int mcpconn_id_check(const char *id, berth_err *err)
{
	if (!id || !berth_uuid_is_canonical(id))
		return berth_err_set(err, BERTH_E_INVALID,
				     "id must be a connection id (a lowercase canonical UUID)");
	return 0;
}

/* A member that is absent or null is absent. */
static const json_t *member(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

/* A trimmed copy of a string member into config[key], after check. */
static int take_string(const json_t *v, const char *where, const char *key, size_t max, bool path,
		       json_t *config, berth_err *err)
{
	size_t n;
	const char *s = str_of(v, &n);

	if (!s)
		return berth_err_set(err, BERTH_E_INVALID, "%s%s must be a string", where, key);
	trim(&s, &n);
	if (n == 0)
		return berth_err_set(err, BERTH_E_INVALID, "%s%s must not be empty", where, key);
	if (n > max)
		return berth_err_set(err, BERTH_E_INVALID, "%s%s is longer than %zu bytes", where,
				     key, max);
	if (has_control(s, n))
		return berth_err_set(err, BERTH_E_INVALID, "%s%s must not hold control characters",
				     where, key);
	if (path && s[0] != '/')
		return berth_err_set(err, BERTH_E_INVALID, "%s%s must be an absolute path", where,
				     key);
	if (json_object_set_new(config, key, json_stringn(s, n)) < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return 0;
}

/* http:// or https://, a non-empty host, printable ASCII only. */
static int take_url(const json_t *v, const char *where, json_t *config, berth_err *err)
{
	size_t n, rest;
	const char *s = str_of(v, &n), *host;

	if (!s)
		return berth_err_set(err, BERTH_E_INVALID, "%surl must be a string", where);
	trim(&s, &n);
	if (n == 0)
		return berth_err_set(err, BERTH_E_INVALID, "%surl must not be empty", where);
	if (n > URL_MAX)
		return berth_err_set(err, BERTH_E_INVALID, "%surl is longer than %d bytes", where,
				     URL_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return berth_err_set(
				err, BERTH_E_INVALID,
				"%surl must be printable ASCII without spaces (percent-encode the rest)",
				where);
	if (n > 7 && strncasecmp(s, "http://", 7) == 0)
		host = s + 7;
	else if (n > 8 && strncasecmp(s, "https://", 8) == 0)
		host = s + 8;
	else
		return berth_err_set(err, BERTH_E_INVALID,
				     "%surl must be an http:// or https:// URL", where);
	rest = n - (size_t)(host - s);
	if (rest == 0 || host[0] == '/' || host[0] == '?' || host[0] == '#' || host[0] == ':' ||
	    host[0] == '@')
		return berth_err_set(err, BERTH_E_INVALID, "%surl must name a host", where);
	if (json_object_set_new(config, "url", json_stringn(s, n)) < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return 0;
}

static int take_args(const json_t *v, const char *where, json_t *config, berth_err *err)
{
	json_t *copy;
	size_t i, n;
	const json_t *a;

	if (!json_is_array(v))
		return berth_err_set(err, BERTH_E_INVALID, "%sargs must be an array of strings",
				     where);
	if (json_array_size(v) > ARGS_MAX)
		return berth_err_set(err, BERTH_E_INVALID, "%sargs has more than %d items", where,
				     ARGS_MAX);
	json_array_foreach(v, i, a)
	{
		const char *s = str_of(a, &n);
		if (!s)
			return berth_err_set(err, BERTH_E_INVALID, "%sargs[%zu] must be a string",
					     where, i);
		if (n > ARG_MAX)
			return berth_err_set(err, BERTH_E_INVALID,
					     "%sargs[%zu] is longer than %d bytes", where, i,
					     ARG_MAX);
		if (has_nul(s, n))
			return berth_err_set(err, BERTH_E_INVALID, "%sargs[%zu] must not hold NUL",
					     where, i);
	}
	if (json_array_size(v) == 0)
		return 0;
	copy = json_deep_copy(v);
	if (!copy || json_object_set_new(config, "args", copy) < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return 0;
}

static bool env_key_ok(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || n > ENV_KEY_MAX || (k[0] >= '0' && k[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return false;
	return true;
}

/* RFC 9110 token. */
static bool header_name_ok(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || n > HEADER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("!#$%&'*+-.^_`|~", c)))
			return false;
	}
	return true;
}

/* env or headers: an object of strings. Key names are echoed in messages once they passed their
 * rule; values never are (they are secrets). */
static int take_map(const json_t *v, const char *where, const char *field, json_t *config,
		    berth_err *err)
{
	bool is_env = strcmp(field, "env") == 0;
	size_t max_members = is_env ? ENV_MAX : HEADERS_MAX,
	       max_value = is_env ? ENV_VALUE_MAX : HEADER_VALUE_MAX;
	const char *key;
	const json_t *val;
	json_t *copy;

	if (!json_is_object(v))
		return berth_err_set(err, BERTH_E_INVALID, "%s%s must be an object of strings",
				     where, field);
	if (json_object_size(v) > max_members)
		return berth_err_set(err, BERTH_E_INVALID, "%s%s has more than %zu members", where,
				     field, max_members);
	json_object_foreach((json_t *)v, key, val)
	{
		size_t n;
		const char *s;

		if (is_env ? !env_key_ok(key) : !header_name_ok(key))
			return berth_err_set(
				err, BERTH_E_INVALID,
				is_env ? "%s%s: a variable name is not [A-Za-z_][A-Za-z0-9_]* (at most 255)"
				       : "%s%s: a header name is not an HTTP token (at most 256)",
				where, field);
		s = str_of(val, &n);
		if (!s)
			return berth_err_set(err, BERTH_E_INVALID, "%s%s.%s must be a string",
					     where, field, key);
		if (n > max_value)
			return berth_err_set(err, BERTH_E_INVALID,
					     "%s%s.%s is longer than %zu bytes", where, field, key,
					     max_value);
		if (has_nul(s, n) || (!is_env && (memchr(s, '\r', n) || memchr(s, '\n', n))))
			return berth_err_set(err, BERTH_E_INVALID, "%s%s.%s must not hold %s",
					     where, field, key, is_env ? "NUL" : "CR, LF or NUL");
	}
	if (json_object_size(v) == 0)
		return 0;
	copy = json_deep_copy(v);
	if (!copy || json_object_set_new(config, field, copy) < 0)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	return 0;
}

/* "http", "streamable-http" -> http; "sse" -> sse; "stdio" -> stdio (type only); "" -> NULL
 * (absent). */
static int kind_word(const json_t *v, const char *where, const char *field, bool allow_stdio,
		     const char **out, berth_err *err)
{
	size_t n;
	const char *s = str_of(v, &n);

	*out = NULL;
	if (!s)
		return berth_err_set(err, BERTH_E_INVALID, "%s%s must be a string", where, field);
	trim(&s, &n);
	if (n == 0)
		*out = NULL;
	else if ((n == 4 && strncasecmp(s, "http", 4) == 0) ||
		 (n == 15 && strncasecmp(s, "streamable-http", 15) == 0))
		*out = "http";
	else if (n == 3 && strncasecmp(s, "sse", 3) == 0)
		*out = "sse";
	else if (allow_stdio && n == 5 && strncasecmp(s, "stdio", 5) == 0)
		*out = "stdio";
	else
		return berth_err_set(err, BERTH_E_INVALID, "%s%s must be %s", where, field,
				     allow_stdio ? "stdio, http, streamable-http or sse"
						 : "http, streamable-http or sse");
	return 0;
}

static const char *const STDIO_FIELDS[] = { "command", "args", "env", "cwd", NULL };
static const char *const URL_FIELDS[] = { "url", "headers", "transport", NULL };

static bool in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (strcmp(*list, key) == 0)
			return true;
	return false;
}

/* The connection fields of obj (entry or body; where prefixes messages) into spec->type/config.
 * upsert: the body may also hold name and is_active. */
static int parse_fields(const json_t *obj, const char *where, bool upsert,
			struct mcpconn_spec *spec, berth_err *err)
{
	const char *key, *given_type = NULL, *transport = NULL;
	const json_t *v, *command, *url;
	json_t *config = NULL;
	char *encoded = NULL;
	size_t len;

	spec->config = NULL;
	spec->type = NULL;
	if (!json_is_object(obj))
		return berth_err_set(err, BERTH_E_INVALID, "%s must be a JSON object",
				     *where ? where : "request body");
	json_object_foreach((json_t *)obj, key, v)
	{
		if (in_list(STDIO_FIELDS, key) || in_list(URL_FIELDS, key) ||
		    strcmp(key, "type") == 0 ||
		    (upsert && (strcmp(key, "name") == 0 || strcmp(key, "is_active") == 0)))
			continue;
		if (strlen(key) <= 64 && !has_control(key, strlen(key)))
			return berth_err_set(err, BERTH_E_INVALID, "%sunknown field %s", where,
					     key);
		return berth_err_set(err, BERTH_E_INVALID, "%san unknown field", where);
	}
	command = member(obj, "command");
	url = member(obj, "url");
	if (!command && !url)
		return berth_err_set(err, BERTH_E_INVALID, "%scommand or url is required", where);
	if (command && url)
		return berth_err_set(err, BERTH_E_INVALID,
				     "%scommand and url are mutually exclusive", where);
	if ((v = member(obj, "type")) && kind_word(v, where, "type", true, &given_type, err) < 0)
		return -1;
	config = json_object();
	if (!config)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	json_object_foreach((json_t *)obj, key, v)
	{
		if (json_is_null(v))
			continue;
		if (command && in_list(URL_FIELDS, key)) {
			berth_err_set(err, BERTH_E_INVALID, "%s%s is only for url connections",
				      where, key);
			goto fail;
		}
		if (url && in_list(STDIO_FIELDS, key)) {
			berth_err_set(err, BERTH_E_INVALID,
				      "%s%s is only for command (stdio) connections", where, key);
			goto fail;
		}
	}
	if (command) {
		if (take_string(command, where, "command", COMMAND_MAX, false, config, err) < 0 ||
		    ((v = member(obj, "args")) && take_args(v, where, config, err) < 0) ||
		    ((v = member(obj, "env")) && take_map(v, where, "env", config, err) < 0) ||
		    ((v = member(obj, "cwd")) &&
		     take_string(v, where, "cwd", CWD_MAX, true, config, err) < 0))
			goto fail;
		if (given_type && strcmp(given_type, "stdio") != 0) {
			berth_err_set(err, BERTH_E_INVALID,
				      "%stype %s does not fit a command (stdio)", where,
				      given_type);
			goto fail;
		}
		spec->type = "stdio";
	} else {
		if (take_url(url, where, config, err) < 0 ||
		    ((v = member(obj, "headers")) &&
		     take_map(v, where, "headers", config, err) < 0) ||
		    ((v = member(obj, "transport")) &&
		     kind_word(v, where, "transport", false, &transport, err) < 0))
			goto fail;
		if (given_type && strcmp(given_type, "stdio") == 0) {
			berth_err_set(err, BERTH_E_INVALID,
				      "%stype stdio needs a command, not a url", where);
			goto fail;
		}
		if (given_type && transport && strcmp(given_type, transport) != 0) {
			berth_err_set(err, BERTH_E_INVALID, "%stype and transport disagree", where);
			goto fail;
		}
		spec->type = (transport && strcmp(transport, "sse") == 0) ||
					     (given_type && strcmp(given_type, "sse") == 0)
				     ? "sse"
				     : "http";
	}
	encoded = json_dumps(config, JSON_COMPACT);
	if (!encoded) {
		berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		goto fail;
	}
	len = strlen(encoded);
	free(encoded);
	if (len > MCPCONN_CONFIG_MAX) {
		berth_err_set(err, BERTH_E_INVALID,
			      "%sthe connection's config is larger than %d bytes", where,
			      MCPCONN_CONFIG_MAX);
		goto fail;
	}
	spec->config = config;
	return 0;
fail:
	json_decref(config);
	spec->type = NULL;
	return -1;
}

int mcpconn_parse_entry(const char *name, const json_t *entry, struct mcpconn_spec *spec,
			berth_err *err)
{
	char where[MCPCONN_NAME_MAX + 32];

	memset(spec, 0, sizeof *spec);
	if (mcpconn_name_check(name, spec->name, err) < 0)
		return berth_err_prefix(err, "mcpServers");
	snprintf(where, sizeof where, "mcpServers.%s: ", spec->name);
	if (!json_is_object(entry))
		return berth_err_set(err, BERTH_E_INVALID, "mcpServers.%s must be a JSON object",
				     spec->name);
	spec->is_active = true;
	return parse_fields(entry, where, false, spec, err);
}

int mcpconn_parse_upsert(const json_t *body, struct mcpconn_spec *spec, berth_err *err)
{
	const json_t *name, *active;

	memset(spec, 0, sizeof *spec);
	if (!json_is_object(body))
		return berth_err_set(err, BERTH_E_INVALID, "request body must be a JSON object");
	name = member(body, "name");
	if (name && !json_is_string(name))
		return berth_err_set(err, BERTH_E_INVALID, "name must be a string");
	if (name && strlen(json_string_value(name)) != json_string_length(name))
		return berth_err_set(err, BERTH_E_INVALID, "name must not hold NUL");
	if (mcpconn_name_check(name ? json_string_value(name) : NULL, spec->name, err) < 0)
		return -1;
	active = member(body, "is_active");
	if (active && !json_is_boolean(active))
		return berth_err_set(err, BERTH_E_INVALID, "is_active must be a boolean");
	spec->is_active = active ? json_is_true(active) : true;
	return parse_fields(body, "", true, spec, err);
}

int mcpconn_parse_import(const json_t *body, json_t **entries, size_t *count, berth_err *err)
{
	const json_t *servers, *entry;
	const char *key, *name;
	json_t *out;

	*entries = NULL;
	*count = 0;
	if (!json_is_object(body))
		return berth_err_set(err, BERTH_E_INVALID,
				     "request body must be a JSON object {\"mcpServers\":{...}}");
	json_object_foreach(
		(json_t *)body, key,
		entry) if (strcmp(key, "mcpServers") !=
			   0) return berth_err_set(err, BERTH_E_INVALID, "unknown field %s",
						   strlen(key) <= 64 &&
								   !has_control(key, strlen(key))
							   ? key
							   : "(unprintable)");
	servers = json_object_get(body, "mcpServers");
	if (!json_is_object(servers))
		return berth_err_set(err, BERTH_E_INVALID,
				     "mcpServers is required (an object of servers by name)");
	if (json_object_size(servers) > MCPCONN_MAX_PER_BOT)
		return berth_err_set(err, BERTH_E_INVALID, "mcpServers has more than %d servers",
				     MCPCONN_MAX_PER_BOT);
	out = json_object();
	if (!out)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	json_object_foreach((json_t *)servers, name, entry)
	{
		struct mcpconn_spec spec;
		json_t *item;

		if (mcpconn_parse_entry(name, entry, &spec, err) < 0)
			goto fail;
		if (json_object_get(out, spec.name)) {
			berth_err_set(err, BERTH_E_INVALID, "mcpServers names %s twice", spec.name);
			mcpconn_spec_clear(&spec);
			goto fail;
		}
		item = json_pack("{s:s,s:O}", "type", spec.type, "config", spec.config);
		mcpconn_spec_clear(&spec);
		if (!item || json_object_set_new(out, spec.name, item) < 0) {
			berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
			goto fail;
		}
	}
	*entries = out;
	*count = json_object_size(out);
	return 0;
fail:
	json_decref(out);
	return -1;
}

int mcpconn_parse_ids(const json_t *body, json_t **ids, berth_err *err)
{
	const json_t *list, *v;
	const char *key;
	json_t *out;
	size_t i;

	*ids = NULL;
	if (!json_is_object(body))
		return berth_err_set(err, BERTH_E_INVALID,
				     "request body must be a JSON object {\"ids\":[...]}");
	json_object_foreach(
		(json_t *)body, key,
		v) if (strcmp(key, "ids") !=
		       0) return berth_err_set(err, BERTH_E_INVALID, "unknown field %s",
					       strlen(key) <= 64 && !has_control(key, strlen(key))
						       ? key
						       : "(unprintable)");
	list = json_object_get(body, "ids");
	if (!json_is_array(list) || json_array_size(list) == 0)
		return berth_err_set(err, BERTH_E_INVALID,
				     "ids is required (an array of connection ids)");
	if (json_array_size(list) > MCPCONN_MAX_PER_BOT)
		return berth_err_set(err, BERTH_E_INVALID, "ids has more than %d items",
				     MCPCONN_MAX_PER_BOT);
	out = json_array();
	if (!out)
		return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
	json_array_foreach(list, i, v)
	{
		const char *s = json_string_value(v);
		bool seen = false;
		size_t k;
		const json_t *w;

		if (!s || strlen(s) != json_string_length(v) || !berth_uuid_is_canonical(s)) {
			json_decref(out);
			return berth_err_set(
				err, BERTH_E_INVALID,
				"ids[%zu] must be a connection id (a lowercase canonical UUID)", i);
		}
		json_array_foreach(out, k, w) seen = seen || strcmp(json_string_value(w), s) == 0;
		if (!seen && json_array_append_new(out, json_string(s)) < 0) {
			json_decref(out);
			return berth_err_set(err, BERTH_E_INTERNAL, "out of memory");
		}
	}
	*ids = out;
	return 0;
}

json_t *mcpconn_to_json(const struct store_mcpconn *conn)
{
	json_t *config = json_loads(conn->config ? conn->config : "{}", 0, NULL);

	if (!json_is_object(config)) {
		json_decref(config);
		config = json_object();
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:b,s:s,s:s}", "id", conn->id, "bot_id",
			 conn->bot_id, "name", conn->name, "type", conn->type, "config", config,
			 "is_active", conn->is_active, "created_at", conn->created_at, "updated_at",
			 conn->updated_at);
}

json_t *mcpconn_export_entry(const struct store_mcpconn *conn)
{
	json_t *entry = json_loads(conn->config ? conn->config : "{}", 0, NULL);

	if (!json_is_object(entry)) {
		json_decref(entry);
		entry = json_object();
	}
	if (entry && strcmp(conn->type, "sse") == 0 &&
	    json_object_set_new(entry, "transport", json_string("sse")) < 0) {
		json_decref(entry);
		return NULL;
	}
	return entry;
}
