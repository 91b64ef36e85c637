/* berth-reconcile: keeps every bot's container on this node true to the database (design.md §1, §10).
 *
 *   berth-reconcile [-c CONFIG]
 *
 * Runs in the foreground and logs JSON lines to standard error. One reconciler per node is active:
 * the one holding the node's session advisory lock on its own PostgreSQL connection; another one
 * waits as a hot standby, trying the lock every STANDBY_POLL_MS. The active one LISTENs on that
 * connection (before its first relist, so no NOTIFY is lost), relists the node every
 * [reconcile] interval_s, and schedules the bots named by NOTIFY and by containerd's events. When
 * its connection is lost, its lock is gone: it stops handing out passes at once and takes the
 * lock again (then LISTENs and relists) before doing anything else.
 *
 * SIGTERM/SIGINT: stops between passes (a pass in progress finishes). SIGHUP: reloads the config
 * file (the relist period and the backoff at once; connections, the node and parallel keep their
 * values until a restart).
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth/config.h"
#include "berth/deadline.h"
#include "berth/log.h"
#include "berth/reconcile.h"
#include "berth/store_locks.h"
#include "berth/store_reconcile.h"
#include "berth/uuid.h"
#include "berth_reconcile.h"

/* A standby (or a reconciler that lost its lock) tries the node lock this often: a takeover
 * comes well within 5 s of the active one's end. */
#define STANDBY_POLL_MS 500
/* Longest wait for a NOTIFY before the main loop looks at signals, timers and relist requests
 * again (a relist asked for when containerd is back starts within this). */
#define NOTIFY_WAIT_MS 50
/* After a failed relist, the next try. */
#define RELIST_RETRY_MS 1000

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_stop(int signo)
{
	(void)signo;
	stop_requested = 1;
}

static void on_reload(int signo)
{
	(void)signo;
	reload_requested = 1;
}

static int setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = on_reload;
	if (sigaction(SIGHUP, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/* Everything the main thread owns. */
struct reconciler {
	const char *config_path;
	struct berth_config cfg;
	struct rc_sched sched;
	berth_store *lock_store; /* the node lock and LISTEN: nothing else runs on it */
	berth_store *list_store; /* relists */
	ctd_conn *list_ctd;
	bool active;
	bool standby_logged;
	int64_t next_relist_ms;
};

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL); /* a signal cuts it short: the loop looks at once */
}

static void reload(struct reconciler *r)
{
	struct berth_config fresh;
	berth_err err = { 0 };
	enum blog_level level = BLOG_INFO;

	reload_requested = 0;
	if (berth_config_load(r->config_path, &fresh, &err) < 0) {
		blog(BLOG_ERROR, "reload: configuration: %s (keeping the current one)", err.msg);
		return;
	}
	/* What the running connections and threads were made with stays until a restart. */
	if (strcmp(fresh.node, r->cfg.node) != 0 ||
	    fresh.reconcile_parallel != r->cfg.reconcile_parallel ||
	    strcmp(fresh.db_conninfo, r->cfg.db_conninfo) != 0 ||
	    strcmp(fresh.ctd_socket, r->cfg.ctd_socket) != 0 ||
	    strcmp(fresh.ctd_namespace, r->cfg.ctd_namespace) != 0)
		blog(BLOG_WARN,
		     "reload: [bots] node, [reconcile] parallel, [database] and [containerd] changes "
		     "take effect at the next restart");
	if (blog_level_parse(fresh.log_level, &level) < 0)
		blog(BLOG_WARN, "unknown log_level '%s', using info", fresh.log_level);
	pthread_rwlock_wrlock(&r->sched.cfg_lock);
	berth_config_free(&r->cfg);
	r->cfg = fresh;
	pthread_rwlock_unlock(&r->sched.cfg_lock);
	blog_set_level(level);
	r->next_relist_ms = berth_now_ms();
	blog(BLOG_INFO, "configuration reloaded: relist every %d s, backoff %d ms .. %d ms",
	     r->cfg.reconcile_interval_s, r->cfg.reconcile_backoff_initial_ms,
	     r->cfg.reconcile_backoff_max_ms);
}

static void schedule_now(const char *bot_id, void *ud)
{
	struct reconciler *r = ud;

	rc_sched_add(&r->sched, bot_id, berth_now_ms(), RC_HINT_SWEEP);
}

