/* http_handlers_health.h: the health, readiness and caller routes (app/http/handlers_health.c).
 * Each follows the http_handler contract of include/berth/http_dispatch.h. */
#ifndef BERTH_HTTP_HANDLERS_HEALTH_H
#define BERTH_HTTP_HANDLERS_HEALTH_H

struct http_req;  /* http_request.h */
struct http_resp; /* http_response.h */

/* GET /health: 200 {"status":"ok"} when the process answers; touches nothing else. */
int http_get_health(struct http_req *req, struct http_resp *resp);
/* GET /ready: 200 when a store ping and a containerd Version call both succeed, else 503
 * {"status":"unavailable","database":...,"containerd":...,"code":"not_ready","message":...}. */
int http_get_ready(struct http_req *req, struct http_resp *resp);
/* GET /me (authenticated): {"user_id","username","role"}. */
int http_get_me(struct http_req *req, struct http_resp *resp);

#endif
