/* Private to swgr offer (cmd_offer.c, offer.c): the Offer service's two kinds of record, the requests on them. */
#ifndef SWGR_CLI_OFFER_H
#define SWGR_CLI_OFFER_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/uuid.h"
#include "model/model.h"

#define OFFER_ENV	"OFFER"	/* the OFFER_STORE_HTTP_* environment variables */

/*
 * Offers and metadata differ only in their record type, URL collection
 * and messages: one table each (offer_records, offer_metadata), and
 * type-erased wrappers of model.h.
 */
struct offer_kind {
	const char	*coll;		/* URL segment */
	const char	*noun;		/* in HTTP error contexts */
	const char	*query;		/* added to GET of one record, or NULL */
	size_t		 size;
	enum swgr_rc	(*parse)(const char *, size_t, enum swgr_shape, void *,
			    struct swgr_err *);
	void		(*write)(struct swgr_buf *, const void *, bool);
	void		(*write_all)(struct swgr_buf *, const void *, size_t, bool);
	void		(*free_one)(void *);
	void		(*free_all)(void *, size_t);
	struct swgr_uuid *(*id)(void *);
	char	       **(*partition)(void *);
	const char	*missing_get;	/* "<X> " of "<X> <id> not found" */
	const char	*created;
	const char	*updated;
	const char	*conflict;
	const char	*deleted;
	const char	*missing_del;
};

extern const struct offer_kind offer_records, offer_metadata;

/* GET one record (id in canonical text) into out, pretty; SWGR_NOTFOUND on 404. */
enum swgr_rc	 offer_get_one(const struct offer_kind *k, struct swgr_http_client *h,
		    const char *partition, const char *id, struct swgr_buf *out,
		    struct swgr_err *err);
/* GET a page of a partition's records into out, a pretty array. */
enum swgr_rc	 offer_get_page(const struct offer_kind *k, struct swgr_http_client *h,
		    const char *partition, unsigned long long start, unsigned long long count,
		    struct swgr_buf *out, struct swgr_err *err);
/*
 * Sends method (POST, PUT, DELETE) to segs with body, over a client opened
 * from c, and tells the outcome by k's messages about id.  Returns the exit
 * status of the command.
 */
int		 offer_request(const struct offer_kind *k, const struct cli_client *c,
		    const char *method, const char *const *segs, size_t nsegs, const char *body,
		    size_t len, const char *id);

#endif
