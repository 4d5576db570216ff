/* The records read from their JSON forms (spec §7): each field checked, 422 messages naming it. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/base64.h"
#include "core/buf.h"
#include "core/email.h"
#include "core/json.h"
#include "core/lnaddr.h"
#include "core/pubkey.h"
#include "core/time.h"
#include "core/uuid.h"
#include "model/model.h"
#include "model/model_int.h"

/*
 * A record is read through its table of fields: each row names the JSON key,
 * what kind of value it holds, whether it is required and whether it is an
 * identity field (read only in the FULL shape), and where in the record the
 * value goes.  The rows are read in order, so the first bad field in table
 * order is the one reported.
 */
enum kind {
	K_STR,		/* a string: char * */
	K_U64,		/* an integer 0 .. max: uint64_t */
	K_I64,		/* an integer 0 .. max: int64_t */
	K_BOOL,		/* true or false: bool */
	K_UUID,		/* a UUID string: struct swgr_uuid */
	K_TIME,		/* an RFC 3339 date-time string: struct swgr_time */
	K_PUBKEY,	/* a public key string: struct swgr_pubkey */
	K_STRV,		/* an array of strings, normalised (sorted, unique): char **, count at aux */
	K_JSON,		/* any value, null included, as canonical compact JSON: char * */
	K_OWN		/* read by the row's own function */
};

#define F_REQ	0x1	/* absent (or null, but for K_JSON) is a missing field */
#define F_FULL	0x2	/* an identity field: read only in SWGR_SHAPE_FULL */
#define F_HAS	0x4	/* the bool member at has is set when the field is read */

struct field {
	const char	*key;
	enum kind	 kind;
	unsigned	 flags;
	size_t		 off;	/* the member that receives the value */
	size_t		 aux;	/* K_STRV: the member that receives the count */
	size_t		 has;	/* F_HAS: the presence flag */
	uint64_t	 max;	/* K_U64, K_I64 */
	/* K_OWN: reads the value v (not null) into the record rec. */
	enum swgr_rc	(*own)(struct json_object *v, void *rec, struct swgr_err *err);
};

#define TABLE(t)	(t), sizeof(t) / sizeof((t)[0])

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
u64_value(struct json_object *v, const struct field *f, uint64_t *out,
    struct swgr_err *err)
{
	uint64_t u;

	/* Literals beyond the 64-bit ranges arrive as doubles (json.h). */
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0 ||
	    (u = json_object_get_uint64(v)) > f->max)
		return swgr_err_set(err, SWGR_ESHAPE,
		    "%s: expected an integer between 0 and %" PRIu64, f->key, f->max);
	*out = u;
	return SWGR_OK;
}

static enum swgr_rc
bool_value(struct json_object *v, const char *name, bool *out, struct swgr_err *err)
{
	if (!json_object_is_type(v, json_type_boolean))
		return swgr_err_set(err, SWGR_ESHAPE,
		    "%s: expected true or false", name);
	*out = json_object_get_boolean(v);
	return SWGR_OK;
}

/* A string read by the parser of the row's kind (K_UUID, K_TIME, K_PUBKEY). */
static enum swgr_rc
parsed_value(struct json_object *v, const struct field *f, void *out,
    struct swgr_err *err)
{
	enum swgr_rc rc = SWGR_ESHAPE;
	const char *s, *what;
	size_t len;

	what = f->kind == K_UUID ? "not a valid UUID" :
	    f->kind == K_TIME ? "not a valid RFC 3339 date-time" :
	    "not a valid secp256k1 public key";
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		rc = f->kind == K_UUID ? swgr_uuid_parse(s, len, out) :
		    f->kind == K_TIME ? swgr_time_parse(s, len, out) :
		    swgr_pubkey_parse(s, len, out);
	}
	if (rc != SWGR_OK)
		return swgr_err_set(err, SWGR_ESHAPE, "%s: %s", f->key, what);
	return SWGR_OK;
}

static enum swgr_rc
strv_value(struct json_object *v, const char *key, char ***out, size_t *nout,
    struct swgr_err *err)
{
	enum swgr_rc rc;
	char **p = NULL, name[64];
	size_t i, n = 0;

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
	return SWGR_OK;
}

