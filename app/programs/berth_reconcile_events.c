/* berth_reconcile_events.c: containerd's events as hints (see berth_reconcile.h). A task exit or an
 * OOM kill names its container, so its bot gets a pass at once (an OOM is recorded by it); the
 * other topics (task delete, container delete) ask for a full relist, which finds what changed. The stream is a hint only: after it is
 * lost (containerd restarted) it is subscribed again and a relist follows, since events published
 * while no stream was up are gone. */
#include "berth_reconcile.h"

#include <string.h>
#include <time.h>

#include "berth/deadline.h"
#include "berth/ctd_events.h"
#include "berth/ctd_version.h"
#include "berth/log.h"
#include "berth/reconcile.h"

#define TOPIC_TASK_EXIT "/tasks/exit"
#define TOPIC_TASK_OOM "/tasks/oom"
/* Between two looks for containerd while it is away (a Version call that fails at once: cheap;
 * the bots wait for its return, so it is looked for often). */
#define RESUBSCRIBE_MS 100
/* The stream is set up without an acknowledgement: the relist after a (re)subscription waits this
 * long so that it sees what happened before the stream was up. */
#define RELIST_AFTER_SUBSCRIBE_MS 300

static const char *const topics[] = {
	"topic==\"" TOPIC_TASK_EXIT "\"",
	"topic==\"/tasks/delete\"",
	"topic==\"" TOPIC_TASK_OOM "\"",
	"topic==\"/containers/delete\"",
};

static int on_event(const ctd_envelope *env, void *ud, berth_err *err)
{
	struct rc_events *ev = ud;
	ctd_task_exit_event *exit = NULL;
	char bot_id[STORE_ID_SIZE];

	if (strcmp(env->topic, TOPIC_TASK_OOM) == 0) {
		char ctr_id[STORE_CTR_ID_SIZE];
		if (ctd_event_task_oom(env, ctr_id, sizeof ctr_id, err) < 0)
			blog(BLOG_WARN, "containerd event %s: %s", env->topic, err->msg);
		else if (reconcile_bot_of_container(ctr_id, bot_id))
			rc_sched_add(ev->sched, bot_id, berth_now_ms(), RC_HINT_OOM);
		return 0;
	}
	if (strcmp(env->topic, TOPIC_TASK_EXIT) != 0) {
		rc_sched_request_relist(ev->sched, berth_now_ms());
		return 0;
	}
	if (ctd_event_task_exit(env, &exit, err) < 0) {
		blog(BLOG_WARN, "containerd event %s: %s (relisting instead)", env->topic,
		     err->msg);
		rc_sched_request_relist(ev->sched, berth_now_ms());
		return 0;
	}
	/* An exec's exit is not the task's. */
	if (strcmp(exit->id, exit->container_id) == 0 &&
	    reconcile_bot_of_container(exit->container_id, bot_id)) {
		blog(BLOG_DEBUG, "bot %s: task exit (status %u)", bot_id, exit->exit_status);
		rc_sched_add(ev->sched, bot_id, berth_now_ms(), RC_HINT_URGENT);
	}
	ctd_task_exit_event_free(exit);
	return 0;
}

static void pause_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

void *rc_events_main(void *arg)
{
	struct rc_events *ev = arg;

	while (!rc_sched_stopping(ev->sched)) {
		berth_err err = { 0 };
		char version[64];

		int rc;

		/* Up from here: the relist asked for begins after this, which rc_sched_vouches waits for. */
		rc_sched_set_stream(ev->sched, true);
		rc_sched_request_relist(ev->sched, berth_now_ms() + RELIST_AFTER_SUBSCRIBE_MS);
		rc = ctd_events_subscribe(ev->conn, topics, sizeof topics / sizeof topics[0],
					  on_event, ev, &err);
		rc_sched_set_stream(ev->sched, false);
		if (rc == 0)
			continue; /* cancelled: the loop condition says whether to stop */
		blog(BLOG_WARN,
		     "containerd event stream lost: %s (subscribing again, then relisting)",
		     err.msg);
		rc_sched_containerd_lost(ev->sched);
		/* Subscribed again once containerd answers (each subscription asks for a relist, which
		 * would only fail before). */
		do
			pause_ms(RESUBSCRIBE_MS);
		while (!rc_sched_stopping(ev->sched) &&
		       ctd_version(ev->conn, version, sizeof version, &err) < 0);
		if (rc_sched_stopping(ev->sched))
			break;
		blog(BLOG_INFO, "containerd is back: subscribing to its events again");
		rc_sched_containerd_back(ev->sched);
	}
	return NULL;
}
