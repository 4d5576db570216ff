/*
 * swgr-lnurl's offer cache: offers with their metadata string, kept one second, bounded in size,
 * served as last read while the store is unreachable.
 *
 * Each worker thread also keeps the last entry it used, with a reference of
 * its own: a request for that offer within the TTL takes no lock at all (the
 * pay request path is otherwise the only one with locks of its own, and 32
 * workers on few cores queue on them).  That reference is let go when the
 * thread needs another entry, and at thread exit.
 */
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

struct offer_cache {
	pthread_mutex_t	 mu;
	pthread_key_t	 mine;		/* -> struct mine of this thread, or NULL */
	bool		 has_key;
	struct cached_offer *slot[OFFER_CACHE_SLOTS];
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
offer_cache_new(struct offer_cache **out)
{
	struct offer_cache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return SWGR_ENOMEM;
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
	for (i = 0; i < OFFER_CACHE_SLOTS; i++)
		if (c->slot[i] != NULL)
			entry_free(c->slot[i]);
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
static size_t
slot_of(const char *partition, const struct swgr_uuid *id)
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *p;
	size_t i;

	for (p = (const unsigned char *)partition; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	for (i = 0; i < sizeof(id->b); i++)
		h = (h ^ id->b[i]) * 1099511628211ULL;
	return (size_t)(h % OFFER_CACHE_SLOTS);
}

static bool
same(const struct cached_offer *e, const char *partition, const struct swgr_uuid *id)
{
	return strcmp(e->partition, partition) == 0 && memcmp(e->id.b, id->b, sizeof(id->b)) == 0;
}

/*
 * A copy of last, fresh from now for a TTL, standing in while the store
 * cannot be reached (err says why; logged, then cleared).
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
	    (e->metadata_json = malloc(last->metadata_json_len + 1)) == NULL) {
		if (e != NULL)
			entry_free(e);
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	}
	e->refs = 1;
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
	memcpy(e->hash, last->hash, sizeof(e->hash));
	swgr_uuid_format(&last->id, u);
	swgr_log(SWGR_LOG_WARN, "swgr::lnurl", "serving offer %s/%s as read %.0f s ago: %s",
	    partition, u, now - last->fetched, err->msg);
	swgr_err_clear(err);
	*out = e;
	return SWGR_OK;
}

/* Reads the offer and makes an entry (one reference, the caller's). */
static enum swgr_rc
load(struct swgr_store *st, const char *partition, const struct swgr_uuid *id,
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
	e->id = *id;
	e->loaded = e->fetched = swgr_mono_now();
	e->min_sendable = o.min_sendable;
	e->max_sendable = o.max_sendable;
	e->timestamp = o.timestamp;
	e->has_expires = o.has_expires;
	e->expires = o.expires;
	swgr_lnurl_metadata(&b, o.metadata);
	if ((e->metadata = swgr_buf_take(&b, &e->metadata_len)) == NULL)
		goto oom;
	swgr_sha256((const unsigned char *)e->metadata, e->metadata_len, e->hash);
	/* Escaped once here: every pay request served from this entry carries it. */
	swgr_json_string(&b, e->metadata, e->metadata_len);
	if ((e->metadata_json = swgr_buf_take(&b, &e->metadata_json_len)) == NULL)
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
    const struct swgr_uuid *, size_t, double, struct cached_offer *, struct cached_offer **,
    struct swgr_err *);

enum swgr_rc
offer_get(struct offer_cache *c, struct swgr_store *st, const char *partition,
    const struct swgr_uuid *id, struct cached_offer **out, struct swgr_err *err)
{
	struct cached_offer *e, *prev = NULL;
	size_t i = slot_of(partition, id);
	double now = swgr_mono_now();
	struct mine *m = mine_get(c, true);
	enum swgr_rc rc;

	if (m != NULL && (e = m->e) != NULL) {
		if (now - e->loaded < OFFER_CACHE_TTL && same(e, partition, id)) {
			*out = e;	/* no lock: the thread's reference keeps it */
			return SWGR_OK;
		}
		m->e = NULL;
		prev = e;	/* kept for shared_get's fallback, let go below */
	}
	rc = shared_get(c, st, partition, id, i, now, prev, &e, err);
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
 * The shared slots: the entry with one reference for the caller.  When the
 * store fails with SWGR_EUPSTREAM, a copy of the last entry of this offer
 * (the slot's, or prev, the thread's own) stands in for a TTL, unless it is
 * older than OFFER_CACHE_STALE_MAX.
 */
static enum swgr_rc
shared_get(struct offer_cache *c, struct swgr_store *st, const char *partition,
    const struct swgr_uuid *id, size_t i, double now, struct cached_offer *prev,
    struct cached_offer **out, struct swgr_err *err)
{
	struct cached_offer *e, *old = NULL, *last = NULL;
	enum swgr_rc rc;

	pthread_mutex_lock(&c->mu);
	e = c->slot[i];
	if (e != NULL && now - e->loaded < OFFER_CACHE_TTL && same(e, partition, id)) {
		e->refs++;
		pthread_mutex_unlock(&c->mu);
		*out = e;
		return SWGR_OK;
	}
	if (e != NULL && same(e, partition, id))
		last = e;
	else if (prev != NULL && same(prev, partition, id))
		last = prev;
	if (last != NULL)
		last->refs++;
	pthread_mutex_unlock(&c->mu);
	rc = load(st, partition, id, &e, err);
	if (rc == SWGR_EUPSTREAM && last != NULL && now - last->fetched <= OFFER_CACHE_STALE_MAX)
		rc = stand_in(last, now, partition, err, &e);
	else if (rc == SWGR_EINVAL) {
		char u[SWGR_UUID_STRLEN + 1];

		swgr_uuid_format(id, u);
		swgr_log(SWGR_LOG_ERROR, "swgr::lnurl", "the offer store refused reading offer "
		    "%s/%s: %s", partition, u, err->msg);
		/* the wallet's 400 names neither the remote nor its answer */
		swgr_err_set(err, SWGR_EINVAL, "the offer store refused the request");
	}
	if (last != NULL)
		unref(c, last);
	if (rc != SWGR_OK)
		return rc;
	pthread_mutex_lock(&c->mu);
	if (c->slot[i] != NULL && --c->slot[i]->refs == 0)
		old = c->slot[i];
	c->slot[i] = e;
	e->refs++;		/* the slot's */
	pthread_mutex_unlock(&c->mu);
	if (old != NULL)
		entry_free(old);
	*out = e;
	return SWGR_OK;
}
