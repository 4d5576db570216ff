/* libFuzzer harness for the strict JSON reader and the record readers behind it: what request bodies, tokens and remote admin services' answers go through. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/json.h"
#include "model/model.h"

/* The first byte picks the reader; the rest is the text. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data + 1;
	size_t len = size - 1;
	struct swgr_backend b;
	struct swgr_offer o;
	struct swgr_metadata m;
	struct swgr_err err;
	json_object *v = NULL;

	if (size == 0)
		return 0;
	switch (data[0] % 5) {
	case 0:
		if (swgr_json_parse(t, len, &v, &err) == SWGR_OK)
			json_object_put(v);
		break;
	case 1:
		if (swgr_backend_from_json(t, len, SWGR_SHAPE_FULL, &b, &err) == SWGR_OK)
			swgr_backend_free(&b);
		break;
	case 2:
		if (swgr_offer_from_json(t, len, SWGR_SHAPE_FULL, &o, &err) == SWGR_OK)
			swgr_offer_free(&o);
		break;
	case 3:
		if (swgr_metadata_from_json(t, len, SWGR_SHAPE_FULL, &m, &err) == SWGR_OK)
			swgr_metadata_free(&m);
		break;
	default:
		if (swgr_offer_from_json(t, len, SWGR_SHAPE_SPARSE, &o, &err) == SWGR_OK)
			swgr_offer_free(&o);
		break;
	}
	return 0;
}
