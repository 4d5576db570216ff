/*
 * libFuzzer harness for the strict JSON reader and every record reader behind
 * it (libswgr/model/from_json.c): what request bodies, tokens, stored
 * metadata columns and remote admin services' answers go through.  A record
 * that reads is written again (model/to_json.c) and that text must read back:
 * what swgr writes, swgr (and the HTTP store of another instance) can read.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "model/model.h"

/* The reading back of what was written (rc) must have worked. */
static void
again(struct swgr_buf *b, enum swgr_rc rc)
{
	if (!swgr_buf_ok(b))
		abort();
	if (rc != SWGR_OK)
		abort();	/* what we wrote does not read back */
	swgr_buf_free(b);
}

/* The first byte picks the reader; the rest is the text. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data + 1;
	size_t len = size - 1;
	enum swgr_shape shape = SWGR_SHAPE_FULL;
	struct swgr_backend b, b2;
	struct swgr_backend_patch p;
	struct swgr_offer o, o2;
	struct swgr_metadata m, m2;
	struct swgr_address a, a2;
	struct swgr_err err;
	struct swgr_buf w = { 0 };
	json_object *v = NULL;
	enum swgr_rc rc;

	if (size == 0)
		return 0;
	switch (data[0] % 12) {
	case 0:
		if (swgr_json_parse(t, len, &v, &err) == SWGR_OK)
			json_object_put(v);
		break;
	case 5:
		shape = SWGR_SHAPE_SPARSE;
		/* FALLTHROUGH */
	case 1:
		if (swgr_backend_from_json(t, len, shape, &b, &err) == SWGR_OK) {
			swgr_backend_to_json(&w, &b, data[0] & 0x80);
			rc = swgr_backend_from_json(w.p, w.len, shape, &b2, &err);
			if (rc == SWGR_OK)
				swgr_backend_free(&b2);
			again(&w, rc);
			swgr_backend_free(&b);
		}
		break;
	case 4:
		shape = SWGR_SHAPE_SPARSE;
		/* FALLTHROUGH */
	case 2:
		if (swgr_offer_from_json(t, len, shape, &o, &err) == SWGR_OK) {
			swgr_offer_to_json(&w, &o, data[0] & 0x80);
			rc = swgr_offer_from_json(w.p, w.len, shape, &o2, &err);
			if (rc == SWGR_OK)
				swgr_offer_free(&o2);
			again(&w, rc);
			swgr_offer_free(&o);
		}
		break;
	case 6:
		shape = SWGR_SHAPE_SPARSE;
		/* FALLTHROUGH */
	case 3:
		if (swgr_metadata_from_json(t, len, shape, &m, &err) == SWGR_OK) {
			swgr_metadata_to_json(&w, &m, data[0] & 0x80);
			rc = swgr_metadata_from_json(w.p, w.len, shape, &m2, &err);
			if (rc == SWGR_OK)
				swgr_metadata_free(&m2);
			again(&w, rc);
			swgr_metadata_free(&m);
		}
		break;
	case 11:
		shape = SWGR_SHAPE_SPARSE;
		/* FALLTHROUGH */
	case 10:
		if (swgr_address_from_json(t, len, shape, &a, &err) == SWGR_OK) {
			swgr_address_to_json(&w, &a, data[0] & 0x80);
			rc = swgr_address_from_json(w.p, w.len, shape, &a2, &err);
			if (rc == SWGR_OK)
				swgr_address_free(&a2);
			again(&w, rc);
			swgr_address_free(&a);
		}
		break;
	case 7:
		if (swgr_backend_patch_from_json(t, len, &p, &err) == SWGR_OK)
			swgr_backend_patch_free(&p);
		break;
	default:
		/* The stored metadata column, and (case 9) what its writer makes of it. */
		memset(&m, 0, sizeof(m));
		if (swgr_metadata_sparse_from_json(t, len, &m, &err) == SWGR_OK) {
			if (data[0] % 12 == 9) {
				swgr_metadata_sparse_to_json(&w, &m);
				memset(&m2, 0, sizeof(m2));
				rc = swgr_metadata_sparse_from_json(w.p, w.len, &m2, &err);
				if (rc == SWGR_OK)
					swgr_metadata_free(&m2);
				again(&w, rc);
			}
		}
		swgr_metadata_free(&m);
		break;
	}
	return 0;
}
