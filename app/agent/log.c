/* log.c: the agent's log, one JSON object per line on stderr (the container's output). */
#include "agent.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void agent_log(const char *level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	json_t *obj;
	char *line;
	struct timespec ts;
	struct tm tm;
	char when[80];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	obj = json_pack("{s:s, s:s, s:i, s:s, s:o}", "time", when, "level", level, "pid",
			(int)getpid(), "program", AGENT_SERVER_NAME, "message",
			json_string_lossy(msg, strnlen(msg, sizeof msg), NULL));
	line = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	if (line)
		fprintf(stderr, "%s\n", line);
	else
		fprintf(stderr, "%s: %s\n", level, msg);
	free(line);
	json_decref(obj);
}
