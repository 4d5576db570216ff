/* Unit tests of libswgr/model/model.c and libswgr/core/json.c: JSON forms of backends, offers and metadata. */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "model/model.h"
#include "t.h"

#define S(lit)	(lit), (sizeof(lit) - 1)

#define PK_UPPER "0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798"
#define PK "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
#define PK_UNCOMP "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" \
	"483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"

#define IMPL_IN "{\"type\":\"clnGrpc\",\"url\":\"https://h:1\",\"auth\":{\"type\":\"path\"," \
	"\"clientKeyPath\":\"k\",\"clientCertPath\":\"c\"},\"domain\":null}"
#define IMPL_OUT "{\"auth\":{\"clientCertPath\":\"c\",\"clientKeyPath\":\"k\",\"type\":\"path\"}," \
	"\"domain\":null,\"type\":\"clnGrpc\",\"url\":\"https://h:1\"}"

/* The rc of parsing a full backend body; frees the result. */
static enum swgr_rc
backend_rc(const char *text, char *msg, size_t msgsz)
{
	struct swgr_backend b;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	rc = swgr_backend_from_json(text, strlen(text), SWGR_SHAPE_FULL, &b, &err);
	if (msg != NULL)
		snprintf(msg, msgsz, "%s", rc == SWGR_OK ? "" : err.msg);
	if (rc == SWGR_OK)
		swgr_backend_free(&b);
	return rc;
}

#define BK(pk, name, parts, weight, enabled, impl) \
	"{\"publicKey\":" pk "," name "\"partitions\":" parts ",\"weight\":" weight \
	",\"enabled\":" enabled impl "}"
#define IMPL ",\"implementation\":{}"

