/*
 * swgr-lnurl's offer cache: offers with their metadata string, fresh one second, kept as the
 * last-known-good copy served while the store is unreachable (extern.h).
 *
 * Each worker thread also keeps the last entry it used, with a reference of
 * its own: a request for that offer within the TTL takes no lock at all (the
 * pay request path is otherwise the only one with locks of its own, and 32
 * workers on few cores queue on them).  That reference is let go when the
 * thread needs another entry, and at thread exit.
 *
 * long: the table, its per-thread entries, the single store call per offer
 * and the outage's stand-in rules are one structure under one lock; split,
 * each part would need the others' invariants.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "extern.h"
#include "core/json.h"
#include "pay/lnurl.h"
#include "core/sha256.h"
#include "core/uuid.h"
#include "core/clock.h"
#include "core/log.h"

#define SWEEP_STEP	4	/* buckets swept at each store call */
#define ROOM_SAMPLE	64	/* buckets searched for the oldest entry when full */

/* An offer the store said does not exist, and when (monotonic; 0: an empty slot). */
struct neg_slot {
	uint64_t	 hkey;
	struct swgr_uuid id;
	char		 partition[64];	/* longer partitions are not remembered */
	double		 at;
};

struct offer_cache {
	pthread_mutex_t	 mu;
	pthread_key_t	 mine;		/* -> struct mine of this thread, or NULL */
	bool		 has_key;
	double		 stale_max;	/* seconds; 0: no last-known-good */
	/* Under mu. */
	struct cached_offer **tab;	/* cap buckets, chained by next */
	size_t		 cap;		/* a power of two */
	size_t		 n;
	size_t		 sweep_at;	/* the next bucket to sweep */
	bool		 full_logged;
	double		 down_since;	/* monotonic: the store's first failure of an outage; 0: up */
	double		 last_try;	/* monotonic: the last store call */
	bool		 probing;
	struct neg_slot	 neg[OFFER_NEG_SLOTS];	/* direct-mapped by hkey */
};

/* A thread's own entry: the thread holds one reference to e. */
struct mine {
	struct offer_cache *c;
	struct cached_offer *e;
};

static void
entry_free(struct cached_offer *o)
{
	free(o->partition);
	free(o->metadata);
	free(o->metadata_json);
	lud_extras_free(&o->lud);
	free(o);
}

/* Lets go of a reference to e. */
static void
unref(struct offer_cache *c, struct cached_offer *e)
{
	bool last;

	pthread_mutex_lock(&c->mu);
	last = --e->refs == 0;
	pthread_mutex_unlock(&c->mu);
	if (last)
		entry_free(e);
}

/* At a thread's exit: its own entry. */
static void
mine_free(void *arg)
{
	struct mine *m = arg;

	if (m->e != NULL)
		unref(m->c, m->e);
	free(m);
}

enum swgr_rc
offer_cache_new(double stale_max, struct offer_cache **out)
{
	struct offer_cache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return SWGR_ENOMEM;
	if ((c->tab = calloc(OFFER_CACHE_SLOTS, sizeof(*c->tab))) == NULL) {
		free(c);
		return SWGR_ENOMEM;
	}
	c->cap = OFFER_CACHE_SLOTS;
	c->stale_max = stale_max > 0 ? stale_max : 0;
	pthread_mutex_init(&c->mu, NULL);
	c->has_key = pthread_key_create(&c->mine, mine_free) == 0;
	*out = c;
	return SWGR_OK;
}

