/* One contract suite for the stores, run on SQLite always and on PostgreSQL/MariaDB when their URIs are set. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/pubkey.h"
#include "core/time.h"
#include "core/uuid.h"
#include "store/db.h"
#include "store/store.h"
#include "kit.h"
#include "t.h"

#define META	"it's \"q\"; DROP TABLE x; -- \\ 100% _ h\xc3\xa9llo \xf0\x9f\x98\x80"
#define PART	"p'; -- \\%_\xc3\xa9"

static enum swgr_db_dialect ts_dialect;

static struct swgr_pubkey
ts_pk(int n)
{
	struct swgr_pubkey pk;

	memset(pk.b, 0xa0, sizeof(pk.b));
	pk.b[0] = 0x02;
	pk.b[1] = (uint8_t)n;
	pk.b[32] = 0;		/* a NUL byte inside the key */
	return pk;
}

static struct swgr_uuid
ts_uuid(int n)
{
	struct swgr_uuid u;

	memset(u.b, 0, sizeof(u.b));
	u.b[0] = (uint8_t)n;
	u.b[6] = 0x40;
	u.b[15] = (uint8_t)(n * 7);
	return u;
}

/* A backend with malloc'd members; parts is a NULL-terminated sorted list. */
static void
ts_backend(struct swgr_backend *b, int n, const char *name, const char *const *parts)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	b->pk = ts_pk(n);
	b->name = name != NULL ? strdup(name) : NULL;
	for (i = 0; parts[i] != NULL; i++)
		;
	b->npartitions = i;
	b->partitions = calloc(i + 1, sizeof(char *));
	for (i = 0; parts[i] != NULL; i++)
		b->partitions[i] = strdup(parts[i]);
	b->weight = n;
	b->enabled = n % 2 == 0;
	b->implementation = strdup("{\"auth\":{\"type\":\"path\"},\"type\":\"clnGrpc\",\"url\":\"https://h:1\"}");
}

static void
ts_metadata(struct swgr_metadata *m, const char *part, int n, const char *text)
{
	static const uint8_t img[] = { 0x89, 'P', 'N', 'G', 0, 1, 0 };

	memset(m, 0, sizeof(*m));
	m->id = ts_uuid(n);
	m->partition = strdup(part);
	m->text = strdup(text);
	m->long_text = strdup("long \\ text\n\"x\"");
	m->image_kind = SWGR_IMAGE_PNG;
	m->image = malloc(sizeof(img));
	memcpy(m->image, img, sizeof(img));
	m->image_len = sizeof(img);
	m->ident_kind = SWGR_IDENT_EMAIL;
	m->identifier = strdup("Name <a.b@example.com>");
}

static void
ts_offer(struct swgr_offer *o, const char *part, int n, int meta)
{
	memset(o, 0, sizeof(*o));
	o->partition = strdup(part);
	o->id = ts_uuid(n);
	o->max_sendable = UINT64_MAX;
	o->min_sendable = (uint64_t)1 << 63;
	o->metadata_id = ts_uuid(meta);
	o->timestamp.sec = 1700000000;
	o->timestamp.nsec = 123456789;
	o->has_expires = n % 2 == 0;
	o->expires.sec = 2100000000;	/* 2036: within MySQL's timestamp */
	o->expires.nsec = 500000000;
}

/* What each database keeps of a time we wrote. */
static int
ts_time_eq(const struct swgr_time *got, const struct swgr_time *want)
{
	long long d = (long long)(got->sec - want->sec) * 1000000000LL + (got->nsec - want->nsec);

	switch (ts_dialect) {
	case SWGR_DB_SQLITE:
		return d == 0;
	case SWGR_DB_POSTGRES:
		return d >= -500 && d <= 500;	/* microseconds, rounded */
	case SWGR_DB_MYSQL:
		return got->sec == want->sec && got->nsec == 0;
	}
	return 0;
}

static int
ts_metadata_eq(const struct swgr_metadata *a, const struct swgr_metadata *b)
{
	return swgr_uuid_cmp(&a->id, &b->id) == 0 && strcmp(a->partition, b->partition) == 0 &&
	    strcmp(a->text, b->text) == 0 && (a->long_text == NULL) == (b->long_text == NULL) &&
	    (a->long_text == NULL || strcmp(a->long_text, b->long_text) == 0) &&
	    a->image_kind == b->image_kind && a->image_len == b->image_len &&
	    (a->image_len == 0 || memcmp(a->image, b->image, a->image_len) == 0) &&
	    a->ident_kind == b->ident_kind && (a->identifier == NULL) == (b->identifier == NULL) &&
	    (a->identifier == NULL || strcmp(a->identifier, b->identifier) == 0);
}

static uint64_t
ts_etag(struct swgr_store *st)
{
	uint64_t e = UINT64_MAX;

	CHECK(swgr_store_backend_etag(st, &e, NULL) == SWGR_OK);
	return e;
}

/* Listing order: creation time, ties by key bytes. */
static int
ts_sorted(const struct swgr_backend *v, size_t n)
{
	size_t i;
	int c;

	for (i = 1; i < n; i++) {
		c = swgr_time_cmp(&v[i - 1].created_at, &v[i].created_at);
		if (c > 0 || (c == 0 && memcmp(v[i - 1].pk.b, v[i].pk.b, 33) >= 0))
			return 0;
	}
	return 1;
}

static void
ts_discovery(struct swgr_store *st)
{
	static const char *const p1[] = { "a", "b", NULL }, *const p2[] = { "z", PART, NULL };
	struct swgr_backend b1, b2, b3, got, *v;
	struct swgr_backend_patch patch;
	struct swgr_pubkey pk;
	struct swgr_err err = { 0 };
	uint64_t e0, e;
	size_t n;
	bool created;
	char *parts[] = { "q" };

	e0 = ts_etag(st);
	CHECK_INT(e0, 0);
	ts_backend(&b1, 4, META, p1);
	b1.weight = SWGR_WEIGHT_MAX;
	ts_backend(&b2, 2, NULL, p2);
	ts_backend(&b3, 1, "three", p1);
	if (swgr_store_backend_post(st, &b1, &err) != SWGR_OK) {
		CHECK(!"backend post");
		fprintf(stderr, "backend post: %s\n", err.msg);
		return;
	}
	CHECK_INT(ts_etag(st), 1);
	CHECK_INT(swgr_store_backend_post(st, &b1, &err), SWGR_CONFLICT);
	CHECK(strstr(err.msg, "already exists") != NULL);
	CHECK_INT(ts_etag(st), 1);
	usleep(2000);
	CHECK(swgr_store_backend_post(st, &b2, &err) == SWGR_OK);
	usleep(2000);
	CHECK(swgr_store_backend_post(st, &b3, &err) == SWGR_OK);
	CHECK_INT(ts_etag(st), 3);

	/* Round trip of every field. */
	CHECK(swgr_store_backend_get(st, &b1.pk, &got, &err) == SWGR_OK);
	CHECK(memcmp(got.pk.b, b1.pk.b, 33) == 0);
	CHECK_STR(got.name, META);
	CHECK_INT(got.npartitions, 2);
	if (got.npartitions == 2) {
		CHECK_STR(got.partitions[0], "a");
		CHECK_STR(got.partitions[1], "b");
	}
	CHECK_INT(got.weight, SWGR_WEIGHT_MAX);
	CHECK(got.enabled);
	CHECK_STR(got.implementation, b1.implementation);
	CHECK(swgr_time_cmp(&got.created_at, &got.updated_at) == 0);
	swgr_backend_free(&got);
	CHECK(swgr_store_backend_get(st, &b2.pk, &got, &err) == SWGR_OK);
	CHECK(got.name == NULL && got.enabled && got.npartitions == 2);
	if (got.npartitions == 2) {
		CHECK_STR(got.partitions[0], PART);	/* sorted by bytes */
		CHECK_STR(got.partitions[1], "z");
	}
	swgr_backend_free(&got);
	pk = ts_pk(99);
	CHECK_INT(swgr_store_backend_get(st, &pk, &got, &err), SWGR_NOTFOUND);

	/* List: the etag and every backend, in order. */
	CHECK(swgr_store_backend_list(st, &e, &v, &n, &err) == SWGR_OK);
	CHECK_INT(e, 3);
	CHECK_INT(n, 3);
	CHECK(ts_sorted(v, n));
	if (n == 3 && ts_dialect != SWGR_DB_MYSQL)
		CHECK(v[0].pk.b[1] == 4 && v[1].pk.b[1] == 2 && v[2].pk.b[1] == 1);
	swgr_backends_free(v, n);

	/* Put: replace every field (partitions too), keep created_at; or create. */
	CHECK(swgr_store_backend_get(st, &b1.pk, &got, &err) == SWGR_OK);
	free(b1.name);
	b1.name = strdup("renamed");
	free(b1.partitions[0]);
	b1.partitions[0] = strdup("c");
	free(b1.partitions[1]);
	b1.npartitions = 1;
	b1.weight = 0;
	b1.enabled = false;
	free(b1.implementation);
	b1.implementation = strdup("[1,2,{\"a\":null}]");
	usleep(2000);
	CHECK(swgr_store_backend_put(st, &b1, &created, &err) == SWGR_OK && !created);
	CHECK_INT(ts_etag(st), 4);
	swgr_backend_free(&got);
	memset(&got, 0, sizeof(got));
	CHECK(swgr_store_backend_get(st, &b1.pk, &got, &err) == SWGR_OK);
	CHECK_STR(got.name, "renamed");
	CHECK(got.npartitions == 1 && strcmp(got.partitions[0], "c") == 0);
	CHECK(got.weight == 0 && !got.enabled);
	CHECK_STR(got.implementation, "[1,2,{\"a\":null}]");
	CHECK(swgr_time_cmp(&got.created_at, &got.updated_at) <= 0);
	swgr_backend_free(&got);
	b3.pk = ts_pk(5);
	CHECK(swgr_store_backend_put(st, &b3, &created, &err) == SWGR_OK && created);
	CHECK_INT(ts_etag(st), 5);
	/* The same values again within the second: still found (rows matched, not changed). */
	CHECK(swgr_store_backend_put(st, &b3, &created, &err) == SWGR_OK && !created);
	CHECK_INT(ts_etag(st), 6);

	/* Patch: only present fields; {} bumps the etag; absent key is not found. */
	memset(&patch, 0, sizeof(patch));
	CHECK(swgr_store_backend_patch(st, &b2.pk, &patch, &err) == SWGR_OK);
	CHECK(swgr_store_backend_patch(st, &b2.pk, &patch, &err) == SWGR_OK);
	CHECK_INT(ts_etag(st), 8);
	patch.has_weight = true;
	patch.weight = 77;
	patch.has_enabled = true;
	patch.enabled = true;
	CHECK(swgr_store_backend_patch(st, &b2.pk, &patch, &err) == SWGR_OK);
	CHECK(swgr_store_backend_get(st, &b2.pk, &got, &err) == SWGR_OK);
	CHECK(got.weight == 77 && got.enabled && got.name == NULL && got.npartitions == 2);
	swgr_backend_free(&got);
	memset(&patch, 0, sizeof(patch));
	patch.name = "named";
	patch.has_partitions = true;
	patch.partitions = parts;
	patch.npartitions = 1;
	CHECK(swgr_store_backend_patch(st, &b2.pk, &patch, &err) == SWGR_OK);
	CHECK(swgr_store_backend_get(st, &b2.pk, &got, &err) == SWGR_OK);
	CHECK(got.weight == 77 && got.enabled);
	CHECK_STR(got.name, "named");
	CHECK(got.npartitions == 1 && strcmp(got.partitions[0], "q") == 0);
	swgr_backend_free(&got);
	CHECK_INT(ts_etag(st), 10);
	CHECK_INT(swgr_store_backend_patch(st, &pk, &patch, &err), SWGR_NOTFOUND);
	patch.name = NULL;
	patch.has_partitions = false;
	patch.has_weight = true;
	patch.weight = (int64_t)SWGR_WEIGHT_MAX + 1;
	CHECK_INT(swgr_store_backend_patch(st, &b2.pk, &patch, &err), SWGR_EINVAL);
	b3.weight = -1;
	CHECK_INT(swgr_store_backend_post(st, &b3, &err), SWGR_EINVAL);
	CHECK_INT(ts_etag(st), 10);

	/* Delete: found once. */
	CHECK(swgr_store_backend_delete(st, &b3.pk, &err) == SWGR_OK);
	CHECK_INT(swgr_store_backend_delete(st, &b3.pk, &err), SWGR_NOTFOUND);
	CHECK(strstr(err.msg, "not found") != NULL);
	CHECK_INT(ts_etag(st), 11);
	CHECK(swgr_store_backend_list(st, &e, &v, &n, &err) == SWGR_OK);
	CHECK(e == 11 && n == 3 && ts_sorted(v, n));
	swgr_backends_free(v, n);
	swgr_backend_free(&b1);
	swgr_backend_free(&b2);
	swgr_backend_free(&b3);
}