static void relist(struct reconciler *r)
{
	struct botctr_env env = { .cfg = &r->cfg };
	berth_err err = { 0 };
	int64_t started = berth_now_ms(), ended;

	if (!r->list_ctd && !(r->list_ctd = ctd_conn_new(r->cfg.ctd_socket, r->cfg.ctd_namespace,
							 r->cfg.ctd_timeout_ms, &err)))
		goto fail;
	env.store = r->list_store;
	env.ctd = r->list_ctd;
	if (reconcile_relist(&env, schedule_now, r, &err) < 0)
		goto fail;
	ended = berth_now_ms();
	blog(BLOG_DEBUG, "relist done in %lld ms", (long long)(ended - started));
	rc_sched_relisted(&r->sched, started, ended);
	r->next_relist_ms = started + (int64_t)r->cfg.reconcile_interval_s * 1000;
	return;
fail:
	blog(BLOG_ERROR, "relist failed: %s (again in %d ms)", err.msg, RELIST_RETRY_MS);
	r->next_relist_ms = berth_now_ms() + RELIST_RETRY_MS;
}

/* Not active: tries the node lock; on success LISTENs and asks for a relist. */
static void try_take_lock(struct reconciler *r)
{
	berth_err err = { 0 };
	bool acquired = false;

	if (store_node_try_lock(r->lock_store, r->cfg.node, &acquired, &err) < 0) {
		blog(BLOG_ERROR, "node lock of %s: %s", r->cfg.node, err.msg);
		sleep_ms(STANDBY_POLL_MS);
		return;
	}
	if (!acquired) {
		if (!r->standby_logged)
			blog(BLOG_INFO, "standby: another reconciler is active on node %s",
			     r->cfg.node);
		r->standby_logged = true;
		sleep_ms(STANDBY_POLL_MS);
		return;
	}
	/* LISTEN before the relist, so that a NOTIFY sent meanwhile is not lost. */
	if (store_listen(r->lock_store, STORE_RECONCILE_CHANNEL, &err) < 0) {
		blog(BLOG_ERROR, "listen on %s: %s (dropping the node lock)",
		     STORE_RECONCILE_CHANNEL, err.msg);
		if (store_node_unlock(r->lock_store, r->cfg.node, &err) < 0)
			blog(BLOG_WARN, "node unlock: %s", err.msg);
		sleep_ms(STANDBY_POLL_MS);
		return;
	}
	r->active = true;
	r->standby_logged = false;
	rc_sched_set_active(&r->sched, true);
	blog(BLOG_INFO, "active reconciler of node %s (relist every %d s, %d in parallel)",
	     r->cfg.node, r->cfg.reconcile_interval_s, r->cfg.reconcile_parallel);
	relist(r);
}

/* Active: waits for a NOTIFY (or the next relist); a lost connection ends the activity. */
static void serve(struct reconciler *r)
{
	struct store_notification n;
	berth_err err = { 0 };
	bool got = false;
	int64_t left = r->next_relist_ms - berth_now_ms();
	int wait_ms = left < NOTIFY_WAIT_MS ? (left > 0 ? (int)left : 0) : NOTIFY_WAIT_MS;

	if (store_wait_notification(r->lock_store, wait_ms, &n, &got, &err) < 0) {
		/* The session, and with it the node lock, is gone: stop handing out work at once. */
		rc_sched_set_active(&r->sched, false);
		r->active = false;
		blog(BLOG_ERROR,
		     "lost the database connection holding the node lock: %s (inactive until the lock "
		     "is taken again)",
		     err.msg);
		return;
	}
	if (got) {
		if (berth_uuid_is_canonical(n.payload))
			rc_sched_add(&r->sched, n.payload, berth_now_ms(), RC_HINT_URGENT);
		else
			blog(BLOG_WARN, "NOTIFY %s: payload is not a bot id; ignored", n.channel);
	}
	if (rc_sched_take_relist(&r->sched, berth_now_ms()) || berth_now_ms() >= r->next_relist_ms)
		relist(r);
}

