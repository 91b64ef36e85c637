/* events.c: Events service (subscription stream) and event decoding. */
#include <string.h>

#include "containerd/events/task.pb-c.h"
#include "containerd/services/events/v1/events.pb-c.h"
#include "internal.h"

#define SVC (&containerd__services__events__v1__events__descriptor)
#define TASK_EXIT_TYPE "containerd.events.TaskExit"

struct sub_ctx {
	ctd_event_fn fn;
	void *ud;
};

static int sub_msg(const ProtobufCMessage *msg, void *ud, berth_err *err)
{
	struct sub_ctx *sc = ud;
	return sc->fn((const ctd_envelope *)msg, sc->ud, err);
}

int ctd_events_subscribe(ctd_conn *c, const char *const *filters, size_t n_filters,
			 ctd_event_fn fn, void *ud, berth_err *err)
{
	Containerd__Services__Events__V1__SubscribeRequest req =
		CONTAINERD__SERVICES__EVENTS__V1__SUBSCRIBE_REQUEST__INIT;
	struct sub_ctx sc = { fn, ud };
	req.n_filters = n_filters;
	req.filters = (char **)filters;
	return ctd_call_server_stream(c, SVC, "Subscribe", &req.base, sub_msg, &sc, -1,
				      CTD_CANCEL_ENDS_OK, err);
}

int ctd_event_task_exit(const ctd_envelope *env, ctd_task_exit_event **out, berth_err *err)
{
	const Google__Protobuf__Any *ev = env->event;
	/* The type URL may carry a host prefix ("types.containerd.io/..."): compare its tail. */
	size_t ulen = ev && ev->type_url ? strlen(ev->type_url) : 0;
	size_t tlen = strlen(TASK_EXIT_TYPE);
	if (ulen < tlen || strcmp(ev->type_url + ulen - tlen, TASK_EXIT_TYPE) != 0)
		return berth_err_set(err, BERTH_E_INVALID, "event %s is not a task exit",
				     ev && ev->type_url ? ev->type_url : "(none)");
	*out = containerd__events__task_exit__unpack(NULL, ev->value.len, ev->value.data);
	if (!*out)
		return berth_err_set(err, BERTH_E_INVALID, "malformed TaskExit event");
	return 0;
}
