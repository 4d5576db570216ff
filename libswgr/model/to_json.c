/* The records written as their JSON forms (spec §7), in serde_json's field order and formatting. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base64.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/pubkey.h"
#include "core/time.h"
#include "core/uuid.h"
#include "model/model.h"

static void
jw_uuid(struct swgr_jw *jw, const char *key, const struct swgr_uuid *u)
{
	char s[SWGR_UUID_STRLEN + 1];

	swgr_uuid_format(u, s);
	swgr_jw_key(jw, key);
	swgr_jw_str(jw, s);
}

static void
jw_time(struct swgr_jw *jw, const char *key, const struct swgr_time *t)
{
	char s[SWGR_TIME_STRMAX];

	swgr_time_format(t, s);
	swgr_jw_key(jw, key);
	swgr_jw_str(jw, s);
}

/*
 * The record writers: each writes one record, given as const void * so that
 * write_one and write_array serve them all.
 */
static void
jw_backend(struct swgr_jw *jw, const void *rec)
{
	const struct swgr_backend *v = rec;
	char pk[SWGR_PUBKEY_STRLEN + 1];
	const char *impl;
	size_t i;

	swgr_pubkey_format(&v->pk, pk);
	swgr_jw_obj_open(jw);
	swgr_jw_key(jw, "publicKey");
	swgr_jw_str(jw, pk);
	if (v->name != NULL) {
		swgr_jw_key(jw, "name");
		swgr_jw_str(jw, v->name);
	}
	swgr_jw_key(jw, "partitions");
	swgr_jw_arr_open(jw);
	for (i = 0; i < v->npartitions; i++)
		swgr_jw_str(jw, v->partitions[i]);
	swgr_jw_arr_close(jw);
	swgr_jw_key(jw, "weight");
	swgr_jw_i64(jw, v->weight);
	swgr_jw_key(jw, "enabled");
	swgr_jw_bool(jw, v->enabled);
	swgr_jw_key(jw, "implementation");
	impl = v->implementation != NULL ? v->implementation : "null";
	swgr_jw_raw(jw, impl, strlen(impl));
	swgr_jw_obj_close(jw);
}

/* Ours: successAction and payerData, when the metadata has them. */
static void
jw_lud(struct swgr_jw *jw, const struct swgr_metadata *m)
{
	struct swgr_buf b = { 0 };

	if (m->sa_kind != SWGR_SA_NONE) {
		swgr_success_action_json(&b, m);
		swgr_jw_key(jw, "successAction");
		swgr_jw_raw(jw, b.p != NULL ? b.p : "null", b.p != NULL ? b.len : 4);
		jw->b->oom |= b.oom;
		swgr_buf_free(&b);
	}
	if (m->payer_asked != 0) {
		swgr_payer_data_json(&b, m->payer_asked, m->payer_mandatory);
		swgr_jw_key(jw, "payerData");
		swgr_jw_raw(jw, b.p != NULL ? b.p : "null", b.p != NULL ? b.len : 4);
		jw->b->oom |= b.oom;
		swgr_buf_free(&b);
	}
}

/* The members text, longText, image, identifier, then ours (without braces). */
static void
jw_sparse_members(struct swgr_jw *jw, const struct swgr_metadata *m)
{
	char *b64;

	swgr_jw_key(jw, "text");
	swgr_jw_str(jw, m->text != NULL ? m->text : "");
	if (m->long_text != NULL) {
		swgr_jw_key(jw, "longText");
		swgr_jw_str(jw, m->long_text);
	}
	if (m->image_kind != SWGR_IMAGE_NONE) {
		swgr_jw_key(jw, "image");
		swgr_jw_obj_open(jw);
		swgr_jw_key(jw, m->image_kind == SWGR_IMAGE_PNG ? "png" : "jpeg");
		if ((b64 = swgr_base64_encode(m->image, m->image_len)) == NULL)
			jw->b->oom = true;
		else
			swgr_jw_str(jw, b64);
		free(b64);
		swgr_jw_obj_close(jw);
	}
	if (m->ident_kind != SWGR_IDENT_NONE && m->identifier != NULL) {
		swgr_jw_key(jw, "identifier");
		swgr_jw_obj_open(jw);
		swgr_jw_key(jw, m->ident_kind == SWGR_IDENT_EMAIL ? "email" : "text");
		swgr_jw_str(jw, m->identifier);
		swgr_jw_obj_close(jw);
	}
	jw_lud(jw, m);
}

