/* handlers_bot_common.h: what the bot route handlers share (app/http/handlers_*.c). */
#ifndef BERTH_HANDLERS_BOT_COMMON_H
#define BERTH_HANDLERS_BOT_COMMON_H

#include "berth/botctr_op.h"
#include "berth/http_request.h"
#include "berth/http_response.h"

/* The domain environment of this request: the worker's store and containerd connections, its
 * config and the request's deadline. On failure resp holds the error (503) and -1 is returned. */
int bot_env_for(struct http_req *req, struct botctr_env *env, struct http_resp *resp);

/* An optional string member of a JSON object body: *out is NULL when absent, null or the body is
 * empty; a member of another type is 400 "<field> must be a string". Trimmed copies are not made:
 * the value is BORROWED from body. */
int body_string(const json_t *body, const char *field, const char **out, struct http_resp *resp);

/* "limits" of a create body (handlers_limits.c): parsed and checked into *patch (empty when absent);
 * 400 invalid_limits naming the field and the bound. body BORROWED. */
struct botctr_limits_patch;
int body_limits(struct http_req *req, const json_t *body, struct botctr_limits_patch *patch,
		struct http_resp *resp);
/* Stores (and applies live, when the container runs) a non-empty patch before the create. */
int body_limits_apply(const struct botctr_env *env, const char *bot_id,
		      const struct botctr_limits_patch *patch, struct http_resp *resp);
/* Adds the bot's effective "limits" to out (a NEW object; on failure it is released and resp
 * holds the error). */
int add_limits(const struct botctr_env *env, const char *bot_id, json_t *out,
	       struct http_resp *resp);

#endif
