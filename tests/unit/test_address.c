/* Unit tests of libswgr/core/lnaddr.c and the address record of libswgr/model/: every username and domain rule, the canonical form, the JSON forms. */
#include <stdlib.h>
#include <string.h>

#include "core/lnaddr.h"
#include "model/model.h"
#include "t.h"

#define OFFER	"6a38ebdd-0000-4000-8000-000000000001"

/* s as a username: the rc, and the canonical form (or the reason) in out. */
static enum swgr_rc
user(const char *s, char *out, size_t outsz)
{
	char buf[SWGR_LNADDR_USER_MAX + 1];
	struct swgr_err e = { 0 };
	enum swgr_rc rc = swgr_lnaddr_username(s, strlen(s), buf, &e);

	snprintf(out, outsz, "%s", rc == SWGR_OK ? buf : e.msg);
	return rc;
}

static enum swgr_rc
domain(const char *s, char *out, size_t outsz)
{
	char buf[SWGR_LNADDR_DOMAIN_MAX + 1];
	struct swgr_err e = { 0 };
	enum swgr_rc rc = swgr_lnaddr_domain(s, strlen(s), buf, &e);

	snprintf(out, outsz, "%s", rc == SWGR_OK ? buf : e.msg);
	return rc;
}

/* n copies of c, then tail. */
static char *
rep(char c, size_t n, const char *tail)
{
	char *s = malloc(n + strlen(tail) + 1);

	if (s == NULL)
		abort();
	memset(s, c, n);
	strcpy(s + n, tail);
	return s;
}

static void
test_username(void)
{
	static const char *const good[][2] = {
		{ "alice", "alice" }, { "Alice", "alice" }, { "ALICE.B-C_D9", "alice.b-c_d9" },
		{ "_", "_" }, { "-", "-" }, { "a.b", "a.b" }, { "a..b", "a..b" },
		{ "0", "0" }, { "__", "__" },
	};
	static const char *const bad[][2] = {
		{ "", "empty" }, { ".", "start or end with '.'" },
		{ "..", "start or end with '.'" }, { ".alice", "start or end" },
		{ "alice.", "start or end" }, { "al ice", "character 3" },
		{ "alice+tag", "character 6" }, { "al/ice", "not one of" },
		{ "al%2e", "character 3" }, { "\xc3\xa9", "character 1" },
		{ "a@b", "character 2" },
	};
	char out[600], *s;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_INT(user(good[i][0], out, sizeof(out)), SWGR_OK);
		CHECK_STR(out, good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(user(bad[i][0], out, sizeof(out)), SWGR_EINVAL);
		if (strstr(out, bad[i][1]) == NULL)
			FAIL(bad[i][0]);
	}
	/* 64 characters, not 65 */
	s = rep('A', 64, "");
	CHECK_INT(user(s, out, sizeof(out)), SWGR_OK);
	CHECK(strlen(out) == 64 && out[0] == 'a');
	free(s);
	s = rep('a', 65, "");
	CHECK_INT(user(s, out, sizeof(out)), SWGR_EINVAL);
	CHECK(strstr(out, "65 characters, over 64") != NULL);
	free(s);
	/* a NUL inside the bytes is a character like any other */
	CHECK_INT(swgr_lnaddr_username("a\0b", 3, out, NULL), SWGR_EINVAL);
}