static void
ts_offers(struct swgr_store *st)
{
	struct swgr_metadata m1, m2, mg, *mv;
	struct swgr_offer o1, o2, og, *ov;
	struct swgr_uuid u;
	struct swgr_err err = { 0 };
	struct swgr_time created;
	size_t n, i;
	bool ok, created_new;
	char want[160], ub[SWGR_UUID_STRLEN + 1];

	ts_metadata(&m1, PART, 1, META);
	ts_metadata(&m2, "other", 2, "two");
	free(m2.long_text);
	m2.long_text = NULL;
	free(m2.image);
	m2.image = NULL;
	m2.image_len = 0;
	m2.image_kind = SWGR_IMAGE_NONE;
	CHECK(swgr_store_metadata_post(st, &m1, &err) == SWGR_OK);
	CHECK_INT(swgr_store_metadata_post(st, &m1, &err), SWGR_CONFLICT);
	CHECK(swgr_store_metadata_post(st, &m2, &err) == SWGR_OK);
	CHECK(swgr_store_metadata_get(st, PART, &m1.id, &mg, &err) == SWGR_OK);
	CHECK(ts_metadata_eq(&mg, &m1));
	swgr_metadata_free(&mg);
	CHECK(swgr_store_metadata_get(st, "other", &m2.id, &mg, &err) == SWGR_OK);
	CHECK(ts_metadata_eq(&mg, &m2));
	swgr_metadata_free(&mg);
	CHECK_INT(swgr_store_metadata_get(st, "other", &m1.id, &mg, &err), SWGR_NOTFOUND);

	/* Offers: metadata must exist in the same partition. */
	ts_offer(&o1, PART, 10, 1);
	CHECK(swgr_store_offer_post(st, &o1, &err) == SWGR_OK);
	CHECK_INT(swgr_store_offer_post(st, &o1, &err), SWGR_CONFLICT);
	ts_offer(&o2, "other", 11, 1);
	CHECK_INT(swgr_store_offer_post(st, &o2, &err), SWGR_EINVAL);
	u = ts_uuid(1);
	swgr_uuid_format(&u, ub);
	snprintf(want, sizeof(want), "metadata %s not found in partition other", ub);
	CHECK_STR(err.msg, want);
	CHECK_INT(swgr_store_offer_put(st, &o2, &created_new, &err), SWGR_EINVAL);
	CHECK_INT(swgr_store_offer_get(st, "other", &o2.id, false, &og, &err), SWGR_NOTFOUND);
	swgr_offer_free(&o2);

	/*
	 * A value the database cannot hold is refused with its own message, not
	 * taken for a missing reference: MySQL's timestamp ends in 2038.
	 */
	ts_offer(&o2, PART, 13, 1);
	o2.has_expires = true;
	o2.expires.sec = 4102444800;	/* 2100-01-01 */
	if (ts_dialect == SWGR_DB_MYSQL) {
		CHECK_INT(swgr_store_offer_post(st, &o2, &err), SWGR_EINVAL);
		CHECK(strstr(err.msg, "not found") == NULL && err.msg[0] != '\0');
	} else {
		CHECK(swgr_store_offer_post(st, &o2, &err) == SWGR_OK);
		CHECK(swgr_store_offer_delete(st, PART, &o2.id, &err) == SWGR_OK);
	}
	swgr_offer_free(&o2);
	ts_offer(&o2, "other", 11, 1);

	CHECK(swgr_store_offer_get(st, PART, &o1.id, false, &og, &err) == SWGR_OK);
	CHECK_STR(og.partition, PART);
	CHECK(swgr_uuid_cmp(&og.id, &o1.id) == 0 && swgr_uuid_cmp(&og.metadata_id, &m1.id) == 0);
	CHECK(og.max_sendable == UINT64_MAX && og.min_sendable == (uint64_t)1 << 63);
	CHECK(ts_time_eq(&og.timestamp, &o1.timestamp));
	CHECK(og.has_expires && ts_time_eq(&og.expires, &o1.expires) && og.metadata == NULL);
	created = og.created_at;
	swgr_offer_free(&og);
	CHECK(swgr_store_offer_get(st, PART, &o1.id, true, &og, &err) == SWGR_OK);
	CHECK(og.metadata != NULL && ts_metadata_eq(og.metadata, &m1));
	swgr_offer_free(&og);

	/* Put: update keeps created_at; a new key is created. */
	o1.max_sendable = 5;
	o1.min_sendable = 0;
	o1.has_expires = true;
	o1.timestamp.nsec = 0;
	usleep(2000);
	CHECK(swgr_store_offer_put(st, &o1, &created_new, &err) == SWGR_OK && !created_new);
	CHECK(swgr_store_offer_get(st, PART, &o1.id, false, &og, &err) == SWGR_OK);
	CHECK(og.max_sendable == 5 && og.min_sendable == 0 && og.has_expires);
	CHECK(ts_time_eq(&og.expires, &o1.expires));
	CHECK(swgr_time_cmp(&og.created_at, &created) == 0);
	swgr_offer_free(&og);
	CHECK(swgr_store_offer_put(st, &o1, &created_new, &err) == SWGR_OK && !created_new);
	free(o2.partition);
	o2.partition = strdup(PART);
	CHECK(swgr_store_offer_put(st, &o2, &created_new, &err) == SWGR_OK && created_new);
	CHECK(swgr_store_offer_get(st, PART, &o2.id, false, &og, &err) == SWGR_OK);
	CHECK(og.has_expires == o2.has_expires);
	swgr_offer_free(&og);

	/* Referenced metadata cannot go; metadata put updates or creates. */
	CHECK_INT(swgr_store_metadata_delete(st, PART, &m1.id, &err), SWGR_EINVAL);
	snprintf(want, sizeof(want), "metadata %s is referenced by offers", ub);
	CHECK_STR(err.msg, want);
	free(m1.text);
	m1.text = strdup("new text");
	CHECK(swgr_store_metadata_put(st, &m1, &created_new, &err) == SWGR_OK && !created_new);
	CHECK(swgr_store_metadata_get(st, PART, &m1.id, &mg, &err) == SWGR_OK);
	CHECK(ts_metadata_eq(&mg, &m1));
	swgr_metadata_free(&mg);
	m2.id = ts_uuid(3);
	CHECK(swgr_store_metadata_put(st, &m2, &created_new, &err) == SWGR_OK && created_new);

	/* Pages: creation order, ties by id bytes; start, count, beyond the end. */
	for (i = 0; i < 5; i++) {
		ts_offer(&og, "page", 40 - (int)i, 3);
		if (i == 0) {
			free(m2.partition);
			m2.partition = strdup("page");
			CHECK(swgr_store_metadata_post(st, &m2, &err) == SWGR_OK);
		}
		usleep(1500);
		CHECK(swgr_store_offer_post(st, &og, &err) == SWGR_OK);
		swgr_offer_free(&og);
	}
	CHECK(swgr_store_offer_page(st, "page", 0, 100, &ov, &n, &err) == SWGR_OK);
	CHECK_INT(n, 5);
	for (ok = true, i = 1; i < n; i++) {
		int c = swgr_time_cmp(&ov[i - 1].created_at, &ov[i].created_at);
		if (c > 0 || (c == 0 && swgr_uuid_cmp(&ov[i - 1].id, &ov[i].id) >= 0))
			ok = false;
		if (ts_dialect != SWGR_DB_MYSQL && ov[i].id.b[0] != 40 - i)
			ok = false;
	}
	CHECK(ok);
	if (n == 5) {
		u = ov[2].id;
		swgr_offers_free(ov, n);
		CHECK(swgr_store_offer_page(st, "page", 2, 2, &ov, &n, &err) == SWGR_OK);
		CHECK(n == 2 && swgr_uuid_cmp(&ov[0].id, &u) == 0);
	}
	swgr_offers_free(ov, n);
	CHECK(swgr_store_offer_page(st, "page", 5, 10, &ov, &n, &err) == SWGR_OK && n == 0);
	swgr_offers_free(ov, n);
	CHECK(swgr_store_offer_page(st, "page", UINT64_MAX, UINT64_MAX, &ov, &n, &err) == SWGR_OK &&
	    n == 0);
	swgr_offers_free(ov, n);
	CHECK(swgr_store_offer_page(st, "page", 0, 0, &ov, &n, &err) == SWGR_OK && n == 0);
	swgr_offers_free(ov, n);
	CHECK(swgr_store_offer_page(st, "nothing", 0, 10, &ov, &n, &err) == SWGR_OK && n == 0);
	swgr_offers_free(ov, n);
	CHECK(swgr_store_metadata_page(st, PART, 0, 10, &mv, &n, &err) == SWGR_OK && n == 1);
	if (n == 1)
		CHECK(ts_metadata_eq(&mv[0], &m1));
	swgr_metadatas_free(mv, n);
	CHECK(swgr_store_metadata_page(st, PART, 1, 10, &mv, &n, &err) == SWGR_OK && n == 0);
	swgr_metadatas_free(mv, n);
	CHECK(swgr_store_metadata_page(st, PART, 0, 0, &mv, &n, &err) == SWGR_OK && n == 0);
	swgr_metadatas_free(mv, n);

	/* Deletes: offers first, then the metadata goes. */
	CHECK(swgr_store_offer_delete(st, PART, &o1.id, &err) == SWGR_OK);
	CHECK_INT(swgr_store_offer_delete(st, PART, &o1.id, &err), SWGR_NOTFOUND);
	CHECK_INT(swgr_store_metadata_delete(st, PART, &m1.id, &err), SWGR_EINVAL);
	CHECK(swgr_store_offer_delete(st, PART, &o2.id, &err) == SWGR_OK);
	CHECK(swgr_store_metadata_delete(st, PART, &m1.id, &err) == SWGR_OK);
	CHECK_INT(swgr_store_metadata_delete(st, PART, &m1.id, &err), SWGR_NOTFOUND);
	CHECK_INT(swgr_store_metadata_get(st, PART, &m1.id, &mg, &err), SWGR_NOTFOUND);
	swgr_metadata_free(&m1);
	swgr_metadata_free(&m2);
	swgr_offer_free(&o1);
	swgr_offer_free(&o2);
}

