/* http_bot_handlers.h: the bot container routes (issue #4) of the route table. Each follows the
 * http_handler contract of include/berth/http.h; bot-scoped ones get req->bot already authorized
 * (admins and the bot's owner). */
#ifndef BERTH_HTTP_BOT_HANDLERS_H
#define BERTH_HTTP_BOT_HANDLERS_H

#include "berth/http.h"

/* /bots/:bot_id/container */
int http_container_create(struct http_req *req, struct http_resp *resp);   /* POST */
int http_container_get(struct http_req *req, struct http_resp *resp);      /* GET */
int http_container_delete(struct http_req *req, struct http_resp *resp);   /* DELETE: 204 */
int http_container_start(struct http_req *req, struct http_resp *resp);    /* POST .../start */
int http_container_stop(struct http_req *req, struct http_resp *resp);     /* POST .../stop */
/* /bots/:bot_id/container/snapshots */
int http_snapshot_create(struct http_req *req, struct http_resp *resp);    /* POST */
int http_snapshot_list(struct http_req *req, struct http_resp *resp);      /* GET ?snapshotter= */
int http_snapshot_rollback(struct http_req *req, struct http_resp *resp);  /* POST .../rollback */
/* /bots/:bot_id/container/skills */
int http_skills_list(struct http_req *req, struct http_resp *resp);        /* GET */
int http_skills_upsert(struct http_req *req, struct http_resp *resp);      /* POST */
int http_skills_delete(struct http_req *req, struct http_resp *resp);      /* DELETE */

/* The bot's tools (issue #9): MCP Streamable HTTP, and the plain routes for scripts. */
int http_tools_post(struct http_req *req, struct http_resp *resp);         /* POST /bots/:bot_id/tools */
int http_container_exec(struct http_req *req, struct http_resp *resp);     /* POST .../container/exec */
int http_container_file_get(struct http_req *req, struct http_resp *resp); /* GET .../container/files?path= */
int http_container_file_put(struct http_req *req, struct http_resp *resp); /* PUT */
int http_container_file_delete(struct http_req *req, struct http_resp *resp); /* DELETE */
int http_container_file_list(struct http_req *req, struct http_resp *resp);   /* GET .../files/list?path= */

/* Compatibility routes of the older version, authorized per container (admin, or owner of the
 * bot the container belongs to); only containers Berth created (a containers row) answer. */
int http_compat_container_list(struct http_req *req, struct http_resp *resp);      /* GET /container/list */
int http_compat_container_delete(struct http_req *req, struct http_resp *resp);    /* DELETE /container/:id */
int http_compat_snapshot_create(struct http_req *req, struct http_resp *resp);     /* POST /container/snapshots */
int http_compat_snapshot_list(struct http_req *req, struct http_resp *resp);       /* GET /container/snapshots */
int http_compat_fs(struct http_req *req, struct http_resp *resp);                  /* POST /container/fs/:id */

#endif
