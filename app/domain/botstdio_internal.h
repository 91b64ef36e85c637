/* botstdio_internal.h: what botstdio.c (the sessions) and botstdio_fed.c (their federation into
 * the tools gateway) share. Not part of the interface: only app/domain/ includes it. */
#ifndef BERTH_BOTSTDIO_INTERNAL_H
#define BERTH_BOTSTDIO_INTERNAL_H

#include <jansson.h>

#include "berth/botctr_op.h"
#include "berth/err.h"

/* What an agent call may take beyond the timeout it is given (its reply, a close's grace). */
#define BOTSTDIO_AGENT_SLACK_MS 2000

/* The outcome of one agent method call. */
struct botstdio_agent_reply {
	json_t *result; /* NEW on success */
	int code;	/* the agent's JSON-RPC error code, 0 on success */
	char message[BERTH_ERR_MSG_MAX];
};

/* Calls method with params (STOLEN) on the bot's agent, the call capped at cap_ms. 0: r->result,
 * or r->code/message when the agent answered with an error; -1: the agent could not be asked
 * (err, from bottools: NOT_FOUND / PRECONDITION when the container is gone or stopped). */
int botstdio_agent_method(const struct botctr_env *env, const char *bot_id, const char *method,
			  json_t *params, int cap_ms, struct botstdio_agent_reply *r,
			  berth_err *err);

#endif
