/* mcpconn.h: a bot's MCP connections (reference §11.4): the routes /bots/:bot_id/mcp and
 * /bots/:bot_id/mcp-ops, stored by the store (berth/store_mcpconn.h).
 *
 * A connection is named per bot and has a type inferred from what it names: "command" gives stdio;
 * "url" gives http, or sse when "transport" (or "type") is "sse". Its config is what the type uses:
 * stdio {command, args?, env?, cwd?}, http/sse {url, headers?}. The values of env and headers are
 * the bot owner's secrets: nothing here logs them or puts them in an error message (messages name
 * fields and keys, never values).
 *
 * Input rules (every violation is BERTH_E_INVALID with a message naming the field, checked before
 * anything changes; a request is all or nothing):
 *   name       trimmed of spaces, 1..MCPCONN_NAME_MAX bytes of [A-Za-z0-9_.-] and inner spaces
 *   command    1..4096 bytes, no control characters       args  <= 256 strings, each <= 4096, no NUL
 *   env        <= 128 members [A-Za-z_][A-Za-z0-9_]* (<= 255) -> strings <= 32768 bytes, no NUL
 *   cwd        an absolute path, <= 4096 bytes, no control characters
 *   url        http:// or https:// with a host, <= 2048 bytes of printable ASCII
 *   headers    <= 64 members, RFC 9110 token names (<= 256) -> strings <= 8192, no CR, LF or NUL
 *   transport  "", "http", "streamable-http" or "sse" (any case); only with url
 *   type       optional, "stdio", "http", "streamable-http" or "sse": must agree with the rest
 *   is_active  a boolean (create/update only; absent: true)
 * exactly one of command and url; stdio fields only with command, url fields only with url; no
 * other member; the encoded config at most MCPCONN_CONFIG_MAX bytes. null counts as absent.
 *
 * Ownership: bodies are BORROWED; json_t ** outputs are NEW references.
 */
#ifndef BERTH_MCPCONN_H
#define BERTH_MCPCONN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "berth/err.h"
#include "berth/store_mcpconn.h"

#define MCPCONN_NAME_MAX 64
#define MCPCONN_CONFIG_MAX 65536
#define MCPCONN_MAX_PER_BOT                                                                        \
	128 /* connections one bot may have; also the most one import or batch names */

/* ---- pure rules (no I/O) ---- */

/* One connection as the request described it. */
struct mcpconn_spec {
	char name[MCPCONN_NAME_MAX + 1];
	const char *type; /* static: "stdio", "http" or "sse" */
	json_t *config;	  /* NEW */
	bool is_active;
};
void mcpconn_spec_clear(struct mcpconn_spec *spec);

/* The name rule (after trimming spaces): *out gets the trimmed name. */
int mcpconn_name_check(const char *name, char out[MCPCONN_NAME_MAX + 1], berth_err *err);

/* An mcpServers entry named name (import): its type and config. where prefixes messages
 * ("mcpServers.<name>"). spec->is_active is true. */
int mcpconn_parse_entry(const char *name, const json_t *entry, struct mcpconn_spec *spec,
			berth_err *err);

/* A create/update body {name, command, args, env, cwd, url, headers, transport, type, is_active}. */
int mcpconn_parse_upsert(const json_t *body, struct mcpconn_spec *spec, berth_err *err);

/* An import body {"mcpServers":{name: entry, ...}} into *entries {"<name>":{"type","config"}} (NEW)
 * and their count; at most MCPCONN_MAX_PER_BOT entries, names unique after trimming. */
int mcpconn_parse_import(const json_t *body, json_t **entries, size_t *count, berth_err *err);

/* A batch-delete body {"ids":[...]}: 1..MCPCONN_MAX_PER_BOT canonical UUIDs, into *ids (NEW array,
 * duplicates removed). */
int mcpconn_parse_ids(const json_t *body, json_t **ids, berth_err *err);

/* A connection id from a path: a canonical UUID, else BERTH_E_INVALID "id must be ...". */
int mcpconn_id_check(const char *id, berth_err *err);

/* {"id","bot_id","name","type","config","is_active","created_at","updated_at"} of a row (NEW). */
json_t *mcpconn_to_json(const struct store_mcpconn *conn);
/* The mcpServers entry of a row: its config, plus "transport":"sse" for sse (NEW). */
json_t *mcpconn_export_entry(const struct store_mcpconn *conn);

/* ---- the routes' operations (bot_id: a canonical UUID the caller may act on) ---- */

int mcpconn_list(berth_store *store, const char *bot_id, json_t **out,
		 berth_err *err); /* {"items":[...]} */
int mcpconn_get(berth_store *store, const char *bot_id, const char *id, json_t **out,
		berth_err *err);
/* ALREADY_EXISTS for a name the bot has; TOO_LARGE beyond MCPCONN_MAX_PER_BOT. */
int mcpconn_create(berth_store *store, const char *bot_id, const json_t *body, json_t **out,
		   berth_err *err);
int mcpconn_update(berth_store *store, const char *bot_id, const char *id, const json_t *body,
		   json_t **out, berth_err *err);
int mcpconn_delete(berth_store *store, const char *bot_id, const char *id, berth_err *err);
/* Upsert by name (existing ones keep is_active); {"items":[...]} of the imported rows by name. */
int mcpconn_import(berth_store *store, const char *bot_id, const json_t *body, json_t **out,
		   berth_err *err);
int mcpconn_export(berth_store *store, const char *bot_id, json_t **out,
		   berth_err *err); /* {"mcpServers":{}} */
/* All or none: NOT_FOUND (nothing deleted) unless every id is one of this bot's connections. */
int mcpconn_batch_delete(berth_store *store, const char *bot_id, const json_t *body, long *deleted,
			 berth_err *err);

#endif