/* The OfferMetadataSparse object: an offer's embedded metadata, the stored column. */
static void
jw_sparse(struct swgr_jw *jw, const void *rec)
{
	swgr_jw_obj_open(jw);
	jw_sparse_members(jw, rec);
	swgr_jw_obj_close(jw);
}

static void
jw_metadata(struct swgr_jw *jw, const void *rec)
{
	const struct swgr_metadata *m = rec;

	swgr_jw_obj_open(jw);
	jw_uuid(jw, "id", &m->id);
	swgr_jw_key(jw, "partition");
	swgr_jw_str(jw, m->partition != NULL ? m->partition : "");
	jw_sparse_members(jw, m);
	swgr_jw_obj_close(jw);
}

static void
jw_offer(struct swgr_jw *jw, const void *rec)
{
	const struct swgr_offer *o = rec;

	swgr_jw_obj_open(jw);
	swgr_jw_key(jw, "partition");
	swgr_jw_str(jw, o->partition != NULL ? o->partition : "");
	jw_uuid(jw, "id", &o->id);
	swgr_jw_key(jw, "maxSendable");
	swgr_jw_u64(jw, o->max_sendable);
	swgr_jw_key(jw, "minSendable");
	swgr_jw_u64(jw, o->min_sendable);
	jw_uuid(jw, "metadataId", &o->metadata_id);
	if (o->metadata != NULL) {
		swgr_jw_key(jw, "metadata");
		jw_sparse(jw, o->metadata);
	}
	jw_time(jw, "timestamp", &o->timestamp);
	if (o->has_expires)
		jw_time(jw, "expires", &o->expires);
	swgr_jw_obj_close(jw);
}

static void
jw_address(struct swgr_jw *jw, const void *rec)
{
	const struct swgr_address *a = rec;

	swgr_jw_obj_open(jw);
	swgr_jw_key(jw, "domain");
	swgr_jw_str(jw, a->domain != NULL ? a->domain : "");
	swgr_jw_key(jw, "username");
	swgr_jw_str(jw, a->username != NULL ? a->username : "");
	swgr_jw_key(jw, "partition");
	swgr_jw_str(jw, a->partition != NULL ? a->partition : "");
	jw_uuid(jw, "offer", &a->offer);
	swgr_jw_key(jw, "enabled");
	swgr_jw_bool(jw, a->enabled);
	swgr_jw_obj_close(jw);
}

/* A time in milliseconds since the epoch, RFC 3339 in UTC with milliseconds. */
static void
jw_ms(struct swgr_jw *jw, const char *key, int64_t ms)
{
	char out[96];
	time_t t;
	struct tm tm;

	if (ms < 0)
		ms = 0;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999) {	/* not RFC 3339 */
		t = 253402300799;
		ms = (int64_t)t * 1000 + 999;
		gmtime_r(&t, &tm);
	}
	snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	swgr_jw_key(jw, key);
	swgr_jw_str(jw, out);
}

