/* swgr-lnurl's private interface: its state and the offer cache. */
#ifndef SWGR_LNURL_EXTERN_H
#define SWGR_LNURL_EXTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pay/balancer.h"
#include "config/config.h"
#include "store/store.h"
#include "core/uuid.h"
#include "core/time.h"

struct offer_cache;

/* What swgr-lnurl keeps for its whole life (c->state). */
struct lnurl_state {
	const struct swgr_config *cfg;
	struct swgr_store *offers;	/* the offer store */
	struct swgr_balancer *bal;
	struct offer_cache *cache;
};

/*
 * An offer as the LNURL routes need it: its amounts and validity, the §8
 * metadata string and its sha256.  Shared by the requests that use it;
 * immutable; released with offer_put.
 */
struct cached_offer {
	int		 refs;		/* under the cache's lock */
	char		*partition;
	struct swgr_uuid id;
	double		 loaded;	/* monotonic seconds: fresh until loaded + TTL */
	double		 fetched;	/* when the store last gave it (before loaded if stale) */
	uint64_t	 min_sendable;
	uint64_t	 max_sendable;
	struct swgr_time timestamp;
	bool		 has_expires;
	struct swgr_time expires;
	char		*metadata;
	size_t		 metadata_len;
	char		*metadata_json;	/* metadata as a JSON string, quoted and escaped */
	size_t		 metadata_json_len;
	uint8_t		 hash[32];
};

/*
 * A bounded cache (direct-mapped, OFFER_CACHE_SLOTS) keeping offers
 * OFFER_CACHE_TTL seconds.  When the store cannot be reached
 * (SWGR_EUPSTREAM: a remote offer service down, a database gone), an offer
 * read less than OFFER_CACHE_STALE_MAX seconds ago is served as last read,
 * and the store is asked again after another TTL.
 */
#define OFFER_CACHE_SLOTS	1024
#define OFFER_CACHE_TTL		1.0
#define OFFER_CACHE_STALE_MAX	3600.0

enum swgr_rc	 offer_cache_new(struct offer_cache **out);
void		 offer_cache_free(struct offer_cache *c);
/*
 * The offer (partition, id) with its metadata, from the cache or the store.
 * SWGR_OK with *out (release with offer_put), SWGR_NOTFOUND when the offer or
 * its metadata does not exist (not cached), or the store's error (a remote
 * 4xx, the store refusing us, is logged at ERROR and reported as "the offer
 * store refused the request", SWGR_EINVAL).  Validity
 * in time is the caller's check.  A thread holds at most one offer at a time
 * (its next offer_get may let go of the previous one).
 */
enum swgr_rc	 offer_get(struct offer_cache *c, struct swgr_store *st, const char *partition,
		    const struct swgr_uuid *id, struct cached_offer **out, struct swgr_err *err);
void		 offer_put(struct offer_cache *c, struct cached_offer *o);

#endif
