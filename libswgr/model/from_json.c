/* The records read from their JSON forms (spec §7): each field checked, 422 messages naming it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/base64.h"
#include "core/buf.h"
#include "core/email.h"
#include "core/json.h"
#include "core/pubkey.h"
#include "core/time.h"
#include "core/uuid.h"
#include "model/model.h"

/*
 * Field readers.  Each looks up key in object o: an absent key and a JSON
 * null are the same, SWGR_OK with *present false unless req, when they are
 * SWGR_ESHAPE.  A value of the wrong type or range is SWGR_ESHAPE naming
 * the field.  present may be NULL.
 */
static enum swgr_rc
field(struct json_object *o, const char *key, bool req, struct json_object **v,
    struct swgr_err *err)
{
	*v = NULL;
	if (!json_object_object_get_ex(o, key, v) || *v == NULL) {
		*v = NULL;
		if (req)
			return swgr_err_set(err, SWGR_ESHAPE,
			    "%s: missing field", key);
	}
	return SWGR_OK;
}

/* A string value v (not NULL) into *out, malloc'd; name for messages. */
static enum swgr_rc
str_value(struct json_object *v, const char *name, char **out, struct swgr_err *err)
{
	const char *s;
	size_t len;

	if (!json_object_is_type(v, json_type_string))
		return swgr_err_set(err, SWGR_ESHAPE, "%s: expected a string", name);
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (memchr(s, '\0', len) != NULL)
		return swgr_err_set(err, SWGR_ESHAPE,
		    "%s: must not contain U+0000", name);
	if ((*out = strndup(s, len)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "%s: out of memory", name);
	return SWGR_OK;
}

static enum swgr_rc
get_str(struct json_object *o, const char *key, bool req, char **out,
    struct swgr_err *err)
{
	struct json_object *v;
	enum swgr_rc rc;

	*out = NULL;
	if ((rc = field(o, key, req, &v, err)) != SWGR_OK || v == NULL)
		return rc;
	return str_value(v, key, out, err);
}

static enum swgr_rc
get_u64(struct json_object *o, const char *key, bool req, uint64_t max,
    bool *present, uint64_t *out, struct swgr_err *err)
{
	struct json_object *v;
	enum swgr_rc rc;
	uint64_t u;

	if (present != NULL)
		*present = false;
	if ((rc = field(o, key, req, &v, err)) != SWGR_OK || v == NULL)
		return rc;
	/* Literals beyond the 64-bit ranges arrive as doubles (json.h). */
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0 ||
	    (u = json_object_get_uint64(v)) > max)
		return swgr_err_set(err, SWGR_ESHAPE,
		    "%s: expected an integer between 0 and %" PRIu64, key, max);
	*out = u;
	if (present != NULL)
		*present = true;
	return SWGR_OK;
}

static enum swgr_rc
get_bool(struct json_object *o, const char *key, bool req, bool *present,
    bool *out, struct swgr_err *err)
{
	struct json_object *v;
	enum swgr_rc rc;

	if (present != NULL)
		*present = false;
	if ((rc = field(o, key, req, &v, err)) != SWGR_OK || v == NULL)
		return rc;
	if (!json_object_is_type(v, json_type_boolean))
		return swgr_err_set(err, SWGR_ESHAPE,
		    "%s: expected true or false", key);
	*out = json_object_get_boolean(v);
	if (present != NULL)
		*present = true;
	return SWGR_OK;
}

static enum swgr_rc
get_uuid(struct json_object *o, const char *key, struct swgr_uuid *out,
    struct swgr_err *err)
{
	struct json_object *v;
	enum swgr_rc rc;

	if ((rc = field(o, key, true, &v, err)) != SWGR_OK)
		return rc;
	if (!json_object_is_type(v, json_type_string) ||
	    swgr_uuid_parse(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v), out) != SWGR_OK)
		return swgr_err_set(err, SWGR_ESHAPE, "%s: not a valid UUID", key);
	return SWGR_OK;
}

static enum swgr_rc
get_time(struct json_object *o, const char *key, bool req, bool *present,
    struct swgr_time *out, struct swgr_err *err)
{
	struct json_object *v;
	enum swgr_rc rc;

