/* routes.c: the one route table berth-fcgi serves. Add routes here; see include/berth/http_dispatch.h.
 * Bot-scoped routes set bot_policy (AUTHZ_OWNER_OR_ADMIN, or AUTHZ_WITH_GUEST for the tools
 * gateway) and get req->bot already authorized. */
#include "berth/authz.h"
#include "berth/http_dispatch.h"
#include "berth/http_handlers_compat.h"
#include "berth/http_handlers_container.h"
#include "berth/http_handlers_events.h"
#include "berth/http_handlers_files.h"
#include "berth/http_handlers_health.h"
#include "berth/http_handlers_limits.h"
#include "berth/http_handlers_metrics.h"
#include "berth/http_handlers_skills.h"
#include "berth/http_handlers_mcpconn.h"
#include "berth/http_handlers_stdio.h"
#include "berth/http_handlers_tools.h"
#include "berth/http_openapi.h"
#include "berth/http_routes.h"

const struct http_route http_routes[] = {
	{ "GET", "/health", http_get_health, HTTP_AUTH_NONE, NULL },
	{ "GET", "/ready", http_get_ready, HTTP_AUTH_NONE, NULL },
	{ "GET", "/me", http_get_me, HTTP_AUTH_USER, NULL },
	/* The OpenAPI document of this table (openapi/berth.openapi.json): add a new route there too. */
	{ "GET", "/openapi.json", http_get_openapi, HTTP_AUTH_NONE, NULL },

	/* Operating Berth (issue #11): admins only (the handlers check). */
	{ "GET", "/metrics", http_get_metrics, HTTP_AUTH_USER, NULL },
	{ "GET", "/events", http_all_events, HTTP_AUTH_USER, NULL },

	/* A bot's container (issue #4): admins and the bot's owner. */
	{ "POST", "/bots/:bot_id/container", http_container_create, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "GET", "/bots/:bot_id/container", http_container_get, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "DELETE", "/bots/:bot_id/container", http_container_delete, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	/* Its resource limits and usage (issue #11). */
	{ "PATCH", "/bots/:bot_id/container", http_container_patch, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "GET", "/bots/:bot_id/container/stats", http_container_stats, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "POST", "/bots/:bot_id/container/start", http_container_start, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "POST", "/bots/:bot_id/container/stop", http_container_stop, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "POST", "/bots/:bot_id/container/snapshots", http_snapshot_create, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "GET", "/bots/:bot_id/container/snapshots", http_snapshot_list, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "POST", "/bots/:bot_id/container/snapshots/rollback", http_snapshot_rollback,
	  HTTP_AUTH_USER, &AUTHZ_OWNER_OR_ADMIN },
	{ "GET", "/bots/:bot_id/container/skills", http_skills_list, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "POST", "/bots/:bot_id/container/skills", http_skills_upsert, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "DELETE", "/bots/:bot_id/container/skills", http_skills_delete, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "GET", "/bots/:bot_id/container/events", http_bot_events, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },

	/* The bot's tools (issue #9): the MCP gateway also lets public-bot members and guests in; the
	 * plain routes are the container's (admins and owners). */
	{ "POST", "/bots/:bot_id/tools", http_tools_post, HTTP_AUTH_USER, &AUTHZ_WITH_GUEST },
	{ "POST", "/bots/:bot_id/container/exec", http_container_exec, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "GET", "/bots/:bot_id/container/files", http_container_file_get, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "PUT", "/bots/:bot_id/container/files", http_container_file_put, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "DELETE", "/bots/:bot_id/container/files", http_container_file_delete, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "GET", "/bots/:bot_id/container/files/list", http_container_file_list, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },

	/* A bot's MCP connections (issue #10): admins and the bot's owner. */
	{ "GET", "/bots/:bot_id/mcp", http_mcpconn_list, HTTP_AUTH_USER, &AUTHZ_OWNER_OR_ADMIN },
	{ "POST", "/bots/:bot_id/mcp", http_mcpconn_create, HTTP_AUTH_USER, &AUTHZ_OWNER_OR_ADMIN },
	{ "GET", "/bots/:bot_id/mcp/:id", http_mcpconn_get, HTTP_AUTH_USER, &AUTHZ_OWNER_OR_ADMIN },
	{ "PUT", "/bots/:bot_id/mcp/:id", http_mcpconn_update, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "DELETE", "/bots/:bot_id/mcp/:id", http_mcpconn_delete, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "PUT", "/bots/:bot_id/mcp-ops/import", http_mcpconn_import, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "GET", "/bots/:bot_id/mcp-ops/export", http_mcpconn_export, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "POST", "/bots/:bot_id/mcp-ops/batch-delete", http_mcpconn_batch_delete, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	/* stdio MCP sessions held by the bot's agent (issue #10): admins and the bot's owner. */
	{ "POST", "/bots/:bot_id/mcp-stdio", http_stdio_create, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "GET", "/bots/:bot_id/mcp-stdio", http_stdio_list, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "POST", "/bots/:bot_id/mcp-stdio/:connection_id", http_stdio_relay, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "DELETE", "/bots/:bot_id/mcp-stdio/:connection_id", http_stdio_delete, HTTP_AUTH_USER,
	  &AUTHZ_OWNER_OR_ADMIN },
	{ "GET", "/bots/:bot_id/mcp-stdio/:connection_id/messages", http_stdio_messages,
	  HTTP_AUTH_USER, &AUTHZ_OWNER_OR_ADMIN },

	/* The older version's routes, authorized per container. */
	{ "POST", "/container", http_compat_container_create, HTTP_AUTH_USER, NULL },
	{ "GET", "/container/list", http_compat_container_list, HTTP_AUTH_USER, NULL },
	{ "GET", "/container/skills", http_compat_skills_list, HTTP_AUTH_USER, NULL },
	{ "POST", "/container/skills", http_compat_skills_upsert, HTTP_AUTH_USER, NULL },
	{ "DELETE", "/container/skills", http_compat_skills_delete, HTTP_AUTH_USER, NULL },
	{ "DELETE", "/container/:id", http_compat_container_delete, HTTP_AUTH_USER, NULL },
	{ "POST", "/container/snapshots", http_compat_snapshot_create, HTTP_AUTH_USER, NULL },
	{ "GET", "/container/snapshots", http_compat_snapshot_list, HTTP_AUTH_USER, NULL },
	{ "POST", "/container/fs/:id", http_compat_fs, HTTP_AUTH_USER, NULL },
};

const size_t http_routes_count = sizeof http_routes / sizeof http_routes[0];