static void
ts_address(struct swgr_address *a, const char *domain, const char *user, const char *part,
    int offer)
{
	memset(a, 0, sizeof(*a));
	a->domain = strdup(domain);
	a->username = strdup(user);
	a->partition = strdup(part);
	a->offer = ts_uuid(offer);
	a->enabled = true;
}

static int
ts_address_eq(const struct swgr_address *a, const struct swgr_address *b)
{
	return strcmp(a->domain, b->domain) == 0 && strcmp(a->username, b->username) == 0 &&
	    strcmp(a->partition, b->partition) == 0 && swgr_uuid_cmp(&a->offer, &b->offer) == 0 &&
	    a->enabled == b->enabled;
}

/*
 * Lightning Addresses: their offer must exist in their partition, an offer
 * they use is not deleted, pages of a domain in creation order (ties by
 * username), updates keep the creation time.
 */
static void
ts_addresses(struct swgr_store *st)
{
	static const char *const users[] = { "e", "d", "c", "b", "a" };
	struct swgr_metadata m;
	struct swgr_offer o1, o2, og;
	struct swgr_address a1, a2, ag, *av;
	struct swgr_err err = { 0 };
	struct swgr_time created;
	struct swgr_uuid u;
	char want[200], ub[SWGR_UUID_STRLEN + 1];
	bool created_new, ok;
	size_t n, i;

	ts_metadata(&m, PART, 60, "addresses");
	ts_offer(&o1, PART, 61, 60);
	ts_offer(&o2, PART, 62, 60);
	CHECK(swgr_store_metadata_post(st, &m, &err) == SWGR_OK);
	CHECK(swgr_store_offer_post(st, &o1, &err) == SWGR_OK);
	CHECK(swgr_store_offer_post(st, &o2, &err) == SWGR_OK);

	ts_address(&a1, "pay.example.com", "alice", PART, 61);
	CHECK(swgr_store_address_post(st, &a1, &err) == SWGR_OK);
	CHECK_INT(swgr_store_address_post(st, &a1, &err), SWGR_CONFLICT);
	CHECK_STR(err.msg, "address pay.example.com/alice already exists");
	CHECK(swgr_store_address_get(st, "pay.example.com", "alice", &ag, &err) == SWGR_OK);
	CHECK(ts_address_eq(&ag, &a1));
	created = ag.created_at;
	swgr_address_free(&ag);
	CHECK_INT(swgr_store_address_get(st, "pay.example.com", "bob", &ag, &err), SWGR_NOTFOUND);
	CHECK_STR(err.msg, "address pay.example.com/bob not found");
	CHECK_INT(swgr_store_address_get(st, "other.example.com", "alice", &ag, &err),
	    SWGR_NOTFOUND);

	/* The offer must be in the address's partition. */
	ts_address(&a2, "pay.example.com:8443", "_", "other", 61);
	CHECK_INT(swgr_store_address_post(st, &a2, &err), SWGR_EINVAL);
	u = ts_uuid(61);
	swgr_uuid_format(&u, ub);
	snprintf(want, sizeof(want), "offer %s not found in partition other", ub);
	CHECK_STR(err.msg, want);
	CHECK_INT(swgr_store_address_put(st, &a2, &created_new, &err), SWGR_EINVAL);
	CHECK_INT(swgr_store_address_get(st, "pay.example.com:8443", "_", &ag, &err),
	    SWGR_NOTFOUND);
	a2.offer = ts_uuid(69);			/* no such offer anywhere */
	free(a2.partition);
	a2.partition = strdup(PART);
	CHECK_INT(swgr_store_address_post(st, &a2, &err), SWGR_EINVAL);

	/* Put: a new key is created; an update keeps created_at and changes the rest. */
	a2.offer = ts_uuid(62);
	CHECK(swgr_store_address_put(st, &a2, &created_new, &err) == SWGR_OK && created_new);
	a1.offer = ts_uuid(62);
	a1.enabled = false;
	usleep(2000);
	CHECK(swgr_store_address_put(st, &a1, &created_new, &err) == SWGR_OK && !created_new);
	CHECK(swgr_store_address_get(st, "pay.example.com", "alice", &ag, &err) == SWGR_OK);
	CHECK(ts_address_eq(&ag, &a1) && !ag.enabled);
	CHECK(swgr_time_cmp(&ag.created_at, &created) == 0);
	swgr_address_free(&ag);

	/* An offer an address uses is not deleted; its metadata neither. */
	CHECK_INT(swgr_store_offer_delete(st, PART, &o2.id, &err), SWGR_EINVAL);
	swgr_uuid_format(&o2.id, ub);
	snprintf(want, sizeof(want), "offer %s/%s is used by an address", PART, ub);
	CHECK(strncmp(err.msg, want, strlen(want)) == 0);
	CHECK(swgr_store_offer_get(st, PART, &o2.id, false, &og, &err) == SWGR_OK);
	swgr_offer_free(&og);
	CHECK(swgr_store_offer_delete(st, PART, &o1.id, &err) == SWGR_OK);	/* unused now */

	/* Pages of a domain: creation order, ties by username; start, count, the end. */
	for (i = 0; i < 5; i++) {
		usleep(1500);
		swgr_address_free(&ag);
		ts_address(&ag, "page.example", users[i], PART, 62);
		CHECK(swgr_store_address_post(st, &ag, &err) == SWGR_OK);
	}
	swgr_address_free(&ag);
	CHECK(swgr_store_address_page(st, "page.example", 0, 100, &av, &n, &err) == SWGR_OK);
	CHECK_INT(n, 5);
	for (ok = true, i = 1; i < n; i++) {
		int c = swgr_time_cmp(&av[i - 1].created_at, &av[i].created_at);
		if (c > 0 || (c == 0 && strcmp(av[i - 1].username, av[i].username) >= 0))
			ok = false;
		if (ts_dialect != SWGR_DB_MYSQL && strcmp(av[i].username, users[i]) != 0)
			ok = false;
	}
	CHECK(ok);
	if (n == 5) {
		snprintf(want, sizeof(want), "%s", av[2].username);
		swgr_addresses_free(av, n);
		CHECK(swgr_store_address_page(st, "page.example", 2, 2, &av, &n, &err) == SWGR_OK);
		CHECK(n == 2 && strcmp(av[0].username, want) == 0);
	}
	swgr_addresses_free(av, n);
	CHECK(swgr_store_address_page(st, "page.example", 5, 10, &av, &n, &err) == SWGR_OK &&
	    n == 0);
	swgr_addresses_free(av, n);
	CHECK(swgr_store_address_page(st, "page.example", 0, 0, &av, &n, &err) == SWGR_OK &&
	    n == 0);
	swgr_addresses_free(av, n);
	CHECK(swgr_store_address_page(st, "pay.example.com", 0, 10, &av, &n, &err) == SWGR_OK);
	CHECK(n == 1 && strcmp(av[0].username, "alice") == 0);
	swgr_addresses_free(av, n);
	CHECK(swgr_store_address_page(st, "nothing.example", 0, 10, &av, &n, &err) == SWGR_OK &&
	    n == 0);
	swgr_addresses_free(av, n);

	/* Deletes: the addresses, then their offer goes. */
	CHECK(swgr_store_address_delete(st, "pay.example.com", "alice", &err) == SWGR_OK);
	CHECK_INT(swgr_store_address_delete(st, "pay.example.com", "alice", &err), SWGR_NOTFOUND);
	CHECK_STR(err.msg, "address pay.example.com/alice not found");
	CHECK(swgr_store_address_delete(st, "pay.example.com:8443", "_", &err) == SWGR_OK);
	CHECK_INT(swgr_store_offer_delete(st, PART, &o2.id, &err), SWGR_EINVAL);
	for (i = 0; i < 5; i++)
		CHECK(swgr_store_address_delete(st, "page.example", users[i], &err) == SWGR_OK);
	CHECK(swgr_store_offer_delete(st, PART, &o2.id, &err) == SWGR_OK);
	CHECK(swgr_store_metadata_delete(st, PART, &m.id, &err) == SWGR_OK);
	swgr_address_free(&a1);
	swgr_address_free(&a2);
	swgr_offer_free(&o1);
	swgr_offer_free(&o2);
	swgr_metadata_free(&m);
}