void
offer_cache_free(struct offer_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	/* The workers are gone (their own entries released); this thread's, if any. */
	if (c->has_key) {
		struct mine *m = pthread_getspecific(c->mine);

		if (m != NULL) {
			pthread_setspecific(c->mine, NULL);
			mine_free(m);
		}
		pthread_key_delete(c->mine);
	}
	for (i = 0; i < c->cap; i++) {
		struct cached_offer *e, *next;

		for (e = c->tab[i]; e != NULL; e = next) {
			next = e->next;
			entry_free(e);
		}
	}
	free(c->tab);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* This thread's own entry, or NULL. */
static struct mine *
mine_get(struct offer_cache *c, bool make)
{
	struct mine *m;

	if (!c->has_key)
		return NULL;
	if ((m = pthread_getspecific(c->mine)) == NULL && make &&
	    (m = calloc(1, sizeof(*m))) != NULL) {
		m->c = c;
		if (pthread_setspecific(c->mine, m) != 0) {
			free(m);
			m = NULL;
		}
	}
	return m;
}

void
offer_put(struct offer_cache *c, struct cached_offer *o)
{
	struct mine *m = mine_get(c, false);

	/* The thread's own entry: its reference stays with the thread. */
	if (m != NULL && m->e == o)
		return;
	unref(c, o);
}

/* FNV-1a of the partition and the id bytes. */
static uint64_t
hkey_of(const char *partition, const struct swgr_uuid *id)
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *p;
	size_t i;

	for (p = (const unsigned char *)partition; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	for (i = 0; i < sizeof(id->b); i++)
		h = (h ^ id->b[i]) * 1099511628211ULL;
	return h;
}

static bool
same(const struct cached_offer *e, const char *partition, const struct swgr_uuid *id)
{
	return strcmp(e->partition, partition) == 0 && memcmp(e->id.b, id->b, sizeof(id->b)) == 0;
}

/* ---- the offers not found (under mu) ---- */

static struct neg_slot *
neg_slot(struct offer_cache *c, uint64_t h)
{
	return &c->neg[h & (OFFER_NEG_SLOTS - 1)];
}

/* Whether slot n holds a "not found" of (partition, id), whose hash is h. */
static bool
neg_is(const struct neg_slot *n, uint64_t h, const char *partition, const struct swgr_uuid *id)
{
	return n->at != 0 && n->hkey == h && memcmp(n->id.b, id->b, sizeof(id->b)) == 0 &&
	    strcmp(n->partition, partition) == 0;
}

/* Whether the store said less than OFFER_NEG_TTL ago that (partition, id) does not exist. */
static bool
neg_hit(struct offer_cache *c, uint64_t h, const char *partition, const struct swgr_uuid *id,
    double now)
{
	const struct neg_slot *n = neg_slot(c, h);

	return neg_is(n, h, partition, id) && now - n->at < OFFER_NEG_TTL;
}

/* Remembers a "not found" of the store, in place of the slot's last one. */
static void
neg_note(struct offer_cache *c, uint64_t h, const char *partition, const struct swgr_uuid *id,
    double now)
{
	struct neg_slot *n = neg_slot(c, h);
	size_t len = strlen(partition);

	if (len >= sizeof(n->partition))
		return;
	n->hkey = h;
	n->id = *id;
	memcpy(n->partition, partition, len + 1);
	n->at = now > 0 ? now : 1e-9;
}

/* The offer exists after all (the store gave it): forgets its "not found". */
static void
neg_forget(struct offer_cache *c, uint64_t h, const char *partition, const struct swgr_uuid *id)
{
	struct neg_slot *n = neg_slot(c, h);

	if (neg_is(n, h, partition, id))
		n->at = 0;
}

/* ---- the table (under mu) ---- */

static struct cached_offer **
bucket(struct offer_cache *c, uint64_t h)
{
	return &c->tab[h & (c->cap - 1)];
}

static struct cached_offer *
find(struct offer_cache *c, uint64_t h, const char *partition, const struct swgr_uuid *id)
{
	struct cached_offer *e;

	for (e = *bucket(c, h); e != NULL; e = e->next)
		if (e->hkey == h && same(e, partition, id))
			return e;
	return NULL;
}

/*
 * Takes e out of the table; the table's reference is let go: e is returned
 * when that was the last one (the caller frees it after unlocking), else NULL.
 */
static struct cached_offer *
unlink_entry(struct offer_cache *c, struct cached_offer *e)
{
	struct cached_offer **pp;

	for (pp = bucket(c, e->hkey); *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			e->next = NULL;
			c->n--;
			return --e->refs == 0 ? e : NULL;
		}
	return NULL;
}

/* Doubles the buckets while the table is over 3/4 full (not at all if out of memory). */
static void
grow(struct offer_cache *c)
{
	struct cached_offer **tab, *e, *next;
	size_t cap = c->cap * 2, i;

	if (c->n <= c->cap / 4 * 3 || (tab = calloc(cap, sizeof(*tab))) == NULL)
		return;
	for (i = 0; i < c->cap; i++)
		for (e = c->tab[i]; e != NULL; e = next) {
			next = e->next;
			e->next = tab[e->hkey & (cap - 1)];
			tab[e->hkey & (cap - 1)] = e;
		}
	free(c->tab);
	c->tab = tab;
	c->cap = cap;
	c->sweep_at = 0;
}

/* A list of entries to free once the lock is let go (through their next). */
static void
later(struct cached_offer **list, struct cached_offer *e)
{
	if (e == NULL)
		return;
	e->next = *list;
	*list = e;
}

static void
free_list(struct cached_offer *e)
{
	struct cached_offer *next;

	for (; e != NULL; e = next) {
		next = e->next;
		entry_free(e);
	}
}

/* How long an entry is kept after the store last gave it. */
static double
keep_secs(const struct offer_cache *c)
{
	return c->stale_max > OFFER_CACHE_TTL ? c->stale_max : OFFER_CACHE_TTL;
}

/* Drops the entries of the next SWEEP_STEP buckets that the store gave too long ago. */
static void
sweep(struct offer_cache *c, double now, struct cached_offer **dead)
{
	struct cached_offer *e, *next;
	size_t k;

	for (k = 0; k < SWEEP_STEP; k++) {
		for (e = c->tab[c->sweep_at]; e != NULL; e = next) {
			next = e->next;
			if (!e->refreshing && now - e->fetched > keep_secs(c))
				later(dead, unlink_entry(c, e));
		}
		c->sweep_at = (c->sweep_at + 1) & (c->cap - 1);
	}
}

/* At OFFER_CACHE_MAX entries: drops the one read longest ago in a sample of buckets. */
static void
make_room(struct offer_cache *c, struct cached_offer **dead)
{
	struct cached_offer *e, *old = NULL;
	size_t k, i;

	for (k = 0, i = c->sweep_at; k < ROOM_SAMPLE || old == NULL; k++) {
		for (e = c->tab[i]; e != NULL; e = e->next)
			if (!e->refreshing && (old == NULL || e->fetched < old->fetched))
				old = e;
		i = (i + 1) & (c->cap - 1);
		if (k >= c->cap)
			break;		/* every entry is being refreshed */
	}
	if (old == NULL)
		return;
	if (!c->full_logged)
		swgr_log(SWGR_LOG_WARN, "swgr::lnurl", "offer cache full (%d offers): the "
		    "offers read longest ago make room", OFFER_CACHE_MAX);
	c->full_logged = true;
	later(dead, unlink_entry(c, old));
}

/* Puts e (with a reference for the table) in place of the entry of its offer, if any. */
static void
insert(struct offer_cache *c, struct cached_offer *e, struct cached_offer **dead)
{
	struct cached_offer *old = find(c, e->hkey, e->partition, &e->id);

	if (old != NULL)
		later(dead, unlink_entry(c, old));
	else if (c->n >= OFFER_CACHE_MAX)
		make_room(c, dead);
	e->refs++;
	e->next = *bucket(c, e->hkey);
	*bucket(c, e->hkey) = e;
	c->n++;
	grow(c);
}

/* ---- the store's state ---- */

/* The outcome of a store call (under mu): logs the start and the end of an outage. */
static void
note(struct offer_cache *c, enum swgr_rc rc, double now, const struct swgr_err *err)
{
	c->last_try = now;
	if (rc == SWGR_EUPSTREAM) {
		if (c->down_since == 0) {
			c->down_since = now;
			swgr_log(SWGR_LOG_WARN, "swgr::lnurl", "offer store unavailable: %s; offers "
			    "read in the last %.0f s are served as last read", err->msg,
			    c->stale_max);
		}
	} else if ((rc == SWGR_OK || rc == SWGR_NOTFOUND) && c->down_since != 0) {
		swgr_log(SWGR_LOG_INFO, "swgr::lnurl", "offer store available again after %.1f s",
		    now - c->down_since);
		c->down_since = 0;
	}
}

bool
offer_store_down(struct offer_cache *c, double *secs)
{
	bool down;

	pthread_mutex_lock(&c->mu);
	down = c->down_since != 0;
	*secs = down ? swgr_mono_now() - c->down_since : 0;
	pthread_mutex_unlock(&c->mu);
	return down;
}

void
offer_store_probe(struct offer_cache *c, struct swgr_store *st, const char *partition)
{
	struct swgr_uuid nil = { { 0 } };
	struct swgr_offer o;
	struct swgr_err err = { 0 };
	double now = swgr_mono_now();
	enum swgr_rc rc;

	pthread_mutex_lock(&c->mu);
	if (c->down_since == 0 || c->probing || now - c->last_try < OFFER_CACHE_PROBE_EVERY) {
		pthread_mutex_unlock(&c->mu);
		return;
	}
	c->probing = true;
	c->last_try = now;
	pthread_mutex_unlock(&c->mu);
	memset(&o, 0, sizeof(o));
	rc = swgr_store_offer_get(st, partition, &nil, false, &o, &err);
	if (rc == SWGR_OK)
		swgr_offer_free(&o);
	pthread_mutex_lock(&c->mu);
	note(c, rc, swgr_mono_now(), &err);
	c->probing = false;
	pthread_mutex_unlock(&c->mu);
}

size_t
offer_cache_count(struct offer_cache *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->n;
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* ---- what the metadata adds to the answers (LUD-09, LUD-18; extern.h) ---- */

static char *
take(struct swgr_buf *b)
{
	size_t n;

	return swgr_buf_ok(b) && b->len > 0 ? swgr_buf_take(b, &n) : NULL;
}

bool
lud_extras_of(struct lud_extras *x, const struct swgr_metadata *m)
{
	struct swgr_buf b = { 0 };
	const char *h;
	size_t n, i;

	memset(x, 0, sizeof(*x));
	x->payer_asked = m->payer_asked;
	x->payer_mandatory = m->payer_mandatory;
	if (m->sa_kind != SWGR_SA_NONE) {
		swgr_success_action_json(&b, m);
		if ((x->success_action = take(&b)) == NULL)
			goto oom;
	}
	if (m->sa_kind == SWGR_SA_URL) {
		n = swgr_sa_url_host(m->sa_url, &h);
		if ((x->sa_host = strndup(h, n)) == NULL)
			goto oom;
		for (i = 0; i < n; i++)
			x->sa_host[i] = (char)tolower((unsigned char)x->sa_host[i]);
	}
	if (m->payer_asked != 0) {
		swgr_payer_data_json(&b, m->payer_asked, m->payer_mandatory);
		if ((x->payer_data = take(&b)) == NULL)
			goto oom;
	}
	return true;
oom:
	swgr_buf_free(&b);
	lud_extras_free(x);
	return false;
}

static bool
dup_or_null(char **to, const char *from)
{
	return from == NULL || (*to = strdup(from)) != NULL;
}

bool
lud_extras_copy(struct lud_extras *x, const struct lud_extras *from)
{
	memset(x, 0, sizeof(*x));
	x->payer_asked = from->payer_asked;
	x->payer_mandatory = from->payer_mandatory;
	if (!dup_or_null(&x->success_action, from->success_action) ||
	    !dup_or_null(&x->sa_host, from->sa_host) ||
	    !dup_or_null(&x->payer_data, from->payer_data)) {
		lud_extras_free(x);
		return false;
	}
	return true;
}

void
lud_extras_free(struct lud_extras *x)
{
	free(x->success_action);
	free(x->sa_host);
	free(x->payer_data);
	memset(x, 0, sizeof(*x));
}

/* ---- reading ---- */

/*
 * A copy of last, fresh from now for a TTL, standing in while the store
 * cannot be reached (err says why; cleared).
 */
static enum swgr_rc
stand_in(const struct cached_offer *last, double now, const char *partition,
    struct swgr_err *err, struct cached_offer **out)
{
	struct cached_offer *e;
	char u[SWGR_UUID_STRLEN + 1];

	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->partition = strdup(last->partition)) == NULL ||
	    (e->metadata = malloc(last->metadata_len + 1)) == NULL ||
	    (e->metadata_json = malloc(last->metadata_json_len + 1)) == NULL ||
	    !lud_extras_copy(&e->lud, &last->lud)) {
		if (e != NULL)
			entry_free(e);
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	}
	e->refs = 1;
	e->hkey = last->hkey;
	e->id = last->id;
	e->loaded = now;
	e->fetched = last->fetched;
	e->min_sendable = last->min_sendable;
	e->max_sendable = last->max_sendable;
	e->timestamp = last->timestamp;
	e->has_expires = last->has_expires;
	e->expires = last->expires;
	memcpy(e->metadata, last->metadata, last->metadata_len + 1);
	e->metadata_len = last->metadata_len;
	memcpy(e->metadata_json, last->metadata_json, last->metadata_json_len + 1);
	e->metadata_json_len = last->metadata_json_len;
	e->base_len = last->base_len;
	e->base_json_len = last->base_json_len;
	memcpy(e->hash, last->hash, sizeof(e->hash));
	swgr_uuid_format(&last->id, u);
	swgr_log(SWGR_LOG_DEBUG, "swgr::lnurl", "serving offer %s/%s as read %.0f s ago: %s",
	    partition, u, now - last->fetched, err->msg);
	swgr_err_clear(err);
	*out = e;
	return SWGR_OK;
}