	if (present != NULL)
		*present = false;
	if ((rc = field(o, key, req, &v, err)) != SWGR_OK || v == NULL)
		return rc;
	if (!json_object_is_type(v, json_type_string) ||
	    swgr_time_parse(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v), out) != SWGR_OK)
		return swgr_err_set(err, SWGR_ESHAPE,
		    "%s: not a valid RFC 3339 date-time", key);
	if (present != NULL)
		*present = true;
	return SWGR_OK;
}

static enum swgr_rc
get_pubkey(struct json_object *o, const char *key, struct swgr_pubkey *out,
    struct swgr_err *err)
{
	struct json_object *v;
	enum swgr_rc rc;

	if ((rc = field(o, key, true, &v, err)) != SWGR_OK)
		return rc;
	if (!json_object_is_type(v, json_type_string) ||
	    swgr_pubkey_parse(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v), out) != SWGR_OK)
		return swgr_err_set(err, SWGR_ESHAPE,
		    "%s: not a valid secp256k1 public key", key);
	return SWGR_OK;
}

/* An array of strings, normalised (sorted, unique). */
static enum swgr_rc
get_partitions(struct json_object *o, const char *key, bool req, bool *present,
    char ***out, size_t *nout, struct swgr_err *err)
{
	struct json_object *v;
	enum swgr_rc rc;
	char **p = NULL, name[64];
	size_t i, n = 0;

	*out = NULL;
	*nout = 0;
	if (present != NULL)
		*present = false;
	if ((rc = field(o, key, req, &v, err)) != SWGR_OK || v == NULL)
		return rc;
	if (!json_object_is_type(v, json_type_array))
		return swgr_err_set(err, SWGR_ESHAPE,
		    "%s: expected an array of strings", key);
	if ((p = calloc(json_object_array_length(v) + 1, sizeof(*p))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "%s: out of memory", key);
	for (i = 0; i < json_object_array_length(v); i++, n++) {
		snprintf(name, sizeof(name), "%s[%zu]", key, i);
		rc = str_value(json_object_array_get_idx(v, i), name, &p[n], err);
		if (rc != SWGR_OK) {
			swgr_strv_free(p, n);
			return rc;
		}
	}
	swgr_partitions_normalise(p, &n);
	*out = p;
	*nout = n;
	if (present != NULL)
		*present = true;
	return SWGR_OK;
}

/* Any JSON value (null included), required, as canonical compact JSON. */
static enum swgr_rc
get_canonical(struct json_object *o, const char *key, char **out,
    struct swgr_err *err)
{
	struct json_object *v;
	struct swgr_buf b = { 0 };
	struct swgr_jw jw;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return swgr_err_set(err, SWGR_ESHAPE, "%s: missing field", key);
	swgr_jw_init(&jw, &b, false);
	swgr_jw_value(&jw, v, true);
	if ((*out = swgr_buf_take(&b, NULL)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "%s: out of memory", key);
	return SWGR_OK;
}

/* The single member of an object v, which must be one of k1 or k2. */
static enum swgr_rc
one_of(struct json_object *v, const char *name, const char *k1, const char *k2,
    int *which, struct json_object **val, struct swgr_err *err)
{
	if (json_object_is_type(v, json_type_object) &&
	    json_object_object_length(v) == 1) {
		json_object_object_foreach(v, k, c) {
			*val = c;
			if (strcmp(k, k1) == 0) {
				*which = 1;
				return SWGR_OK;
			}
			if (strcmp(k, k2) == 0) {
				*which = 2;
				return SWGR_OK;
			}
		}
	}
	return swgr_err_set(err, SWGR_ESHAPE,
	    "%s: expected an object with exactly one key, \"%s\" or \"%s\"",
	    name, k1, k2);
}

static enum swgr_rc
get_image(struct json_object *o, struct swgr_metadata *m, struct swgr_err *err)
{
	struct json_object *v, *val;
	enum swgr_rc rc;
	int which;

	if ((rc = field(o, "image", false, &v, err)) != SWGR_OK || v == NULL)
		return rc;
	if ((rc = one_of(v, "image", "png", "jpeg", &which, &val, err)) != SWGR_OK)
		return rc;
	if (!json_object_is_type(val, json_type_string))
		return swgr_err_set(err, SWGR_ESHAPE, "image.%s: expected a string",
		    which == 1 ? "png" : "jpeg");
	rc = swgr_base64_decode(json_object_get_string(val),
	    (size_t)json_object_get_string_len(val), &m->image, &m->image_len);
	if (rc == SWGR_ENOMEM)
		return swgr_err_set(err, rc, "image: out of memory");
	if (rc != SWGR_OK)
		return swgr_err_set(err, SWGR_ESHAPE,
		    "image.%s: not valid padded standard base64",
		    which == 1 ? "png" : "jpeg");
	m->image_kind = which == 1 ? SWGR_IMAGE_PNG : SWGR_IMAGE_JPEG;
	return SWGR_OK;
}

static enum swgr_rc
get_identifier(struct json_object *o, struct swgr_metadata *m, struct swgr_err *err)
{
	struct json_object *v, *val;
	enum swgr_rc rc;
	const char *name;
	int which;

	if ((rc = field(o, "identifier", false, &v, err)) != SWGR_OK || v == NULL)
		return rc;
	rc = one_of(v, "identifier", "email", "text", &which, &val, err);
	if (rc != SWGR_OK)
		return rc;
	name = which == 1 ? "identifier.email" : "identifier.text";
	if ((rc = str_value(val, name, &m->identifier, err)) != SWGR_OK)
		return rc;
	if (swgr_email_parse(m->identifier, strlen(m->identifier), NULL) != SWGR_OK)
		return swgr_err_set(err, SWGR_ESHAPE,
		    "%s: not a valid e-mail address", name);
	m->ident_kind = which == 1 ? SWGR_IDENT_EMAIL : SWGR_IDENT_TEXT;
	return SWGR_OK;
}

/* The OfferMetadataSparse fields of object o into m. */
static enum swgr_rc
metadata_sparse(struct json_object *o, struct swgr_metadata *m, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = get_str(o, "text", true, &m->text, err)) != SWGR_OK ||
	    (rc = get_str(o, "longText", false, &m->long_text, err)) != SWGR_OK ||
	    (rc = get_image(o, m, err)) != SWGR_OK)
		return rc;
	return get_identifier(o, m, err);
}

