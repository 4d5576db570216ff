/* The records of the API (spec §7): backends, offers, offer metadata, addresses; releasing them; partitions. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "model/model.h"

void
swgr_backend_free(struct swgr_backend *b)
{
	if (b == NULL)
		return;
	free(b->name);
	swgr_strv_free(b->partitions, b->npartitions);
	free(b->implementation);
	memset(b, 0, sizeof(*b));
}

void
swgr_backend_patch_free(struct swgr_backend_patch *p)
{
	if (p == NULL)
		return;
	free(p->name);
	swgr_strv_free(p->partitions, p->npartitions);
	memset(p, 0, sizeof(*p));
}

void
swgr_metadata_free(struct swgr_metadata *m)
{
	if (m == NULL)
		return;
	free(m->partition);
	free(m->text);
	free(m->long_text);
	free(m->image);
	free(m->identifier);
	free(m->sa_text);
	free(m->sa_url);
	memset(m, 0, sizeof(*m));
}

void
swgr_offer_free(struct swgr_offer *o)
{
	if (o == NULL)
		return;
	free(o->partition);
	if (o->metadata != NULL) {
		swgr_metadata_free(o->metadata);
		free(o->metadata);
	}
	memset(o, 0, sizeof(*o));
}

void
swgr_address_free(struct swgr_address *a)
{
	if (a == NULL)
		return;
	free(a->domain);
	free(a->username);
	free(a->partition);
	memset(a, 0, sizeof(*a));
}

/*
 * The array form of a record's free function, defined once for the
 * record types: frees the members of each of the n records at v, then v.
 */
#define RECORDS_FREE(name, type, free_one)				\
void									\
name(type *v, size_t n)							\
{									\
	size_t i;							\
									\
	if (v == NULL)							\
		return;							\
	for (i = 0; i < n; i++)						\
		free_one(&v[i]);					\
	free(v);							\
}

RECORDS_FREE(swgr_backends_free, struct swgr_backend, swgr_backend_free)
void
swgr_invoice_free(struct swgr_invoice *v)
{
	if (v == NULL)
		return;
	free(v->bolt11);
	free(v->partition);
	free(v->domain);
	free(v->username);
	free(v->comment);
	free(v->payer_data);
	memset(v, 0, sizeof(*v));
}

RECORDS_FREE(swgr_invoices_free, struct swgr_invoice, swgr_invoice_free)
RECORDS_FREE(swgr_metadatas_free, struct swgr_metadata, swgr_metadata_free)
RECORDS_FREE(swgr_offers_free, struct swgr_offer, swgr_offer_free)
RECORDS_FREE(swgr_addresses_free, struct swgr_address, swgr_address_free)

static int
strpcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
swgr_partitions_normalise(char **v, size_t *n)
{
	size_t i, j;

	if (*n < 2)
		return;
	qsort(v, *n, sizeof(*v), strpcmp);
	for (i = 1, j = 1; i < *n; i++) {
		if (strcmp(v[i], v[j - 1]) == 0)
			free(v[i]);
		else
			v[j++] = v[i];
	}
	*n = j;
}

enum swgr_rc
swgr_offer_check(const struct swgr_offer *o, struct swgr_err *err)
{
	if (o->min_sendable < 1)
		return swgr_err_set(err, SWGR_ESHAPE, "minSendable must be at least 1 msat");
	if (o->max_sendable > SWGR_MSAT_MAX)
		return swgr_err_set(err, SWGR_ESHAPE, "maxSendable %" PRIu64 " is over %"
		    PRIu64 " msat (21 million BTC)", o->max_sendable, SWGR_MSAT_MAX);
	if (o->min_sendable > o->max_sendable)
		return swgr_err_set(err, SWGR_ESHAPE, "minSendable %" PRIu64
		    " is greater than maxSendable %" PRIu64, o->min_sendable, o->max_sendable);
	return SWGR_OK;
}
