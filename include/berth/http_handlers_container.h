/* http_handlers_container.h: the bot container routes (issue #4): lifecycle and snapshots
 * (app/http/handlers_container.c).
 * Each follows the http_handler contract of include/berth/http_dispatch.h; bot-scoped ones get
 * req->bot already authorized by the route's policy (app/http/routes.c).
 */
#ifndef BERTH_HTTP_HANDLERS_CONTAINER_H
#define BERTH_HTTP_HANDLERS_CONTAINER_H

struct http_req;  /* http_request.h */
struct http_resp; /* http_response.h */

/* /bots/:bot_id/container */
int http_container_create(struct http_req *req, struct http_resp *resp); /* POST */
int http_container_get(struct http_req *req, struct http_resp *resp);	 /* GET */
int http_container_delete(struct http_req *req, struct http_resp *resp); /* DELETE: 204 */
int http_container_start(struct http_req *req, struct http_resp *resp);	 /* POST .../start */
int http_container_stop(struct http_req *req, struct http_resp *resp);	 /* POST .../stop */
/* /bots/:bot_id/container/snapshots */
int http_snapshot_create(struct http_req *req, struct http_resp *resp);	  /* POST */
int http_snapshot_list(struct http_req *req, struct http_resp *resp);	  /* GET ?snapshotter= */
int http_snapshot_rollback(struct http_req *req, struct http_resp *resp); /* POST .../rollback */

#endif
