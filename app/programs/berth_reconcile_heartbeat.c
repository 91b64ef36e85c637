/* berth_reconcile_heartbeat.c: tells readers whether this reconciler vouches for its node's rows
 * (see berth_reconcile.h, berth/store_observed.h). Every HEARTBEAT_MS, while rc_sched_vouches, it
 * pushes nodes.reconciler_alive_until HEARTBEAT_TTL_MS ahead; the statement writes only while the
 * node lock is held. When vouching stops (lock or event stream lost) and when the process stops,
 * it clears what it wrote, so that reads fall back to containerd at once; a reconciler killed
 * outright stops vouching within HEARTBEAT_TTL_MS. Its own connection: a relist or a pass blocked
 * on a frozen containerd does not stop it (the event stream stays subscribed then, and the rows
 * keep their observed_at, which readers also check).
 * Each of these statements also adds the counts the process gathered since the last one
 * (rc_sched_take_counts: relists, passes, actions) to the node's counters (GET /metrics): one
 * statement per heartbeat, none per action; counts not written are given back for the next. */
#include "berth_reconcile.h"

#include <string.h>
#include <time.h>

#include "berth/deadline.h"
#include "berth/log.h"
#include "berth/store_reconcile.h"

#define HEARTBEAT_MS 500
#define HEARTBEAT_TTL_MS 2000
/* Bound on one heartbeat statement. */
#define STATEMENT_MS 1000

/* Waits up to ms, or until the schedule changes (activity, event stream, stop: all broadcast on
 * s->wake), so that a reconciler that stops vouching says so at once. */
static void pause_ms(struct rc_sched *s, bool vouched, int ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += (long)ms * 1000000L;
	while (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (!s->stopping) {
		if (rc_sched_vouches_locked(s) != vouched ||
		    pthread_cond_timedwait(&s->wake, &s->mu, &until) != 0)
			break;
	}
	pthread_mutex_unlock(&s->mu);
}

/* Opens the connection when there is none (under the configuration's read lock: its strings may
 * be swapped by a reload otherwise); copies the node and the relist period. */
static int prepare(struct rc_sched *s, berth_store **store, char node[STORE_NAME_SIZE],
		   int *relist_ms, berth_err *err)
{
	int rc = 0;

	pthread_rwlock_rdlock(&s->cfg_lock);
	if (!*store &&
	    !(*store = store_open(s->cfg->db_conninfo, s->cfg->db_statement_timeout_ms, err)))
		rc = -1;
	if (strlen(s->cfg->node) >= STORE_NAME_SIZE)
		rc = berth_err_set(err, BERTH_E_INVALID, "node name too long");
	else
		memcpy(node, s->cfg->node, strlen(s->cfg->node) + 1);
	*relist_ms = s->cfg->reconcile_interval_s * 1000;
	pthread_rwlock_unlock(&s->cfg_lock);
	return rc;
}

void *rc_heartbeat_main(void *arg)
{
	struct rc_sched *s = arg;
	berth_store *store = NULL;
	bool written = false, refused_logged = false;
	char node[STORE_NAME_SIZE];
	int relist_ms = 0;
	struct store_reconcile_counts counts;

	for (;;) {
		bool stop = rc_sched_stopping(s), vouch = !stop && rc_sched_vouches(s);
		berth_err err = { 0 };

		if (prepare(s, &store, node, &relist_ms, &err) < 0) {
			blog(BLOG_WARN, "heartbeat: %s", err.msg);
			if (stop)
				break;
			pause_ms(s, rc_sched_vouches(s), HEARTBEAT_MS);
			continue;
		}
		store_set_deadline(store, berth_deadline_after(STATEMENT_MS));
		if (vouch) {
			bool held = false;

			rc_sched_take_counts(s, &counts);
			if (store_reconcile_heartbeat(store, node, HEARTBEAT_TTL_MS, relist_ms,
						      &counts, &held, &err) < 0) {
				blog(BLOG_WARN, "heartbeat: %s", err.msg);
				rc_sched_return_counts(s, &counts);
			} else {
				written = written || held;
				if (!held)
					rc_sched_return_counts(s, &counts);
				if (!held && !refused_logged)
					blog(BLOG_WARN,
					     "heartbeat: the node lock of %s is not held: not vouching",
					     node);
				refused_logged = !held;
			}
		} else if (written) {
			rc_sched_take_counts(s, &counts);
			if (store_reconcile_heartbeat_clear(store, node, &counts, &err) < 0) {
				blog(BLOG_WARN, "heartbeat: clearing: %s (it expires within %d ms)",
				     err.msg, HEARTBEAT_TTL_MS);
				rc_sched_return_counts(s, &counts);
			} else {
				written = false;
			}
		}
		store_set_deadline(store, 0);
		if (stop)
			break;
		pause_ms(s, vouch, HEARTBEAT_MS);
	}
	store_close(store);
	return NULL;
}
