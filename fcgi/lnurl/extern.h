/* swgr-lnurl's private interface: its state and the offer cache. */
#ifndef SWGR_LNURL_EXTERN_H
#define SWGR_LNURL_EXTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fcgi/responder.h"
#include "pay/balancer.h"
#include "pay/lnurl.h"
#include "config/config.h"
#include "store/store.h"
#include "core/uuid.h"
#include "core/time.h"
#include "core/lnaddr.h"

struct offer_cache;
struct addr_cache;
struct swgr_directory;
struct records;

/* What swgr-lnurl keeps for its whole life (c->state). */
struct lnurl_state {
	const struct swgr_config *cfg;
	struct swgr_store *offers;	/* the offer store */
	struct swgr_balancer *bal;
	struct offer_cache *cache;
	struct addr_cache *addrs;	/* from the offer store */
	struct swgr_directory *dir;	/* store.address-directory; NULL: none */
	struct addr_cache *dir_addrs;	/* from dir */
	struct records	*records;	/* the invoice records' writer; NULL: none kept */
};

/* A request's offer and the host and scheme of its URLs (spec §3.2). */
struct oreq {
	const char	*partition;
	struct swgr_uuid id;
	char		 idstr[SWGR_UUID_STRLEN + 1];
	const char	*host;
	const char	*scheme;	/* of the URLs the answer writes */
	char		 hostbuf[SWGR_LNURL_HOST_MAX];
};

struct cached_offer;

/*
 * What the metadata of an offer adds to the LNURL-pay answers (ours): the
 * callback's successAction (LUD-09) and the pay request's payerData (LUD-18),
 * each as it is written; NULL when the metadata has none.
 */
struct lud_extras {
	char		*success_action;	/* the object */
	char		*sa_host;		/* a url's host[:port], lowercase; NULL: a message */
	char		*payer_data;		/* the object */
	unsigned	 payer_asked;		/* SWGR_PAYER_* */
	unsigned	 payer_mandatory;
};

/* main.c: what the routes of both files share; each makes the answer when it fails. */
void		 fail(struct swgr_ctx *c, int status, const char *reason);
void		 busy(struct swgr_ctx *c, const char *why);
void		 db_unavailable(struct swgr_ctx *c, const char *why);
void		 schema_missing(struct swgr_ctx *c, const char *what);	/* NULL: the offer tables */
bool		 req_host(struct swgr_ctx *c, struct oreq *o);
struct cached_offer *offer_resolve(struct swgr_ctx *c, const struct oreq *o,
		    struct swgr_time *now);
void		 cache_headers(struct swgr_ctx *c, const struct cached_offer *co,
		    const struct swgr_time *now);
void		 pay_request_json(struct swgr_ctx *c, const struct cached_offer *co,
		    const char *url, size_t url_len, const char *json, size_t json_len);

/*
 * callback.c: what both callbacks do.  amount= and comment= (the key to
 * keep, or NULL) from the query or a POST's JSON body (LUD-26); false with
 * the 4xx made.  The answer for br on host (its amount checked against co):
 * the invoice from the balancer with co's successAction, or the error.
 */
/* Where a callback came from: its host, the address (NULL for an offer's), the payer data committed. */
struct cb_src {
	const char	*host;
	const char	*domain;
	const char	*username;
	const char	*payer_data;
};
bool		 callback_query(struct swgr_ctx *c, uint64_t *amount, const char **key);
void		 issue(struct swgr_ctx *c, const struct cached_offer *co,
		    const struct swgr_balancer_req *br, const struct cb_src *src);
/*
 * A POST callback (LUD-26): the JSON body's amount, comment and payerdata
 * made query parameters beside the URL's own.  False with the 4xx made.
 */
bool		 lud_post_query(struct swgr_ctx *c);
/*
 * The description of a callback's invoice: metadata md (md_len bytes, hash
 * md_hash), then the payerdata parameter as received when x asks for payer
 * data (LUD-18), checked against what x asks.  *desc and *hash point at md
 * and md_hash when nothing is appended, else into b (the caller frees it)
 * and hash.  False with the 400 made.
 */