/* Reads the offer and makes an entry (one reference, the caller's). */
/*
 * The metadata of e from m: the string, its hash, its JSON form escaped once
 * (every pay request served from e carries it), and the length of the part
 * before m's own identifier entry (the same bytes: swgr_lnurl_metadata
 * writes that entry last).  False when out of memory.
 */
static bool
metadata_of(struct cached_offer *e, struct swgr_metadata *m, struct swgr_buf *b)
{
	enum swgr_ident_kind kind = m->ident_kind;

	m->ident_kind = SWGR_IDENT_NONE;
	swgr_lnurl_metadata(b, m);
	m->ident_kind = kind;
	if (!swgr_buf_ok(b) || b->len < 2)
		return false;
	e->base_len = b->len - 1;	/* less the ']' */
	swgr_buf_free(b);
	swgr_lnurl_metadata(b, m);
	if ((e->metadata = swgr_buf_take(b, &e->metadata_len)) == NULL)
		return false;
	swgr_sha256((const unsigned char *)e->metadata, e->metadata_len, e->hash);
	swgr_json_string(b, e->metadata, e->base_len);
	if (!swgr_buf_ok(b))
		return false;
	e->base_json_len = b->len - 1;	/* less the closing '"' */
	swgr_buf_free(b);
	swgr_json_string(b, e->metadata, e->metadata_len);
	return (e->metadata_json = swgr_buf_take(b, &e->metadata_json_len)) != NULL &&
	    lud_extras_of(&e->lud, m);
}