/* Any value v, NULL (JSON null) included, as canonical compact JSON. */
static enum swgr_rc
canonical_value(struct json_object *v, const char *key, char **out,
    struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	struct swgr_jw jw;

	swgr_jw_init(&jw, &b, false);
	swgr_jw_value(&jw, v, true);
	if ((*out = swgr_buf_take(&b, NULL)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "%s: out of memory", key);
	return SWGR_OK;
}

/*
 * The field of row f in object o into the record rec.  An absent key and a
 * JSON null are the same (but for K_JSON, where null is a value): SWGR_OK,
 * nothing read, unless the row is required, when they are SWGR_ESHAPE.  A
 * value of the wrong type or range is SWGR_ESHAPE naming the field.
 */
static enum swgr_rc
read_field(struct json_object *o, const struct field *f, void *rec,
    struct swgr_err *err)
{
	void *at = (char *)rec + f->off;
	struct json_object *v;
	enum swgr_rc rc;
	uint64_t u;

	if (!json_object_object_get_ex(o, f->key, &v) ||
	    (v == NULL && f->kind != K_JSON)) {
		if (f->flags & F_REQ)
			return swgr_err_set(err, SWGR_ESHAPE,
			    "%s: missing field", f->key);
		return SWGR_OK;
	}
	switch (f->kind) {
	case K_STR:
		rc = str_value(v, f->key, at, err);
		break;
	case K_U64:
		rc = u64_value(v, f, at, err);
		break;
	case K_I64:
		if ((rc = u64_value(v, f, &u, err)) == SWGR_OK)
			*(int64_t *)at = (int64_t)u;
		break;
	case K_BOOL:
		rc = bool_value(v, f->key, at, err);
		break;
	case K_UUID:
	case K_TIME:
	case K_PUBKEY:
		rc = parsed_value(v, f, at, err);
		break;
	case K_STRV:
		rc = strv_value(v, f->key, at,
		    (void *)((char *)rec + f->aux), err);
		break;
	case K_JSON:
		rc = canonical_value(v, f->key, at, err);
		break;
	default:
		rc = f->own(v, rec, err);
		break;
	}
	if (rc == SWGR_OK && (f->flags & F_HAS))
		*(bool *)((char *)rec + f->has) = true;
	return rc;
}

/* The n rows of table t that belong to shape, from object o into rec, in order. */
static enum swgr_rc
read_fields(struct json_object *o, const struct field *t, size_t n,
    enum swgr_shape shape, void *rec, struct swgr_err *err)
{
	enum swgr_rc rc;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((t[i].flags & F_FULL) && shape != SWGR_SHAPE_FULL)
			continue;
		if ((rc = read_field(o, &t[i], rec, err)) != SWGR_OK)
			return rc;
	}
	return SWGR_OK;
}

/* Parses text, which must hold a JSON object, and reads it as read_fields does. */
static enum swgr_rc
read_record(const char *text, size_t len, const struct field *t, size_t n,
    enum swgr_shape shape, void *rec, struct swgr_err *err)
{
	struct json_object *o;
	enum swgr_rc rc;

