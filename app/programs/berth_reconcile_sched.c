/* berth_reconcile_sched.c: the schedule of bots to reconcile and the worker threads that run the
 * passes (see berth_reconcile.h). A bot is in the schedule at most once; a hint that comes while
 * its pass runs makes the pass run again, so no hint is lost and no bot runs twice at once. */
#include "berth_reconcile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/deadline.h"
#include "berth/log.h"
#include "berth/reconcile.h"

/* Bound on one pass (the lock wait, containerd calls, CNI runs). */
#define PASS_TIMEOUT_MS 120000
/* An idle worker looks again at least this often. */
#define IDLE_WAIT_MS 1000
/* A pass that could not reach containerd while it is away is tried again after this at the latest
 * (at once when containerd is back). */
#define UNREACHABLE_RETRY_MS 5000

int rc_sched_init(struct rc_sched *s, const struct berth_config *cfg)
{
	pthread_condattr_t attr;

	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->counts.last_relist_ms = -1;
	if (pthread_mutex_init(&s->mu, NULL) != 0)
		return -1;
	if (pthread_condattr_init(&attr) != 0 ||
	    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&s->wake, &attr) != 0) {
		pthread_mutex_destroy(&s->mu);
		return -1;
	}
	pthread_condattr_destroy(&attr);
	if (pthread_rwlock_init(&s->cfg_lock, NULL) != 0) {
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->mu);
		return -1;
	}
	return 0;
}

void rc_sched_destroy(struct rc_sched *s)
{
	free(s->items);
	s->items = NULL;
	pthread_rwlock_destroy(&s->cfg_lock);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->mu);
}

static struct rc_item *find(struct rc_sched *s, const char *bot_id)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->items[i].bot_id, bot_id) == 0)
			return &s->items[i];
	return NULL;
}

