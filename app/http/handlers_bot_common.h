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

#endif
