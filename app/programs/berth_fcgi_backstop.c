/* berth_fcgi_backstop.c: the request backstop's watchdog thread (see berth_fcgi_backstop.h). */
#include "berth_fcgi_backstop.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "berth/log.h"

/* How often the watchdog looks: the backstop fires between limit and limit + this. */
#define CHECK_INTERVAL_MS 250

static _Atomic int64_t request_started_ms; /* 0: no request in progress */
static int64_t backstop_limit_ms;
static pthread_t watchdog;
static bool watchdog_running;
static bool stopping;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fire(void)
{
	sigset_t alrm;

	blog_signal_line("worker backstop: the request in progress ran far past its deadline; "
			 "the worker ends and the master replaces it");
	/* Die of SIGALRM itself, so that the master logs and counts the cause. This thread takes it:
	 * whatever the serving thread blocks, the default action ends the whole process. */
	signal(SIGALRM, SIG_DFL);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
	raise(SIGALRM);
}

static void *watch(void *arg)
{
	struct timespec until;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		int64_t started = atomic_load(&request_started_ms);

		if (started && now_ms() - started > backstop_limit_ms) {
			pthread_mutex_unlock(&lock);
			fire();
			return NULL;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += (long)CHECK_INTERVAL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		/* ETIMEDOUT is the normal wake-up; a spurious one only checks again. */
		(void)pthread_cond_timedwait(&wake, &lock, &until);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int backstop_start(int64_t limit_ms)
{
	pthread_condattr_t attr;
	int rc;

	backstop_limit_ms = limit_ms;
	stopping = false;
	if ((rc = pthread_condattr_init(&attr)) != 0)
		goto fail;
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(&wake, &attr);
	pthread_condattr_destroy(&attr);
	if (rc != 0)
		goto fail;
	if ((rc = pthread_create(&watchdog, NULL, watch, NULL)) != 0) {
		pthread_cond_destroy(&wake);
		goto fail;
	}
	watchdog_running = true;
	return 0;
fail:
	errno = rc;
	return -1;
}

void backstop_stop(void)
{
	int rc;

	if (!watchdog_running)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	if ((rc = pthread_join(watchdog, NULL)) != 0)
		blog(BLOG_ERROR, "worker: joining the backstop watchdog: %d", rc);
	pthread_cond_destroy(&wake);
	watchdog_running = false;
}

void backstop_request_begin(void)
{
	int64_t now = now_ms();

	atomic_store(&request_started_ms, now ? now : 1);
}

void backstop_request_end(void)
{
	atomic_store(&request_started_ms, 0);
}