/* Mixed concurrent operations; the etag counts exactly the successful mutations. */
struct ts_conc {
	struct swgr_store *st;
	int		 seed;
	int		 mutations;
	int		 failures;
};

static void *
ts_conc_thread(void *arg)
{
	static const char *const parts[] = { "c", NULL };
	struct ts_conc *tc = arg;
	struct swgr_backend b, got;
	struct swgr_backend_patch patch = { .has_weight = true, .weight = 3 };
	struct swgr_offer o;
	struct swgr_err err;
	unsigned seed = (unsigned)tc->seed;
	enum swgr_rc rc;
	bool created;
	int k, key, op;

	for (k = 0; k < 250; k++) {
		key = 200 + rand_r(&seed) % 12;
		op = rand_r(&seed) % 6;
		ts_backend(&b, key, "conc", parts);
		switch (op) {
		case 0:
			rc = swgr_store_backend_post(tc->st, &b, &err);
			break;
		case 1:
			rc = swgr_store_backend_put(tc->st, &b, &created, &err);
			break;
		case 2:
			rc = swgr_store_backend_patch(tc->st, &b.pk, &patch, &err);
			break;
		case 3:
			rc = swgr_store_backend_delete(tc->st, &b.pk, &err);
			break;
		case 4:
			if ((rc = swgr_store_backend_get(tc->st, &b.pk, &got, &err)) == SWGR_OK)
				swgr_backend_free(&got);
			break;
		default:
			ts_offer(&o, "conc", 100 + key % 4, 50);
			rc = swgr_store_offer_put(tc->st, &o, &created, &err);
			swgr_offer_free(&o);
			break;
		}
		swgr_backend_free(&b);
		if (rc == SWGR_OK && op < 4)
			tc->mutations++;
		else if (rc != SWGR_OK && rc != SWGR_CONFLICT && rc != SWGR_NOTFOUND) {
			fprintf(stderr, "concurrent op %d: %s\n", op, err.msg);
			tc->failures++;
		}
	}
	return NULL;
}

static void
ts_concurrency(struct swgr_store *st)
{
	struct ts_conc tc[8];
	struct swgr_metadata m;
	struct swgr_backend *v;
	pthread_t th[8];
	uint64_t e0, e;
	size_t n;
	int k, total = 0, fails = 0;

	ts_metadata(&m, "conc", 50, "conc");
	CHECK(swgr_store_metadata_post(st, &m, NULL) == SWGR_OK);
	swgr_metadata_free(&m);
	e0 = ts_etag(st);
	for (k = 0; k < 8; k++) {
		tc[k] = (struct ts_conc){ .st = st, .seed = k + 1 };
		pthread_create(&th[k], NULL, ts_conc_thread, &tc[k]);
	}
	for (k = 0; k < 8; k++) {
		pthread_join(th[k], NULL);
		total += tc[k].mutations;
		fails += tc[k].failures;
	}
	CHECK_INT(fails, 0);
	CHECK(total > 100);
	CHECK_INT(ts_etag(st) - e0, total);
	CHECK(swgr_store_backend_list(st, &e, &v, &n, NULL) == SWGR_OK);
	CHECK_INT(e - e0, total);
	CHECK(ts_sorted(v, n));
	swgr_backends_free(v, n);
	printf("test_store: %d concurrent mutations\n", total);
}

/* Every instance's heartbeat, by name; eu-1's (2000, 500) is there already. */
static void
ts_heartbeats(struct swgr_store *st)
{
	struct swgr_heartbeat *h;
	size_t n;

	CHECK(swgr_store_heartbeat_put(st, "a-0", 7, 100, NULL) == SWGR_OK);
	CHECK(swgr_store_heartbeat_list(st, &h, &n, NULL) == SWGR_OK);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(h[0].instance, "a-0");
		CHECK(h[0].beat_ms == 7 && h[0].period_ms == 100);
		CHECK_STR(h[1].instance, "eu-1");
		CHECK(h[1].beat_ms == 2000 && h[1].period_ms == 500);
	}
	swgr_heartbeats_free(h, n);
}

/*
 * The invoice outcomes of a row: written and read back by list_all, NULL
 * quantiles (-1) kept apart from 0, none at all read as has_invoices
 * false; the plain list leaves them out.
 */
static void
ts_outcomes(struct swgr_store *st)
{
	struct swgr_node_status s = { 0 }, *v;
	size_t n;

	s.pk.b[0] = 3;
	s.checked_ms = 1;
	s.has_invoices = true;
	s.inv_issued = 5000000000ULL;
	s.inv_failed = 2;
	s.inv_timeout = 3;
	s.inv_wrong = 0;
	s.inv_since_ms = 1700000000000LL;
	s.inv_p50_us = 0;
	s.inv_p99_us = -1;
	CHECK(swgr_store_status_put(st, "inv", &s, NULL) == SWGR_OK);
	s.pk.b[0] = 2;
	s.has_invoices = false;
	CHECK(swgr_store_status_put(st, "inv", &s, NULL) == SWGR_OK);
	CHECK(swgr_store_status_list_all(st, "inv", &v, &n, NULL) == SWGR_OK);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK(!v[0].has_invoices && v[1].has_invoices);
		CHECK(v[1].inv_issued == 5000000000ULL && v[1].inv_failed == 2 &&
		    v[1].inv_timeout == 3 && v[1].inv_wrong == 0);
		CHECK(v[1].inv_since_ms == 1700000000000LL);
		CHECK(v[1].inv_p50_us == 0 && v[1].inv_p99_us == -1);
	}
	swgr_node_statuses_free(v, n);
	CHECK(swgr_store_status_list(st, "inv", &v, &n, NULL) == SWGR_OK);
	CHECK(n == 2 && !v[1].has_invoices);
	swgr_node_statuses_free(v, n);
}