/* Parses text, which must hold a JSON object, into *o. */
static enum swgr_rc
parse_object(const char *text, size_t len, struct json_object **o,
    struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = swgr_json_parse(text, len, o, err)) != SWGR_OK)
		return rc;
	if (!json_object_is_type(*o, json_type_object)) {
		json_object_put(*o);
		*o = NULL;
		return swgr_err_set(err, SWGR_ESHAPE, "expected a JSON object");
	}
	return SWGR_OK;
}

enum swgr_rc
swgr_backend_from_json(const char *text, size_t len, enum swgr_shape shape,
    struct swgr_backend *out, struct swgr_err *err)
{
	struct json_object *o;
	enum swgr_rc rc;
	uint64_t w;

	memset(out, 0, sizeof(*out));
	if ((rc = parse_object(text, len, &o, err)) != SWGR_OK)
		return rc;
	if (shape == SWGR_SHAPE_FULL &&
	    (rc = get_pubkey(o, "publicKey", &out->pk, err)) != SWGR_OK)
		goto out;
	if ((rc = get_str(o, "name", false, &out->name, err)) != SWGR_OK ||
	    (rc = get_partitions(o, "partitions", true, NULL, &out->partitions,
	    &out->npartitions, err)) != SWGR_OK ||
	    (rc = get_u64(o, "weight", true, SWGR_WEIGHT_MAX, NULL, &w,
	    err)) != SWGR_OK ||
	    (rc = get_bool(o, "enabled", true, NULL, &out->enabled,
	    err)) != SWGR_OK ||
	    (rc = get_canonical(o, "implementation", &out->implementation,
	    err)) != SWGR_OK)
		goto out;
	out->weight = (int64_t)w;
out:
	json_object_put(o);
	if (rc != SWGR_OK)
		swgr_backend_free(out);
	return rc;
}

enum swgr_rc
swgr_backend_patch_from_json(const char *text, size_t len,
    struct swgr_backend_patch *out, struct swgr_err *err)
{
	struct json_object *o;
	enum swgr_rc rc;
	uint64_t w = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = parse_object(text, len, &o, err)) != SWGR_OK)
		return rc;
	if ((rc = get_str(o, "name", false, &out->name, err)) != SWGR_OK ||
	    (rc = get_partitions(o, "partitions", false, &out->has_partitions,
	    &out->partitions, &out->npartitions, err)) != SWGR_OK ||
	    (rc = get_u64(o, "weight", false, SWGR_WEIGHT_MAX, &out->has_weight,
	    &w, err)) != SWGR_OK ||
	    (rc = get_bool(o, "enabled", false, &out->has_enabled,
	    &out->enabled, err)) != SWGR_OK)
		goto out;
	out->weight = (int64_t)w;