static enum swgr_rc
load(struct swgr_store *st, const char *partition, const struct swgr_uuid *id, uint64_t h,
    struct cached_offer **out, struct swgr_err *err)
{
	struct swgr_offer o;
	struct swgr_buf b = { 0 };
	struct cached_offer *e;
	enum swgr_rc rc;

	memset(&o, 0, sizeof(o));
	if ((rc = swgr_store_offer_get(st, partition, id, true, &o, err)) != SWGR_OK)
		return rc;
	if ((e = calloc(1, sizeof(*e))) == NULL || (e->partition = strdup(partition)) == NULL)
		goto oom;
	e->refs = 1;
	e->hkey = h;
	e->id = *id;
	e->loaded = e->fetched = swgr_mono_now();
	e->min_sendable = o.min_sendable;
	e->max_sendable = o.max_sendable;
	e->timestamp = o.timestamp;
	e->has_expires = o.has_expires;
	e->expires = o.expires;
	if (!metadata_of(e, o.metadata, &b))
		goto oom;
	swgr_offer_free(&o);
	*out = e;
	return SWGR_OK;
oom:
	if (e != NULL)
		entry_free(e);
	swgr_buf_free(&b);
	swgr_offer_free(&o);
	return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
}

static enum swgr_rc shared_get(struct offer_cache *, struct swgr_store *, const char *,
    const struct swgr_uuid *, double, struct cached_offer **, struct swgr_err *);

