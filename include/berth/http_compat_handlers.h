/* http_compat_handlers.h: the older version's remaining /container routes (issue #10, reference
 * §5): POST /container and /container/skills. Each follows the http_handler contract of
 * include/berth/http.h; authorization is per container, as for the other compat routes
 * (include/berth/compat.h): admins, or the owner of the container's bot. */
#ifndef BERTH_HTTP_COMPAT_HANDLERS_H
#define BERTH_HTTP_COMPAT_HANDLERS_H

#include "berth/http.h"

/* POST /container {"container_id","image","snapshotter"} -> {"container_id","image","snapshotter","started",
 * "ip"}; only the configured bot image (403 image_not_allowed otherwise). */
int http_compat_container_create(struct http_req *req, struct http_resp *resp);
/* /container/skills[?container_id=mcp-<bot id>] with the older shapes (no metadata). */
int http_compat_skills_list(struct http_req *req, struct http_resp *resp);   /* GET */
int http_compat_skills_upsert(struct http_req *req, struct http_resp *resp); /* POST */
int http_compat_skills_delete(struct http_req *req, struct http_resp *resp); /* DELETE */

#endif