static void
test_domain(void)
{
	static const char *const good[][2] = {
		{ "example.com", "example.com" }, { "Pay.Example.COM", "pay.example.com" },
		{ "localhost", "localhost" }, { "127.0.0.1", "127.0.0.1" },
		{ "a-b.c--d.e", "a-b.c--d.e" }, { "x.y:8080", "x.y:8080" },
		{ "X.Y:1", "x.y:1" }, { "x:65535", "x:65535" }, { "xn--bcher-kva.ch", "xn--bcher-kva.ch" },
	};
	static const char *const bad[][2] = {
		{ "", "no host name" }, { ":80", "no host name" }, { "example.com.", "end with '.'" },
		{ ".example.com", "empty label at character 1" }, { "a..b", "empty label" },
		{ "-a.b", "starting with '-'" }, { "a.-b", "starting with '-'" },
		{ "a-.b", "ending with '-'" }, { "a.b-", "ending with '-'" },
		{ "a_b.c", "character 2" }, { "a b", "character 2" }, { "b\xc3\xbc.de", "character 2" },
		{ "x.y:", "port" }, { "x.y:0", "port" }, { "x.y:080", "port" },
		{ "x.y:65536", "port" }, { "x.y:123456", "port" }, { "x.y:8a", "port" },
		{ "x.y:80:81", "port" }, { "[::1]", "port" }, { "[a]", "character 1" }, { "a/b", "character 2" },
		{ "user@x.y", "character 5" },
	};
	char out[600], *s, *lab;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_INT(domain(good[i][0], out, sizeof(out)), SWGR_OK);
		CHECK_STR(out, good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(domain(bad[i][0], out, sizeof(out)), SWGR_EINVAL);
		if (strstr(out, bad[i][1]) == NULL) {
			fprintf(stderr, "domain '%s': %s\n", bad[i][0], out);
			FAIL(bad[i][0]);
		}
	}
	/* labels of 63, not 64 */
	s = rep('a', 63, ".com");
	CHECK_INT(domain(s, out, sizeof(out)), SWGR_OK);
	free(s);
	s = rep('a', 64, ".com");
	CHECK_INT(domain(s, out, sizeof(out)), SWGR_EINVAL);
	CHECK(strstr(out, "label over 63") != NULL);
	free(s);
	/* a name of 253 characters (four labels of 63 with dots, one more), with a port */
	lab = rep('b', 63, "");
	s = malloc(300);
	snprintf(s, 300, "%s.%s.%s.%.61s:65535", lab, lab, lab, lab);
	CHECK_INT(strlen(s), 253 + 6);
	CHECK_INT(domain(s, out, sizeof(out)), SWGR_OK);
	CHECK_STR(out, s);
	snprintf(s, 300, "%s.%s.%s.%.62s", lab, lab, lab, lab);
	CHECK_INT(domain(s, out, sizeof(out)), SWGR_EINVAL);
	CHECK(strstr(out, "254 characters, over 253") != NULL);
	free(s);
	free(lab);
	CHECK_INT(swgr_lnaddr_domain("a\0b", 3, out, NULL), SWGR_EINVAL);
}

/* The rc of a full address body; its 422 message in msg. */
static enum swgr_rc
addr_rc(const char *text, enum swgr_shape shape, char *msg, size_t msgsz)
{
	struct swgr_address a;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	rc = swgr_address_from_json(text, strlen(text), shape, &a, &err);
	snprintf(msg, msgsz, "%s", rc == SWGR_OK ? "" : err.msg);
	if (rc == SWGR_OK)
		swgr_address_free(&a);
	return rc;
}

