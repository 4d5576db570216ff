/* FastCGI requests and responses: parsing of untrusted input (path, query, headers, body) and the reply. */
#ifndef SWGR_FCGI_H
#define SWGR_FCGI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>

#include "core/buf.h"
#include "core/err.h"

#define SWGR_BODY_MAX		(2 * 1024 * 1024)	/* spec §2: axum's default body limit */
#define SWGR_BODY_DRAIN_MAX	(16 * 1024 * 1024)	/* an oversized body is discarded up to this */
#define SWGR_IP_STRMAX		64			/* holds any address we print, and "-" */

/* Methods as bits, for routing tables. */
#define SWGR_M_GET	0x01
#define SWGR_M_HEAD	0x02
#define SWGR_M_POST	0x04
#define SWGR_M_PUT	0x08
#define SWGR_M_PATCH	0x10
#define SWGR_M_DELETE	0x20

/* A parsed query string: decoded names and values, in order, duplicates kept. */
struct swgr_query {
	char	       **names;
	char	       **values;
	size_t		 n;
};

/*
 * The FastCGI parameters read for every request, found in one pass over envp
 * (FCGX_GetParam scans them all for each name: some twenty names, twenty
 * parameters, on every request).  The first of a repeated name counts, as
 * with FCGX_GetParam.
 */
enum swgr_param {
	SWGR_P_REQUEST_METHOD, SWGR_P_SERVER_PROTOCOL, SWGR_P_QUERY_STRING,
	SWGR_P_REQUEST_URI, SWGR_P_SCRIPT_NAME, SWGR_P_PATH_INFO, SWGR_P_REMOTE_ADDR,
	SWGR_P_CF_CONNECTING_IP, SWGR_P_CLOUDFRONT_VIEWER_ADDRESS, SWGR_P_FLY_CLIENT_IP,
	SWGR_P_X_REAL_IP, SWGR_P_TRUE_CLIENT_IP, SWGR_P_FORWARDED, SWGR_P_X_FORWARDED_FOR,
	SWGR_P_X_FORWARDED_HOST, SWGR_P_HOST, SWGR_P_X_FORWARDED_PROTO, SWGR_P_HTTPS,
	SWGR_P_REQUEST_SCHEME,
	SWGR_P_COUNT
};

struct swgr_env {
	char	       **envp;		/* all parameters, borrowed */
	const char	*v[SWGR_P_COUNT]; /* values of the swgr_param names; NULL: absent */
};

/* Indexes envp (NULL-terminated "NAME=value" strings, borrowed) into e. */
void		 swgr_env_index(char **envp, struct swgr_env *e);

/*
 * One request.  Everything points into the FastCGI parameters (borrowed) or
 * into memory owned by the request, released by swgr_req_free.
 */
struct swgr_req {
	char	       **envp;		/* FastCGI parameters, borrowed */
	struct swgr_env	 env;		/* the ones read on every request */
	FCGX_Stream	*in;		/* request body stream, borrowed; NULL: empty body */
	const char	*method;	/* "" when absent */
	unsigned	 mbit;		/* SWGR_M_* of method, 0 if not one of them */
	const char	*protocol;	/* "HTTP/1.1"; "-" when absent */
	char		*path;		/* raw path, without the query */
	char		*target;	/* request target as received, with query (for the access log) */
	const char	*query;		/* raw query string, "" when none */
	char		 client_ip[SWGR_IP_STRMAX];
	enum swgr_rc	 path_rc;	/* SWGR_EINVAL if the path has a bad %-escape */
	char	       **seg;		/* percent-decoded path segments */
	size_t		 nseg;
	struct swgr_query q;
	char		*body;		/* after swgr_req_body: NUL-terminated */
	size_t		 body_len;
};

/*
 * Fills r from the parameters of one FastCGI request.  The path comes from
 * REQUEST_URI (nginx, lighttpd, apache), else SCRIPT_NAME + PATH_INFO (which
 * the server has already decoded once).  A path whose segments cannot be
 * decoded is not an error here: r->path_rc says so, and the caller answers
 * 400 after its authentication check.  Returns SWGR_OK or SWGR_ENOMEM; in
 * both cases r must be released with swgr_req_free.
 */
enum swgr_rc	 swgr_req_init(struct swgr_req *r, char **envp, FCGX_Stream *in);
void		 swgr_req_free(struct swgr_req *r);
/* A FastCGI parameter (e.g. "HTTP_AUTHORIZATION"), NULL when absent. */
const char	*swgr_req_param(const struct swgr_req *r, const char *name);
/* True if the request path is pattern: literal segments and "*" for one non-empty segment. */
bool		 swgr_req_match(const struct swgr_req *r, const char *pattern);

/*
 * Reads the body into r->body, at most SWGR_BODY_MAX bytes and never more
 * than CONTENT_LENGTH announced.  SWGR_ETOOBIG when CONTENT_LENGTH (or, without
 * one, the data) is over the limit: the body is then discarded unread up to
 * SWGR_BODY_DRAIN_MAX, not kept.  SWGR_EINVAL for a malformed CONTENT_LENGTH
 * or a body shorter than announced.
 */
enum swgr_rc	 swgr_req_body(struct swgr_req *r, struct swgr_err *err);

/*
 * Reads and throws away what is left of a request's body (in: its stdin), up
 * to SWGR_BODY_DRAIN_MAX bytes, so that the web server has sent all of it,
 * and the empty record that ends it, before the connection closes: Apache's
 * mod_proxy_fcgi answers 503 instead of the response when the responder
 * closes while it still writes stdin (nginx and lighttpd read the response).
 */