bool		 lud_description(struct swgr_ctx *c, const struct lud_extras *x, const char *md,
		    size_t md_len, const uint8_t *md_hash, struct swgr_buf *b, uint8_t hash[32],
		    const char **desc, size_t *desc_len, const uint8_t **desc_hash);
/* The successAction of x for a callback on host (NULL: none, or not on host's domain). */
const char	*lud_success_action(const struct lud_extras *x, const char *host);

/* offers.c: the extras of m into x (false when out of memory); a copy of from; their memory freed. */
bool		 lud_extras_of(struct lud_extras *x, const struct swgr_metadata *m);
bool		 lud_extras_copy(struct lud_extras *x, const struct lud_extras *from);
void		 lud_extras_free(struct lud_extras *x);

/*
 * records.c: the invoice records (lnurl-service.invoice-records).  open
 * starts the writer when records are on and the offer store is a database;
 * add queues the record of the invoice bolt11 that br got (br->issued set)
 * for offer, from src; close writes what is queued (up to a few seconds)
 * and stops the writer.
 */
enum swgr_rc	 records_open(struct lnurl_state *s, struct swgr_err *err);
void		 records_add(struct lnurl_state *s, const struct swgr_balancer_req *br,
		    const char *bolt11, const struct swgr_uuid *offer, const struct cb_src *src);
void		 records_close(struct lnurl_state *s);

/* wellknown.c: the LUD-16 routes /.well-known/lnurlp/<username>[/invoice]. */
swgr_handler	 address_pay_request, address_invoice;

/*
 * An offer as the LNURL routes need it: its amounts and validity, the §8
 * metadata string and its sha256.  Shared by the requests that use it;
 * immutable; released with offer_put.
 */
struct cached_offer {
	int		 refs;		/* under the cache's lock */
	struct cached_offer *next;	/* the cache's chain: under its lock */
	uint64_t	 hkey;		/* hash of (partition, id) */
	bool		 refreshing;	/* under the lock: a thread is asking the store */
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
	/*
	 * The prefix of metadata (and of metadata_json) before the offer's own
	 * identifier entry and the closing ']' (and '"'): a Lightning Address
	 * appends its text/identifier (and text/tag) there, in place of it.
	 */
	size_t		 base_len;
	size_t		 base_json_len;
	uint8_t		 hash[32];
	struct lud_extras lud;
};

/*
 * The offer cache: a hash table of every offer read (growing from
 * OFFER_CACHE_SLOTS buckets), each fresh for OFFER_CACHE_TTL seconds after
 * it was read; then the next request asks the store again while the other
 * requests for it are served the entry they have (one store call per offer
 * at a time).  It is also the last-known-good copy: when the store cannot be
 * reached (SWGR_EUPSTREAM: a database gone or restarting, a remote offer
 * service down) an offer read less than stale_max seconds ago is served as
 * last read (store-stale-max-secs; 0: never), and the store asked again
 * after another TTL.  While it is down, it is asked by one request at a
 * time, at most every OFFER_CACHE_PROBE_EVERY seconds; the other requests
 * do not wait for it (a copy, or SWGR_EUPSTREAM at once).  An answer of the
 * store that the offer or its metadata does not exist (SWGR_NOTFOUND)
 * removes the copy at once, and is itself remembered for OFFER_NEG_TTL
 * seconds (in OFFER_NEG_SLOTS direct-mapped slots, the newest "not found"
 * taking its slot): random ids cost one store call per id and TTL, not one
 * per request, and an offer created meanwhile is served within that TTL.
 *
 * Memory: only offers the store gave are kept (a wallet asking for ids that
 * do not exist adds nothing); an entry not read again for max(stale_max,
 * TTL) seconds is dropped (a few buckets are swept at every store call); at
 * most OFFER_CACHE_MAX entries: beyond that the oldest read of a sample of
 * buckets makes room.
 */