/* Node status and heartbeats: upsert, per-instance isolation, prune, NULL inbound. */
static void
ts_status(struct swgr_store *st)
{
	struct swgr_node_status s = { 0 }, *v;
	struct swgr_pubkey keep;
	size_t n;
	int64_t beat, period;
	int i;

	for (i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		s.pk.b[0] = 2;
		s.pk.b[32] = (uint8_t)(3 - i);	/* listed by key: reverse of insertion */
		s.weight = 2147483648LL + i;
		s.healthy = i != 1;
		s.successes = (uint32_t)i;
		s.failures = (uint32_t)(7 - i);
		s.has_inbound = i != 2;
		s.inbound_msat = UINT64_MAX - (uint64_t)i;
		s.checked_ms = 1700000000123LL + i;
		s.latency_us = 1500 + i;
		s.last_error = i == 1 ? (char *)"gRPC status 14 UNAVAILABLE: it's \"down\"; --" : NULL;
		CHECK(swgr_store_status_put(st, "eu-1", &s, NULL) == SWGR_OK);
	}
	s.pk.b[32] = 9;
	CHECK(swgr_store_status_put(st, "us-1", &s, NULL) == SWGR_OK);
	CHECK(swgr_store_status_list(st, "eu-1", &v, &n, NULL) == SWGR_OK);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_INT(v[0].pk.b[32], 1);
		CHECK_INT(v[2].pk.b[32], 3);
		CHECK(v[0].healthy && !v[1].healthy && v[2].healthy);
		CHECK(!v[0].has_inbound && v[2].has_inbound && v[2].inbound_msat == UINT64_MAX);
		CHECK(v[2].weight == 2147483648LL && v[1].successes == 1 && v[1].failures == 6);
		CHECK(v[0].checked_ms == 1700000000125LL && v[0].latency_us == 1502);
		CHECK_STR(v[1].last_error, "gRPC status 14 UNAVAILABLE: it's \"down\"; --");
		CHECK(v[0].last_error == NULL);
	}
	swgr_node_statuses_free(v, n);

	/* Replacing a row keeps one row per key. */
	memset(&s, 0, sizeof(s));
	s.pk.b[0] = 2;
	s.pk.b[32] = 3;
	s.weight = 5;
	s.healthy = false;
	s.checked_ms = 42;
	CHECK(swgr_store_status_put(st, "eu-1", &s, NULL) == SWGR_OK);
	CHECK(swgr_store_status_list(st, "eu-1", &v, &n, NULL) == SWGR_OK);
	CHECK_INT(n, 3);
	if (n == 3)
		CHECK(v[2].weight == 5 && !v[2].healthy && !v[2].has_inbound && v[2].checked_ms == 42);
	swgr_node_statuses_free(v, n);

	/* Prune keeps only the listed keys, and only in this instance. */
	keep = s.pk;
	CHECK(swgr_store_status_prune(st, "eu-1", &keep, 1, NULL) == SWGR_OK);
	CHECK(swgr_store_status_list(st, "eu-1", &v, &n, NULL) == SWGR_OK);
	CHECK_INT(n, 1);
	swgr_node_statuses_free(v, n);
	CHECK(swgr_store_status_list(st, "us-1", &v, &n, NULL) == SWGR_OK);
	CHECK_INT(n, 1);
	swgr_node_statuses_free(v, n);
	CHECK(swgr_store_status_list(st, "nobody", &v, &n, NULL) == SWGR_OK);
	CHECK_INT(n, 0);
	CHECK(v == NULL);

	CHECK_INT(swgr_store_heartbeat_get(st, "eu-1", &beat, &period, NULL), SWGR_NOTFOUND);
	CHECK(swgr_store_heartbeat_put(st, "eu-1", 1000, 250, NULL) == SWGR_OK);
	CHECK(swgr_store_heartbeat_put(st, "eu-1", 2000, 500, NULL) == SWGR_OK);
	CHECK(swgr_store_heartbeat_get(st, "eu-1", &beat, &period, NULL) == SWGR_OK);
	CHECK(beat == 2000 && period == 500);
	CHECK_INT(swgr_store_heartbeat_get(st, "us-1", &beat, &period, NULL), SWGR_NOTFOUND);
	ts_heartbeats(st);
	ts_outcomes(st);
}

/* Drops the store's tables so a server database starts empty. */
static void
ts_wipe(const char *uri)
{
	static const char *const tables[] = { "swgr_invoice", "swgr_address", "offer_record_table",
	    "offer_metadata_table",
	    "discovery_backend", "discovery_backend_etag", "seaql_migrations",
	    "swgr_node_status", "swgr_monitor_heartbeat" };
	struct swgr_db *db;
	void *c;
	char sql[80];
	size_t i;

	if (swgr_db_open(uri, 1, &db, NULL) != SWGR_OK)
		return;
	if (swgr_db_acquire(db, &c, NULL) == SWGR_OK) {
		for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
			snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", tables[i]);
			(void)swgr_db_get_driver(db)->script(c, sql, NULL);
		}
		swgr_db_release(db, c);
	}
	swgr_db_close(db);
}

/* The count that q (one query per dialect) reads from the database at uri; -1 on error. */
static int
ts_count(const char *uri, const char *const q[3])
{
	struct swgr_db *db;
	struct swgr_db_rows r = { 0 };
	void *c;
	int64_t n = -1;

	if (swgr_db_open(uri, 1, &db, NULL) != SWGR_OK)
		return -1;
	if (swgr_db_acquire(db, &c, NULL) == SWGR_OK) {
		if (swgr_db_get_driver(db)->exec(c, q[swgr_db_dialect(db)], NULL, 0, &r,
		    NULL) == SWGR_OK)
			(void)swgr_db_get_int(&r, 0, 0, &n);
		swgr_db_rows_free(&r);
		swgr_db_release(db, c);
	}
	swgr_db_close(db);
	return (int)n;
}

/* The migration versions recorded, as a count of ours. */
static int
ts_versions(const char *uri)
{
	static const char sql[] = "SELECT COUNT(*) FROM seaql_migrations WHERE "
	    "version IN ('m20220101_000001_create_table', 'm20250724_182058_create_table')";
	static const char *const q[] = { sql, sql, sql };

	return ts_count(uri, q);
}

/* How many of the store's tables the database has (the catalog of its dialect). */
static int
ts_tables(const char *uri)
{
	static const char *const q[] = {
		[SWGR_DB_SQLITE] = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
		    "(name LIKE 'discovery%' OR name LIKE 'offer%' OR name LIKE 'swgr%' OR "
		    "name = 'seaql_migrations')",
		[SWGR_DB_POSTGRES] = "SELECT COUNT(*) FROM information_schema.tables WHERE "
		    "table_schema = current_schema() AND (table_name LIKE 'discovery%' OR "
		    "table_name LIKE 'offer%' OR table_name LIKE 'swgr%' OR "
		    "table_name = 'seaql_migrations')",
		[SWGR_DB_MYSQL] = "SELECT COUNT(*) FROM information_schema.tables WHERE "
		    "table_schema = DATABASE() AND (table_name LIKE 'discovery%' OR "
		    "table_name LIKE 'offer%' OR table_name LIKE 'swgr%' OR "
		    "table_name = 'seaql_migrations')",
	};

	return ts_count(uri, q);
}

/*
 * Roles opened without SWGR_STORE_DDL (swgr-lnurl) on an empty database:
 * the open succeeds and creates nothing, discovery and offer calls are
 * SWGR_EUPSTREAM "database schema missing", node status reads are empty;
 * once an owner has made the tables they serve, after at most a second.
 */
static void
ts_no_ddl(const struct swgr_store_cfg *cfg)
{
	struct swgr_store *ro = NULL, *own = NULL;
	struct swgr_backend *v = (struct swgr_backend *)1;
	struct swgr_node_status *sv = (struct swgr_node_status *)1;
	struct swgr_offer o;
	struct swgr_uuid id = { { 1 } };
	struct swgr_err err = { 0 };
	int64_t beat, period;
	uint64_t etag;
	size_t n = 9, ns = 9;

	CHECK(swgr_store_open(cfg, NULL, SWGR_STORE_ROLE_DISCOVERY | SWGR_STORE_ROLE_OFFER |
	    SWGR_STORE_ROLE_STATUS, &ro, &err) == SWGR_OK);
	if (ro == NULL) {
		fprintf(stderr, "no-DDL open: %s\n", err.msg);
		return;
	}
	CHECK_INT(ts_tables(cfg->database_uri), 0);
	CHECK(swgr_store_schema_missing(ro));
	CHECK_INT(swgr_store_backend_list(ro, &etag, &v, &n, &err), SWGR_EUPSTREAM);
	CHECK(v == NULL && n == 0);
	CHECK(strstr(err.msg, "database schema missing") != NULL);
	CHECK(strstr(err.msg, "swgr-discovery") != NULL);
	memset(&o, 0, sizeof(o));
	CHECK_INT(swgr_store_offer_get(ro, "default", &id, true, &o, &err), SWGR_EUPSTREAM);
	CHECK(strstr(err.msg, "swgr-offer") != NULL);
	CHECK_INT(swgr_store_status_list(ro, "i", &sv, &ns, &err), SWGR_OK);
	CHECK(sv == NULL && ns == 0);
	CHECK_INT(swgr_store_heartbeat_get(ro, "i", &beat, &period, &err), SWGR_NOTFOUND);
	CHECK_INT(ts_tables(cfg->database_uri), 0);	/* still nothing made */

	CHECK(swgr_store_open(cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_DISCOVERY |
	    SWGR_STORE_ROLE_OFFER | SWGR_STORE_ROLE_STATUS), &own, &err) == SWGR_OK);
	CHECK_INT(ts_tables(cfg->database_uri), 9);
	usleep(1100 * 1000);	/* the next look */
	CHECK_INT(swgr_store_backend_list(ro, &etag, &v, &n, &err), SWGR_OK);
	CHECK(n == 0 && etag == 0);
	swgr_backends_free(v, n);
	CHECK(!swgr_store_schema_missing(ro));
	CHECK_INT(swgr_store_offer_get(ro, "default", &id, true, &o, &err), SWGR_NOTFOUND);
	swgr_store_close(own);
	swgr_store_close(ro);
}