static void
test_json(void)
{
	struct swgr_address a, v[2];
	struct swgr_err err = { 0 };
	struct swgr_buf out = { 0 };
	const char *text;
	char msg[600];

	text = "{\"offer\":\"" OFFER "\",\"username\":\"Alice\",\"extra\":[1],"
	    "\"domain\":\"Pay.Example.com:8443\",\"partition\":\"P1\",\"enabled\":false}";
	CHECK_INT(swgr_address_from_json(text, strlen(text), SWGR_SHAPE_FULL, &a, &err), SWGR_OK);
	CHECK_STR(a.domain, "pay.example.com:8443");
	CHECK_STR(a.username, "alice");
	CHECK_STR(a.partition, "P1");	/* a partition keeps its case */
	CHECK(!a.enabled);
	swgr_address_to_json(&out, &a, false);
	CHECK_STR(out.p, "{\"domain\":\"pay.example.com:8443\",\"username\":\"alice\","
	    "\"partition\":\"P1\",\"offer\":\"" OFFER "\",\"enabled\":false}");
	swgr_buf_reset(&out);
	swgr_address_to_json(&out, &a, true);
	CHECK_STR(out.p, "{\n  \"domain\": \"pay.example.com:8443\",\n  \"username\": \"alice\",\n"
	    "  \"partition\": \"P1\",\n  \"offer\": \"" OFFER "\",\n  \"enabled\": false\n}");
	swgr_buf_reset(&out);
	v[0] = a;

	/* enabled absent or null: true; the default address "_" */
	text = "{\"domain\":\"x.y\",\"username\":\"_\",\"partition\":\"\",\"offer\":\""
	    OFFER "\",\"enabled\":null}";
	CHECK_INT(swgr_address_from_json(text, strlen(text), SWGR_SHAPE_FULL, &a, &err), SWGR_OK);
	CHECK(a.enabled);
	CHECK_STR(a.username, "_");
	v[1] = a;
	swgr_addresses_to_json(&out, v, 2, false);
	CHECK_STR(out.p, "[{\"domain\":\"pay.example.com:8443\",\"username\":\"alice\","
	    "\"partition\":\"P1\",\"offer\":\"" OFFER "\",\"enabled\":false},"
	    "{\"domain\":\"x.y\",\"username\":\"_\",\"partition\":\"\",\"offer\":\"" OFFER
	    "\",\"enabled\":true}]");
	swgr_buf_reset(&out);
	swgr_addresses_to_json(&out, v, 0, true);
	CHECK_STR(out.p, "[]");
	swgr_buf_free(&out);
	swgr_address_free(&v[0]);
	swgr_address_free(&v[1]);
	swgr_addresses_free(NULL, 0);

	/* the sparse shape (PUT) ignores the identity fields, even bad ones */
	text = "{\"domain\":\"bad domain\",\"username\":\".\",\"partition\":\"p\","
	    "\"offer\":\"" OFFER "\"}";
	CHECK_INT(swgr_address_from_json(text, strlen(text), SWGR_SHAPE_SPARSE, &a, &err),
	    SWGR_OK);
	CHECK(a.domain == NULL && a.username == NULL && a.enabled);
	swgr_address_free(&a);
	CHECK_INT(addr_rc(text, SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK(strncmp(msg, "domain: character 4", 19) == 0);

	/* every field named in its 422 */
#define A(d, u, p, o, e) "{" d u p o e "}"
#define D "\"domain\":\"x.y\","
#define U "\"username\":\"bob\","
#define P "\"partition\":\"p\","
#define O "\"offer\":\"" OFFER "\""
	CHECK_INT(addr_rc(A("", U, P, O, ""), SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "domain: missing field");
	CHECK_INT(addr_rc(A(D, "", P, O, ""), SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "username: missing field");
	CHECK_INT(addr_rc(A(D, U, "", O, ""), SWGR_SHAPE_SPARSE, msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "partition: missing field");
	CHECK_INT(addr_rc(A(D, U, P, "\"x\":1", ""), SWGR_SHAPE_SPARSE, msg, sizeof(msg)),
	    SWGR_ESHAPE);
	CHECK_STR(msg, "offer: missing field");
	CHECK_INT(addr_rc(A("\"domain\":7,", U, P, O, ""), SWGR_SHAPE_FULL, msg, sizeof(msg)),
	    SWGR_ESHAPE);
	CHECK_STR(msg, "domain: expected a string");
	CHECK_INT(addr_rc(A(D, "\"username\":[],", P, O, ""), SWGR_SHAPE_FULL, msg,
	    sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "username: expected a string");
	CHECK_INT(addr_rc(A(D, "\"username\":\"a+b\",", P, O, ""), SWGR_SHAPE_FULL, msg,
	    sizeof(msg)), SWGR_ESHAPE);
	CHECK(strncmp(msg, "username: character 2", 21) == 0);
	CHECK_INT(addr_rc(A(D, "\"username\":\"a\\u0000b\",", P, O, ""), SWGR_SHAPE_FULL, msg,
	    sizeof(msg)), SWGR_ESHAPE);
	CHECK(strncmp(msg, "username: character 2", 21) == 0);
	CHECK_INT(addr_rc(A("\"domain\":\"x.y.\",", U, P, O, ""), SWGR_SHAPE_FULL, msg,
	    sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "domain: must not end with '.'");
	CHECK_INT(addr_rc(A(D, U, "\"partition\":1,", O, ""), SWGR_SHAPE_FULL, msg, sizeof(msg)),
	    SWGR_ESHAPE);
	CHECK_STR(msg, "partition: expected a string");
	CHECK_INT(addr_rc(A(D, U, P, "\"offer\":\"nope\"", ""), SWGR_SHAPE_FULL, msg,
	    sizeof(msg)), SWGR_ESHAPE);
	CHECK_STR(msg, "offer: not a valid UUID");
	CHECK_INT(addr_rc(A(D, U, P, O, ",\"enabled\":1"), SWGR_SHAPE_FULL, msg, sizeof(msg)),
	    SWGR_ESHAPE);
	CHECK_STR(msg, "enabled: expected true or false");
	CHECK_INT(addr_rc("[]", SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_ESHAPE);
	CHECK_INT(addr_rc("{\"domain\":", SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_ESYNTAX);
	CHECK_INT(addr_rc(A(D, U, P, O, ""), SWGR_SHAPE_FULL, msg, sizeof(msg)), SWGR_OK);
#undef A
#undef D
#undef U
#undef P
#undef O
}

int
main(void)
{
	test_username();
	test_domain();
	test_json();
	return t_done("test_address");
}
