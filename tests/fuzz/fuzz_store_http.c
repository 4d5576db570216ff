/*
 * libFuzzer harness for the HTTP store's reading of a remote admin service's
 * answers (libswgr/store/http.c, http_discovery.c, http_offer.c): status
 * codes, ETags, records (addresses included) and pages.  The store is real (st_http_open with a
 * token file); swgr_http_do is wrapped (answer.h) to return the fuzz input.
 *
 * Input: a first byte choosing the operation, then the answers to its calls
 * in turn, separated by NUL bytes (answer.h).  The backend list is called
 * twice, so that the second call sends the first one's ETag and may get 304.
 *
 * FUZZ_LDFLAGS: -Wl,--wrap=swgr_http_do
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "model/model.h"
#include "store/store_int.h"

#include "answer.h"

static void *disc, *offer;
static char dir[] = "/tmp/swgr-fuzz-store.XXXXXX";
static char tokpath[sizeof(dir) + 16];

/* What store.c defines, for the array readers (store.c itself brings the SQL store). */
void
st_free_backends(void *v, size_t n)
{
	swgr_backends_free(v, n);
}

void
st_free_offers(void *v, size_t n)
{
	swgr_offers_free(v, n);
}

void
st_free_metadatas(void *v, size_t n)
{
	swgr_metadatas_free(v, n);
}

void
st_free_addresses(void *v, size_t n)
{
	swgr_addresses_free(v, n);
}

static void
cleanup(void)
{
	st_http_close(disc);
	st_http_close(offer);
	unlink(tokpath);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct swgr_store_cfg cfg = { 0 };
	struct swgr_err err = { 0 };
	FILE *f;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(tokpath, sizeof(tokpath), "%s/token", dir);
	if ((f = fopen(tokpath, "w")) == NULL || fputs("header.claims.sig\n", f) < 0 ||
	    fclose(f) != 0)
		abort();
	atexit(cleanup);
	(void)swgr_log_open("/dev/null", SWGR_LOG_OFF, NULL);
	cfg.type = SWGR_STORE_HTTP;
	cfg.base_url = "http://127.0.0.1:3001/";
	cfg.authorization = tokpath;
	cfg.connect_timeout_secs = cfg.total_timeout_secs = 1;
	if (st_http_open(&cfg, "discover", &disc, &err) != SWGR_OK ||
	    st_http_open(&cfg, "offer", &offer, &err) != SWGR_OK) {
		fprintf(stderr, "fuzz_store_http: %s\n", err.msg);
		abort();
	}
	return 0;
}

static void
make_backend(struct swgr_backend *b)
{
	static char *parts[] = { "default" };

	memset(b, 0, sizeof(*b));
	b->pk.b[0] = 2;
	b->name = "node";
	b->partitions = parts;
	b->npartitions = 1;
	b->weight = 1;
	b->enabled = true;
	b->implementation = "{\"type\":\"lndGrpc\"}";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct st_discovery_ops *d = &st_http_discovery;
	const struct st_offer_ops *o = &st_http_offer;
	struct swgr_err err = { 0 };
	struct swgr_backend b, *bv = NULL;
	struct swgr_backend_patch patch = { 0 };
	struct swgr_offer of, *ov = NULL;
	struct swgr_metadata md, *mv = NULL;
	struct swgr_address ad, *av = NULL;
	struct swgr_pubkey pk = { { 2 } };
	struct swgr_uuid id = { { 1, 2, 3 } };
	uint64_t etag;
	size_t n;
	bool created;

	if (size == 0)
		return 0;
	fuzz_answer_set(data + 1, size - 1, true);
	switch (data[0] % 18) {
	case 0:
		if (d->list(disc, &etag, &bv, &n, &err) == SWGR_OK)
			swgr_backends_free(bv, n);
		bv = NULL;
		if (d->list(disc, &etag, &bv, &n, &err) == SWGR_OK)
			swgr_backends_free(bv, n);
		break;
	case 1:
		(void)d->etag(disc, &etag, &err);
		break;
	case 2:
		if (d->get(disc, &pk, &b, &err) == SWGR_OK)
			swgr_backend_free(&b);
		break;
	case 3:
		make_backend(&b);
		(void)d->write(disc, &b, (data[0] & 0x80) != 0,
		    (data[0] & 0x80) ? &created : NULL, &err);
		break;
	case 4:
		patch.has_enabled = true;
		(void)d->patch(disc, &pk, &patch, &err);
		break;
	case 5:
		(void)d->del(disc, &pk, &err);
		break;
	case 6:
		if (o->offer_get(offer, "default", &id, data[0] & 0x80, &of, &err) == SWGR_OK)
			swgr_offer_free(&of);
		break;
	case 7:
		if (o->offer_page(offer, "default", 0, 100, &ov, &n, &err) == SWGR_OK)
			swgr_offers_free(ov, n);
		break;
	case 8:
		if (o->metadata_page(offer, "default", 5, 10, &mv, &n, &err) == SWGR_OK)
			swgr_metadatas_free(mv, n);
		break;
	case 9:
		if (o->metadata_get(offer, "default", &id, &md, &err) == SWGR_OK)
			swgr_metadata_free(&md);
		break;
	case 10:
		memset(&of, 0, sizeof(of));
		of.partition = "default";
		of.id = id;
		of.max_sendable = 1000;
		of.min_sendable = 1;
		(void)o->offer_write(offer, &of, (data[0] & 0x80) != 0,
		    (data[0] & 0x80) ? &created : NULL, &err);
		break;
	case 11:
		(void)o->offer_delete(offer, "default", &id, &err);
		break;
	case 12:
		memset(&md, 0, sizeof(md));
		md.id = id;
		md.partition = "default";
		md.text = "text";
		(void)o->metadata_write(offer, &md, (data[0] & 0x80) != 0,
		    (data[0] & 0x80) ? &created : NULL, &err);
		break;
	case 13:
		(void)o->metadata_delete(offer, "default", &id, &err);
		break;
	case 14:
		if (o->address_get(offer, "pay.example.com", "alice", &ad, &err) == SWGR_OK)
			swgr_address_free(&ad);
		break;
	case 15:
		if (o->address_page(offer, "pay.example.com", 0, 100, &av, &n, &err) == SWGR_OK)
			swgr_addresses_free(av, n);
		break;
	case 16:
		memset(&ad, 0, sizeof(ad));
		ad.domain = "pay.example.com";
		ad.username = "alice";
		ad.partition = "default";
		ad.offer = id;
		(void)o->address_write(offer, &ad, (data[0] & 0x80) != 0,
		    (data[0] & 0x80) ? &created : NULL, &err);
		break;
	default:
		(void)o->address_delete(offer, "pay.example.com", "alice", &err);
		break;
	}
	return 0;
}