void		 swgr_req_drain(FCGX_Stream *in);

/*
 * The pure parsers behind swgr_req_init, exposed for tests.
 *
 * swgr_pct_decode: decodes %XX escapes of s[0..len) into a malloc'd string.
 * Path mode (form false): a bad escape, "%00" or a result that is not UTF-8
 * is SWGR_EINVAL.  Form mode (application/x-www-form-urlencoded, for query
 * strings): '+' is a space, bad escapes and "%00" are kept literally, bytes
 * are kept as they are; only SWGR_ENOMEM can fail.
 */
enum swgr_rc	 swgr_pct_decode(const char *s, size_t len, bool form, char **out);
/*
 * Splits "/a/b%20c" into {"a", "b c"}; the path must start with '/'.  "/"
 * gives none.  The array and its strings are one allocation: free(*seg).
 */
enum swgr_rc	 swgr_path_split(const char *path, char ***seg, size_t *nseg);

/* Parses a query string with urlencoded semantics; empty pairs are skipped. */
enum swgr_rc	 swgr_query_parse(const char *qs, struct swgr_query *q);
void		 swgr_query_free(struct swgr_query *q);
/* How many times name occurs; *value (if not NULL) gets the first. */
size_t		 swgr_query_count(const struct swgr_query *q, const char *name, const char **value);
/*
 * Typed parameters.  Absent: SWGR_EINVAL if required, else SWGR_OK with *out
 * unchanged (so the caller preloads the default).  Duplicated or unparsable:
 * SWGR_EINVAL.  Numbers are decimal digits with an optional '+' (Rust usize
 * parsing); booleans are exactly "true" or "false".
 */
enum swgr_rc	 swgr_query_u64(const struct swgr_query *q, const char *name, bool required,
		    uint64_t *out);
enum swgr_rc	 swgr_query_bool(const struct swgr_query *q, const char *name, bool required,
		    bool *out);

/*
 * True if the Content-Type value names JSON: application/json or
 * application/<something>+json, any case, optionally followed by parameters.
 */
bool		 swgr_ctype_is_json(const char *ctype);

/*
 * The client address of spec §13: the first usable of CF-Connecting-IP,
 * CloudFront-Viewer-Address (ip:port), Fly-Client-IP, X-Real-IP,
 * True-Client-IP, the right-most parsable for= of Forwarded, the right-most
 * parsable X-Forwarded-For entry, REMOTE_ADDR; else "-".  Addresses are
 * written in canonical form (inet_ntop).
 */
void		 swgr_client_ip(const struct swgr_env *e, char out[SWGR_IP_STRMAX]);

/* True if v may be sent as a header value: visible ASCII, space and tab only. */
bool		 swgr_hdr_value_ok(const char *v);
/*
 * Appends s for use in a header value (the partition of a Location): bytes
 * the original sends as they are (visible ASCII and space) are kept, so
 * "default/<id>" or "a b/<id>" look the same as there; every other byte
 * (controls, tab, DEL, non-ASCII), where the original answered 500, becomes
 * %XX.  The result always passes swgr_hdr_value_ok and cannot split a header.
 */
void		 swgr_hdr_encode(struct swgr_buf *b, const char *s);

/* A response being built.  Zero it with swgr_resp_init, release with swgr_resp_free. */
struct swgr_resp {
	int		 status;	/* 200 unless set */
	struct swgr_buf	 head;		/* "Name: value\r\n" lines */
	struct swgr_buf	 body;
	struct swgr_buf	 wire;		/* status line and headers as sent */
	bool		 bad;		/* a header was refused: send 500 instead */
};

void		 swgr_resp_init(struct swgr_resp *r);
void		 swgr_resp_free(struct swgr_resp *r);
/*
 * Makes r a fresh 200 for the next request of a worker, keeping its buffers'
 * memory (up to SWGR_RESP_KEEP bytes each): no allocation per request.
 */
#define SWGR_RESP_KEEP	(16 * 1024)
void		 swgr_resp_recycle(struct swgr_resp *r);
/* Drops headers and body, keeps nothing but the new status (for error answers). */
void		 swgr_resp_reset(struct swgr_resp *r, int status);
/*
 * Adds a header.  A value that fails swgr_hdr_value_ok is refused
 * (SWGR_EINVAL) and marks the response bad, so it goes out as a bare 500.
 */
enum swgr_rc	 swgr_resp_header(struct swgr_resp *r, const char *name, const char *value);
/* The NOCACHE trio of spec §2. */
void		 swgr_resp_nocache(struct swgr_resp *r);
/* Content-Type: application/json; the caller appends the text to r->body. */
void		 swgr_resp_json(struct swgr_resp *r);
/* The reason phrase of a status ("OK", "Not Found"), "Unknown" if not listed. */
const char	*swgr_status_reason(int status);
/*
 * The CGI response: "Status: 200 OK\r\n", the headers, Content-Length (not
 * for 1xx, 204 and 304), a blank line, then the body unless head_only.
 * A bad response, or one whose buffers ran out of memory, is serialised as a
 * bare 500 (and r->status updated so the access log agrees).
 */
void		 swgr_resp_serialise(struct swgr_resp *r, bool head_only, struct swgr_buf *out);
/* swgr_resp_serialise onto the FastCGI output stream.  Returns false if the write failed. */
bool		 swgr_resp_send(struct swgr_resp *r, bool head_only, FCGX_Stream *out);

#endif
