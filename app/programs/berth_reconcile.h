/* berth_reconcile.h: the parts of berth-reconcile (app/programs/berth_reconcile*.c). Not an
 * interface for other layers.
 *
 * Threads: the main thread holds the node lock and LISTENs on its own connection, relists, and
 * handles signals; `parallel` worker threads run the passes (berth/reconcile.h), each with its own
 * store and containerd connection; one events thread follows containerd's events on its own
 * connection; one heartbeat thread tells readers, on its own database connection, whether this
 * reconciler vouches for the node's rows (berth/store_observed.h). They share only the schedule
 * below (its mutex) and the configuration (its rwlock: a pass holds it for reading, a reload swaps
 * it under the write lock).
 */
#ifndef BERTH_RECONCILE_PROGRAM_H
#define BERTH_RECONCILE_PROGRAM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "berth/config.h"
#include "berth/ctd_conn.h"
#include "berth/reconcile.h"
#include "berth/store_conn.h"
#include "berth/store_reconcile.h"

/* One bot waiting for a pass (or in one). */
struct rc_item {
	char bot_id[STORE_ID_SIZE];
	int64_t due_ms;	  /* berth_now_ms() from which it may run */
	bool busy;	  /* a worker runs its pass now */
	bool again;	  /* a hint came during the pass: run it again at once */
	bool oom;	  /* containerd reported an OOM kill: record it at the next pass */
	bool urgent;	  /* named by containerd or a NOTIFY: runs before the relist's sweep */
	bool unreachable; /* its last pass could not reach containerd: runs again once it is back */
};

/* Where a pass request comes from: a relist's sweep of every bot, or a hint naming the bot
 * (containerd event, NOTIFY), which goes before the sweep's bots that are due; an OOM kill is an
 * urgent hint that the pass also records. */
enum rc_hint { RC_HINT_SWEEP, RC_HINT_URGENT, RC_HINT_OOM };

struct rc_sched {
	pthread_mutex_t mu;
	pthread_cond_t wake;   /* items added, activity changed, stop */
	struct rc_item *items; /* owned */
	size_t count, cap;
	bool active; /* this process holds the node lock: passes may run */
	bool stopping;
	int64_t relist_due_ms; /* the events thread asks the main thread for a relist (0: none) */
	bool relist_early;     /* containerd is back: a relist at once, besides the one after the
				* new subscription (relist_due_ms), which vouching waits for */
	int64_t active_ms;     /* since when active (0: not) */
	int64_t stream_up_ms; /* since when containerd's event stream is subscribed (0: it is not) */
	int64_t relisted_ms;  /* when the last relist that succeeded began (0: none yet) */
	bool ctd_away;	      /* the event stream was lost and containerd has not answered since */
	/* What this process did since the heartbeat last wrote it into the node's row (relists,
	 * passes, actions; last_relist_ms -1: no relist since). */
	struct store_reconcile_counts counts;
	pthread_rwlock_t cfg_lock;	/* guards *cfg */
	const struct berth_config *cfg; /* borrowed from the main thread */
};

int rc_sched_init(struct rc_sched *s, const struct berth_config *cfg);
void rc_sched_destroy(struct rc_sched *s);
/* Schedules a pass of bot_id no later than due_ms (RC_HINT_OOM: the pass records an OOM kill
 * first). Workers take the due bots urgent first, then the longest due first. */
void rc_sched_add(struct rc_sched *s, const char *bot_id, int64_t due_ms, enum rc_hint hint);
void rc_sched_set_active(struct rc_sched *s, bool active);
void rc_sched_stop(struct rc_sched *s);
/* Whether rc_sched_stop has been called (read under s->mu). */
bool rc_sched_stopping(struct rc_sched *s);
/* Asks the main thread for a full relist at due_ms (the earliest asked wins). */
void rc_sched_request_relist(struct rc_sched *s, int64_t due_ms);
/* Takes the relist requests due (and the early one of rc_sched_containerd_back): true when a
 * relist is to begin now, which answers every request due. */
bool rc_sched_take_relist(struct rc_sched *s, int64_t now_ms);

/* The events thread subscribed (up) or lost the event stream. */
void rc_sched_set_stream(struct rc_sched *s, bool up);
/* The event stream was lost: until rc_sched_containerd_back, a pass that cannot reach containerd
 * is retried after 5 s at the latest instead of its usual retry. */
void rc_sched_containerd_lost(struct rc_sched *s);
/* containerd answers again after the event stream was lost: the bots whose last pass could not
 * reach it are due at once (rather than at their retry time), and a relist is asked for at once
 * (the bots lost meanwhile get their passes without waiting for the relist that follows the new
 * subscription). */
void rc_sched_containerd_back(struct rc_sched *s);
/* A relist that began at started_ms succeeded at ended_ms (counted). */
void rc_sched_relisted(struct rc_sched *s, int64_t started_ms, int64_t ended_ms);
/* A bot pass ran and did what acted says (counted). */
void rc_sched_count_pass(struct rc_sched *s, enum reconcile_action acted);
/* Takes the counts gathered so far (s->counts starts over); _return gives back those that could
 * not be written (added to what was gathered meanwhile). */
void rc_sched_take_counts(struct rc_sched *s, struct store_reconcile_counts *out);
void rc_sched_return_counts(struct rc_sched *s, const struct store_reconcile_counts *in);
/* Whether the rows of the node can be vouched for: active, not stopping, the event stream up and
 * a relist begun since it came up and since this process became active (so nothing that happened
 * meanwhile is missed). Under s->mu: rc_sched_vouches_locked. */
bool rc_sched_vouches_locked(const struct rc_sched *s);
bool rc_sched_vouches(struct rc_sched *s);

/* The worker threads' body: arg is the struct rc_sched. */
void *rc_worker_main(void *arg);

/* The events thread: follows containerd's task and container events and schedules the bots they
 * name (a full relist after every stream loss). conn: its own connection, cancelled to stop it. */
struct rc_events {
	struct rc_sched *sched;
	ctd_conn *conn;
};
void *rc_events_main(void *arg);

/* The heartbeat thread (berth_reconcile_heartbeat.c): while rc_sched_vouches, pushes the node's
 * nodes.reconciler_alive_until forward on its own connection (store_reconcile_heartbeat); clears it
 * when that stops being true and when the process stops. arg is the struct rc_sched. */
void *rc_heartbeat_main(void *arg);

#endif
