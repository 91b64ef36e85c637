/* http_handlers_compat.h: the compatibility routes of the older version
 * (app/http/handlers_compat.c).
 * Each follows the http_handler contract of include/berth/http_dispatch.h; bot-scoped ones get
 * req->bot already authorized by the route's policy (app/http/routes.c).
 */
#ifndef BERTH_HTTP_HANDLERS_COMPAT_H
#define BERTH_HTTP_HANDLERS_COMPAT_H

struct http_req;  /* http_request.h */
struct http_resp; /* http_response.h */

/* Compatibility routes of the older version, authorized per container (admin, or owner of the
 * bot the container belongs to); only containers Berth created (a containers row) answer. */
int http_compat_container_list(struct http_req *req,
			       struct http_resp *resp); /* GET /container/list */
int http_compat_container_delete(struct http_req *req,
				 struct http_resp *resp); /* DELETE /container/:id */
int http_compat_snapshot_create(struct http_req *req,
				struct http_resp *resp); /* POST /container/snapshots */
int http_compat_snapshot_list(struct http_req *req,
			      struct http_resp *resp);		  /* GET /container/snapshots */
int http_compat_fs(struct http_req *req, struct http_resp *resp); /* POST /container/fs/:id */

/* POST /container {"container_id","image","snapshotter"} -> {"container_id","image","snapshotter","started",
 * "ip"}; only the configured bot image (403 image_not_allowed otherwise). */
int http_compat_container_create(struct http_req *req, struct http_resp *resp);
/* /container/skills[?container_id=mcp-<bot id>] with the older shapes (no metadata). */
int http_compat_skills_list(struct http_req *req, struct http_resp *resp);   /* GET */
int http_compat_skills_upsert(struct http_req *req, struct http_resp *resp); /* POST */
int http_compat_skills_delete(struct http_req *req, struct http_resp *resp); /* DELETE */

#endif
