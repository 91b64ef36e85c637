/* ctd_events.h: containerd's Events service: subscriptions, task exits (app/containerd/events.c).
 * Errors, ownership and connections: berth/ctd_conn.h.
 */
#ifndef BERTH_CTD_EVENTS_H
#define BERTH_CTD_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "berth/ctd_conn.h"
#include "berth/ctd_types.h"
#include "berth/err.h"

/* Subscribes to events matching filters (e.g. `topic=="/tasks/exit"`; several filters are ORed),
 * with no deadline, calling fn per envelope (borrowed). fn returns 0 to go on, 1 to stop (returns
 * 0), -1 to stop with an error. ctd_conn_cancel also stops it and it then returns 0 (the only
 * call that does). containerd sends no
 * acknowledgement: events published before the stream is set up are missed. Use a connection of
 * its own (own thread or process). */
typedef struct ctd_envelope {
	ctd_time timestamp;
	const char *namespace_;
	const char *topic;
	const char *type_url; /* of the event; data holds it, encoded */
	const uint8_t *data;
	size_t len;
} ctd_envelope;
typedef int (*ctd_event_fn)(const ctd_envelope *env, void *ud, berth_err *err);
int ctd_events_subscribe(ctd_conn *c, const char *const *filters, size_t n_filters, ctd_event_fn fn,
			 void *ud, berth_err *err);

/* A task's (or exec's) exit, /tasks/exit. */
typedef struct ctd_task_exit_event {
	const char *container_id;
	const char *id; /* the exec id, or the container id for the init process */
	uint32_t pid;
	uint32_t exit_status;
	ctd_time exited_at;
	void *owner_;
} ctd_task_exit_event;
void ctd_task_exit_event_free(ctd_task_exit_event *ev);
/* Decodes a /tasks/exit envelope's event. NEW (ctd_task_exit_event_free). BERTH_E_INVALID if it
 * is not one. */
int ctd_event_task_exit(const ctd_envelope *env, ctd_task_exit_event **out, berth_err *err);
/* Decodes a /tasks/oom envelope's event: its container id into container_id (cap bytes, cut to
 * fit). BERTH_E_INVALID if it is not one. */
int ctd_event_task_oom(const ctd_envelope *env, char *container_id, size_t cap, berth_err *err);

#endif
