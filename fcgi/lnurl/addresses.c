/*
 * swgr-lnurl's address caches: which offer a Lightning Address pays, fresh for a TTL,
 * the last-known-good binding while the source is unreachable, "not found" remembered
 * (extern.h).
 *
 * Answers are copied out under the lock (a partition and an offer id), so no
 * entry outlives the lock in a caller's hands and none needs a reference count.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/directory.h"

#define ADDR_SLOTS	16384	/* buckets; a power of two */
#define SWEEP_STEP	8	/* buckets swept at each call of the source */
#define EVICT_SCAN	1024	/* buckets looked through for a "not found" when full */

struct addr_entry {
	struct addr_entry *next;
	uint64_t	 h;
	char		*key;		/* "username@domain" */
	bool		 found;		/* false: the source said there is no such address */
	bool		 refreshing;	/* a thread is asking the source */
	double		 loaded;	/* fresh until loaded + ttl */
	double		 fetched;	/* when the source last gave it */
	double		 used;		/* the last request it answered */
	char		*partition;
	struct swgr_uuid offer;
	bool		 enabled;
};

struct addr_cache {
	pthread_mutex_t	 mu;
	const char	*what;
	double		 ttl;
	double		 stale_max;
	addr_fetch_fn	*fetch;
	void		*arg;
	/* Under mu. */
	struct addr_entry *tab[ADDR_SLOTS];
	size_t		 n;
	size_t		 sweep_at;
	bool		 full_logged;
	double		 down_since;	/* the first failure of an outage; 0: up */
	double		 last_try;
	bool		 probing;
};