enum swgr_rc
offer_get(struct offer_cache *c, struct swgr_store *st, const char *partition,
    const struct swgr_uuid *id, struct cached_offer **out, struct swgr_err *err)
{
	struct cached_offer *e = NULL, *prev = NULL;
	double now = swgr_mono_now();
	struct mine *m = mine_get(c, true);
	enum swgr_rc rc;

	if (m != NULL && (e = m->e) != NULL) {
		if (now - e->loaded < OFFER_CACHE_TTL && same(e, partition, id)) {
			*out = e;	/* no lock: the thread's reference keeps it */
			return SWGR_OK;
		}
		m->e = NULL;
		prev = e;
	}
	rc = shared_get(c, st, partition, id, now, &e, err);
	if (prev != NULL)
		unref(c, prev);
	if (rc != SWGR_OK)
		return rc;
	if (m != NULL)
		m->e = e;	/* the caller's reference becomes the thread's; offer_put keeps it */
	*out = e;
	return SWGR_OK;
}

/*
 * The table: the entry with one reference for the caller.  A fresh entry
 * is served; so is one that another thread is asking the store for (while
 * last-known-good is on).  Otherwise this thread asks the store: its answer
 * replaces the entry, a "not found" removes it, and when the store fails
 * with SWGR_EUPSTREAM a copy of the entry stands in for a TTL, unless the
 * store gave it more than stale_max seconds ago.  While the store is down
 * it is asked by one thread at a time, at most every PROBE_EVERY (a store
 * that hangs pins one worker, not all); the others fail at once as if it
 * had answered so, and stand in the copy they have.
 */
