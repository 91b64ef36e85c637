/* store_stdio.h: the records of a bot's stdio MCP sessions (table mcp_stdio_sessions,
 * db/0003_mcp_stdio.sql). The session itself is held by the bot's agent; a record is what lets
 * any worker find it and tell "not found" from "closed". Same conventions as store.h: every
 * function validates its ids (INVALID), uses prepared statements, fills a caller-owned struct;
 * lists are NEW (free with store_stdio_list_free). Strings passed in are BORROWED.
 */
#ifndef BERTH_STORE_STDIO_H
#define BERTH_STORE_STDIO_H

#include <stdbool.h>
#include <stddef.h>

#include "berth/err.h"
#include "berth/store_conn.h"

#define STORE_STDIO_NAME_SIZE 256
#define STORE_STDIO_COMMAND_SIZE 1024
#define STORE_STDIO_REASON_SIZE 1024
/* Closed records older than this are pruned when the bot's next session is created. */
#define STORE_STDIO_KEEP_CLOSED "1 day"
/* Longer than any create takes (its agent start and probe): a younger active record that the
 * agent does not know yet may still be starting. */
#define STORE_STDIO_SETTLE "60 seconds"

struct store_stdio_session {
	char id[STORE_ID_SIZE];
	char bot_id[STORE_ID_SIZE];
	char name[STORE_STDIO_NAME_SIZE];
	char command[STORE_STDIO_COMMAND_SIZE];
	char cwd[STORE_PATH_SIZE];
	char state[STORE_STATE_SIZE]; /* "active" | "closed" */
	char closed_reason[STORE_STDIO_REASON_SIZE];
	char created_at[STORE_TIME_SIZE];
	char last_used_at[STORE_TIME_SIZE];
	char closed_at[STORE_TIME_SIZE]; /* "" while active */
	bool settled; /* created more than STORE_STDIO_SETTLE ago: its start has ended either way */
};

struct store_stdio_list {
	struct store_stdio_session *items;
	size_t count;
};

/* Inserts an active record (args_json: a JSON array text). Also prunes the bot's closed records
 * older than STORE_STDIO_KEEP_CLOSED. ALREADY_EXISTS when id is taken; NOT_FOUND without the bot;
 * INVALID when a field is too long. */
int store_stdio_insert(berth_store *store, const char *id, const char *bot_id, const char *name,
		       const char *command, const char *args_json, const char *cwd, berth_err *err);
/* The record id of bot_id: NOT_FOUND when there is none (or it is another bot's). */
int store_stdio_get(berth_store *store, const char *bot_id, const char *id,
		    struct store_stdio_session *out, berth_err *err);
/* The bot's records, active ones and those closed within STORE_STDIO_KEEP_CLOSED, oldest first. */
int store_stdio_list(berth_store *store, const char *bot_id, struct store_stdio_list *out,
		     berth_err *err);
void store_stdio_list_free(struct store_stdio_list *list);
/* The state ("active" | "closed") of the record id of bot_id, whose last_used_at is set to now()
 * when it is active, in one statement (the relay's one round trip before its call; only the state
 * comes back, the rest of the record is not read); NOT_FOUND as store_stdio_get. */
int store_stdio_use(berth_store *store, const char *bot_id, const char *id,
		    char state[STORE_STATE_SIZE], berth_err *err);
/* Marks an active record closed with reason (cut to fit); a closed or missing one is left as is. */
int store_stdio_close(berth_store *store, const char *bot_id, const char *id, const char *reason,
		      berth_err *err);
/* Removes the record (a session that never started). */
int store_stdio_delete(berth_store *store, const char *bot_id, const char *id, berth_err *err);

/* The bot's active stdio MCP connections (table mcp_connections, type 'stdio', is_active), sorted
 * by name then id: what the tools gateway federates. A config longer than the field is skipped. */
#define STORE_MCP_CONFIG_SIZE 8192
struct store_stdio_connection {
	char id[STORE_ID_SIZE];
	char name[STORE_STDIO_NAME_SIZE];
	char config[STORE_MCP_CONFIG_SIZE]; /* JSON text {command, args, env, cwd} */
};
struct store_stdio_connection_list {
	struct store_stdio_connection *items;
	size_t count;
};
int store_stdio_connections(berth_store *store, const char *bot_id,
			    struct store_stdio_connection_list *out, berth_err *err);
void store_stdio_connection_list_free(struct store_stdio_connection_list *list);

#endif