static uint64_t
hash_of(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
entry_free(struct addr_entry *e)
{
	free(e->key);
	free(e->partition);
	free(e);
}

enum swgr_rc
addr_cache_new(const char *what, double ttl, double stale_max, addr_fetch_fn *fetch, void *arg,
    struct addr_cache **out)
{
	struct addr_cache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return SWGR_ENOMEM;
	c->what = what;
	c->ttl = ttl;
	c->fetch = fetch;
	c->arg = arg;
	c->stale_max = stale_max > 0 ? stale_max : 0;
	pthread_mutex_init(&c->mu, NULL);
	*out = c;
	return SWGR_OK;
}

void
addr_cache_free(struct addr_cache *c)
{
	struct addr_entry *e, *next;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < ADDR_SLOTS; i++)
		for (e = c->tab[i]; e != NULL; e = next) {
			next = e->next;
			entry_free(e);
		}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

size_t
addr_cache_count(struct addr_cache *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->n;
	pthread_mutex_unlock(&c->mu);
	return n;
}

static struct addr_entry *
find(struct addr_cache *c, uint64_t h, const char *key)
{
	struct addr_entry *e;

	for (e = c->tab[h & (ADDR_SLOTS - 1)]; e != NULL; e = e->next)
		if (e->h == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/*
 * Drops the entries of a few buckets that are of no more use: a "not
 * found" older than its ttl, a binding not asked for in max(stale_max, ttl)
 * seconds (it could no longer stand in).  Under mu.
 */
static void
sweep(struct addr_cache *c, double now)
{
	double keep = c->stale_max > c->ttl ? c->stale_max : c->ttl;
	struct addr_entry **pp, *e;
	size_t i;

	for (i = 0; i < SWEEP_STEP; i++, c->sweep_at = (c->sweep_at + 1) & (ADDR_SLOTS - 1))
		for (pp = &c->tab[c->sweep_at]; (e = *pp) != NULL;) {
			if (!e->refreshing && (e->found ? now - e->used > keep &&
			    now - e->loaded > c->ttl : now - e->loaded > c->ttl)) {
				*pp = e->next;
				c->n--;
				entry_free(e);
			} else
				pp = &e->next;
		}
}

/* The answer of e into the caller's hands.  Under mu. */
static enum swgr_rc
answer(const struct addr_entry *e, struct addr_hit *out, struct swgr_err *err)
{
	if (!e->found)
		return swgr_err_set(err, SWGR_NOTFOUND, "no such address");
	if ((out->partition = strdup(e->partition)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	out->offer = e->offer;
	out->enabled = e->enabled;
	return SWGR_OK;
}

/* Whether e may stand in for the source now.  Under mu. */
static bool
can_stand_in(const struct addr_cache *c, const struct addr_entry *e, double now)
{
	return e != NULL && e->found && c->stale_max > 0 && now - e->fetched <= c->stale_max;
}

/*
 * Room for one more when the table is full: the first "not found" in the
 * next EVICT_SCAN buckets goes (names that do not exist must not crowd out
 * the ones that do).  Under mu.
 */
static void
evict_negative(struct addr_cache *c)
{
	struct addr_entry **pp, *e;
	size_t i, b;

	for (i = 0; i < EVICT_SCAN; i++) {
		b = (c->sweep_at + i) & (ADDR_SLOTS - 1);
		for (pp = &c->tab[b]; (e = *pp) != NULL; pp = &e->next)
			if (!e->found && !e->refreshing) {
				*pp = e->next;
				c->n--;
				entry_free(e);
				c->sweep_at = b;
				return;
			}
	}
}

/*
 * The source's answer a into the table (found, or not when a is NULL), as
 * the entry of key.  False when the table is full (the answer is still the
 * caller's).  Under mu.
 */
static bool
remember(struct addr_cache *c, uint64_t h, const char *key, const struct swgr_address *a,
    double now)
{
	struct addr_entry *e = find(c, h, key);
	char *part = NULL;

	if (a != NULL && (part = strdup(a->partition)) == NULL)
		return false;
	if (e == NULL) {
		if (c->n >= ADDR_CACHE_MAX)
			evict_negative(c);
		if (c->n >= ADDR_CACHE_MAX) {
			if (!c->full_logged)
				swgr_log(SWGR_LOG_WARN, "swgr::lnurl", "the cache of the %s is "
				    "full (%d entries): further addresses are read from it at every "
				    "request", c->what, ADDR_CACHE_MAX);
			c->full_logged = true;
			free(part);
			return false;
		}
		if ((e = calloc(1, sizeof(*e))) == NULL || (e->key = strdup(key)) == NULL) {
			free(e);
			free(part);
			return false;
		}
		e->h = h;
		e->next = c->tab[h & (ADDR_SLOTS - 1)];
		c->tab[h & (ADDR_SLOTS - 1)] = e;
		c->n++;
	}
	free(e->partition);
	e->partition = part;
	e->found = a != NULL;
	e->loaded = e->used = now;
	if (a != NULL) {
		e->fetched = now;
		e->offer = a->offer;
		e->enabled = a->enabled;
	}
	return true;
}

/* The source's answer: the outage's start and end, logged once each.  Under mu. */
static void
note(struct addr_cache *c, enum swgr_rc rc, double now, const struct swgr_err *err)
{
	c->last_try = now;
	if (rc == SWGR_ERETRY)		/* busy, not down: neither the outage's start nor end */
		return;
	if (rc == SWGR_EUPSTREAM) {
		if (c->down_since == 0) {
			c->down_since = now;
			swgr_log(SWGR_LOG_WARN, "swgr::lnurl", "the %s cannot be read (%s): "
			    "addresses read in the last %.0f s are served as last read", c->what,
			    err->msg, c->stale_max);
		}
	} else if (c->down_since != 0) {
		swgr_log(SWGR_LOG_INFO, "swgr::lnurl", "the %s answers again after %.0f s",
		    c->what, now - c->down_since);
		c->down_since = 0;
	}
}

enum swgr_rc
addr_peek(struct addr_cache *c, const char *domain, const char *username, struct addr_hit *out,
    struct swgr_err *err)
{
	char key[SWGR_LNADDR_USER_MAX + 1 + SWGR_LNADDR_DOMAIN_MAX + 1];
	struct addr_entry *e;
	double now = swgr_mono_now();
	enum swgr_rc rc = SWGR_NOTFOUND;
	uint64_t h;

	memset(out, 0, sizeof(*out));
	if (strlen(username) > SWGR_LNADDR_USER_MAX || strlen(domain) > SWGR_LNADDR_DOMAIN_MAX)
		return swgr_err_set(err, SWGR_NOTFOUND, "no such address");
	snprintf(key, sizeof(key), "%s@%s", username, domain);
	h = hash_of(key);
	pthread_mutex_lock(&c->mu);
	if ((e = find(c, h, key)) != NULL && e->found &&
	    (now - e->loaded < c->ttl || can_stand_in(c, e, now))) {
		e->used = now;
		rc = answer(e, out, err);
	}
	pthread_mutex_unlock(&c->mu);
	if (rc == SWGR_NOTFOUND)
		swgr_err_set(err, SWGR_NOTFOUND, "no such address");
	return rc;
}

enum swgr_rc
addr_from_store(void *arg, const char *domain, const char *username, struct swgr_address *out,
    struct swgr_err *err)
{
	return swgr_store_address_get(arg, domain, username, out, err);
}

enum swgr_rc
addr_get(struct addr_cache *c, const char *domain, const char *username, struct addr_hit *out,
    struct swgr_err *err)
{
	char key[SWGR_LNADDR_USER_MAX + 1 + SWGR_LNADDR_DOMAIN_MAX + 1];
	struct swgr_address a;
	struct addr_entry *e;
	double now = swgr_mono_now(), down = 0;
	enum swgr_rc rc;
	uint64_t h;
	bool ask = true, probe = false;

	memset(out, 0, sizeof(*out));
	if (strlen(username) > SWGR_LNADDR_USER_MAX || strlen(domain) > SWGR_LNADDR_DOMAIN_MAX)
		return swgr_err_set(err, SWGR_EINVAL, "address too long");
	snprintf(key, sizeof(key), "%s@%s", username, domain);
	h = hash_of(key);
	pthread_mutex_lock(&c->mu);
	e = find(c, h, key);
	if (e != NULL && (now - e->loaded < c->ttl ||
	    (e->refreshing && (!e->found || can_stand_in(c, e, now))))) {
		e->used = now;
		rc = answer(e, out, err);
		pthread_mutex_unlock(&c->mu);
		return rc;
	}
	if (c->down_since != 0) {
		down = now - c->down_since;
		if (c->probing || now - c->last_try < ADDR_CACHE_PROBE_EVERY)
			ask = false;
		else
			probe = c->probing = true;
	}
	if (!ask) {
		if (can_stand_in(c, e, now)) {
			e->used = now;
			rc = answer(e, out, err);
		} else
			rc = swgr_err_set(err, SWGR_EUPSTREAM, "the %s has been unavailable "
			    "for %.0f s (asked again every %.0f s)", c->what, down,
			    ADDR_CACHE_PROBE_EVERY);
		pthread_mutex_unlock(&c->mu);
		return rc;
	}
	if (e != NULL)
		e->refreshing = true;
	pthread_mutex_unlock(&c->mu);

	memset(&a, 0, sizeof(a));
	rc = c->fetch(c->arg, domain, username, &a, err);

	pthread_mutex_lock(&c->mu);
	now = swgr_mono_now();
	note(c, rc, now, err);
	if (probe)
		c->probing = false;
	if ((e = find(c, h, key)) != NULL)
		e->refreshing = false;
	if (rc == SWGR_OK) {
		if ((out->partition = strdup(a.partition)) == NULL)
			rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		else {
			out->offer = a.offer;
			out->enabled = a.enabled;
			remember(c, h, key, &a, now);
		}
	} else if (rc == SWGR_NOTFOUND)
		remember(c, h, key, NULL, now);
	else if (rc == SWGR_EUPSTREAM && can_stand_in(c, e, now)) {
		/* stands in until the next probe, not for a whole (directory's) ttl */
		e->loaded = c->ttl > ADDR_CACHE_PROBE_EVERY ? now - c->ttl + ADDR_CACHE_PROBE_EVERY :
		    now;
		e->used = now;
		swgr_err_clear(err);
		rc = answer(e, out, err);
	} else if (rc == SWGR_EINVAL) {
		swgr_log(SWGR_LOG_ERROR, "swgr::lnurl", "the %s refused reading %s: %s",
		    c->what, key, err->msg);
		swgr_err_set(err, SWGR_EINVAL, "the %s refused the request", c->what);
	}
	sweep(c, now);
	pthread_mutex_unlock(&c->mu);
	swgr_address_free(&a);
	return rc;
}

static enum swgr_rc
from_directory(void *arg, const char *domain, const char *username, struct swgr_address *out,
    struct swgr_err *err)
{
	return swgr_directory_address_get(arg, domain, username, out, err);
}

enum swgr_rc
addr_caches_open(struct lnurl_state *s, struct swgr_err *err)
{
	const struct swgr_ldap_cfg *d = &s->cfg->address_directory;
	enum swgr_rc rc;

	if (addr_cache_new("address store", ADDR_CACHE_TTL, s->cfg->lnurl.store_stale_max_secs,
	    addr_from_store, s->offers, &s->addrs) != SWGR_OK)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	if (!d->present)
		return SWGR_OK;
	if ((rc = swgr_directory_open(d, &s->dir, err)) != SWGR_OK)
		return rc;
	if (addr_cache_new("address directory", d->refresh_secs, d->stale_max_secs,
	    from_directory, s->dir, &s->dir_addrs) != SWGR_OK)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	swgr_log(SWGR_LOG_INFO, "swgr::lnurl", "the addresses of %zu domain%s not in the offer "
	    "store are looked up in %s under %s (kept %.0f s)", d->ndomains,
	    d->ndomains == 1 ? "" : "s", d->uri, d->base_dn, d->refresh_secs);
	return SWGR_OK;
}

void
addr_caches_close(struct lnurl_state *s)
{
	addr_cache_free(s->addrs);
	addr_cache_free(s->dir_addrs);
	swgr_directory_close(s->dir);
}
