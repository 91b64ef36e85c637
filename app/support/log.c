/* log.c: JSON-lines logging (see include/berth/log.h). */
#include "berth/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CTX_FIELD_MAX 160

static char log_program[32] = "berth";
static enum blog_level log_min = BLOG_INFO;
static int log_fd = 2;

static __thread char ctx_request_id[CTX_FIELD_MAX];
static __thread char ctx_method[16];
static __thread char ctx_route[CTX_FIELD_MAX];
static __thread char ctx_bot[64];

/* The context most recently set by any thread of the process, for blog_signal_line (a signal may
 * land on another thread than the one serving the request). */
static char last_request_id[CTX_FIELD_MAX];
static char last_method[16];
static char last_route[CTX_FIELD_MAX];
static char last_bot[64];

static const char *level_names[] = { "debug", "info", "warn", "error" };

void blog_init(const char *program, enum blog_level min_level, int fd)
{
	snprintf(log_program, sizeof log_program, "%s", program ? program : "berth");
	log_min = min_level;
	log_fd = fd;
}

void blog_set_level(enum blog_level min_level)
{
	log_min = min_level;
}

int blog_level_parse(const char *name, enum blog_level *out)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
		if (name && strcmp(name, level_names[i]) == 0) {
			*out = (enum blog_level)i;
			return 0;
		}
	}
	return -1;
}

static void copy_field(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

void blog_ctx_set(const char *request_id, const char *method, const char *route)
{
	copy_field(ctx_request_id, sizeof ctx_request_id, request_id);
	copy_field(ctx_method, sizeof ctx_method, method);
	copy_field(ctx_route, sizeof ctx_route, route);
	ctx_bot[0] = '\0';
	memcpy(last_request_id, ctx_request_id, sizeof last_request_id);
	memcpy(last_method, ctx_method, sizeof last_method);
	memcpy(last_route, ctx_route, sizeof last_route);
	last_bot[0] = '\0';
}

void blog_ctx_set_bot(const char *bot_id)
{
	copy_field(ctx_bot, sizeof ctx_bot, bot_id);
	memcpy(last_bot, ctx_bot, sizeof last_bot);
}

void blog_ctx_clear(void)
{
	ctx_request_id[0] = ctx_method[0] = ctx_route[0] = ctx_bot[0] = '\0';
	last_request_id[0] = last_method[0] = last_route[0] = last_bot[0] = '\0';
}

/* Appends s to buf (bounded), dropping what JSON would need escaped: async-signal-safe. */
static size_t put_plain(char *buf, size_t pos, size_t cap, const char *s)
{
	for (; *s && pos + 1 < cap; s++)
		if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
			buf[pos++] = *s;
	return pos;
}

static size_t put_field(char *buf, size_t pos, size_t cap, const char *name, const char *value)
{
	if (!value[0])
		return pos;
	pos = put_plain(buf, pos, cap, ",\"");
	pos = put_plain(buf, pos, cap, name);
	pos = put_plain(buf, pos, cap, "\":\"");
	pos = put_plain(buf, pos, cap, value);
	return put_plain(buf, pos, cap, "\"");
}

void blog_signal_line(const char *msg)
{
	char buf[1024], pid[24];
	size_t pos = 0;
	int p = (int)getpid(), n = 0;
	char digits[24];

	do
		digits[n++] = (char)('0' + p % 10);
	while ((p /= 10) > 0 && n < (int)sizeof digits);
	for (int i = 0; i < n; i++)
		pid[i] = digits[n - 1 - i];
	pid[n] = '\0';
	pos = put_plain(buf, pos, sizeof buf, "{\"level\":\"error\",\"pid\":");
	pos = put_plain(buf, pos, sizeof buf, pid);
	pos = put_field(buf, pos, sizeof buf, "program", log_program);
	pos = put_field(buf, pos, sizeof buf, "msg", msg);
	pos = put_field(buf, pos, sizeof buf, "request_id", last_request_id);
	pos = put_field(buf, pos, sizeof buf, "method", last_method);
	pos = put_field(buf, pos, sizeof buf, "route", last_route);
	pos = put_field(buf, pos, sizeof buf, "bot_id", last_bot);
	pos = put_plain(buf, pos, sizeof buf - 1, "}");
	buf[pos++] = '\n';
	if (write(log_fd, buf, pos) < 0) {
		/* nowhere left to report it */
	}
}

static void put_ctx(json_t *line, const char *key, const char *value)
{
	if (value[0] && !json_object_get(line, key))
		json_object_set_new(line, key, json_string(value));
}

static void format_time(char *out, size_t cap)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000));
}

static void write_line(const char *text)
{
	size_t len = strlen(text);
	char *buf = malloc(len + 1);
	size_t off = 0;

	if (!buf)
		return;
	memcpy(buf, text, len);
	buf[len] = '\n';
	len++;
	while (off < len) {
		ssize_t n = write(log_fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* nowhere left to report a logging failure */
		off += (size_t)n;
	}
	free(buf);
}

void blog_fields(enum blog_level level, const char *msg, json_t *fields)
{
	char now[64];
	json_t *line;
	char *text;

	if (level < log_min) {
		json_decref(fields);
		return;
	}
	format_time(now, sizeof now);
	line = json_object();
	if (!line) {
		json_decref(fields);
		return;
	}
	json_object_set_new(line, "time", json_string(now));
	json_object_set_new(line, "level", json_string(level_names[level]));
	json_object_set_new(line, "pid", json_integer((json_int_t)getpid()));
	json_object_set_new(line, "program", json_string(log_program));
	json_object_set_new(line, "msg", json_string(msg ? msg : ""));
	if (fields && json_is_object(fields))
		json_object_update(line, fields);
	json_decref(fields);
	put_ctx(line, "request_id", ctx_request_id);
	put_ctx(line, "method", ctx_method);
	put_ctx(line, "route", ctx_route);
	put_ctx(line, "bot_id", ctx_bot);
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(line);
	if (text) {
		write_line(text);
		free(text);
	}
}

void blog(enum blog_level level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (level < log_min)
		return;
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	blog_fields(level, msg, NULL);
}