/* Runs each statement of sql (NULL-terminated) on the database at uri; false at the first failure. */
static bool
ts_exec(const char *uri, const char *const *sql)
{
	struct swgr_db *db;
	struct swgr_err err = { 0 };
	bool ok = false;
	void *c;

	if (swgr_db_open(uri, 1, &db, &err) != SWGR_OK)
		return false;
	if (swgr_db_acquire(db, &c, &err) == SWGR_OK) {
		for (ok = true; ok && *sql != NULL; sql++)
			if (swgr_db_get_driver(db)->script(c, *sql, &err) != SWGR_OK) {
				fprintf(stderr, "%s: %s\n", *sql, err.msg);
				ok = false;
			}
		swgr_db_release(db, c);
	}
	swgr_db_close(db);
	return ok;
}

/*
 * A database of the status tables before the invoice outcome columns (the
 * columns dropped, their migration unrecorded): a reader's plain status list
 * works on it, and swgr-monitord's open adds them back.
 */
static void
ts_outcomes_upgrade(const struct swgr_store_cfg *cfg, const char *uri)
{
	static const char *const downgrade[] = {
	    "ALTER TABLE swgr_node_status DROP COLUMN inv_issued",
	    "ALTER TABLE swgr_node_status DROP COLUMN inv_failed",
	    "ALTER TABLE swgr_node_status DROP COLUMN inv_timeout",
	    "ALTER TABLE swgr_node_status DROP COLUMN inv_wrong",
	    "ALTER TABLE swgr_node_status DROP COLUMN inv_since_ms",
	    "ALTER TABLE swgr_node_status DROP COLUMN inv_p50_us",
	    "ALTER TABLE swgr_node_status DROP COLUMN inv_p99_us",
	    "DELETE FROM seaql_migrations WHERE version = "
	    "'swgr_m20261202_000001_invoice_outcomes'", NULL };
	static const char sql[] = "SELECT COUNT(*) FROM seaql_migrations WHERE version = "
	    "'swgr_m20261202_000001_invoice_outcomes'";
	static const char *const q[] = { sql, sql, sql };
	struct swgr_node_status s = { 0 }, *v;
	struct swgr_store *st = NULL, *reader = NULL;
	struct swgr_err err = { 0 };
	size_t n;

	ts_wipe(uri);
	CHECK(swgr_store_open(cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_STATUS), &st, &err) ==
	    SWGR_OK);
	swgr_store_close(st);
	st = NULL;
	CHECK_INT(ts_count(uri, q), 1);
	CHECK(ts_exec(uri, downgrade));
	CHECK_INT(ts_count(uri, q), 0);
	CHECK(swgr_store_open(cfg, NULL, SWGR_STORE_ROLE_STATUS, &reader, &err) == SWGR_OK);
	if (reader != NULL) {
		CHECK(swgr_store_status_list(reader, "x", &v, &n, &err) == SWGR_OK);
		swgr_node_statuses_free(v, n);
		/* the status route's read: the rows, their outcomes unknown, not an error */
		CHECK(swgr_store_status_list_all(reader, "x", &v, &n, &err) == SWGR_OK);
		swgr_node_statuses_free(v, n);
	}
	CHECK(swgr_store_open(cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_STATUS), &st, &err) ==
	    SWGR_OK);
	CHECK_INT(ts_count(uri, q), 1);
	if (st != NULL) {
		s.pk.b[0] = 2;
		s.has_invoices = true;
		s.inv_issued = 7;
		s.inv_p50_us = s.inv_p99_us = -1;
		CHECK(swgr_store_status_put(st, "x", &s, &err) == SWGR_OK);
		CHECK(swgr_store_status_list_all(st, "x", &v, &n, &err) == SWGR_OK);
		CHECK(n == 1 && v[0].has_invoices && v[0].inv_issued == 7 && v[0].inv_p99_us == -1);
		swgr_node_statuses_free(v, n);
	}
	if (reader != NULL) {
		CHECK(swgr_store_status_list(reader, "x", &v, &n, &err) == SWGR_OK);
		CHECK(n == 1 && !v[0].has_invoices);
		swgr_node_statuses_free(v, n);
	}
	swgr_store_close(reader);
	swgr_store_close(st);
	ts_wipe(uri);
}

/*
 * A database of an offer role before the address table (dropped, its
 * migration unrecorded): a reader without DDL serves offers and refuses
 * address calls, saying why; swgr-offer's open makes the table, and the
 * reader serves addresses after its next look.
 */
static void
ts_address_upgrade(const struct swgr_store_cfg *cfg, const char *uri)
{
	static const char *const downgrade[] = { "DROP TABLE swgr_address",
	    "DELETE FROM seaql_migrations WHERE version = 'swgr_m20261203_000001_address'",
	    NULL };
	static const char sql[] = "SELECT COUNT(*) FROM seaql_migrations WHERE version = "
	    "'swgr_m20261203_000001_address'";
	static const char *const q[] = { sql, sql, sql };
	struct swgr_store *st = NULL, *reader = NULL;
	struct swgr_address a;
	struct swgr_offer o;
	struct swgr_uuid id = { { 1 } };
	struct swgr_err err = { 0 };

	ts_wipe(uri);
	CHECK(swgr_store_open(cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_OFFER), &st, &err) ==
	    SWGR_OK);
	swgr_store_close(st);
	st = NULL;
	CHECK_INT(ts_count(uri, q), 1);
	CHECK(ts_exec(uri, downgrade));
	CHECK_INT(ts_count(uri, q), 0);
	CHECK(swgr_store_open(cfg, NULL, SWGR_STORE_ROLE_OFFER, &reader, &err) == SWGR_OK);
	if (reader != NULL) {
		CHECK_INT(swgr_store_address_get(reader, "x.y", "a", &a, &err), SWGR_EUPSTREAM);
		CHECK(strstr(err.msg, "database schema missing: no address tables (start "
		    "swgr-offer, which creates them") != NULL);
		/* its offers are served meanwhile */
		CHECK(!swgr_store_schema_missing(reader));
		CHECK_INT(swgr_store_offer_get(reader, "p", &id, false, &o, &err), SWGR_NOTFOUND);
	}
	CHECK(swgr_store_open(cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_OFFER), &st, &err) ==
	    SWGR_OK);
	CHECK_INT(ts_count(uri, q), 1);
	usleep(1100 * 1000);	/* the reader's next look */
	if (reader != NULL)
		CHECK_INT(swgr_store_address_get(reader, "x.y", "a", &a, &err), SWGR_NOTFOUND);
	swgr_store_close(reader);
	swgr_store_close(st);
	ts_wipe(uri);
}

