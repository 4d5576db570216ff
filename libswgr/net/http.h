/* HTTP(S) requests over libcurl, for the swgr command, the HTTP stores and the HTTP node kinds. */
#ifndef SWGR_HTTP_H
#define SWGR_HTTP_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/*
 * libcurl (libcurl4) is opened with dlopen by the first swgr_http_client_new:
 * a process that never makes a client never maps it.
 */
struct swgr_http_opts {
	const char	*base_url;		/* http:// or https://; trailing '/' trimmed */
	const char	*trusted_roots;		/* PEM file added to the system roots, or NULL */
	double		 connect_timeout_secs;	/* <= 0: 1 s */
	double		 total_timeout_secs;	/* <= 0: 1 s */
	/*
	 * A whole header line sent with every request, for credentials
	 * ("Authorization: Bearer ..."), or NULL.  Copied; the copy is wiped
	 * when the client is freed.  See swgr_http_bearer_file, swgr_http_basic.
	 */
	const char	*auth_header;
	/* More roots as PEM text (a node's own CA), added after trusted_roots, or NULL. */
	const char	*roots_pem;
};

struct swgr_http_client;

/*
 * A client for base_url.  Reads and checks the trusted roots now (at least
 * one PEM certificate in the file and in roots_pem: SWGR_EINTERNAL naming
 * them otherwise).  HTTPS servers are verified against the system roots
 * (SSL_CERT_FILE and SSL_CERT_DIR honoured) plus trusted_roots and roots_pem.  Thread-safe: requests from
 * several threads run at once, each on its own connection (kept alive for
 * the next request).  SWGR_EINTERNAL also when libcurl cannot be loaded.
 */
enum swgr_rc	 swgr_http_client_new(const struct swgr_http_opts *opts,
		    struct swgr_http_client **out, struct swgr_err *err);
void		 swgr_http_client_free(struct swgr_http_client *c);
/* The base URL, without trailing '/'. */
const char	*swgr_http_client_base(const struct swgr_http_client *c);

struct swgr_http_req {
	const char	*method;		/* "GET", "POST", ... */
	const char *const *segs;		/* path segments after the base, as text: the client percent-encodes each */
	size_t		 nsegs;
	const char	*query;			/* without '?', sent as given; or NULL */
	const char	*content_type;		/* of body; NULL: application/json */
	const char	*body;			/* or NULL */
	size_t		 bodylen;
	const char	*if_none_match;		/* an ETag to send as If-None-Match, or NULL */
	double		 timeout_secs;		/* > 0: a total timeout shorter than the client's */
	const char	*what;			/* for messages, e.g. "listing backends" */
};

struct swgr_http_resp {
	long		 status;
	struct swgr_buf	 body;
	char		*url;			/* the URL requested, for messages */
	char		*etag;			/* the ETag header as received, or NULL */
};

/*
 * One request.  Any HTTP status is SWGR_OK (see r->status).  A transport
 * failure (refused, DNS, TLS verification, timeout) is SWGR_EUPSTREAM with
 * the message "<what> <url>: <cause>"; a body over 64 MiB is SWGR_EUPSTREAM
 * too.  Free r with swgr_http_resp_free whatever the result.
 */
enum swgr_rc	 swgr_http_do(struct swgr_http_client *c, const struct swgr_http_req *req,
		    struct swgr_http_resp *r, struct swgr_err *err);
void		 swgr_http_resp_free(struct swgr_http_resp *r);

/*
 * The error for a status the caller does not handle (spec §11.4): a 2xx is
 * "unexpected http status" (SWGR_EUPSTREAM), a 4xx "invalid input, http
 * status: <code> <reason>" (SWGR_EINVAL), anything else "upstream failure,
 * http status: ..." (SWGR_EUPSTREAM).
 */
enum swgr_rc	 swgr_http_status_error(const struct swgr_http_resp *r, const char *what,
		    struct swgr_err *err);
/* The reason phrase of a status, or "<unknown status code>". */
const char	*swgr_http_reason(long status);

/*
 * *header = "Authorization: Bearer <token>" from the file at path, trimmed
 * of ASCII white space; an empty token or one with white space or control
 * characters inside is an error naming the file.  Wipe and free *header.
 */
enum swgr_rc	 swgr_http_bearer_file(const char *path, char **header, struct swgr_err *err);
/* *header = "Authorization: Basic base64(user:password)".  Wipe and free *header. */
enum swgr_rc	 swgr_http_basic(const char *user, const char *password, char **header,
		    struct swgr_err *err);
/* Wipes and frees a header made by the two functions above. */
void		 swgr_http_header_free(char *header);

/* Appends s percent-encoded (RFC 3986 unreserved characters kept) to b. */
void		 swgr_http_escape(struct swgr_buf *b, const char *s, size_t len);
/* Appends "&key=value" (no '&' when b is empty), both percent-encoded: a form body. */
void		 swgr_http_form_add(struct swgr_buf *b, const char *key, const char *value);

#endif