static void
test_backend(void)
{
	struct swgr_backend b, v[2];
	struct swgr_err err = { 0 };
	struct swgr_buf out = { 0 };
	char msg[512];
	const char *text;

	text = "{\"publicKey\":\"" PK_UPPER "\",\"name\":\"n1\",\"partitions\":[\"b\",\"a\",\"b\"],"
	    "\"weight\":5,\"enabled\":true,\"extra\":[1,2],\"implementation\":" IMPL_IN "}";
	CHECK_INT(swgr_backend_from_json(text, strlen(text), SWGR_SHAPE_FULL, &b, &err), SWGR_OK);
	CHECK_STR(b.name, "n1");
	CHECK_INT(b.npartitions, 2);
	CHECK_STR(b.partitions[0], "a");
	CHECK_STR(b.partitions[1], "b");
	CHECK_INT(b.weight, 5);
	CHECK(b.enabled);
	CHECK_STR(b.implementation, IMPL_OUT);
	swgr_backend_to_json(&out, &b, false);
	CHECK_STR(out.p, "{\"publicKey\":\"" PK "\",\"name\":\"n1\",\"partitions\":[\"a\",\"b\"],"
	    "\"weight\":5,\"enabled\":true,\"implementation\":" IMPL_OUT "}");
	swgr_buf_reset(&out);
	swgr_backend_to_json(&out, &b, true);
	CHECK_STR(out.p,
	    "{\n"
	    "  \"publicKey\": \"" PK "\",\n"
	    "  \"name\": \"n1\",\n"
	    "  \"partitions\": [\n"
	    "    \"a\",\n"
	    "    \"b\"\n"
	    "  ],\n"
	    "  \"weight\": 5,\n"
	    "  \"enabled\": true,\n"
	    "  \"implementation\": {\n"
	    "    \"auth\": {\n"
	    "      \"clientCertPath\": \"c\",\n"
	    "      \"clientKeyPath\": \"k\",\n"
	    "      \"type\": \"path\"\n"
	    "    },\n"
	    "    \"domain\": null,\n"
	    "    \"type\": \"clnGrpc\",\n"
	    "    \"url\": \"https://h:1\"\n"
	    "  }\n"
	    "}");
	swgr_buf_reset(&out);
	v[0] = b;

	/* No name, empty partitions, null implementation, uncompressed key. */
	text = "{\"publicKey\":\"" PK_UNCOMP "\",\"name\":null,\"partitions\":[],"
	    "\"weight\":0,\"enabled\":false,\"implementation\":null}";
	CHECK_INT(swgr_backend_from_json(text, strlen(text), SWGR_SHAPE_FULL, &b, &err), SWGR_OK);
	CHECK(b.name == NULL);
	CHECK_INT(b.npartitions, 0);
	CHECK_STR(b.implementation, "null");
	v[1] = b;
	swgr_backends_to_json(&out, v, 2, false);
	CHECK_STR(out.p, "[{\"publicKey\":\"" PK "\",\"name\":\"n1\",\"partitions\":[\"a\",\"b\"],"
	    "\"weight\":5,\"enabled\":true,\"implementation\":" IMPL_OUT "},"
	    "{\"publicKey\":\"" PK "\",\"partitions\":[],\"weight\":0,\"enabled\":false,"
	    "\"implementation\":null}]");
	swgr_buf_reset(&out);
	swgr_backends_to_json(&out, v + 1, 1, true);
	CHECK_STR(out.p,
	    "[\n"
	    "  {\n"
	    "    \"publicKey\": \"" PK "\",\n"
	    "    \"partitions\": [],\n"
	    "    \"weight\": 0,\n"
	    "    \"enabled\": false,\n"
	    "    \"implementation\": null\n"
	    "  }\n"
	    "]");
	swgr_buf_reset(&out);
	swgr_backends_to_json(&out, v, 0, true);
	CHECK_STR(out.p, "[]");
	swgr_buf_free(&out);
	swgr_backends_free(NULL, 0);
	{
		struct swgr_backend *arr = calloc(2, sizeof(*arr));

		CHECK(arr != NULL);
		arr[0] = v[0];
		arr[1] = v[1];
		swgr_backends_free(arr, 2);
	}

	/* Sparse shape: publicKey not needed and ignored. */
	text = "{\"publicKey\":\"nonsense\",\"partitions\":[\"p\"],\"weight\":2147483647,"
	    "\"enabled\":true,\"implementation\":[3,{\"b\":1,\"a\":2}]}";
	CHECK_INT(swgr_backend_from_json(text, strlen(text), SWGR_SHAPE_SPARSE, &b, &err), SWGR_OK);
	CHECK_INT(b.weight, 2147483647);
	CHECK_STR(b.implementation, "[3,{\"a\":2,\"b\":1}]");
	swgr_backend_free(&b);
	CHECK(b.implementation == NULL);

	/* Duplicate keys: the last wins. */
	text = BK("\"" PK "\"", "", "[]", "1", "true", IMPL ",\"weight\":7");
	CHECK_INT(swgr_backend_from_json(text, strlen(text), SWGR_SHAPE_FULL, &b, &err), SWGR_OK);
	CHECK_INT(b.weight, 7);
	swgr_backend_free(&b);

	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "[]", "1", "true", IMPL), NULL, 0), SWGR_OK);
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "[]", "1", "true", ""), msg, sizeof(msg)),
	    SWGR_ESHAPE);
	CHECK_STR(msg, "implementation: missing field");
	CHECK_INT(backend_rc(BK("\"02" PK "\"", "", "[]", "1", "true", IMPL), msg, sizeof(msg)),
	    SWGR_ESHAPE);
	CHECK_STR(msg, "publicKey: not a valid secp256k1 public key");
	CHECK_INT(backend_rc(BK("null", "", "[]", "1", "true", IMPL), NULL, 0), SWGR_ESHAPE);
	CHECK_INT(backend_rc(BK("7", "", "[]", "1", "true", IMPL), NULL, 0), SWGR_ESHAPE);
	CHECK_INT(backend_rc("{\"partitions\":[],\"weight\":1,\"enabled\":true" IMPL "}",
	    msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "publicKey: missing field");
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "[]", "2147483648", "true", IMPL),
	    msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "weight: expected an integer between 0 and 2147483647");
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "[]", "-1", "true", IMPL), NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "[]", "1.0", "true", IMPL), NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "[]", "1e2", "true", IMPL), NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "[]", "\"1\"", "true", IMPL), NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "[]", "null", "true", IMPL), NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "[]", "1", "1", IMPL), msg, sizeof(msg)),
	    SWGR_ESHAPE);
	CHECK_STR(msg, "enabled: expected true or false");
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "{}", "1", "true", IMPL), NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "\"a\"", "1", "true", IMPL), NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "null", "1", "true", IMPL), NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "[\"a\",1]", "1", "true", IMPL),
	    msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "partitions[1]: expected a string");
	CHECK_INT(backend_rc(BK("\"" PK "\"", "", "[\"a\\u0000\"]", "1", "true", IMPL),
	    NULL, 0), SWGR_ESHAPE);
	CHECK_INT(backend_rc(BK("\"" PK "\"", "\"name\":\"x\\u0000y\",", "[]", "1", "true",
	    IMPL), msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "name: must not contain U+0000");
	CHECK_INT(backend_rc(BK("\"" PK "\"", "\"name\":5,", "[]", "1", "true", IMPL),
	    NULL, 0), SWGR_ESHAPE);
	CHECK_INT(backend_rc("[]", msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "expected a JSON object");
	CHECK_INT(backend_rc("null", NULL, 0), SWGR_ESHAPE);
	CHECK_INT(backend_rc("\"x\"", NULL, 0), SWGR_ESHAPE);
	CHECK_INT(backend_rc("{\"a\\u0000\":1}", NULL, 0), SWGR_ESHAPE);

	/* Syntax errors. */
	CHECK_INT(backend_rc("", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("  ", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{}x", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{}{}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":1,}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":[1,]}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{'a':1}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{a:1}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":01}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":-}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":1.}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":.5}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":+1}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":1e}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":1e400}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":NaN}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":True}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":tru}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":\"x\ty\"}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":\"\\x\"}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":\"\\u12\"}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":\"\\ud800\"}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":\"\\udc00\"}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":\"\\ud800\\u0041\"}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":\"\xff\"}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("\xef\xbb\xbf{}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{/*c*/}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":1}\f", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\" 1}", NULL, 0), SWGR_ESYNTAX);
	CHECK_INT(backend_rc("{\"a\":1 \"b\":2}", NULL, 0), SWGR_ESYNTAX);
	/* Whitespace of all four kinds is fine; the body is then of the wrong shape. */
	CHECK_INT(backend_rc(" \t\r\n{ \"a\" : [ ] }\n", NULL, 0), SWGR_ESHAPE);
	/* Embedded NUL byte in the body. */
	{
		struct swgr_backend bb;

		CHECK_INT(swgr_backend_from_json("{}\0", 3, SWGR_SHAPE_FULL, &bb, NULL),
		    SWGR_ESYNTAX);
		/* The text need not be NUL-terminated. */
		CHECK_INT(swgr_backend_from_json("{}}", 2, SWGR_SHAPE_FULL, &bb, NULL),
		    SWGR_ESHAPE);
	}
}

static void
test_depth(void)
{
	char text[600], *c = NULL;
	struct swgr_err err = { 0 };
	int i, n;

	/* serde_json takes 127 levels and refuses 128. */
	for (n = 127; n <= 128; n++) {
		for (i = 0; i < n; i++)
			text[i] = '[';
		for (i = 0; i < n; i++)
			text[n + i] = ']';
		text[2 * n] = '\0';
		CHECK_INT(swgr_json_canonical(text, strlen(text), &c, &err),
		    n == 127 ? SWGR_OK : SWGR_ESYNTAX);
		if (c != NULL)
			CHECK_INT(strlen(c), 254);
		free(c);
		c = NULL;
	}
}