static enum swgr_rc
shared_get(struct offer_cache *c, struct swgr_store *st, const char *partition,
    const struct swgr_uuid *id, double now, struct cached_offer **out, struct swgr_err *err)
{
	struct cached_offer *e = NULL, *last, *cur, *dead = NULL;
	uint64_t h = hkey_of(partition, id);
	double down = 0;
	enum swgr_rc rc;
	bool ask = true, probe = false;

	pthread_mutex_lock(&c->mu);
	last = find(c, h, partition, id);
	if (last != NULL && (now - last->loaded < OFFER_CACHE_TTL || (last->refreshing &&
	    c->stale_max > 0 && now - last->fetched <= c->stale_max))) {
		last->refs++;
		pthread_mutex_unlock(&c->mu);
		*out = last;
		return SWGR_OK;
	}
	if (last == NULL && neg_hit(c, h, partition, id, now)) {
		pthread_mutex_unlock(&c->mu);
		swgr_err_set(err, SWGR_NOTFOUND, "offer not found (the store said so less than "
		    "%.0f s ago)", OFFER_NEG_TTL);
		return SWGR_NOTFOUND;
	}
	/* While the store is down: one call at a time, one a PROBE_EVERY at most. */
	if (c->down_since != 0) {
		down = now - c->down_since;
		if (c->probing || now - c->last_try < OFFER_CACHE_PROBE_EVERY)
			ask = false;
		else
			probe = c->probing = true;
	}
	if (last != NULL) {
		last->refs++;
		last->refreshing = ask;
	}
	pthread_mutex_unlock(&c->mu);
	if (ask)
		rc = load(st, partition, id, h, &e, err);
	else
		rc = swgr_err_set(err, SWGR_EUPSTREAM, "the offer store has been unavailable for "
		    "%.0f s (asked again every %.0f s)", down, OFFER_CACHE_PROBE_EVERY);
	pthread_mutex_lock(&c->mu);
	if (ask)
		note(c, rc, swgr_mono_now(), err);
	if (probe)
		c->probing = false;
	if (last != NULL && ask)
		last->refreshing = false;
	/*
	 * The table's entry now: last, a newer one (another thread's read or
	 * stand-in while this one failed), or none (the offer was deleted).
	 */
	cur = find(c, h, partition, id);
	if (rc == SWGR_EUPSTREAM && cur != NULL && c->stale_max > 0 &&
	    now - cur->fetched <= c->stale_max) {
		if (now - cur->loaded < OFFER_CACHE_TTL) {
			cur->refs++;		/* fresh again: serve it as it is */
			e = cur;
			cur = NULL;
			swgr_err_clear(err);
			rc = SWGR_OK;
		} else if ((rc = stand_in(cur, now, partition, err, &e)) == SWGR_OK)
			insert(c, e, &dead);
	} else if (rc == SWGR_EINVAL) {
		char u[SWGR_UUID_STRLEN + 1];

		swgr_uuid_format(id, u);
		swgr_log(SWGR_LOG_ERROR, "swgr::lnurl", "the offer store refused reading offer "
		    "%s/%s: %s", partition, u, err->msg);
		/* the wallet's 400 names neither the remote nor its answer */
		swgr_err_set(err, SWGR_EINVAL, "the offer store refused the request");
	} else if (rc == SWGR_OK) {
		insert(c, e, &dead);
		neg_forget(c, h, partition, id);
	} else if (rc == SWGR_NOTFOUND && ask)
		neg_note(c, h, partition, id, now);
	if (rc != SWGR_OK && cur != NULL && (rc == SWGR_NOTFOUND ||
	    now - cur->fetched > keep_secs(c)))
		later(&dead, unlink_entry(c, cur));	/* gone, or too old to stand in */
	if (last != NULL && --last->refs == 0)
		later(&dead, last);
	sweep(c, now, &dead);
	pthread_mutex_unlock(&c->mu);
	free_list(dead);
	if (rc != SWGR_OK)
		return rc;
	*out = e;
	return SWGR_OK;
}