static int run(struct reconciler *r)
{
	pthread_t *workers = NULL, events_thread, heartbeat_thread;
	struct rc_events events = { &r->sched, NULL };
	int n_workers = 0, rc = 1;
	bool events_started = false, heartbeat_started = false;
	sigset_t handled, saved_mask;
	berth_err err = { 0 };

	sigemptyset(&saved_mask);
	if (rc_sched_init(&r->sched, &r->cfg) != 0) {
		blog(BLOG_ERROR, "cannot set up the schedule");
		return 1;
	}
	if (!(r->lock_store = store_open(r->cfg.db_conninfo, r->cfg.db_statement_timeout_ms,
					 &err)) ||
	    !(r->list_store = store_open(r->cfg.db_conninfo, r->cfg.db_statement_timeout_ms,
					 &err)) ||
	    !(events.conn = ctd_conn_new(r->cfg.ctd_socket, r->cfg.ctd_namespace,
					 r->cfg.ctd_timeout_ms, &err))) {
		blog(BLOG_ERROR, "cannot set up connections: %s", err.msg);
		goto done;
	}
	if (!(workers = calloc((size_t)r->cfg.reconcile_parallel, sizeof *workers))) {
		blog(BLOG_ERROR, "out of memory");
		goto done;
	}
	/* The threads start with the stop and reload signals blocked: only the main thread takes them,
	 * so no pass sees EINTR from them. */
	sigemptyset(&handled);
	sigaddset(&handled, SIGTERM);
	sigaddset(&handled, SIGINT);
	sigaddset(&handled, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &handled, &saved_mask);
	for (; n_workers < r->cfg.reconcile_parallel; n_workers++)
		if (pthread_create(&workers[n_workers], NULL, rc_worker_main, &r->sched) != 0) {
			blog(BLOG_ERROR, "cannot start worker thread %d", n_workers);
			goto done;
		}
	if (pthread_create(&events_thread, NULL, rc_events_main, &events) != 0) {
		blog(BLOG_ERROR, "cannot start the events thread");
		goto done;
	}
	events_started = true;
	if (pthread_create(&heartbeat_thread, NULL, rc_heartbeat_main, &r->sched) != 0) {
		blog(BLOG_ERROR, "cannot start the heartbeat thread");
		goto done;
	}
	heartbeat_started = true;
	pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
	blog(BLOG_INFO, "started: node %s, namespace %s", r->cfg.node, r->cfg.ctd_namespace);
	while (!stop_requested) {
		if (reload_requested)
			reload(r);
		if (r->active)
			serve(r);
		else
			try_take_lock(r);
	}
	blog(BLOG_INFO, "stopping: passes in progress finish");
	rc = 0;
done:
	pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
	rc_sched_stop(&r->sched);
	/* First: the heartbeat is cleared while this process still holds the node lock. */
	if (heartbeat_started)
		pthread_join(heartbeat_thread, NULL);
	if (events_started) {
		ctd_conn_cancel(events.conn);
		pthread_join(events_thread, NULL);
	}
	for (int i = 0; i < n_workers; i++)
		pthread_join(workers[i], NULL);
	free(workers);
	ctd_conn_free(events.conn);
	ctd_conn_free(r->list_ctd);
	store_close(r->list_store);
	store_close(r->lock_store); /* ends the session: the node lock goes with it */
	rc_sched_destroy(&r->sched);
	ctd_shutdown();
	blog(BLOG_INFO, "stopped");
	return rc;
}

static void usage(FILE *to)
{
	fputs("usage: berth-reconcile [-c CONFIG]\n"
	      "  -c CONFIG  configuration file (default: $BERTH_CONFIG, else " BERTH_CONFIG_DEFAULT_PATH
	      ")\n",
	      to);
}

int main(int argc, char **argv)
{
	struct reconciler r;
	enum blog_level level = BLOG_INFO;
	berth_err err = { 0 };
	int opt, rc;

	memset(&r, 0, sizeof r);
	blog_init("berth-reconcile", BLOG_INFO, 2);
	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		switch (opt) {
		case 'c': r.config_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (setup_signals() < 0) {
		blog(BLOG_ERROR, "cannot install signal handlers");
		return 1;
	}
	if (berth_config_load(r.config_path, &r.cfg, &err) < 0) {
		blog(BLOG_ERROR, "configuration: %s", err.msg);
		return 1;
	}
	if (blog_level_parse(r.cfg.log_level, &level) < 0)
		blog(BLOG_WARN, "unknown log_level '%s', using info", r.cfg.log_level);
	blog_set_level(level);
	rc = run(&r);
	berth_config_free(&r.cfg);
	return rc;
}