void rc_sched_add(struct rc_sched *s, const char *bot_id, int64_t due_ms, enum rc_hint hint)
{
	struct rc_item *it;
	bool oom = hint == RC_HINT_OOM, urgent = hint != RC_HINT_SWEEP;

	pthread_mutex_lock(&s->mu);
	it = find(s, bot_id);
	if (it) {
		if (it->busy)
			it->again = true;
		if (due_ms < it->due_ms)
			it->due_ms = due_ms;
		it->oom = it->oom || oom;
		it->urgent = it->urgent || urgent;
	} else {
		if (s->count == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			struct rc_item *grown = realloc(s->items, cap * sizeof *grown);
			if (!grown) {
				/* The next relist schedules it again. */
				pthread_mutex_unlock(&s->mu);
				blog(BLOG_ERROR, "bot %s: out of memory scheduling its pass",
				     bot_id);
				return;
			}
			s->items = grown;
			s->cap = cap;
		}
		it = &s->items[s->count++];
		memset(it, 0, sizeof *it);
		memcpy(it->bot_id, bot_id, sizeof it->bot_id);
		it->bot_id[sizeof it->bot_id - 1] = '\0';
		it->due_ms = due_ms;
		it->oom = oom;
		it->urgent = urgent;
	}
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

void rc_sched_set_active(struct rc_sched *s, bool active)
{
	pthread_mutex_lock(&s->mu);
	s->active = active;
	s->active_ms = active ? berth_now_ms() : 0;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

void rc_sched_stop(struct rc_sched *s)
{
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

bool rc_sched_stopping(struct rc_sched *s)
{
	bool stop;

	pthread_mutex_lock(&s->mu);
	stop = s->stopping;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

void rc_sched_request_relist(struct rc_sched *s, int64_t due_ms)
{
	pthread_mutex_lock(&s->mu);
	if (s->relist_due_ms == 0 || due_ms < s->relist_due_ms)
		s->relist_due_ms = due_ms;
	pthread_mutex_unlock(&s->mu);
}

bool rc_sched_take_relist(struct rc_sched *s, int64_t now_ms)
{
	bool due, early;

	pthread_mutex_lock(&s->mu);
	/* A relist that begins now also does what one asked for up to now was for. */
	due = s->relist_due_ms != 0 && s->relist_due_ms <= now_ms;
	early = s->relist_early;
	if (due)
		s->relist_due_ms = 0;
	s->relist_early = false;
	pthread_mutex_unlock(&s->mu);
	return due || early;
}

void rc_sched_set_stream(struct rc_sched *s, bool up)
{
	pthread_mutex_lock(&s->mu);
	s->stream_up_ms = up ? berth_now_ms() : 0;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

void rc_sched_containerd_lost(struct rc_sched *s)
{
	pthread_mutex_lock(&s->mu);
	s->ctd_away = true;
	pthread_mutex_unlock(&s->mu);
}

void rc_sched_containerd_back(struct rc_sched *s)
{
	int64_t now = berth_now_ms();

	pthread_mutex_lock(&s->mu);
	s->ctd_away = false;
	s->relist_early = true;
	for (size_t i = 0; i < s->count; i++) {
		struct rc_item *it = &s->items[i];
		if (it->unreachable && !it->busy && it->due_ms > now)
			it->due_ms = now;
		it->unreachable = false;
	}
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

void rc_sched_relisted(struct rc_sched *s, int64_t started_ms, int64_t ended_ms)
{
	pthread_mutex_lock(&s->mu);
	s->relisted_ms = started_ms;
	s->counts.relists++;
	s->counts.last_relist_ms = ended_ms > started_ms ? ended_ms - started_ms : 0;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

void rc_sched_count_pass(struct rc_sched *s, enum reconcile_action acted)
{
	pthread_mutex_lock(&s->mu);
	s->counts.passes++;
	switch (acted) {
	case RECONCILE_ACTED_ADOPT: s->counts.adopts++; break;
	case RECONCILE_ACTED_RESTART: s->counts.restarts++; break;
	case RECONCILE_ACTED_STOP: s->counts.stops++; break;
	case RECONCILE_ACTED_ORPHAN: s->counts.orphans++; break;
	case RECONCILE_ACTED_NONE: break;
	}
	pthread_mutex_unlock(&s->mu);
}

void rc_sched_take_counts(struct rc_sched *s, struct store_reconcile_counts *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->counts;
	memset(&s->counts, 0, sizeof s->counts);
	s->counts.last_relist_ms = -1;
	pthread_mutex_unlock(&s->mu);
}

void rc_sched_return_counts(struct rc_sched *s, const struct store_reconcile_counts *in)
{
	pthread_mutex_lock(&s->mu);
	s->counts.relists += in->relists;
	s->counts.passes += in->passes;
	s->counts.adopts += in->adopts;
	s->counts.restarts += in->restarts;
	s->counts.stops += in->stops;
	s->counts.orphans += in->orphans;
	if (s->counts.last_relist_ms < 0)
		s->counts.last_relist_ms = in->last_relist_ms; /* a newer one wins */
	pthread_mutex_unlock(&s->mu);
}

bool rc_sched_vouches_locked(const struct rc_sched *s)
{
	return s->active && !s->stopping && s->stream_up_ms != 0 &&
	       s->relisted_ms >= s->stream_up_ms && s->relisted_ms >= s->active_ms;
}

bool rc_sched_vouches(struct rc_sched *s)
{
	bool v;

	pthread_mutex_lock(&s->mu);
	v = rc_sched_vouches_locked(s);
	pthread_mutex_unlock(&s->mu);
	return v;
}

/* Whether a is to run before b, both due: a hint before the sweep, then the longest due. */
static bool runs_before(const struct rc_item *a, const struct rc_item *b)
{
	if (a->urgent != b->urgent)
		return a->urgent;
	return a->due_ms < b->due_ms;
}

/* Under s->mu: the next item that may run (marked busy, copied into bot_id, its OOM flag taken
 * into *oom), else how long to wait for one (*wait_ms). One scan of the schedule: urgent items
 * first, then the one due the longest, so that a hint is not queued behind a relist's sweep and
 * no bot waits behind others that became due after it. */
static bool take_due(struct rc_sched *s, char bot_id[STORE_ID_SIZE], bool *oom, int64_t *wait_ms)
{
	int64_t now = berth_now_ms(), next = now + IDLE_WAIT_MS;
	struct rc_item *best = NULL;

	*wait_ms = IDLE_WAIT_MS;
	if (!s->active)
		return false;
	for (size_t i = 0; i < s->count; i++) {
		struct rc_item *it = &s->items[i];
		if (it->busy)
			continue;
		if (it->due_ms <= now) {
			if (!best || runs_before(it, best))
				best = it;
		} else if (it->due_ms < next) {
			next = it->due_ms;
		}
	}
	if (best) {
		best->busy = true;
		best->urgent = false;
		memcpy(bot_id, best->bot_id, STORE_ID_SIZE);
		*oom = best->oom;
		best->oom = false;
		return true;
	}
	*wait_ms = next - now;
	return false;
}

/* Under s->mu: the pass of bot_id ended; retry_in_ms as reconcile_bot gives it; unreachable: it
 * failed because containerd could not be reached. */
static void finish(struct rc_sched *s, const char *bot_id, long long retry_in_ms, bool unreachable)
{
	struct rc_item *it = find(s, bot_id);

	if (!it)
		return;
	it->busy = false;
	it->unreachable = unreachable;
	if (it->again) {
		it->again = false;
		it->due_ms = berth_now_ms();
	} else if (retry_in_ms >= 0) {
		/* containerd is away (its event stream was lost): the bot waits for its return
		 * (rc_sched_containerd_back) rather than failing again at every retry. */
		if (unreachable && s->ctd_away && retry_in_ms < UNREACHABLE_RETRY_MS)
			retry_in_ms = UNREACHABLE_RETRY_MS;
		it->due_ms = berth_now_ms() + retry_in_ms;
	} else {
		*it = s->items[--s->count];
	}
	pthread_cond_broadcast(&s->wake);
}

static void wait_for(struct rc_sched *s, int64_t wait_ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(wait_ms / 1000);
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	(void)pthread_cond_timedwait(&s->wake, &s->mu, &until);
}

/* Connections are made here, in the thread that uses them, and kept for its life (the store and
 * the containerd client reconnect by themselves). */
struct worker_conns {
	berth_store *store;
	ctd_conn *ctd;
};

static int conns_ensure(struct worker_conns *c, const struct berth_config *cfg, berth_err *err)
{
	if (!c->store &&
	    !(c->store = store_open(cfg->db_conninfo, cfg->db_statement_timeout_ms, err)))
		return -1;
	if (!c->ctd &&
	    !(c->ctd = ctd_conn_new(cfg->ctd_socket, cfg->ctd_namespace, cfg->ctd_timeout_ms, err)))
		return -1;
	return 0;
}

/* *unreachable: the pass failed because containerd could not be reached. */
static long long run_pass(struct rc_sched *s, struct worker_conns *conns, const char *bot_id,
			  bool oom, bool *unreachable)
{
	long long retry_in_ms = -1;
	berth_err err = { 0 };
	struct botctr_env env;
	enum reconcile_action acted = RECONCILE_ACTED_NONE;
	int rc;

	pthread_rwlock_rdlock(&s->cfg_lock);
	memset(&env, 0, sizeof env);
	env.cfg = s->cfg;
	if (conns_ensure(conns, s->cfg, &err) < 0) {
		blog(BLOG_ERROR, "bot %s: no connection for its pass: %s", bot_id, err.msg);
		retry_in_ms = s->cfg->reconcile_backoff_initial_ms;
		goto done;
	}
	env.store = conns->store;
	env.ctd = conns->ctd;
	env.deadline_ms = berth_deadline_after(PASS_TIMEOUT_MS);
	store_set_deadline(env.store, env.deadline_ms);
	ctd_conn_set_deadline(env.ctd, env.deadline_ms);
	blog_ctx_set_bot(bot_id);
	if (oom && reconcile_record_oom(&env, bot_id, &err) < 0)
		blog(BLOG_ERROR, "bot %s: recording an OOM kill: %s", bot_id, err.msg);
	rc = reconcile_bot(&env, bot_id, &retry_in_ms, &acted, &err);
	rc_sched_count_pass(s, acted);
	if (rc < 0) {
		blog(BLOG_ERROR, "bot %s: reconcile pass failed: %s", bot_id, err.msg);
		*unreachable = err.kind == BERTH_E_UNAVAILABLE;
		/* Failed passes are hints lost: the bot is looked at again after the initial backoff. */
		if (retry_in_ms < 0)
			retry_in_ms = s->cfg->reconcile_backoff_initial_ms;
	}
	blog_ctx_clear();
	store_set_deadline(env.store, 0);
	ctd_conn_set_deadline(env.ctd, 0);
done:
	pthread_rwlock_unlock(&s->cfg_lock);
	return retry_in_ms;
}

void *rc_worker_main(void *arg)
{
	struct rc_sched *s = arg;
	struct worker_conns conns = { NULL, NULL };
	char bot_id[STORE_ID_SIZE];

	pthread_mutex_lock(&s->mu);
	while (!s->stopping) {
		int64_t wait_ms;
		long long retry_in_ms;
		bool oom = false, unreachable = false;

		if (!take_due(s, bot_id, &oom, &wait_ms)) {
			wait_for(s, wait_ms);
			continue;
		}
		pthread_mutex_unlock(&s->mu);
		retry_in_ms = run_pass(s, &conns, bot_id, oom, &unreachable);
		pthread_mutex_lock(&s->mu);
		finish(s, bot_id, retry_in_ms, unreachable);
	}
	pthread_mutex_unlock(&s->mu);
	ctd_conn_free(conns.ctd);
	store_close(conns.store);
	return NULL;
}
