/* Error records: formatting and the result-code to HTTP-status mapping. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

enum swgr_rc
swgr_err_set(struct swgr_err *e, enum swgr_rc rc, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return rc;
	e->rc = rc;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return rc;
}

enum swgr_rc
swgr_err_wrap(struct swgr_err *e, const char *fmt, ...)
{
	char prefix[256], old[sizeof(e->msg)];
	va_list ap;

	if (e == NULL)
		return SWGR_EINTERNAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* Truncation is acceptable: the message is for humans. */
	if (snprintf(e->msg, sizeof(e->msg), "%.250s: %.255s", prefix, old) < 0)
		e->msg[0] = '\0';
	return e->rc;
}

void
swgr_err_clear(struct swgr_err *e)
{
	if (e == NULL)
		return;
	e->rc = SWGR_OK;
	e->msg[0] = '\0';
}

int
swgr_err_http_status(enum swgr_rc rc)
{
	switch (rc) {
	case SWGR_OK:
		return 200;
	case SWGR_NOTFOUND:
		return 404;
	case SWGR_CONFLICT:
		return 409;
	case SWGR_EINVAL:
	case SWGR_EREFERENCE:
	case SWGR_ESYNTAX:
		return 400;
	case SWGR_ESHAPE:
		return 422;
	case SWGR_ETOOBIG:
		return 413;
	case SWGR_EUPSTREAM:
	case SWGR_ERETRY:
		return 502;
	case SWGR_EINTERNAL:
	case SWGR_ENOMEM:
		return 500;
	}
	return 500;
}

const char *
swgr_rc_name(enum swgr_rc rc)
{
	switch (rc) {
	case SWGR_OK:
		return "ok";
	case SWGR_NOTFOUND:
		return "not found";
	case SWGR_CONFLICT:
		return "conflict";
	case SWGR_EINVAL:
		return "invalid input";
	case SWGR_EREFERENCE:
		return "reference violation";
	case SWGR_ESYNTAX:
		return "malformed JSON";
	case SWGR_ESHAPE:
		return "invalid JSON value";
	case SWGR_ETOOBIG:
		return "payload too large";
	case SWGR_EUPSTREAM:
		return "upstream failure";
	case SWGR_ERETRY:
		return "transient failure";
	case SWGR_EINTERNAL:
		return "internal error";
	case SWGR_ENOMEM:
		return "out of memory";
	}
	return "unknown";
}