	if ((rc = swgr_json_parse(text, len, &o, err)) != SWGR_OK)
		return rc;
	if (!json_object_is_type(o, json_type_object))
		rc = swgr_err_set(err, SWGR_ESHAPE, "expected a JSON object");
	else
		rc = read_fields(o, t, n, shape, rec, err);
	json_object_put(o);
	return rc;
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

/* The image member: {"png": base64} or {"jpeg": base64}. */
static enum swgr_rc
image_value(struct json_object *v, void *rec, struct swgr_err *err)
{
	struct swgr_metadata *m = rec;
	struct json_object *val;
	enum swgr_rc rc;
	int which;

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

/* The identifier member: {"email": address} or {"text": address}. */
static enum swgr_rc
identifier_value(struct json_object *v, void *rec, struct swgr_err *err)
{
	struct swgr_metadata *m = rec;
	struct json_object *val;
	enum swgr_rc rc;
	const char *name;
	int which;

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

#define BK(m)	offsetof(struct swgr_backend, m)
static const struct field backend_fields[] = {
	{ "publicKey", K_PUBKEY, F_REQ | F_FULL, .off = BK(pk) },
	{ "name", K_STR, 0, .off = BK(name) },
	{ "partitions", K_STRV, F_REQ, .off = BK(partitions), .aux = BK(npartitions) },
	{ "weight", K_I64, F_REQ, .off = BK(weight), .max = SWGR_WEIGHT_MAX },
	{ "enabled", K_BOOL, F_REQ, .off = BK(enabled) },
	{ "implementation", K_JSON, F_REQ, .off = BK(implementation) },
};

/* PATCH: every field optional; name NULL is unchanged, the others flag their presence. */
#define BP(m)	offsetof(struct swgr_backend_patch, m)
static const struct field backend_patch_fields[] = {
	{ "name", K_STR, 0, .off = BP(name) },
	{ "partitions", K_STRV, F_HAS, .off = BP(partitions), .aux = BP(npartitions),
	    .has = BP(has_partitions) },
	{ "weight", K_I64, F_HAS, .off = BP(weight), .max = SWGR_WEIGHT_MAX,
	    .has = BP(has_weight) },
	{ "enabled", K_BOOL, F_HAS, .off = BP(enabled), .has = BP(has_enabled) },
};

/* The rows after the identity ones are the OfferMetadataSparse fields. */
#define MD(m)	offsetof(struct swgr_metadata, m)
static const struct field metadata_fields[] = {
	{ "id", K_UUID, F_REQ | F_FULL, .off = MD(id) },
	{ "partition", K_STR, F_REQ | F_FULL, .off = MD(partition) },
	{ "text", K_STR, F_REQ, .off = MD(text) },
	{ "longText", K_STR, 0, .off = MD(long_text) },
	{ "image", K_OWN, 0, .own = image_value },
	{ "identifier", K_OWN, 0, .own = identifier_value },
	{ "successAction", K_OWN, 0, .own = swgr_success_action_value },	/* ours */
	{ "payerData", K_OWN, 0, .own = swgr_payer_data_value },		/* ours */
};

/*
 * An offer's "metadata" member is parsed, so it must be a valid
 * OfferMetadataSparse (or null), and then discarded (spec §5).
 */
static enum swgr_rc
offer_metadata_value(struct json_object *v, void *rec, struct swgr_err *err)
{
	struct swgr_metadata m = { 0 };
	enum swgr_rc rc;

	(void)rec;
	if (!json_object_is_type(v, json_type_object))
		return swgr_err_set(err, SWGR_ESHAPE, "metadata: expected an object or null");
	rc = read_fields(v, TABLE(metadata_fields), SWGR_SHAPE_SPARSE, &m, err);
	swgr_metadata_free(&m);
	if (rc != SWGR_OK)
		swgr_err_wrap(err, "metadata");
	return rc;
}

#define OF(m)	offsetof(struct swgr_offer, m)
static const struct field offer_fields[] = {
	{ "partition", K_STR, F_REQ | F_FULL, .off = OF(partition) },
	{ "id", K_UUID, F_REQ | F_FULL, .off = OF(id) },
	{ "maxSendable", K_U64, F_REQ, .off = OF(max_sendable), .max = UINT64_MAX },
	{ "minSendable", K_U64, F_REQ, .off = OF(min_sendable), .max = UINT64_MAX },
	{ "metadataId", K_UUID, F_REQ, .off = OF(metadata_id) },
	{ "timestamp", K_TIME, F_REQ, .off = OF(timestamp) },
	{ "expires", K_TIME, F_HAS, .off = OF(expires), .has = OF(has_expires) },
	{ "metadata", K_OWN, 0, .own = offer_metadata_value },
};

/*
 * An address's domain or username: a string read by its core/lnaddr.h
 * rule (canon) into its canonical form at *out.
 */
static enum swgr_rc
name_value(struct json_object *v, const char *key,
    enum swgr_rc (*canon)(const char *, size_t, char *, struct swgr_err *), char **out,
    struct swgr_err *err)
{
	char buf[SWGR_LNADDR_DOMAIN_MAX + 1];
	struct swgr_err why = { 0 };

	if (!json_object_is_type(v, json_type_string))
		return swgr_err_set(err, SWGR_ESHAPE, "%s: expected a string", key);
	if (canon(json_object_get_string(v), (size_t)json_object_get_string_len(v), buf,
	    &why) != SWGR_OK)
		return swgr_err_set(err, SWGR_ESHAPE, "%s: %s", key, why.msg);
	if ((*out = strdup(buf)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "%s: out of memory", key);
	return SWGR_OK;
}

static enum swgr_rc
domain_value(struct json_object *v, void *rec, struct swgr_err *err)
{
	return name_value(v, "domain", swgr_lnaddr_domain,
	    &((struct swgr_address *)rec)->domain, err);
}

static enum swgr_rc
username_value(struct json_object *v, void *rec, struct swgr_err *err)
{
	return name_value(v, "username", swgr_lnaddr_username,
	    &((struct swgr_address *)rec)->username, err);
}

#define AD(m)	offsetof(struct swgr_address, m)
static const struct field address_fields[] = {
	{ "domain", K_OWN, F_REQ | F_FULL, .own = domain_value },
	{ "username", K_OWN, F_REQ | F_FULL, .own = username_value },
	{ "partition", K_STR, F_REQ, .off = AD(partition) },
	{ "offer", K_UUID, F_REQ, .off = AD(offer) },
	{ "enabled", K_BOOL, 0, .off = AD(enabled) },
};

enum swgr_rc
swgr_backend_from_json(const char *text, size_t len, enum swgr_shape shape,
    struct swgr_backend *out, struct swgr_err *err)
{
	enum swgr_rc rc;

	memset(out, 0, sizeof(*out));
	rc = read_record(text, len, TABLE(backend_fields), shape, out, err);
	if (rc != SWGR_OK)
		swgr_backend_free(out);
	return rc;
}

enum swgr_rc
swgr_backend_patch_from_json(const char *text, size_t len,
    struct swgr_backend_patch *out, struct swgr_err *err)
{
	enum swgr_rc rc;

	memset(out, 0, sizeof(*out));
	rc = read_record(text, len, TABLE(backend_patch_fields), SWGR_SHAPE_FULL,
	    out, err);
	if (rc != SWGR_OK)
		swgr_backend_patch_free(out);
	return rc;
}

enum swgr_rc
swgr_offer_from_json(const char *text, size_t len, enum swgr_shape shape,
    struct swgr_offer *out, struct swgr_err *err)
{
	enum swgr_rc rc;

	memset(out, 0, sizeof(*out));
	rc = read_record(text, len, TABLE(offer_fields), shape, out, err);
	if (rc != SWGR_OK)
		swgr_offer_free(out);
	return rc;
}

enum swgr_rc
swgr_metadata_from_json(const char *text, size_t len, enum swgr_shape shape,
    struct swgr_metadata *out, struct swgr_err *err)
{
	enum swgr_rc rc;

	memset(out, 0, sizeof(*out));
	rc = read_record(text, len, TABLE(metadata_fields), shape, out, err);
	if (rc != SWGR_OK)
		swgr_metadata_free(out);
	return rc;
}

enum swgr_rc
swgr_address_from_json(const char *text, size_t len, enum swgr_shape shape,
    struct swgr_address *out, struct swgr_err *err)
{
	enum swgr_rc rc;

	memset(out, 0, sizeof(*out));
	out->enabled = true;
	rc = read_record(text, len, TABLE(address_fields), shape, out, err);
	if (rc != SWGR_OK)
		swgr_address_free(out);
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
	enum swgr_rc rc;

	rc = read_record(text, len, TABLE(metadata_fields), SWGR_SHAPE_SPARSE, &m, err);
	if (rc != SWGR_OK) {
		swgr_metadata_free(&m);
		return rc;
	}
	/* every sparse member, ours included; out's identity and times stay */
	m.id = out->id;
	m.partition = out->partition;
	m.created_at = out->created_at;
	m.updated_at = out->updated_at;
	*out = m;
	return SWGR_OK;
}
