/* err.c: the shared error value (see include/berth/err.h). */
#include "berth/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void set_msg(berth_err *err, const char *fmt, va_list ap)
{
	if (vsnprintf(err->msg, sizeof err->msg, fmt, ap) < 0)
		err->msg[0] = '\0';
}

int berth_err_set(berth_err *err, berth_errkind kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->kind = kind;
	err->code = BERTH_EC_NONE;
	err->detail_only = false;
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	return -1;
}

int berth_err_setc(berth_err *err, berth_errkind kind, berth_errcode code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->kind = kind;
	err->code = code;
	err->detail_only = false;
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	return -1;
}

int berth_err_driver(berth_err *err, berth_errkind kind, berth_errcode code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->kind = kind;
	err->code = code;
	err->detail_only = true;
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	return -1;
}

int berth_err_prefix(berth_err *err, const char *fmt, ...)
{
	char prefix[BERTH_ERR_MSG_MAX];
	char old[BERTH_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	if (vsnprintf(prefix, sizeof prefix, fmt, ap) < 0)
		prefix[0] = '\0';
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	old[sizeof old - 1] = '\0';
	if (snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old) < 0)
		err->msg[0] = '\0';
	if (err->kind == BERTH_OK)
		err->kind = BERTH_E_INTERNAL;
	return -1;
}

int berth_err_recode(berth_err *err, berth_errkind kind, berth_errcode code)
{
	if (!err)
		return -1;
	err->kind = kind;
	err->code = code;
	return -1;
}

void berth_err_clear(berth_err *err)
{
	if (!err)
		return;
	err->kind = BERTH_OK;
	err->code = BERTH_EC_NONE;
	err->detail_only = false;
	err->msg[0] = '\0';
}

bool berth_err_is(const berth_err *err, berth_errcode code)
{
	return err && err->kind != BERTH_OK && err->code == code;
}

const char *berth_errkind_code(berth_errkind kind)
{
	switch (kind) {
	case BERTH_OK: return "ok";
	case BERTH_E_INVALID: return "invalid_argument";
	case BERTH_E_NOT_FOUND: return "not_found";
	case BERTH_E_ALREADY_EXISTS: return "already_exists";
	case BERTH_E_PRECONDITION: return "failed_precondition";
	case BERTH_E_UNAVAILABLE: return "unavailable";
	case BERTH_E_TIMEOUT: return "timeout";
	case BERTH_E_UNAUTHENTICATED: return "unauthenticated";
	case BERTH_E_PERMISSION: return "permission_denied";
	case BERTH_E_TOO_LARGE: return "too_large";
	case BERTH_E_UNSUPPORTED: return "unsupported_media_type";
	case BERTH_E_INTERNAL: return "internal";
	}
	return "internal";
}

/* One row per sub-code: its name and the sentence a client reads when the message is detail. */
static const struct {
	const char *name;
	const char *public_msg;
} codes[BERTH_EC__COUNT] = {
	[BERTH_EC_NONE] = { NULL, NULL },
	[BERTH_EC_DEADLINE_EXCEEDED] = { "deadline_exceeded",
					 "the operation did not finish before the request's deadline" },
	[BERTH_EC_BUSY] = { "busy", "another operation on this bot is still running" },
	[BERTH_EC_DATABASE] = { "database_unavailable", "the database is unavailable" },
	[BERTH_EC_CONTAINERD] = { "containerd_error", "the container runtime failed" },
	[BERTH_EC_NETWORK] = { "network_error", "setting up the container's network failed" },
	[BERTH_EC_IMAGE] = { "image_error", "the bot image cannot be used" },
	[BERTH_EC_AGENT] = { "agent_unavailable", "the bot's in-container agent is unavailable" },
	[BERTH_EC_SYMLINK] = { "symlink_in_path", "a path component is a symbolic link" },
	[BERTH_EC_NOT_DIRECTORY] = { "not_a_directory", "a path component is not a directory" },
	[BERTH_EC_NOT_REGULAR] = { "not_a_regular_file", "the file is not a regular file" },
	[BERTH_EC_PARENT_MISSING] = { "parent_missing", "the parent snapshot does not exist" },
	[BERTH_EC_IP_IN_USE] = { "ip_in_use", "the container already holds an address" },
	[BERTH_EC_USER_INACTIVE] = { "user_inactive", "the user is inactive" },
	[BERTH_EC_UNKNOWN_IDENTITY] = { "unknown_identity", "no user is bound to this identity" },
	[BERTH_EC_LOCK_LOST] = { "lock_lost", "the operation lost its lock and was abandoned" },
	[BERTH_EC_INVALID_SNAPSHOTTER] = { "invalid_snapshotter", "invalid snapshotter name" },
	[BERTH_EC_IMAGE_NOT_ALLOWED] = { "image_not_allowed",
					 "bot containers run the configured bot image only" },
	[BERTH_EC_MCP_CLOSED] = { "mcp_connection_closed", "mcp connection closed" },
	[BERTH_EC_MCP_LIMIT] = { "mcp_session_limit", "too many mcp stdio sessions for this bot" },
	[BERTH_EC_INVALID_RESTART_POLICY] = { "invalid_restart_policy", "invalid restart policy" },
	[BERTH_EC_INVALID_LIMITS] = { "invalid_limits", "invalid resource limits" },
	[BERTH_EC_NOT_RUNNING] = { "container_not_running", "the bot's container is not running" },
};

const char *berth_errcode_name(berth_errcode code)
{
	if ((int)code <= 0 || code >= BERTH_EC__COUNT)
		return NULL;
	return codes[code].name;
}

const char *berth_err_code_str(const berth_err *err)
{
	const char *name;

	if (!err)
		return "internal";
	name = berth_errcode_name(err->code);
	return name ? name
		    : berth_errkind_code(err->kind == BERTH_OK ? BERTH_E_INTERNAL : err->kind);
}

static const char *kind_sentence(berth_errkind kind)
{
	switch (kind) {
	case BERTH_E_INVALID: return "the request is invalid";
	case BERTH_E_NOT_FOUND: return "not found";
	case BERTH_E_ALREADY_EXISTS: return "already exists";
	case BERTH_E_PRECONDITION: return "the target's state does not allow this operation";
	case BERTH_E_UNAVAILABLE: return "a service Berth depends on is unavailable";
	case BERTH_E_TIMEOUT: return "the operation timed out";
	case BERTH_E_UNAUTHENTICATED: return "authentication required";
	case BERTH_E_PERMISSION: return "permission denied";
	case BERTH_E_TOO_LARGE: return "too large";
	case BERTH_E_UNSUPPORTED: return "unsupported";
	case BERTH_OK:
	case BERTH_E_INTERNAL: break;
	}
	return "internal error";
}

const char *berth_err_public_msg(const berth_err *err)
{
	if (!err)
		return "internal error";
	if (!err->detail_only && err->msg[0])
		return err->msg;
	if ((int)err->code > 0 && err->code < BERTH_EC__COUNT && codes[err->code].public_msg)
		return codes[err->code].public_msg;
	return kind_sentence(err->kind);
}
