/* events.c: Events service (subscription stream) and event decoding. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_events.h"
#include "containerd/events/task.pb-c.h"
#include "containerd/services/events/v1/events.pb-c.h"
#include "internal.h"

#define SVC (&containerd__services__events__v1__events__descriptor)
#define TASK_EXIT_TYPE "containerd.events.TaskExit"
#define TASK_OOM_TYPE "containerd.events.TaskOOM"

struct sub_ctx {
	ctd_event_fn fn;
	void *ud;
};

static int sub_msg(const ProtobufCMessage *msg, void *ud, berth_err *err)
{
	const Containerd__Services__Events__V1__Envelope *e = (const void *)msg;
	struct sub_ctx *sc = ud;
	ctd_envelope env = { ctd_time_of(e->timestamp), e->namespace_, e->topic, "", NULL, 0 };
	if (e->event) {
		env.type_url = e->event->type_url;
		env.data = e->event->value.data;
		env.len = e->event->value.len;
	}
	return sc->fn(&env, sc->ud, err);
}

int ctd_events_subscribe(ctd_conn *c, const char *const *filters, size_t n_filters, ctd_event_fn fn,
			 void *ud, berth_err *err)
{
	Containerd__Services__Events__V1__SubscribeRequest req =
		CONTAINERD__SERVICES__EVENTS__V1__SUBSCRIBE_REQUEST__INIT;
	struct sub_ctx sc = { fn, ud };
	req.n_filters = n_filters;
	req.filters = (char **)filters;
	return ctd_call_server_stream(c, SVC, "Subscribe", &req.base, sub_msg, &sc, -1,
				      CTD_CANCEL_ENDS_OK, err);
}

/* Whether the envelope's type URL ends with type (it may carry a host prefix). */
static bool has_type(const ctd_envelope *env, const char *type)
{
	size_t ulen = env->type_url ? strlen(env->type_url) : 0, tlen = strlen(type);

	return ulen >= tlen && strcmp(env->type_url + ulen - tlen, type) == 0;
}

int ctd_event_task_oom(const ctd_envelope *env, char *container_id, size_t cap, berth_err *err)
{
	Containerd__Events__TaskOOM *pb;

	if (!has_type(env, TASK_OOM_TYPE))
		return berth_err_set(err, BERTH_E_INVALID, "event %s is not a task OOM",
				     env->type_url && env->type_url[0] ? env->type_url : "(none)");
	pb = containerd__events__task_oom__unpack(NULL, env->len, env->data);
	if (!pb)
		return berth_err_set(err, BERTH_E_INVALID, "malformed TaskOOM event");
	snprintf(container_id, cap, "%s", pb->container_id ? pb->container_id : "");
	ctd_reply_free(pb);
	return 0;
}

int ctd_event_task_exit(const ctd_envelope *env, ctd_task_exit_event **out, berth_err *err)
{
	Containerd__Events__TaskExit *pb;
	ctd_task_exit_event *ev;
	/* The type URL may carry a host prefix ("types.containerd.io/..."): compare its tail. */
	size_t ulen = env->type_url ? strlen(env->type_url) : 0;
	size_t tlen = strlen(TASK_EXIT_TYPE);
	*out = NULL;
	if (ulen < tlen || strcmp(env->type_url + ulen - tlen, TASK_EXIT_TYPE) != 0)
		return berth_err_set(err, BERTH_E_INVALID, "event %s is not a task exit",
				     ulen ? env->type_url : "(none)");
	pb = containerd__events__task_exit__unpack(NULL, env->len, env->data);
	if (!pb)
		return berth_err_set(err, BERTH_E_INVALID, "malformed TaskExit event");
	if (!(ev = malloc(sizeof(*ev)))) {
		ctd_reply_free(pb);
		return ctd_nomem(err, "TaskExit event");
	}
	*ev = (ctd_task_exit_event){ pb->container_id,		 pb->id, pb->pid, pb->exit_status,
				     ctd_time_of(pb->exited_at), pb };
	*out = ev;
	return 0;
}

void ctd_task_exit_event_free(ctd_task_exit_event *ev)
{
	if (!ev)
		return;
	ctd_reply_free(ev->owner_);
	free(ev);
}
