/* http_botscope.h: bot-scoped access for a request (app/http/botscope.c). */
#ifndef BERTH_HTTP_BOTSCOPE_H
#define BERTH_HTTP_BOTSCOPE_H

struct store_bot;    /* store_bots.h */
struct authz_policy; /* authz.h: who may act on a bot */
struct http_req;     /* http_request.h */
struct http_resp;    /* http_response.h */

/* Bot-scoped access by hand (what the dispatcher does for routes with a bot_policy): bot_id must
 * be a canonical UUID (else 400 invalid_bot_id), the bot must exist (404 bot_not_found "bot not
 * found"), membership is loaded when the policy could use it, and authz_decide must allow
 * (403 bot_access_denied "bot access denied"); store failures map by kind (503 ...). Also sets
 * the log context's bot_id. On success *bot is NEW (free()). On failure resp is filled, -1. */
int http_bot_access(struct http_req *req, const char *bot_id, const struct authz_policy *policy,
		    struct store_bot **bot, struct http_resp *resp);

#endif
