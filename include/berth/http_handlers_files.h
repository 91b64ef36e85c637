/* http_handlers_files.h: the plain tool routes for scripts: exec and files (issue #9)
 * (app/http/handlers_files.c).
 * Each follows the http_handler contract of include/berth/http_dispatch.h; bot-scoped ones get
 * req->bot already authorized by the route's policy (app/http/routes.c).
 */
#ifndef BERTH_HTTP_HANDLERS_FILES_H
#define BERTH_HTTP_HANDLERS_FILES_H

struct http_req;  /* http_request.h */
struct http_resp; /* http_response.h */

int http_container_exec(struct http_req *req, struct http_resp *resp); /* POST .../container/exec */
int http_container_file_get(struct http_req *req,
			    struct http_resp *resp); /* GET .../container/files?path= */
int http_container_file_put(struct http_req *req, struct http_resp *resp);    /* PUT */
int http_container_file_delete(struct http_req *req, struct http_resp *resp); /* DELETE */
int http_container_file_list(struct http_req *req,
			     struct http_resp *resp); /* GET .../files/list?path= */

#endif
