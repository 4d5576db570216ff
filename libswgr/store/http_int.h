/* Private to the store: the HTTP store's shared half (http.c) as http_discovery.c and http_offer.c use it. */
#ifndef SWGR_HTTP_INT_H
#define SWGR_HTTP_INT_H

#include <pthread.h>

#include "model/model.h"
#include "net/http.h"
#include "store/store_int.h"

/*
 * One store: its client and, for discovery, the last backend list with its
 * ETag (the body as received), so that an unchanged list costs a 304.
 */
struct st_http {
	struct swgr_http_client *c;
	char		 what[24];	/* "http discover store" */
	pthread_mutex_t	 mu;
	bool		 has_list;
	uint64_t	 etag;
	char		*list;		/* the body of the last 200 */
	size_t		 listlen;
};

/* A request to the remote; for messages its "what" is "<store>: <METHOD>". */
struct hs_req {
	const char	*method;
	const char	*segs[3];
	size_t		 nsegs;
	const char	*query;
	const struct swgr_buf *body;
	const char	*etag;
};

/* Runs q; r is set (free it with swgr_http_resp_free) whatever the result. */
enum swgr_rc	 hs_do(struct st_http *h, const struct hs_req *q, struct swgr_http_resp *r,
		    char *what, size_t whatlen, struct swgr_err *err);
/*
 * Runs q and maps the status: ok1/ok2 are the statuses of success (0 for
 * none), 404 is SWGR_NOTFOUND and 409 SWGR_CONFLICT when notfound/conflict
 * name the record, anything else per spec §11.4.
 */
enum swgr_rc	 hs_call(struct st_http *h, const struct hs_req *q, long ok1, long ok2,
		    const char *notfound, const char *conflict, struct swgr_http_resp *r,
		    char *what, size_t whatlen, struct swgr_err *err);

/* A record parser of model.h, as the readers below take it. */
typedef enum swgr_rc (*hs_parse_fn)(const char *, size_t, void *, struct swgr_err *);

/* Runs q for its status alone: ok is success, a 404 names the record notfound. */
enum swgr_rc	 hs_status(struct st_http *h, const struct hs_req *q, long ok, const char *notfound,
		    struct swgr_err *err);
/* GET q of one record: a 200's body read by parse into out, a 404 names notfound. */
enum swgr_rc	 hs_get(struct st_http *h, const struct hs_req *q, const char *notfound,
		    hs_parse_fn parse, void *out, struct swgr_err *err);

/* An answer that is not the JSON the API promises: SWGR_EUPSTREAM (the remote's fault). */
enum swgr_rc	 hs_bad_json(const char *url, const char *what, enum swgr_rc prc,
		    const struct swgr_err *perr, struct swgr_err *err);
/* One record from a 200 body. */
enum swgr_rc	 hs_one(const struct swgr_http_resp *r, const char *what, hs_parse_fn parse,
		    void *out, struct swgr_err *err);
/*
 * A JSON array of records of size bytes each: every element re-serialised
 * and read by parse, so the checks are those of a request body.
 */
enum swgr_rc	 hs_array(const char *text, size_t len, const char *url, const char *what,
		    size_t size, hs_parse_fn parse, void (*freefn)(void *, size_t), void **out,
		    size_t *n, struct swgr_err *err);
/* "<kind> <partition>/<id>" for messages. */
void		 hs_name(char *out, size_t outlen, const char *kind, const char *partition,
		    const struct swgr_uuid *id);

#endif