static void
test_patch(void)
{
	struct swgr_backend_patch p;
	struct swgr_err err = { 0 };
	const char *text;

	CHECK_INT(swgr_backend_patch_from_json(S("{}"), &p, &err), SWGR_OK);
	CHECK(p.name == NULL && !p.has_partitions && !p.has_weight && !p.has_enabled);
	swgr_backend_patch_free(&p);
	text = "{\"name\":null,\"partitions\":null,\"weight\":null,\"enabled\":null}";
	CHECK_INT(swgr_backend_patch_from_json(text, strlen(text), &p, &err), SWGR_OK);
	CHECK(p.name == NULL && !p.has_partitions && !p.has_weight && !p.has_enabled);
	swgr_backend_patch_free(&p);
	text = "{\"name\":\"x\",\"partitions\":[\"z\",\"z\",\"y\"],\"weight\":3,\"enabled\":false}";
	CHECK_INT(swgr_backend_patch_from_json(text, strlen(text), &p, &err), SWGR_OK);
	CHECK_STR(p.name, "x");
	CHECK(p.has_partitions);
	CHECK_INT(p.npartitions, 2);
	CHECK_STR(p.partitions[0], "y");
	CHECK(p.has_weight);
	CHECK_INT(p.weight, 3);
	CHECK(p.has_enabled);
	CHECK(!p.enabled);
	swgr_backend_patch_free(&p);
	CHECK(p.name == NULL && p.partitions == NULL);
	text = "{\"partitions\":[]}";
	CHECK_INT(swgr_backend_patch_from_json(text, strlen(text), &p, &err), SWGR_OK);
	CHECK(p.has_partitions);
	CHECK_INT(p.npartitions, 0);
	swgr_backend_patch_free(&p);
	CHECK_INT(swgr_backend_patch_from_json(S("{\"weight\":-3}"), &p, &err), SWGR_ESHAPE);
	CHECK_STR(err.msg, "weight: expected an integer between 0 and 2147483647");
	CHECK_INT(swgr_backend_patch_from_json(S("{\"enabled\":\"yes\"}"), &p, &err),
	    SWGR_ESHAPE);
	CHECK_INT(swgr_backend_patch_from_json(S("{\"name\":\"x\",\"partitions\":[null]}"),
	    &p, &err), SWGR_ESHAPE);
	CHECK(p.name == NULL);
	CHECK_INT(swgr_backend_patch_from_json(S("{\"name\":1"), &p, &err), SWGR_ESYNTAX);
	CHECK_INT(swgr_backend_patch_from_json(S("[]"), &p, &err), SWGR_ESHAPE);
}

#define OID "\"id\":\"{67E55044-10B1-426F-9247-BB680E5FE0C8}\","
#define OFFER(max, min, mid, ts, rest) "{\"partition\":\"default\"," OID \
	"\"maxSendable\":" max ",\"minSendable\":" min ",\"metadataId\":" mid \
	",\"timestamp\":" ts rest "}"
#define MID "\"00000000-0000-0000-0000-000000000001\""
#define TS "\"2024-01-01T01:00:00.5+01:00\""

static enum swgr_rc
offer_rc(const char *text, enum swgr_shape shape, char *msg, size_t msgsz)
{
	struct swgr_offer o;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	rc = swgr_offer_from_json(text, strlen(text), shape, &o, &err);
	if (msg != NULL)
		snprintf(msg, msgsz, "%s", rc == SWGR_OK ? "" : err.msg);
	if (rc == SWGR_OK)
		swgr_offer_free(&o);
	return rc;
}