#define OFFER_CACHE_SLOTS	1024
#define OFFER_CACHE_TTL		1.0
#define OFFER_CACHE_MAX		65536
#define OFFER_CACHE_PROBE_EVERY	1.0	/* seconds between probes of a store that is down */
#define OFFER_NEG_SLOTS		1024	/* "not found" answers remembered; a power of two */
#define OFFER_NEG_TTL		1.0

enum swgr_rc	 offer_cache_new(double stale_max, struct offer_cache **out);
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
/*
 * Whether the store's last answer to the cache was a failure to reach it
 * (then *secs: for how long it has failed).  A success or a "not found"
 * ends that.
 */
bool		 offer_store_down(struct offer_cache *c, double *secs);
/*
 * While the store is down, asks it once (at most every
 * OFFER_CACHE_PROBE_EVERY seconds, one caller at a time) for an offer that
 * does not exist in partition, so that its return is noticed without a
 * wallet's request.  Does nothing while it is up.
 */
void		 offer_store_probe(struct offer_cache *c, struct swgr_store *st,
		    const char *partition);
/* How many offers the cache holds (for tests and logs). */
size_t		 offer_cache_count(struct offer_cache *c);

/*
 * The address caches: the binding of each Lightning Address read (its
 * partition, offer and enabled flag) from one source, the offer store or
 * the address directory, fresh for ttl seconds (ADDR_CACHE_TTL for the
 * store, refresh-secs for the directory); then one request asks the source
 * again while the others are answered with the binding they have.  "Not
 * found" is remembered for the same ttl (a wallet trying random names costs
 * one call per name and ttl).  While the source cannot be reached
 * (SWGR_EUPSTREAM), a binding read less than stale_max seconds ago is served
 * as last read, the source asked by one request at a time at most every
 * ADDR_CACHE_PROBE_EVERY seconds.  At most ADDR_CACHE_MAX entries; beyond,
 * answers are not kept.  A binding not asked for in max(stale_max, ttl)
 * seconds is dropped.
 */
#define ADDR_CACHE_TTL		1.0
#define ADDR_CACHE_MAX		65536
#define ADDR_CACHE_PROBE_EVERY	1.0

struct addr_hit {
	char		*partition;	/* the caller's: free() */
	struct swgr_uuid offer;
	bool		 enabled;
};

/* A source of bindings: swgr_store_address_get's contract. */
typedef enum swgr_rc addr_fetch_fn(void *arg, const char *domain, const char *username,
		    struct swgr_address *out, struct swgr_err *err);

/* what names the source in the log ("address store"); fetch(arg, ...) reads it. */
enum swgr_rc	 addr_cache_new(const char *what, double ttl, double stale_max,
		    addr_fetch_fn *fetch, void *arg, struct addr_cache **out);
void		 addr_cache_free(struct addr_cache *c);
/*
 * The binding of username@domain (both canonical, core/lnaddr.h): SWGR_OK
 * with *out, SWGR_NOTFOUND, or the source's error (its refusal, a remote
 * 4xx, logged and reported as SWGR_EINVAL "the <what> refused the request").
 */
enum swgr_rc	 addr_get(struct addr_cache *c, const char *domain, const char *username,
		    struct addr_hit *out, struct swgr_err *err);
/*
 * The binding of username@domain that c holds and could serve now (fresh,
 * or standing in), without asking the source: SWGR_OK with *out, else
 * SWGR_NOTFOUND.
 */
enum swgr_rc	 addr_peek(struct addr_cache *c, const char *domain, const char *username,
		    struct addr_hit *out, struct swgr_err *err);
/* The offer store as a source (arg: the struct swgr_store). */
addr_fetch_fn	 addr_from_store;
/*
 * s->addrs over s->offers, and the directory of store.address-directory
 * with s->dir_addrs when there is one; addr_caches_close frees them all.
 */
enum swgr_rc	 addr_caches_open(struct lnurl_state *s, struct swgr_err *err);
void		 addr_caches_close(struct lnurl_state *s);
size_t		 addr_cache_count(struct addr_cache *c);

#endif