/* Processes opening a fresh database at the same time all succeed. */
static void
ts_race_open(const struct swgr_store_cfg *cfg)
{
	struct swgr_store *st;
	struct swgr_err err;
	pid_t pid[4];
	int k, status, ok = 0;

	for (k = 0; k < 4; k++)
		if ((pid[k] = fork()) == 0) {
			if (swgr_store_open(cfg, NULL, SWGR_STORE_OWNER(k % 2 ? SWGR_STORE_ROLE_OFFER :
			    SWGR_STORE_ROLE_DISCOVERY | SWGR_STORE_ROLE_OFFER), &st, &err) != SWGR_OK) {
				fprintf(stderr, "concurrent open: %s\n", err.msg);
				_exit(1);
			}
			swgr_store_close(st);
			_exit(0);
		}
	for (k = 0; k < 4; k++)
		if (pid[k] > 0 && waitpid(pid[k], &status, 0) == pid[k] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			ok++;
	CHECK_INT(ok, 4);
	CHECK_INT(ts_versions(cfg->database_uri), 2);
}

/* The whole contract on one database. */
/* An invoice record i of partition part (an address's when i is odd). */
static void
ts_invoice(struct swgr_invoice *v, int i, const char *part, const struct swgr_uuid *offer)
{
	char b[64];

	memset(v, 0, sizeof(*v));
	memset(v->payment_hash, 0, 32);
	v->payment_hash[0] = (uint8_t)i;
	v->payment_hash[31] = 0xab;
	snprintf(b, sizeof(b), "lnbcrt%d", i);
	v->bolt11 = strdup(b);
	v->partition = strdup(part);
	v->offer = *offer;
	if (i % 2) {
		v->domain = strdup("shop.example");
		v->username = strdup("amy");
		v->comment = strdup("thanks \xe2\x9c\x93");
		v->payer_data = strdup("{\"name\":\"Bob\"}");
	}
	v->backend = ts_pk(3);
	v->amount_msat = UINT64_C(2100000000000000000) - (uint64_t)i;
	v->created_ms = INT64_C(1764547200000) + i * 10;
	v->expires_ms = v->created_ms + 180000;
}

/* The invoice records: a batch, written again adds nothing, pages and filters, one, expiry. */
static void
ts_invoices(struct swgr_store *st)
{
	struct swgr_invoice v[6], w, *p = NULL;
	struct swgr_uuid o1 = { { 0x11 } }, o2 = { { 0x22 } };
	struct swgr_invoice_filter f = { .partition = "inv", .until_ms = INT64_MAX };
	struct swgr_err err = { 0 };
	uint64_t deleted;
	size_t n, i;

	for (i = 0; i < 6; i++)
		ts_invoice(&v[i], (int)i, i < 5 ? "inv" : "other", i < 4 ? &o1 : &o2);
	CHECK_INT(swgr_store_invoices_put(st, v, 6, &err), SWGR_OK);
	CHECK_INT(swgr_store_invoices_put(st, v, 3, &err), SWGR_OK);	/* again: ignored */
	CHECK_INT(swgr_store_invoice_page(st, &f, 0, 100, &p, &n, &err), SWGR_OK);
	CHECK_INT(n, 5);
	for (i = 0; i < n && i < 5; i++) {
		CHECK(memcmp(p[i].payment_hash, v[i].payment_hash, 32) == 0);	/* creation order */
		CHECK_STR(p[i].bolt11, v[i].bolt11);
		CHECK(p[i].amount_msat == v[i].amount_msat);
		CHECK(p[i].created_ms == v[i].created_ms && p[i].expires_ms == v[i].expires_ms);
		CHECK(memcmp(&p[i].backend, &v[i].backend, sizeof(v[i].backend)) == 0);
		CHECK((p[i].domain == NULL) == (i % 2 == 0));
		if (i % 2) {
			CHECK_STR(p[i].username, "amy");
			CHECK_STR(p[i].comment, "thanks \xe2\x9c\x93");
			CHECK_STR(p[i].payer_data, "{\"name\":\"Bob\"}");
		} else
			CHECK(p[i].comment == NULL && p[i].payer_data == NULL);
	}
	swgr_invoices_free(p, n);
	f.offer = &o2;
	CHECK_INT(swgr_store_invoice_page(st, &f, 0, 100, &p, &n, &err), SWGR_OK);
	CHECK_INT(n, 1);		/* v[4]; v[5] is another partition's */
	swgr_invoices_free(p, n);
	f.offer = NULL;
	f.domain = "shop.example";
	f.username = "amy";
	f.since_ms = v[2].created_ms;
	CHECK_INT(swgr_store_invoice_page(st, &f, 0, 100, &p, &n, &err), SWGR_OK);
	CHECK_INT(n, 1);		/* v[3] (v[1] is before since) */
	swgr_invoices_free(p, n);
	f = (struct swgr_invoice_filter){ .partition = "inv", .until_ms = v[2].created_ms };
	CHECK_INT(swgr_store_invoice_page(st, &f, 1, 1, &p, &n, &err), SWGR_OK);
	CHECK(n == 1 && p[0].payment_hash[0] == 1);
	swgr_invoices_free(p, n);
	CHECK_INT(swgr_store_invoice_get(st, v[5].payment_hash, &w, &err), SWGR_OK);
	CHECK_STR(w.partition, "other");
	swgr_invoice_free(&w);
	w.payment_hash[0] = 0x77;
	CHECK_INT(swgr_store_invoice_get(st, w.payment_hash, &w, &err), SWGR_NOTFOUND);
	CHECK_INT(swgr_store_invoices_expire(st, v[3].created_ms, &deleted, &err), SWGR_OK);
	CHECK_INT((int)deleted, 3);
	f = (struct swgr_invoice_filter){ .partition = "inv", .until_ms = INT64_MAX };
	CHECK_INT(swgr_store_invoice_page(st, &f, 0, 100, &p, &n, &err), SWGR_OK);
	CHECK_INT(n, 2);
	swgr_invoices_free(p, n);
	for (i = 0; i < 6; i++)
		swgr_invoice_free(&v[i]);
}

static void
ts_suite(const char *name, const char *uri)
{
	struct swgr_store_cfg cfg = { .type = SWGR_STORE_DATABASE, .max_connections = 8 };
	struct swgr_store *disc = NULL, *off = NULL, *both = NULL;
	struct swgr_err err = { 0 };
	uint64_t e;

	printf("test_store: provider %s\n", name);
	ts_wipe(uri);
	cfg.database_uri = (char *)uri;
	ts_dialect = swgr_db_driver_for(uri)->dialect;
	ts_race_open(&cfg);
	ts_wipe(uri);
	ts_no_ddl(&cfg);
	ts_wipe(uri);
	ts_outcomes_upgrade(&cfg, uri);
	ts_address_upgrade(&cfg, uri);

	/* Both roles in one database, in either order, and both at once. */
	CHECK(swgr_store_open(&cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_DISCOVERY), &disc,
	    &err) == SWGR_OK);
	if (disc == NULL) {
		fprintf(stderr, "%s: %s\n", name, err.msg);
		return;
	}
	CHECK_INT(ts_versions(uri), 1);
	CHECK(swgr_store_open(&cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_OFFER), &off,
	    &err) == SWGR_OK);
	CHECK_INT(ts_versions(uri), 2);
	CHECK(swgr_store_open(&cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_DISCOVERY |
	    SWGR_STORE_ROLE_OFFER), &both, &err) == SWGR_OK);
	CHECK_INT(ts_versions(uri), 2);
	if (off == NULL || both == NULL)
		goto out;

	ts_discovery(disc);
	ts_offers(off);
	ts_addresses(off);
	ts_invoices(off);
	ts_concurrency(both);
	{
		struct swgr_store *status = NULL;

		CHECK(swgr_store_open(&cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_STATUS),
		    &status, &err) == SWGR_OK);
		if (status != NULL)
			ts_status(status);
		swgr_store_close(status);
	}

	/* Reopening keeps the data and the counter. */
	e = ts_etag(disc);
	swgr_store_close(disc);
	disc = NULL;
	CHECK(swgr_store_open(&cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_DISCOVERY), &disc,
	    &err) == SWGR_OK);
	if (disc != NULL)
		CHECK_INT(ts_etag(disc), e);
out:
	swgr_store_close(disc);
	swgr_store_close(off);
	swgr_store_close(both);
}

/* Store types other than database, and messages without passwords. */
static void
ts_types(const char *dir)
{
	struct swgr_store_cfg cfg = { .type = SWGR_STORE_MEMORY };
	struct swgr_store *a = NULL, *b = NULL;
	struct swgr_backend be, got;
	struct swgr_err err = { 0 };
	char conf[300], path[300], path2[300], want[64], *slash;
	static const char *const parts[] = { NULL };
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/config.yaml", dir);
	if ((f = fopen(conf, "w")) != NULL)
		fclose(f);
	swgr_store_memory_path(conf, path, sizeof(path));
	snprintf(want, sizeof(want), "/swgr-memory-%u-", (unsigned)getuid());
	CHECK(strstr(path, want) != NULL);
	CHECK(strlen(path) > 23 && strcmp(path + strlen(path) - 7, ".sqlite") == 0);
	snprintf(path2, sizeof(path2), "%s/./config.yaml", dir);
	swgr_store_memory_path(path2, path2, sizeof(path2));
	CHECK_STR(path2, path);		/* the real path counts */
	unlink(path);
	CHECK(swgr_store_open(&cfg, conf, SWGR_STORE_OWNER(SWGR_STORE_ROLE_DISCOVERY), &a,
	    &err) == SWGR_OK);
	CHECK(swgr_store_open(&cfg, conf, SWGR_STORE_OWNER(SWGR_STORE_ROLE_DISCOVERY), &b,
	    &err) == SWGR_OK);
	if (a != NULL && b != NULL) {
		ts_backend(&be, 9, "mem", parts);
		CHECK(swgr_store_backend_post(a, &be, &err) == SWGR_OK);
		CHECK(swgr_store_backend_get(b, &be.pk, &got, &err) == SWGR_OK);
		swgr_backend_free(&got);
		swgr_backend_free(&be);
		CHECK_INT(ts_etag(b), 1);
	}
	swgr_store_close(a);
	swgr_store_close(b);
	unlink(path);
	snprintf(path2, sizeof(path2), "%s-wal", path);
	unlink(path2);
	snprintf(path2, sizeof(path2), "%s-shm", path);
	unlink(path2);
	if ((slash = strrchr(path, '/')) != NULL) {
		*slash = '\0';
		CHECK(rmdir(path) == 0);	/* the store's own directory */
		*slash = '/';
	}

	cfg.type = SWGR_STORE_DATABASE;
	cfg.database_uri = "postgres://swgr:Pa55word@127.0.0.1:1/swgr";
	CHECK(swgr_store_open(&cfg, conf, SWGR_STORE_ROLE_OFFER, &a, &err) != SWGR_OK);
	CHECK(strstr(err.msg, "Pa55word") == NULL);
	cfg.database_uri = "mysql://swgr:Pa55word@127.0.0.1:1/swgr";
	CHECK(swgr_store_open(&cfg, conf, SWGR_STORE_ROLE_OFFER, &a, &err) != SWGR_OK);
	CHECK(strstr(err.msg, "Pa55word") == NULL);
	cfg.database_uri = "nosuch://u:Pa55word@h/db";
	CHECK(swgr_store_open(&cfg, conf, SWGR_STORE_ROLE_OFFER, &a, &err) != SWGR_OK);
	CHECK(strstr(err.msg, "Pa55word") == NULL);
	snprintf(path, sizeof(path), "sqlite://%s/absent.db", dir);
	cfg.database_uri = path;
	CHECK(swgr_store_open(&cfg, conf, SWGR_STORE_ROLE_OFFER, &a, &err) != SWGR_OK);
	unlink(conf);
}

