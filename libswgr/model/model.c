/* The records of the API (spec §7): backends, offers, offer metadata; releasing them; partitions. */
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
swgr_backends_free(struct swgr_backend *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		swgr_backend_free(&v[i]);
	free(v);
}

void
swgr_metadatas_free(struct swgr_metadata *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		swgr_metadata_free(&v[i]);
	free(v);
}

void
swgr_offers_free(struct swgr_offer *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		swgr_offer_free(&v[i]);
	free(v);
}

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