static void
jw_invoice(struct swgr_jw *jw, const void *rec)
{
	const struct swgr_invoice *v = rec;
	char hex[65], pk[SWGR_PUBKEY_STRLEN + 1];
	size_t i;

	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", v->payment_hash[i]);
	swgr_jw_obj_open(jw);
	swgr_jw_key(jw, "paymentHash");
	swgr_jw_str(jw, hex);
	swgr_jw_key(jw, "bolt11");
	swgr_jw_str(jw, v->bolt11 != NULL ? v->bolt11 : "");
	swgr_jw_key(jw, "partition");
	swgr_jw_str(jw, v->partition != NULL ? v->partition : "");
	jw_uuid(jw, "offer", &v->offer);
	if (v->domain != NULL && v->username != NULL) {
		swgr_jw_key(jw, "address");
		swgr_jw_obj_open(jw);
		swgr_jw_key(jw, "domain");
		swgr_jw_str(jw, v->domain);
		swgr_jw_key(jw, "username");
		swgr_jw_str(jw, v->username);
		swgr_jw_obj_close(jw);
	}
	swgr_pubkey_format(&v->backend, pk);
	swgr_jw_key(jw, "backend");
	swgr_jw_str(jw, pk);
	swgr_jw_key(jw, "amountMsat");
	swgr_jw_u64(jw, v->amount_msat);
	if (v->comment != NULL) {
		swgr_jw_key(jw, "comment");
		swgr_jw_str(jw, v->comment);
	}
	if (v->payer_data != NULL) {
		swgr_jw_key(jw, "payerData");
		swgr_jw_str(jw, v->payer_data);
	}
	jw_ms(jw, "createdAt", v->created_ms);
	jw_ms(jw, "expiresAt", v->expires_ms);
	swgr_jw_obj_close(jw);
}

/* The record v alone. */
static void
write_one(struct swgr_buf *b, void (*one)(struct swgr_jw *, const void *),
    const void *v, bool pretty)
{
	struct swgr_jw jw;

	swgr_jw_init(&jw, b, pretty);
	one(&jw, v);
}

/* The n records of size bytes each at v, as a JSON array. */
static void
write_array(struct swgr_buf *b, void (*one)(struct swgr_jw *, const void *),
    const void *v, size_t size, size_t n, bool pretty)
{
	struct swgr_jw jw;
	size_t i;

	swgr_jw_init(&jw, b, pretty);
	swgr_jw_arr_open(&jw);
	for (i = 0; i < n; i++)
		one(&jw, (const char *)v + i * size);
	swgr_jw_arr_close(&jw);
}

void
swgr_backend_to_json(struct swgr_buf *b, const struct swgr_backend *v, bool pretty)
{
	write_one(b, jw_backend, v, pretty);
}

void
swgr_backends_to_json(struct swgr_buf *b, const struct swgr_backend *v, size_t n,
    bool pretty)
{
	write_array(b, jw_backend, v, sizeof(*v), n, pretty);
}

void
swgr_offer_to_json(struct swgr_buf *b, const struct swgr_offer *v, bool pretty)
{
	write_one(b, jw_offer, v, pretty);
}

void
swgr_offers_to_json(struct swgr_buf *b, const struct swgr_offer *v, size_t n,
    bool pretty)
{
	write_array(b, jw_offer, v, sizeof(*v), n, pretty);
}

void
swgr_metadata_to_json(struct swgr_buf *b, const struct swgr_metadata *v, bool pretty)
{
	write_one(b, jw_metadata, v, pretty);
}

void
swgr_metadatas_to_json(struct swgr_buf *b, const struct swgr_metadata *v, size_t n,
    bool pretty)
{
	write_array(b, jw_metadata, v, sizeof(*v), n, pretty);
}

void
swgr_address_to_json(struct swgr_buf *b, const struct swgr_address *v, bool pretty)
{
	write_one(b, jw_address, v, pretty);
}

void
swgr_addresses_to_json(struct swgr_buf *b, const struct swgr_address *v, size_t n,
    bool pretty)
{
	write_array(b, jw_address, v, sizeof(*v), n, pretty);
}

void
swgr_metadata_sparse_to_json(struct swgr_buf *b, const struct swgr_metadata *v)
{
	write_one(b, jw_sparse, v, false);
}

void
swgr_invoice_to_json(struct swgr_buf *b, const struct swgr_invoice *v, bool pretty)
{
	write_one(b, jw_invoice, v, pretty);
}

void
swgr_invoices_to_json(struct swgr_buf *b, const struct swgr_invoice *v, size_t n, bool pretty)
{
	write_array(b, jw_invoice, v, sizeof(*v), n, pretty);
}
