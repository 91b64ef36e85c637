/* store_mcpconn.h: a bot's MCP connections in PostgreSQL (table mcp_connections, reference §11.4).
 * Part of the store (berth/store_conn.h: connection, errors, UUID and time rules apply unchanged).
 *
 * A connection is (bot, name, type, config, is_active): name unique per bot, type "stdio", "http"
 * or "sse", config a JSON object (as text; the domain builds and checks it, the store only stores
 * it as jsonb). Every statement names the bot: a connection id of another bot is NOT_FOUND, never
 * read, changed or deleted.
 *
 * Ownership: struct store_mcpconn owns its config (NEW malloc'd text): release one with
 * store_mcpconn_clear, a list with store_mcpconn_list_free. String arguments are borrowed.
 */
#ifndef BERTH_STORE_MCPCONN_H
#define BERTH_STORE_MCPCONN_H

#include <stdbool.h>
#include <stddef.h>

#include "berth/err.h"
#include "berth/store_conn.h"

struct store_mcpconn {
	char id[STORE_ID_SIZE];
	char bot_id[STORE_ID_SIZE];
	char name[STORE_NAME_SIZE];
	char type[STORE_STATE_SIZE]; /* stdio | http | sse */
	char *config;		     /* JSON object text, owned */
	bool is_active;
	char created_at[STORE_TIME_SIZE];
	char updated_at[STORE_TIME_SIZE];
};

struct store_mcpconn_list {
	struct store_mcpconn *items; /* owned by the list */
	size_t count;
};

void store_mcpconn_clear(struct store_mcpconn *conn);
void store_mcpconn_list_free(struct store_mcpconn_list *list);

/* The bot's connections, newest first (created_at DESC, then name), as the original listed them. */
int store_mcpconn_list(berth_store *store, const char *bot_id, struct store_mcpconn_list *out,
		       berth_err *err);
/* NOT_FOUND "mcp connection not found" when the bot has no connection of that id. */
int store_mcpconn_get(berth_store *store, const char *bot_id, const char *id,
		      struct store_mcpconn *out, berth_err *err);

struct store_mcpconn_new {
	const char *name;   /* required */
	const char *type;   /* required: stdio | http | sse */
	const char *config; /* required: a JSON object */
	bool is_active;
};

/* Inserts one connection while the bot has fewer than max_per_bot. ALREADY_EXISTS when the bot
 * has a connection of that name; TOO_LARGE when it has max_per_bot already; NOT_FOUND when the bot
 * does not exist. */
int store_mcpconn_create(berth_store *store, const char *bot_id, const struct store_mcpconn_new *in,
			 int max_per_bot, struct store_mcpconn *out, berth_err *err);
/* Replaces name, type, config and is_active of one connection. NOT_FOUND, ALREADY_EXISTS (the new
 * name is another connection's). */
int store_mcpconn_update(berth_store *store, const char *bot_id, const char *id,
			 const struct store_mcpconn_new *in, struct store_mcpconn *out,
			 berth_err *err);
/* NOT_FOUND when the bot has no connection of that id. */
int store_mcpconn_delete(berth_store *store, const char *bot_id, const char *id, berth_err *err);
/* Deletes the connections whose ids ids_json (a JSON array of canonical UUID strings, no
 * duplicates) names, all or none, in one statement: NOT_FOUND (nothing deleted) unless every id
 * is a connection of this bot. *deleted (may be NULL) = how many were deleted. */
int store_mcpconn_delete_many(berth_store *store, const char *bot_id, const char *ids_json,
			      long *deleted, berth_err *err);
/* Upserts by name, in one statement (all or none): entries_json is a JSON object
 * {"<name>":{"type":"...","config":{...}}, ...}. A new name is created active; an existing one
 * gets the type and config and keeps is_active. n_entries: how many entries entries_json holds.
 * TOO_LARGE (nothing changed) when the bot would have more than max_per_bot connections.
 * *out: the imported rows, by name. */
int store_mcpconn_import(berth_store *store, const char *bot_id, const char *entries_json,
			 size_t n_entries, int max_per_bot, struct store_mcpconn_list *out,
			 berth_err *err);

#endif
