/* http_handlers_skills.h: the bot skills routes (app/http/handlers_skills.c).
 * Each follows the http_handler contract of include/berth/http_dispatch.h; bot-scoped ones get
 * req->bot already authorized by the route's policy (app/http/routes.c).
 */
#ifndef BERTH_HTTP_HANDLERS_SKILLS_H
#define BERTH_HTTP_HANDLERS_SKILLS_H

struct http_req;  /* http_request.h */
struct http_resp; /* http_response.h */

/* /bots/:bot_id/container/skills */
int http_skills_list(struct http_req *req, struct http_resp *resp);   /* GET */
int http_skills_upsert(struct http_req *req, struct http_resp *resp); /* POST */
int http_skills_delete(struct http_req *req, struct http_resp *resp); /* DELETE */

#endif
