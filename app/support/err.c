/* err.c: the shared error value (see include/berth/err.h). */
#include "berth/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int berth_err_set(berth_err *err, berth_errkind kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->kind = kind;
	va_start(ap, fmt);
	if (vsnprintf(err->msg, sizeof err->msg, fmt, ap) < 0)
		err->msg[0] = '\0';
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

void berth_err_clear(berth_err *err)
{
	if (!err)
		return;
	err->kind = BERTH_OK;
	err->msg[0] = '\0';
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
