/* log.h: structured logs, one JSON object per line.
 *
 * Every line has time (RFC 3339, UTC, milliseconds), level, pid, program and msg, plus the request
 * context of the calling thread when one is set (request_id, method, route, bot_id). The line is
 * written with a single write(2), so lines of concurrent processes sharing the descriptor do not
 * interleave. Strings passed in are borrowed (copied where kept).
 */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include <jansson.h>

enum blog_level { BLOG_DEBUG = 0, BLOG_INFO, BLOG_WARN, BLOG_ERROR };

/* program: short name put on every line; fd: where lines go (normally 2). */
void blog_init(const char *program, enum blog_level min_level, int fd);
void blog_set_level(enum blog_level min_level);
/* Parses "debug", "info", "warn", "error"; returns -1 for anything else. */
int blog_level_parse(const char *name, enum blog_level *out);

/* Per-thread request context, added to every line until cleared. NULL leaves a field unset. */
void blog_ctx_set(const char *request_id, const char *method, const char *route);
void blog_ctx_set_bot(const char *bot_id);
void blog_ctx_clear(void);
/* An error line from a signal handler (async-signal-safe: no time field, no allocation), with the
 * request context most recently set by any thread of the process. */
void blog_signal_line(const char *msg);

/* A line with a formatted message. */
void blog(enum blog_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line with a message and extra fields. fields is a STOLEN reference (may be NULL). */
void blog_fields(enum blog_level level, const char *msg, json_t *fields);

#endif