static void
test_offer(void)
{
	struct swgr_offer o, v[2];
	struct swgr_err err = { 0 };
	struct swgr_buf out = { 0 };
	char msg[512];
	const char *text;

	/* An embedded metadata object must be a valid OfferMetadataSparse, then is dropped. */
	text = OFFER("1", "1", MID, TS, ",\"metadata\":{\"bogus\":1}");
	CHECK_INT(offer_rc(text, SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK(strstr(msg, "metadata") != NULL && strstr(msg, "text") != NULL);
	text = OFFER("1", "1", MID, TS, ",\"metadata\":{\"text\":\"t\",\"image\":{\"png\":\"A\"}}");
	CHECK_INT(offer_rc(text, SWGR_SHAPE_SPARSE, msg, sizeof(msg)), SWGR_ESHAPE);
	text = OFFER("1", "1", MID, TS, ",\"metadata\":[]");
	CHECK_INT(offer_rc(text, SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_ESHAPE);
	text = OFFER("18446744073709551615", "0", MID, TS,
	    ",\"expires\":null,\"metadata\":{\"text\":\"ignored\"}");
	CHECK_INT(swgr_offer_from_json(text, strlen(text), SWGR_SHAPE_FULL, &o, &err), SWGR_OK);
	CHECK_STR(o.partition, "default");
	CHECK(o.max_sendable == UINT64_MAX);
	CHECK(o.min_sendable == 0);
	CHECK(!o.has_expires);
	CHECK(o.metadata == NULL);
	CHECK_INT(o.timestamp.sec, 1704067200);
	CHECK_INT(o.timestamp.nsec, 500000000);
	swgr_offer_to_json(&out, &o, false);
	CHECK_STR(out.p, "{\"partition\":\"default\",\"id\":\"67e55044-10b1-426f-9247-bb680e5fe0c8\","
	    "\"maxSendable\":18446744073709551615,\"minSendable\":0,"
	    "\"metadataId\":\"00000000-0000-0000-0000-000000000001\","
	    "\"timestamp\":\"2024-01-01T00:00:00.500Z\"}");
	swgr_buf_reset(&out);
	v[0] = o;

	text = OFFER("1000", "1", MID, "\"2024-01-01T00:00:00Z\"",
	    ",\"expires\":\"2025-01-01T00:00:00Z\"");
	CHECK_INT(swgr_offer_from_json(text, strlen(text), SWGR_SHAPE_FULL, &o, &err), SWGR_OK);
	CHECK(o.has_expires);
	CHECK_INT(o.expires.sec, 1735689600);
	/* Embedded metadata (GET ?sparse=false). */
	o.metadata = calloc(1, sizeof(*o.metadata));
	CHECK(o.metadata != NULL);
	o.metadata->text = strdup("t");
	o.metadata->partition = strdup("default");
	swgr_offer_to_json(&out, &o, false);
	CHECK_STR(out.p, "{\"partition\":\"default\",\"id\":\"67e55044-10b1-426f-9247-bb680e5fe0c8\","
	    "\"maxSendable\":1000,\"minSendable\":1,"
	    "\"metadataId\":\"00000000-0000-0000-0000-000000000001\","
	    "\"metadata\":{\"text\":\"t\"},"
	    "\"timestamp\":\"2024-01-01T00:00:00Z\",\"expires\":\"2025-01-01T00:00:00Z\"}");
	swgr_buf_reset(&out);
	v[1] = o;
	swgr_offers_to_json(&out, v, 2, true);
	CHECK_STR(out.p,
	    "[\n"
	    "  {\n"
	    "    \"partition\": \"default\",\n"
	    "    \"id\": \"67e55044-10b1-426f-9247-bb680e5fe0c8\",\n"
	    "    \"maxSendable\": 18446744073709551615,\n"
	    "    \"minSendable\": 0,\n"
	    "    \"metadataId\": \"00000000-0000-0000-0000-000000000001\",\n"
	    "    \"timestamp\": \"2024-01-01T00:00:00.500Z\"\n"
	    "  },\n"
	    "  {\n"
	    "    \"partition\": \"default\",\n"
	    "    \"id\": \"67e55044-10b1-426f-9247-bb680e5fe0c8\",\n"
	    "    \"maxSendable\": 1000,\n"
	    "    \"minSendable\": 1,\n"
	    "    \"metadataId\": \"00000000-0000-0000-0000-000000000001\",\n"
	    "    \"metadata\": {\n"
	    "      \"text\": \"t\"\n"
	    "    },\n"
	    "    \"timestamp\": \"2024-01-01T00:00:00Z\",\n"
	    "    \"expires\": \"2025-01-01T00:00:00Z\"\n"
	    "  }\n"
	    "]");
	swgr_buf_free(&out);
	swgr_offer_free(&v[0]);
	swgr_offer_free(&v[1]);
	CHECK(v[1].metadata == NULL);

	/* Sparse: partition and id are not read. */
	text = "{\"maxSendable\":5,\"minSendable\":5,\"metadataId\":" MID ",\"timestamp\":" TS "}";
	CHECK_INT(swgr_offer_from_json(text, strlen(text), SWGR_SHAPE_SPARSE, &o, &err), SWGR_OK);
	CHECK(o.partition == NULL);
	swgr_offer_free(&o);
	CHECK_INT(offer_rc(text, SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "partition: missing field");

	CHECK_INT(offer_rc(OFFER("18446744073709551616", "0", MID, TS, ""),
	    SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "maxSendable: expected an integer between 0 and 18446744073709551615");
	CHECK_INT(offer_rc(OFFER("99999999999999999999999", "0", MID, TS, ""),
	    SWGR_SHAPE_FULL, NULL, 0), SWGR_ESHAPE);
	CHECK_INT(offer_rc(OFFER("1", "-0", MID, TS, ""), SWGR_SHAPE_FULL, NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(offer_rc(OFFER("1", "-1", MID, TS, ""), SWGR_SHAPE_FULL, NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(offer_rc(OFFER("1", "1.0", MID, TS, ""), SWGR_SHAPE_FULL, NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(offer_rc(OFFER("1", "9223372036854775808", MID, TS, ""), SWGR_SHAPE_FULL,
	    NULL, 0), SWGR_OK);
	CHECK_INT(offer_rc(OFFER("1", "1", "\"x\"", TS, ""), SWGR_SHAPE_FULL, msg, sizeof(msg)),
	    SWGR_ESHAPE);
	CHECK_STR(msg, "metadataId: not a valid UUID");
	CHECK_INT(offer_rc(OFFER("1", "1", "null", TS, ""), SWGR_SHAPE_FULL, NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(offer_rc(OFFER("1", "1", MID, "\"2024-01-01T00:00:00\"", ""),
	    SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "timestamp: not a valid RFC 3339 date-time");
	CHECK_INT(offer_rc(OFFER("1", "1", MID, "1704067200", ""), SWGR_SHAPE_FULL, NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(offer_rc(OFFER("1", "1", MID, TS, ",\"expires\":\"2024-02-30T00:00:00Z\""),
	    SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "expires: not a valid RFC 3339 date-time");
	CHECK_INT(offer_rc("{\"partition\":\"p\",\"id\":\"1\",\"maxSendable\":1,"
	    "\"minSendable\":1,\"metadataId\":" MID ",\"timestamp\":" TS "}",
	    SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "id: not a valid UUID");
	CHECK_INT(offer_rc("{\"partition\":\"p\",", SWGR_SHAPE_FULL, NULL, 0), SWGR_ESYNTAX);
}

/* swgr_offer_check: min, max, the rc and a word of the message. */
static void
check_amounts(uint64_t min, uint64_t max, enum swgr_rc want, const char *why)
{
	struct swgr_offer o = { .min_sendable = min, .max_sendable = max };
	struct swgr_err err = { 0 };

	CHECK_INT(swgr_offer_check(&o, &err), want);
	if (why != NULL)
		CHECK(strstr(err.msg, why) != NULL);
}

static void
test_offer_check(void)
{
	check_amounts(1, 1, SWGR_OK, NULL);
	check_amounts(1, SWGR_MSAT_MAX, SWGR_OK, NULL);
	check_amounts(SWGR_MSAT_MAX, SWGR_MSAT_MAX, SWGR_OK, NULL);
	check_amounts(1000, 100000, SWGR_OK, NULL);
	check_amounts(0, 1000, SWGR_ESHAPE, "minSendable must be at least 1");
	check_amounts(0, 0, SWGR_ESHAPE, "minSendable");
	check_amounts(1001, 1000, SWGR_ESHAPE, "minSendable 1001 is greater than maxSendable 1000");
	check_amounts(1, SWGR_MSAT_MAX + 1, SWGR_ESHAPE, "maxSendable 2100000000000000001 is over");
	check_amounts(1, UINT64_MAX, SWGR_ESHAPE, "maxSendable");
	check_amounts(UINT64_MAX, UINT64_MAX, SWGR_ESHAPE, "maxSendable");
}

#define META_EXAMPLE "{\"id\":\"00000000-0000-0000-0000-000000000000\",\"partition\":\"default\"," \
	"\"text\":\"text\",\"longText\":\"long text\",\"image\":{\"png\":\"AAE=\"}," \
	"\"identifier\":{\"email\":\"email@example.com\"}}"

static enum swgr_rc
meta_rc(const char *sparse_members, char *msg, size_t msgsz)
{
	struct swgr_metadata m;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;
	char text[1024];

	snprintf(text, sizeof(text), "{%s}", sparse_members);
	rc = swgr_metadata_from_json(text, strlen(text), SWGR_SHAPE_SPARSE, &m, &err);
	if (msg != NULL)
		snprintf(msg, msgsz, "%s", rc == SWGR_OK ? "" : err.msg);
	if (rc == SWGR_OK)
		swgr_metadata_free(&m);
	return rc;
}

static void
test_metadata(void)
{
	struct swgr_metadata m, n, v[2];
	struct swgr_err err = { 0 };
	struct swgr_buf out = { 0 };
	char msg[512];
	const char *text;

	CHECK_INT(swgr_metadata_from_json(S(META_EXAMPLE), SWGR_SHAPE_FULL, &m, &err), SWGR_OK);
	CHECK_STR(m.partition, "default");
	CHECK_STR(m.text, "text");
	CHECK_STR(m.long_text, "long text");
	CHECK_INT(m.image_kind, SWGR_IMAGE_PNG);
	CHECK_INT(m.image_len, 2);
	CHECK(m.image != NULL && m.image[0] == 0 && m.image[1] == 1);
	CHECK_INT(m.ident_kind, SWGR_IDENT_EMAIL);
	CHECK_STR(m.identifier, "email@example.com");
	swgr_metadata_to_json(&out, &m, false);
	CHECK_STR(out.p, META_EXAMPLE);
	swgr_buf_reset(&out);
	swgr_metadata_sparse_to_json(&out, &m);
	CHECK_STR(out.p, "{\"text\":\"text\",\"longText\":\"long text\",\"image\":{\"png\":\"AAE=\"},"
	    "\"identifier\":{\"email\":\"email@example.com\"}}");

	/* The stored column reads back into the sparse fields only. */
	memset(&n, 0, sizeof(n));
	n.partition = strdup("kept");
	CHECK_INT(swgr_metadata_sparse_from_json(out.p, out.len, &n, &err), SWGR_OK);
	CHECK_STR(n.partition, "kept");
	CHECK_STR(n.text, "text");
	CHECK_STR(n.long_text, "long text");
	CHECK_INT(n.image_kind, SWGR_IMAGE_PNG);
	CHECK_INT(n.image_len, 2);
	CHECK_INT(n.ident_kind, SWGR_IDENT_EMAIL);
	CHECK_STR(n.identifier, "email@example.com");
	CHECK_INT(swgr_metadata_sparse_from_json(S("{\"text\":1}"), &n, &err), SWGR_ESHAPE);
	CHECK_STR(n.text, "text");
	swgr_buf_reset(&out);
	swgr_metadata_free(&n);

	/* Minimal, jpeg, text identifier in display form; pretty list. */
	text = "{\"id\":\"00000000000000000000000000000002\",\"partition\":\"p\",\"text\":\"a\\\"\\n/\","
	    "\"longText\":null,\"image\":{\"jpeg\":\"\"},\"identifier\":{\"text\":\"Me <me@x.y>\"}}";
	CHECK_INT(swgr_metadata_from_json(text, strlen(text), SWGR_SHAPE_FULL, &n, &err), SWGR_OK);
	CHECK(n.long_text == NULL);
	CHECK_INT(n.image_kind, SWGR_IMAGE_JPEG);
	CHECK_INT(n.image_len, 0);
	CHECK_INT(n.ident_kind, SWGR_IDENT_TEXT);
	CHECK_STR(n.identifier, "Me <me@x.y>");
	v[0] = m;
	v[1] = n;
	swgr_metadatas_to_json(&out, v, 2, false);
	CHECK_STR(out.p, "[" META_EXAMPLE ",{\"id\":\"00000000-0000-0000-0000-000000000002\","
	    "\"partition\":\"p\",\"text\":\"a\\\"\\n/\",\"image\":{\"jpeg\":\"\"},"
	    "\"identifier\":{\"text\":\"Me <me@x.y>\"}}]");
	swgr_buf_reset(&out);
	swgr_metadata_to_json(&out, &n, true);
	CHECK_STR(out.p,
	    "{\n"
	    "  \"id\": \"00000000-0000-0000-0000-000000000002\",\n"
	    "  \"partition\": \"p\",\n"
	    "  \"text\": \"a\\\"\\n/\",\n"
	    "  \"image\": {\n"
	    "    \"jpeg\": \"\"\n"
	    "  },\n"
	    "  \"identifier\": {\n"
	    "    \"text\": \"Me <me@x.y>\"\n"
	    "  }\n"
	    "}");
	swgr_buf_free(&out);
	swgr_metadata_free(&m);
	swgr_metadata_free(&n);
	CHECK(n.identifier == NULL && n.image == NULL);

	CHECK_INT(meta_rc("\"text\":\"t\"", NULL, 0), SWGR_OK);
	CHECK_INT(meta_rc("\"text\":\"t\",\"image\":null,\"identifier\":null", NULL, 0), SWGR_OK);
	CHECK_INT(meta_rc("\"longText\":\"t\"", msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "text: missing field");
	CHECK_INT(meta_rc("\"text\":null", NULL, 0), SWGR_ESHAPE);
	CHECK_INT(meta_rc("\"text\":\"t\",\"longText\":[]", NULL, 0), SWGR_ESHAPE);
	CHECK_INT(meta_rc("\"text\":\"t\",\"image\":{\"png\":\"AAE=\",\"jpeg\":\"AAE=\"}",
	    msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "image: expected an object with exactly one key, \"png\" or \"jpeg\"");
	CHECK_INT(meta_rc("\"text\":\"t\",\"image\":{}", NULL, 0), SWGR_ESHAPE);
	CHECK_INT(meta_rc("\"text\":\"t\",\"image\":{\"gif\":\"AAE=\"}", NULL, 0), SWGR_ESHAPE);
	CHECK_INT(meta_rc("\"text\":\"t\",\"image\":\"png\"", NULL, 0), SWGR_ESHAPE);
	CHECK_INT(meta_rc("\"text\":\"t\",\"image\":{\"png\":null}", NULL, 0), SWGR_ESHAPE);
	CHECK_INT(meta_rc("\"text\":\"t\",\"image\":{\"png\":\"AAE\"}", msg, sizeof(msg)),
	    SWGR_ESHAPE);
	CHECK_STR(msg, "image.png: not valid padded standard base64");
	CHECK_INT(meta_rc("\"text\":\"t\",\"image\":{\"png\":\"AAF=\"}", NULL, 0), SWGR_ESHAPE);
	CHECK_INT(meta_rc("\"text\":\"t\",\"identifier\":{\"email\":\"nope\"}", msg, sizeof(msg)),
	    SWGR_ESHAPE);
	CHECK_STR(msg, "identifier.email: not a valid e-mail address");
	CHECK_INT(meta_rc("\"text\":\"t\",\"identifier\":{\"text\":\"nope\"}", msg, sizeof(msg)),
	    SWGR_ESHAPE);
	CHECK_STR(msg, "identifier.text: not a valid e-mail address");
	CHECK_INT(meta_rc("\"text\":\"t\",\"identifier\":{\"email\":\"a@b\",\"text\":\"a@b\"}",
	    NULL, 0), SWGR_ESHAPE);
	CHECK_INT(meta_rc("\"text\":\"t\",\"identifier\":{\"phone\":\"a@b\"}", NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(meta_rc("\"text\":\"t\",\"identifier\":{\"email\":\"a@b\\u0000\"}", NULL, 0),
	    SWGR_ESHAPE);
	CHECK_INT(swgr_metadata_from_json(S("{\"text\":\"t\"}"), SWGR_SHAPE_FULL, &m, &err),
	    SWGR_ESHAPE);
	CHECK_STR(err.msg, "id: missing field");
}

/*
 * Ours: successAction (LUD-09) and payerData (LUD-18) on metadata, read,
 * written back in their canonical form after identifier, and refused with
 * the member named.
 */
static const struct { const char *members, *msg; } bad_lud[] = {
	{ "\"successAction\":\"thanks\"", "successAction: expected an object or null" },
	{ "\"successAction\":{\"message\":\"x\"}",
	    "successAction.tag: expected \"message\" or \"url\"" },
	{ "\"successAction\":{\"tag\":\"aes\",\"message\":\"x\"}",
	    "successAction.tag: 'aes' is not supported: expected \"message\" or \"url\" (a wallet "
	    "refuses to pay for a tag it does not know)" },
	{ "\"successAction\":{\"tag\":\"message\"}", "successAction.message: missing field" },
	{ "\"successAction\":{\"tag\":\"message\",\"message\":\"\"}",
	    "successAction.message: expected 1 to 144 characters" },
	{ "\"successAction\":{\"tag\":\"message\",\"message\":\"x\",\"url\":\"https://a\"}",
	    "successAction.url: unknown field of a message (tag, message)" },
	{ "\"successAction\":{\"tag\":\"url\",\"url\":\"https://a.example/\"}",
	    "successAction.description: missing field" },
	{ "\"successAction\":{\"tag\":\"url\",\"description\":\"d\",\"url\":\"ftp://a/\"}",
	    "successAction.url: expected an https:// or http:// URL" },
	{ "\"successAction\":{\"tag\":\"url\",\"description\":\"d\",\"url\":\"https:///x\"}",
	    "successAction.url: expected a host" },
	{ "\"successAction\":{\"tag\":\"url\",\"description\":\"d\","
	    "\"url\":\"https://u:p@a.example/\"}", "successAction.url: expected a host without "
	    "user info" },
	{ "\"successAction\":{\"tag\":\"url\",\"description\":\"d\","
	    "\"url\":\"https://a.example/a b\"}", "successAction.url: spaces, control and "
	    "non-ASCII characters must be percent-encoded" },
	{ "\"payerData\":{}", "payerData: expected an object naming at least one of name, "
	    "pubkey, identifier, email, or null" },
	{ "\"payerData\":{\"auth\":{\"mandatory\":true,\"k1\":\"00\"}}",
	    "payerData.auth: LUD-18 auth (a LUD-04 signature) is not supported" },
	{ "\"payerData\":{\"phone\":{\"mandatory\":true}}",
	    "payerData.phone: unknown identity: expected name, pubkey, identifier or email" },
	{ "\"payerData\":{\"name\":{\"mandatory\":1}}",
	    "payerData.name: expected {\"mandatory\": true or false}" },
	{ "\"payerData\":{\"name\":{\"mandatory\":true,\"x\":1}}",
	    "payerData.name: expected {\"mandatory\": true or false}" },
};

static void
test_lud(void)
{
	struct swgr_metadata m;
	struct swgr_err err = { 0 };
	struct swgr_buf out = { 0 };
	char text[1024], msg[512], e144[2 * 145 + 1] = "";
	const char *host;
	size_t i;

	/* 144 characters (two bytes each) are fine, 145 are not */
	for (i = 0; i < 144; i++)
		strcat(e144, "\xc3\xa9");
	snprintf(text, sizeof(text), "{\"text\":\"t\",\"successAction\":{\"message\":\"%s\","
	    "\"tag\":\"message\"},\"payerData\":{\"email\":{\"mandatory\":false},"
	    "\"name\":{\"mandatory\":true}}}", e144);
	CHECK_INT(swgr_metadata_from_json(text, strlen(text), SWGR_SHAPE_SPARSE, &m, &err), SWGR_OK);
	CHECK_INT(m.sa_kind, SWGR_SA_MESSAGE);
	CHECK_INT(m.payer_asked, SWGR_PAYER_NAME | SWGR_PAYER_EMAIL);
	CHECK_INT(m.payer_mandatory, SWGR_PAYER_NAME);
	swgr_metadata_sparse_to_json(&out, &m);
	CHECK(strstr(out.p, "\"successAction\":{\"tag\":\"message\",\"message\":\"") != NULL);
	CHECK(strstr(out.p, "\"},\"payerData\":{\"name\":{\"mandatory\":true},"
	    "\"email\":{\"mandatory\":false}}}") != NULL);	/* canonical order, last */
	swgr_buf_free(&out);
	swgr_metadata_free(&m);
	strcat(e144, "\xc3\xa9");
	snprintf(text, sizeof(text), "{\"text\":\"t\",\"successAction\":{\"message\":\"%s\","
	    "\"tag\":\"message\"}}", e144);
	CHECK_INT(swgr_metadata_from_json(text, strlen(text), SWGR_SHAPE_SPARSE, &m, &err),
	    SWGR_ESHAPE);
	CHECK_STR(err.msg, "successAction.message: expected 1 to 144 characters");

	/* a url, round trip exact; its host */
	CHECK_INT(meta_rc("\"text\":\"t\",\"identifier\":{\"text\":\"a@b.c\"},"
	    "\"successAction\":{\"url\":\"https://Shop.example:8443/o/1?x=1#f\",\"tag\":\"url\","
	    "\"description\":\"your order\"}", msg, sizeof(msg)), SWGR_OK);
	CHECK_INT(swgr_metadata_from_json(S("{\"text\":\"t\",\"successAction\":{\"tag\":\"url\","
	    "\"description\":\"d\",\"url\":\"https://Shop.example:8443/o/1\"}}"),
	    SWGR_SHAPE_SPARSE, &m, &err), SWGR_OK);
	swgr_metadata_sparse_to_json(&out, &m);
	CHECK_STR(out.p, "{\"text\":\"t\",\"successAction\":{\"tag\":\"url\",\"description\":"
	    "\"d\",\"url\":\"https://Shop.example:8443/o/1\"}}");
	CHECK_INT((int)swgr_sa_url_host(m.sa_url, &host), 17);
	CHECK(strncmp(host, "Shop.example:8443", 17) == 0);
	swgr_buf_free(&out);
	swgr_metadata_free(&m);
	/* null is none; without ours the JSON is the original's */
	CHECK_INT(swgr_metadata_from_json(S("{\"text\":\"t\",\"successAction\":null,"
	    "\"payerData\":null}"), SWGR_SHAPE_SPARSE, &m, &err), SWGR_OK);
	swgr_metadata_sparse_to_json(&out, &m);
	CHECK_STR(out.p, "{\"text\":\"t\"}");
	swgr_buf_free(&out);
	swgr_metadata_free(&m);

	for (i = 0; i < sizeof(bad_lud) / sizeof(bad_lud[0]); i++) {
		snprintf(text, sizeof(text), "\"text\":\"t\",%s", bad_lud[i].members);
		CHECK_INT(meta_rc(text, msg, sizeof(msg)), SWGR_ESHAPE);
		if (strcmp(msg, bad_lud[i].msg) != 0)
			fprintf(stderr, "bad_lud[%zu]\n", i);
		CHECK_STR(msg, bad_lud[i].msg);
	}
}

/* An invoice record's JSON: member order, optional members, times with milliseconds, clamped. */
static void
test_invoice_json(void)
{
	struct swgr_invoice v = { 0 };
	struct swgr_buf b = { 0 };

	v.payment_hash[31] = 0x0f;
	v.bolt11 = "lnbcrt1x";
	v.partition = "p";
	v.amount_msat = UINT64_C(2100000000000000000);
	v.created_ms = INT64_C(1764547200123);
	v.expires_ms = INT64_MAX;		/* past year 9999: the last instant RFC 3339 has */
	swgr_invoice_to_json(&b, &v, false);
	CHECK_STR(b.p, "{\"paymentHash\":\"000000000000000000000000000000000000000000000000"
	    "000000000000000f\",\"bolt11\":\"lnbcrt1x\",\"partition\":\"p\",\"offer\":"
	    "\"00000000-0000-0000-0000-000000000000\",\"backend\":\"00000000000000000000000000"
	    "0000000000000000000000000000000000000000\",\"amountMsat\":2100000000000000000,"
	    "\"createdAt\":\"2025-12-01T00:00:00.123Z\",\"expiresAt\":\"9999-12-31T23:59:59.999Z\"}");
	swgr_buf_free(&b);
	v.domain = "shop.example";
	v.username = "amy";
	v.comment = "hi";
	v.payer_data = "{\"name\":\"B\"}";
	v.created_ms = -5;			/* before the epoch: the epoch */
	swgr_invoice_to_json(&b, &v, false);
	CHECK(strstr(b.p, "\"offer\":\"00000000-0000-0000-0000-000000000000\",\"address\":"
	    "{\"domain\":\"shop.example\",\"username\":\"amy\"},\"backend\"") != NULL);
	CHECK(strstr(b.p, "\"comment\":\"hi\",\"payerData\":\"{\\\"name\\\":\\\"B\\\"}\","
	    "\"createdAt\":\"1970-01-01T00:00:00.000Z\"") != NULL);
	swgr_buf_free(&b);
}

static const char *
canon(const char *text)
{
	static char out[1024];
	char *c;

	if (swgr_json_canonical(text, strlen(text), &c, NULL) != SWGR_OK)
		return "error";
	snprintf(out, sizeof(out), "%s", c);
	free(c);
	return out;
}

static const char *
pretty(const char *text)
{
	static char out[1024];
	struct swgr_buf b = { 0 };

	if (swgr_json_pretty(text, strlen(text), &b, NULL) != SWGR_OK) {
		swgr_buf_free(&b);
		return "error";
	}
	snprintf(out, sizeof(out), "%s", b.p);
	swgr_buf_free(&b);
	return out;
}

/* JSON texts and their canonical form ("error": refused). */
static const struct t_str_case canon_rows[] = {
	{ " { \"b\" : [ { \"d\" : 1 , \"c\" : 2 } ] , \"a\" : null , \"B\" : true } ",
	    "{\"B\":true,\"a\":null,\"b\":[{\"c\":2,\"d\":1}]}" },
	{ "{\"\xc3\xa9\":1,\"z\":2,\"\\u00e8\":3}",
	    "{\"z\":2,\"\xc3\xa8\":3,\"\xc3\xa9\":1}" },
	{ "[1.0,-0,-0.0,0,1e20,1E2,0.1,1e-7,1.5e300,123.456,1e16,1e15,0.0001,1e-5]",
	    "[1.0,-0.0,-0.0,0,1e20,100.0,0.1,1e-7,1.5e300,123.456,1e16,1000000000000000.0,"
	    "0.0001,0.00001]" },
	{ "[18446744073709551615,18446744073709551616,-9223372036854775808,"
	    "-9223372036854775809]",
	    "[18446744073709551615,1.8446744073709552e19,-9223372036854775808,"
	    "-9.223372036854776e18]" },
	{ "\"\\u00e9\\/\\u001f\\u007f\\ud83d\\ude00\\b\\f\\n\\r\\t\\\"\\\\\\u0000\"",
	    "\"\xc3\xa9/\\u001f\x7f\xf0\x9f\x98\x80\\b\\f\\n\\r\\t\\\"\\\\\\u0000\"" },
	{ "null", "null" },
	{ "{}", "{}" },
	{ "[]", "[]" },
	{ "{\"a\":1,\"a\":2}", "{\"a\":2}" },
	{ "[1,]", "error" },
	{ "1 2", "error" },
	{ "-", "error" },
};

static void
test_json(void)
{
	struct swgr_buf b = { 0 };
	struct swgr_jw jw;

	CHECK_STR_ROWS(canon, canon_rows);

	CHECK_STR(pretty("{\"z\":[],\"a\":{},\"c\":[1,{\"x\":true,\"y\":\"s\"}],\"n\":null}"),
	    "{\n"
	    "  \"z\": [],\n"
	    "  \"a\": {},\n"
	    "  \"c\": [\n"
	    "    1,\n"
	    "    {\n"
	    "      \"x\": true,\n"
	    "      \"y\": \"s\"\n"
	    "    }\n"
	    "  ],\n"
	    "  \"n\": null\n"
	    "}");
	CHECK_STR(pretty("[]"), "[]");
	CHECK_STR(pretty("2.50"), "2.5");
	CHECK_STR(pretty("{"), "error");

	swgr_json_escape(&b, "a\0\x01\x1f \"\\/\x7f\xc3\xa9", 11);
	CHECK_STR(b.p, "a\\u0000\\u0001\\u001f \\\"\\\\/\x7f\xc3\xa9");
	CHECK_INT(b.len, 28);
	swgr_buf_reset(&b);
	swgr_json_string(&b, "x\ty", 3);
	CHECK_STR(b.p, "\"x\\ty\"");
	swgr_buf_reset(&b);

	/* The LNURL metadata shape (spec §8). */
	swgr_jw_init(&jw, &b, false);
	swgr_jw_arr_open(&jw);
	swgr_jw_arr_open(&jw);
	swgr_jw_str(&jw, "text/plain");
	swgr_jw_str(&jw, "text");
	swgr_jw_arr_close(&jw);
	swgr_jw_arr_open(&jw);
	swgr_jw_str(&jw, "text/email");
	swgr_jw_str(&jw, "email@example.com");
	swgr_jw_arr_close(&jw);
	swgr_jw_arr_close(&jw);
	CHECK_STR(b.p, "[[\"text/plain\",\"text\"],[\"text/email\",\"email@example.com\"]]");
	swgr_buf_reset(&b);

	swgr_jw_init(&jw, &b, true);
	swgr_jw_obj_open(&jw);
	swgr_jw_key(&jw, "i");
	swgr_jw_i64(&jw, -5);
	swgr_jw_key(&jw, "d");
	swgr_jw_double(&jw, 0.25);
	swgr_jw_key(&jw, "raw");
	swgr_jw_raw(&jw, S("{\"k\":[1]}"));
	swgr_jw_key(&jw, "bad");
	swgr_jw_raw(&jw, S("nope"));
	swgr_jw_obj_close(&jw);
	CHECK_STR(b.p, "{\n  \"i\": -5,\n  \"d\": 0.25,\n  \"raw\": {\n    \"k\": [\n"
	    "      1\n    ]\n  },\n  \"bad\": nope\n}");
	swgr_buf_free(&b);
}

static void
test_normalise(void)
{
	char *v[5];
	size_t n = 5;

	v[0] = strdup("b");
	v[1] = strdup("B");
	v[2] = strdup("b");
	v[3] = strdup("\xc3\xa9");
	v[4] = strdup("a");
	swgr_partitions_normalise(v, &n);
	CHECK_INT(n, 4);
	CHECK_STR(v[0], "B");
	CHECK_STR(v[1], "a");
	CHECK_STR(v[2], "b");
	CHECK_STR(v[3], "\xc3\xa9");
	while (n > 0)
		free(v[--n]);
	n = 0;
	swgr_partitions_normalise(v, &n);
	CHECK_INT(n, 0);
}

int
main(void)
{
	test_backend();
	test_depth();
	test_patch();
	test_offer();
	test_offer_check();
	test_metadata();
	test_lud();
	test_invoice_json();
	test_json();
	test_normalise();
	return t_done("test_model");
}