/* Opening a memory store of conf fails, the message naming why. */
static void
ts_refused(const char *conf, const char *why)
{
	struct swgr_store_cfg cfg = { .type = SWGR_STORE_MEMORY };
	struct swgr_store *st = NULL;
	struct swgr_err err = { 0 };

	CHECK_INT(swgr_store_open(&cfg, conf, SWGR_STORE_OWNER(SWGR_STORE_ROLE_OFFER), &st, &err),
	    SWGR_EINTERNAL);
	CHECK(st == NULL);
	if (strstr(err.msg, why) == NULL || strstr(err.msg, "refused") == NULL) {
		fprintf(stderr, "memory store: expected '%s' in: %s\n", why, err.msg);
		FAIL("memory store refusal");
	}
	swgr_store_close(st);
}

/*
 * The memory store's directory and file: made 0700 and 0600, and refused
 * when they are not a directory and a regular file of ours that no one else
 * may use (a symlink, another owner, open to group or others).
 */
static void
ts_memory_private(const char *dir)
{
	struct swgr_store_cfg cfg = { .type = SWGR_STORE_MEMORY };
	struct swgr_store *st = NULL;
	struct swgr_err err = { 0 };
	char conf[300], path[400], mdir[400], other[500], *slash;
	struct stat sb;
	bool root = geteuid() == 0;
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/private.yaml", dir);
	if ((f = fopen(conf, "w")) != NULL)
		fclose(f);
	swgr_store_memory_path(conf, path, sizeof(path));
	snprintf(mdir, sizeof(mdir), "%s", path);
	if ((slash = strrchr(mdir, '/')) != NULL)
		*slash = '\0';
	snprintf(other, sizeof(other), "%s/elsewhere", dir);
	CHECK(mkdir(other, 0700) == 0);

	/* the directory: a file, a symlink, open to others, another owner's */
	CHECK((f = fopen(mdir, "w")) != NULL);
	if (f != NULL)
		fclose(f);
	ts_refused(conf, "not a directory");
	unlink(mdir);
	CHECK(symlink(other, mdir) == 0);
	ts_refused(conf, "symlink");
	unlink(mdir);
	CHECK(mkdir(mdir, 0700) == 0 && chmod(mdir, 0755) == 0);
	ts_refused(conf, "mode 0755");
	if (root) {
		CHECK(chmod(mdir, 0700) == 0 && chown(mdir, 65534, 65534) == 0);
		ts_refused(conf, "owned by uid 65534");
		CHECK(chown(mdir, 0, 0) == 0);
	} else
		SKIP("test_store: a memory store directory of another owner (not root)");
	CHECK(chmod(mdir, 0700) == 0);

	/* the file: a symlink, open to others, another owner's */
	snprintf(other, sizeof(other), "%s/elsewhere/target.sqlite", dir);
	CHECK((f = fopen(other, "w")) != NULL);
	if (f != NULL)
		fclose(f);
	CHECK(symlink(other, path) == 0);
	ts_refused(conf, "symlink");
	unlink(path);
	CHECK((f = fopen(path, "w")) != NULL);
	if (f != NULL)
		fclose(f);
	CHECK(chmod(path, 0644) == 0);
	ts_refused(conf, "mode 0644");
	if (root) {
		CHECK(chmod(path, 0600) == 0 && chown(path, 65534, 65534) == 0);
		ts_refused(conf, "owned by uid 65534");
	}
	unlink(path);

	/* made when missing: 0700 and 0600, and opened */
	rmdir(mdir);
	CHECK(swgr_store_open(&cfg, conf, SWGR_STORE_OWNER(SWGR_STORE_ROLE_OFFER), &st, &err) ==
	    SWGR_OK);
	CHECK(lstat(mdir, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 07777) == 0700 &&
	    sb.st_uid == geteuid());
	CHECK(lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 07777) == 0600);
	swgr_store_close(st);
	snprintf(other, sizeof(other), "%s-wal", path);
	unlink(other);
	snprintf(other, sizeof(other), "%s-shm", path);
	unlink(other);
	unlink(path);
	rmdir(mdir);
	unlink(conf);
}

/*
 * type http: opening reads the token file and contacts nobody; calls go to
 * the remote (nothing listens on port 1: SWGR_EUPSTREAM naming the URL);
 * node status goes to store.status, else to the default under
 * STATE_DIRECTORY, and is refused by a store not opened for it.
 */
static void
ts_http(const char *dir)
{
	struct swgr_store_cfg cfg = { .type = SWGR_STORE_HTTP, .base_url = "http://127.0.0.1:1/",
	    .connect_timeout_secs = 1, .total_timeout_secs = 1 };
	struct swgr_store *st = NULL;
	struct swgr_node_status ns = { 0 };
	struct swgr_backend *v = NULL;
	struct swgr_err err = { 0 };
	char tok[300], status[400], state[300], path[400];
	uint64_t etag;
	size_t n;
	FILE *f;

	snprintf(tok, sizeof(tok), "%s/absent.token", dir);
	cfg.authorization = tok;
	CHECK_INT(swgr_store_open(&cfg, NULL, SWGR_STORE_ROLE_OFFER, &st, &err), SWGR_EINTERNAL);
	CHECK(strstr(err.msg, tok) != NULL);
	snprintf(tok, sizeof(tok), "%s/remote.token", dir);
	if ((f = fopen(tok, "w")) != NULL) {
		fputs("a.b.c\n", f);
		fclose(f);
	}
	/* store.status: a SQLite file of its own */
	snprintf(status, sizeof(status), "sqlite://%s/edge-status.db?mode=rwc", dir);
	cfg.status.type = SWGR_STORE_DATABASE;
	cfg.status.database_uri = status;
	cfg.status.max_connections = 2;
	CHECK(swgr_store_open(&cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_DISCOVERY |
	    SWGR_STORE_ROLE_STATUS), &st, &err) == SWGR_OK);
	if (st != NULL) {
		CHECK_INT(swgr_store_backend_list(st, &etag, &v, &n, &err), SWGR_EUPSTREAM);
		CHECK(strstr(err.msg, "http://127.0.0.1:1/discovery") != NULL);
		CHECK(v == NULL && n == 0);
		ts_status(st);
		swgr_store_close(st);
	}
	/* the default: $STATE_DIRECTORY/status.db, the directories made */
	snprintf(state, sizeof(state), "%s/state/lib/swgr", dir);	/* made as mkdir -p */
	setenv("STATE_DIRECTORY", state, 1);
	swgr_store_status_default(path, sizeof(path));
	snprintf(status, sizeof(status), "%s/status.db", state);
	CHECK_STR(path, status);
	cfg.status.type = SWGR_STORE_NONE;
	cfg.status.database_uri = NULL;
	st = NULL;
	CHECK(swgr_store_open(&cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_DISCOVERY |
	    SWGR_STORE_ROLE_STATUS), &st, &err) == SWGR_OK);
	CHECK(access(status, F_OK) == 0);
	if (st != NULL) {
		ns.pk = ts_pk(7);
		ns.healthy = true;
		CHECK(swgr_store_status_put(st, "edge", &ns, &err) == SWGR_OK);
		swgr_store_close(st);
	}
	setenv("STATE_DIRECTORY", "/first/dir:/second/dir", 1);
	swgr_store_status_default(path, sizeof(path));
	CHECK_STR(path, "/first/dir/status.db");
	unsetenv("STATE_DIRECTORY");
	/* an offer store holds no status */
	st = NULL;
	CHECK(swgr_store_open(&cfg, NULL, SWGR_STORE_ROLE_OFFER, &st, &err) == SWGR_OK);
	if (st != NULL) {
		CHECK_INT(swgr_store_status_put(st, "edge", &ns, &err), SWGR_EINTERNAL);
		CHECK(strstr(err.msg, "node status") != NULL);
		swgr_store_close(st);
	}
}

int
main(void)
{
	const char *pg = getenv("SWGR_TEST_PG_URI"), *my = getenv("SWGR_TEST_MYSQL_URI");
	const char *dir = kit_tmpdir("store");
	char uri[400];
	int ran = 0;

	ts_types(dir);
	ts_memory_private(dir);
	ts_http(dir);
	snprintf(uri, sizeof(uri), "sqlite://%s/store.db?mode=rwc", dir);
	ts_suite("sqlite", uri);
	ran++;
	if (pg != NULL && *pg != '\0') {
		ts_suite("postgres", pg);
		ran++;
	} else
		SKIP("test_store: the postgres half (SWGR_TEST_PG_URI unset)");
	if (my != NULL && *my != '\0') {
		ts_suite("mysql", my);
		ran++;
	} else
		SKIP("test_store: the mysql half (SWGR_TEST_MYSQL_URI unset)");
	printf("test_store: %d of 3 providers ran\n", ran);
	return t_done("test_store");
}