out:
	json_object_put(o);
	if (rc != SWGR_OK)
		swgr_backend_patch_free(out);
	return rc;
}

/*
 * An offer's "metadata" member is parsed, so it must be a valid
 * OfferMetadataSparse (or null), and then discarded (spec §5).
 */
static enum swgr_rc
offer_metadata_check(struct json_object *o, struct swgr_err *err)
{
	struct json_object *v;
	struct swgr_metadata m = { 0 };
	enum swgr_rc rc;

	if (!json_object_object_get_ex(o, "metadata", &v) || v == NULL)
		return SWGR_OK;
	if (!json_object_is_type(v, json_type_object))
		return swgr_err_set(err, SWGR_ESHAPE, "metadata: expected an object or null");
	rc = metadata_sparse(v, &m, err);
	swgr_metadata_free(&m);
	if (rc != SWGR_OK)
		swgr_err_wrap(err, "metadata");
	return rc;
}

enum swgr_rc
swgr_offer_from_json(const char *text, size_t len, enum swgr_shape shape,
    struct swgr_offer *out, struct swgr_err *err)
{
	struct json_object *o;
	enum swgr_rc rc;

	memset(out, 0, sizeof(*out));
	if ((rc = parse_object(text, len, &o, err)) != SWGR_OK)
		return rc;
	if (shape == SWGR_SHAPE_FULL &&
	    ((rc = get_str(o, "partition", true, &out->partition, err)) != SWGR_OK ||
	    (rc = get_uuid(o, "id", &out->id, err)) != SWGR_OK))
		goto out;
	if ((rc = get_u64(o, "maxSendable", true, UINT64_MAX, NULL,
	    &out->max_sendable, err)) != SWGR_OK ||
	    (rc = get_u64(o, "minSendable", true, UINT64_MAX, NULL,
	    &out->min_sendable, err)) != SWGR_OK ||
	    (rc = get_uuid(o, "metadataId", &out->metadata_id, err)) != SWGR_OK ||
	    (rc = get_time(o, "timestamp", true, NULL, &out->timestamp,
	    err)) != SWGR_OK ||
	    (rc = get_time(o, "expires", false, &out->has_expires, &out->expires,
	    err)) != SWGR_OK ||
	    (rc = offer_metadata_check(o, err)) != SWGR_OK)
		goto out;
out:
	json_object_put(o);
	if (rc != SWGR_OK)
		swgr_offer_free(out);
	return rc;
}

enum swgr_rc
swgr_metadata_from_json(const char *text, size_t len, enum swgr_shape shape,
    struct swgr_metadata *out, struct swgr_err *err)
{
	struct json_object *o;
	enum swgr_rc rc;

	memset(out, 0, sizeof(*out));
	if ((rc = parse_object(text, len, &o, err)) != SWGR_OK)
		return rc;
	if (shape == SWGR_SHAPE_FULL &&
	    ((rc = get_uuid(o, "id", &out->id, err)) != SWGR_OK ||
	    (rc = get_str(o, "partition", true, &out->partition, err)) != SWGR_OK))
		goto out;
	rc = metadata_sparse(o, out, err);
out:
	json_object_put(o);
	if (rc != SWGR_OK)
		swgr_metadata_free(out);
	return rc;
}

/*
 * Sets the sparse fields of out (text, long_text, image, identifier) on
 * success; they are overwritten, not freed.  Other fields are untouched.
 */
enum swgr_rc
swgr_metadata_sparse_from_json(const char *text, size_t len,
    struct swgr_metadata *out, struct swgr_err *err)
{
	struct swgr_metadata m = { 0 };
	struct json_object *o;
	enum swgr_rc rc;

	if ((rc = parse_object(text, len, &o, err)) != SWGR_OK)
		return rc;
	rc = metadata_sparse(o, &m, err);
	json_object_put(o);
	if (rc != SWGR_OK) {
		swgr_metadata_free(&m);
		return rc;
	}
	out->text = m.text;
	out->long_text = m.long_text;
	out->image_kind = m.image_kind;
	out->image = m.image;
	out->image_len = m.image_len;
	out->ident_kind = m.ident_kind;
	out->identifier = m.identifier;
	return SWGR_OK;
}
