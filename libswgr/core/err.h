/* Result codes and the error record every libswgr function reports through. */
#ifndef SWGR_ERR_H
#define SWGR_ERR_H

/*
 * Every fallible libswgr function returns one of these and, when it is not
 * SWGR_OK, fills a struct swgr_err (if one was given) with a message meant for
 * an operator: what failed, on which input.  The HTTP mapping is fixed by
 * swgr_err_http_status().
 */
enum swgr_rc {
	SWGR_OK = 0,
	SWGR_NOTFOUND,		/* 404: no such record */
	SWGR_CONFLICT,		/* 409: record exists already */
	SWGR_EINVAL,		/* 400: the caller's input was refused (spec "Downstream") */
	SWGR_EREFERENCE,	/* 400: a database foreign-key violation (the store names the record) */
	SWGR_ESYNTAX,		/* 400: malformed JSON text */
	SWGR_ESHAPE,		/* 422: well-formed JSON of the wrong shape or value */
	SWGR_ETOOBIG,		/* 413: body over the limit */
	SWGR_EUPSTREAM,		/* 502: a remote dependency failed (database, node, HTTP store) */
	SWGR_ERETRY,		/* transient: serialization failure, deadlock, busy; retry the transaction */
	SWGR_EINTERNAL,		/* 500: our own fault or configuration */
	SWGR_ENOMEM		/* 500: out of memory */
};

struct swgr_err {
	enum swgr_rc	 rc;
	char		 msg[512];
};

/* Sets e (if not NULL) to rc and the formatted message; returns rc. */
enum swgr_rc	 swgr_err_set(struct swgr_err *e, enum swgr_rc rc, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* Prefixes the existing message of e with the formatted text and ": ". */
enum swgr_rc	 swgr_err_wrap(struct swgr_err *e, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 swgr_err_clear(struct swgr_err *e);
/* The HTTP status a result code maps to (200 for SWGR_OK). */
int		 swgr_err_http_status(enum swgr_rc rc);
const char	*swgr_rc_name(enum swgr_rc rc);

#endif
