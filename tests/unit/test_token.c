/* Unit tests of token.c: key files, minting, and verification against forged tokens. */
#include <sys/stat.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/buf.h"
#include "auth/token.h"
#include "core/base64.h"

#include "t.h"

static char	 dir[] = "/tmp/test_token.XXXXXX";
static char	 pubpath[64], privpath[64], pub2path[64], priv2path[64];
static EVP_PKEY	*pub, *priv, *priv2;
static int64_t	 now;

enum sigmode { SIG_RAW, SIG_DER, SIG_NONE, SIG_HS256, SIG_ZERO_R, SIG_S_ORDER };

static char *
slurp(const char *path, size_t *len)
{
	FILE *f;
	char *p;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if ((p = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return p;
}

static void
put_b64(struct swgr_buf *b, const void *p, size_t len)
{
	char *s = swgr_base64url_encode(p, len);

	swgr_buf_puts(b, s);
	free(s);
}

/*
 * A token with the given header and claims JSON, signed as mode says with
 * key (ES256) or with the public key PEM as HMAC secret (SIG_HS256).
 */
static char *
forge(const char *header, const char *claims, EVP_PKEY *key, enum sigmode mode)
{
	struct swgr_buf b = { 0 };
	unsigned char *der = NULL, raw[64], mac[32];
	const unsigned char *p;
	const BIGNUM *r, *s;
	EVP_MD_CTX *md;
	ECDSA_SIG *sig;
	size_t derlen, maclen, pemlen;
	char *pem;

	put_b64(&b, header, strlen(header));
	swgr_buf_putc(&b, '.');
	put_b64(&b, claims, strlen(claims));
	if (mode == SIG_NONE) {
		swgr_buf_putc(&b, '.');
		return swgr_buf_take(&b, NULL);
	}
	if (mode == SIG_HS256) {
		pem = slurp(pubpath, &pemlen);
		EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, pem, pemlen,
		    (unsigned char *)b.p, b.len, mac, sizeof(mac), &maclen);
		free(pem);
		swgr_buf_putc(&b, '.');
		put_b64(&b, mac, maclen);
		return swgr_buf_take(&b, NULL);
	}
	md = EVP_MD_CTX_new();
	EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, key, NULL);
	EVP_DigestSign(md, NULL, &derlen, (unsigned char *)b.p, b.len);
	der = malloc(derlen);
	EVP_DigestSign(md, der, &derlen, (unsigned char *)b.p, b.len);
	EVP_MD_CTX_free(md);
	swgr_buf_putc(&b, '.');
	if (mode == SIG_DER) {
		put_b64(&b, der, derlen);
		free(der);
		return swgr_buf_take(&b, NULL);
	}
	p = der;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	ECDSA_SIG_get0(sig, &r, &s);
	BN_bn2binpad(r, raw, 32);
	BN_bn2binpad(s, raw + 32, 32);
	if (mode == SIG_ZERO_R)
		memset(raw, 0, 32);
	if (mode == SIG_S_ORDER) {
		static const unsigned char n[32] = {
			0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
			0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
		};
		memcpy(raw + 32, n, 32);
	}
	ECDSA_SIG_free(sig);
	free(der);
	put_b64(&b, raw, sizeof(raw));
	return swgr_buf_take(&b, NULL);
}

/* Verifies tok for aud; returns the result code, checks the message hides the token. */
static enum swgr_rc
verify(const char *tok, const char *aud, int64_t *exp, struct swgr_err *err)
{
	enum swgr_rc rc;
	int64_t dummy;

	swgr_err_clear(err);
	rc = swgr_token_verify(pub, aud, tok, strlen(tok), now, 0,
	    exp != NULL ? exp : &dummy, err);
	if (rc != SWGR_OK) {
		CHECK(err->msg[0] != '\0');
		CHECK(strlen(tok) < 8 || strstr(err->msg, tok) == NULL);
	}
	return rc;
}

/* A claims object {"aud":aud,"exp":now+delta}. */
static char *
claims(const char *aud, int64_t delta)
{
	struct swgr_buf b = { 0 };

	swgr_buf_printf(&b, "{\"aud\":\"%s\",\"exp\":%lld}", aud,
	    (long long)(now + delta));
	return swgr_buf_take(&b, NULL);
}

static void
test_keys(void)
{
	struct swgr_err err;
	struct stat st;
	EVP_PKEY *k;
	char *s;
	FILE *f;

	CHECK_INT(swgr_token_keygen(pubpath, privpath, &err), SWGR_OK);
	CHECK(stat(privpath, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(stat(pubpath, &st) == 0 && (st.st_mode & 0077) != 0077);
	s = slurp(pubpath, NULL);
	CHECK(s != NULL && strncmp(s, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
	CHECK(s != NULL && strchr(s, '\r') == NULL);
	free(s);
	s = slurp(privpath, NULL);
	CHECK(s != NULL && strncmp(s, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
	CHECK(s != NULL && strchr(s, '\r') == NULL);
	free(s);

	CHECK_INT(swgr_token_load_public(pubpath, &pub, &err), SWGR_OK);
	CHECK_INT(swgr_token_load_private(privpath, &priv, &err), SWGR_OK);
	CHECK(pub != NULL && priv != NULL);

	/* An existing 0644 file is tightened to 0600. */
	f = fopen(priv2path, "w");
	if (f != NULL)
		fclose(f);
	chmod(priv2path, 0644);
	CHECK_INT(swgr_token_keygen(pub2path, priv2path, &err), SWGR_OK);
	CHECK(stat(priv2path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_INT(swgr_token_load_private(priv2path, &priv2, &err), SWGR_OK);

	/* Wrong files. */
	k = NULL;
	CHECK_INT(swgr_token_load_public("/nonexistent/pub.pem", &k, &err),
	    SWGR_EINTERNAL);
	CHECK(strstr(err.msg, "/nonexistent/pub.pem") != NULL);
	CHECK(k == NULL);
	CHECK_INT(swgr_token_load_public(privpath, &k, &err), SWGR_EINTERNAL);
	CHECK(strstr(err.msg, privpath) != NULL);
	CHECK_INT(swgr_token_load_private(pubpath, &k, &err), SWGR_EINTERNAL);
	CHECK(k == NULL);
	CHECK_INT(swgr_token_keygen("/nonexistent/a", "/nonexistent/b", &err),
	    SWGR_EINTERNAL);
	CHECK(strstr(err.msg, "/nonexistent/a") != NULL);
}

/* One thread's load of a wrong public key file, again and again: the messages that differ from the first. */
struct reason_run {
	char		 path[80];
	char		 first[sizeof(((struct swgr_err *)0)->msg)];
	int		 differ;
};

#define REASON_ROUNDS	1000

static void *
reason_loop(void *arg)
{
	struct reason_run *r = arg;
	struct swgr_err err;
	EVP_PKEY *k = NULL;
	int i;

	for (i = 0; i < REASON_ROUNDS; i++) {
		memset(&err, 0, sizeof(err));
		swgr_token_load_public(r->path, &k, &err);
		if (i == 0)
			memcpy(r->first, err.msg, sizeof(r->first));
		else if (strcmp(err.msg, r->first) != 0)
			r->differ++;
	}
	return NULL;
}

/*
 * The OpenSSL reason in messages is per thread: threads loading different
 * wrong files at once each see their own reason (a shared buffer let one
 * thread's reason land in another's message).
 */
static void
test_reason_threads(void)
{
	static const char *body[2] = { "garbage\n",	/* DECODER: unsupported */
	    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n" };	/* asn1 */
	struct reason_run r[4];
	pthread_t t[4];
	size_t i;
	FILE *f;

	memset(r, 0, sizeof(r));
	for (i = 0; i < 4; i++) {
		snprintf(r[i].path, sizeof(r[i].path), "%s/wrong%zu.pem", dir, i % 2);
		if (i < 2 && (f = fopen(r[i].path, "w")) != NULL) {
			fputs(body[i], f);
			fclose(f);
		}
	}
	for (i = 0; i < 4; i++)
		CHECK_INT(pthread_create(&t[i], NULL, reason_loop, &r[i]), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 4; i++) {
		CHECK_INT(r[i].differ, 0);
		CHECK(strstr(r[i].first, r[i].path) != NULL);
	}
	/* the two files give two reasons, so a mix-up would show */
	CHECK(strcmp(r[0].first, r[2].first) == 0 && strcmp(r[1].first, r[3].first) == 0);
	CHECK(strchr(r[0].first, '(') != NULL && strchr(r[1].first, '(') != NULL &&
	    strcmp(strchr(r[0].first, '('), strchr(r[1].first, '(')) != 0);
	for (i = 0; i < 2; i++)
		unlink(r[i].path);
}

/* Keys of another kind are refused on load. */
static void
test_other_curves(void)
{
	char path[64];
	struct swgr_err err;
	EVP_PKEY *k, *got;
	char *tok = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/p384.pem", dir);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	f = fopen(path, "w");
	CHECK(k != NULL && f != NULL);
	if (k == NULL || f == NULL)
		return;
	PEM_write_PUBKEY(f, k);
	fclose(f);
	got = NULL;
	CHECK_INT(swgr_token_load_public(path, &got, &err), SWGR_EINTERNAL);
	CHECK(strstr(err.msg, "P-256") != NULL);
	CHECK(got == NULL);
	CHECK_INT(swgr_token_mint(k, "discovery", now, &tok, &err),
	    SWGR_EINTERNAL);
	CHECK(tok == NULL);
	EVP_PKEY_free(k);
}

static void
test_mint_verify(void)
{
	struct swgr_err err;
	uint8_t *raw;
	size_t rawlen;
	int64_t exp = 0;
	char *tok, *d1, *d2, *ws;

	CHECK_INT(swgr_token_mint(priv, "discovery", now + 3600, &tok, &err),
	    SWGR_OK);
	if (tok == NULL)
		return;
	d1 = strchr(tok, '.');
	d2 = d1 != NULL ? strchr(d1 + 1, '.') : NULL;
	CHECK(d1 != NULL && d2 != NULL && strchr(d2 + 1, '.') == NULL);
	CHECK(strchr(tok, '=') == NULL && strchr(tok, '\n') == NULL);
	if (d1 == NULL || d2 == NULL)
		goto out;
	CHECK_INT(swgr_base64url_decode(tok, (size_t)(d1 - tok), &raw, &rawlen),
	    SWGR_OK);
	if (raw != NULL) {
		raw = realloc(raw, rawlen + 1);
		raw[rawlen] = '\0';
		CHECK_STR((char *)raw, "{\"typ\":\"JWT\",\"alg\":\"ES256\"}");
		free(raw);
	}
	CHECK_INT(swgr_base64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &raw,
	    &rawlen), SWGR_OK);
	if (raw != NULL) {
		char want[64];

		snprintf(want, sizeof(want), "{\"aud\":\"discovery\",\"exp\":%lld}",
		    (long long)(now + 3600));
		raw = realloc(raw, rawlen + 1);
		raw[rawlen] = '\0';
		CHECK_STR((char *)raw, want);
		free(raw);
	}
	CHECK_INT(swgr_base64url_decode(d2 + 1, strlen(d2 + 1), &raw, &rawlen),
	    SWGR_OK);
	CHECK_INT(rawlen, 64);
	free(raw);

	CHECK_INT(verify(tok, "discovery", &exp, &err), SWGR_OK);
	CHECK_INT(exp, now + 3600);
	/* Surrounding whitespace (a token file with a newline) is trimmed. */
	ws = malloc(strlen(tok) + 8);
	sprintf(ws, " \t%s\r\n", tok);
	exp = 0;
	CHECK_INT(verify(ws, "discovery", &exp, &err), SWGR_OK);
	CHECK_INT(exp, now + 3600);
	free(ws);

	/* The other service's audience. */
	CHECK_INT(verify(tok, "offer", NULL, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "audience") != NULL);
	CHECK_INT(verify(tok, "discover", NULL, &err), SWGR_EINVAL);
	/* Another authority. */
	swgr_err_clear(&err);
	CHECK_INT(swgr_token_verify(priv2, "discovery", tok, strlen(tok), now, 0,
	    &exp, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "signature") != NULL);
out:
	free(tok);
}

static void
test_expiry(void)
{
	struct swgr_err err;
	int64_t exp;
	char *tok;

	CHECK_INT(swgr_token_mint(priv, "offer", now - 61, &tok, &err), SWGR_OK);
	CHECK_INT(verify(tok, "offer", NULL, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "expired") != NULL);
	free(tok);
	CHECK_INT(swgr_token_mint(priv, "offer", now - 60, &tok, &err), SWGR_OK);
	CHECK_INT(verify(tok, "offer", &exp, &err), SWGR_OK);
	CHECK_INT(exp, now - 60);
	free(tok);
	CHECK_INT(swgr_token_mint(priv, "offer", now - 1, &tok, &err), SWGR_OK);
	CHECK_INT(verify(tok, "offer", NULL, &err), SWGR_OK);
	free(tok);
	CHECK_INT(swgr_token_mint(priv, "offer", 0, &tok, &err), SWGR_OK);
	CHECK_INT(verify(tok, "offer", NULL, &err), SWGR_EINVAL);
	free(tok);
}

/* Verifies claims (signed by priv) for "offer" at now with max_lifetime; checks why on failure. */
static void
check_claims_case(const char *claims, int64_t max_lifetime, enum swgr_rc want, const char *why)
{
	struct swgr_err err = { 0 };
	int64_t exp;
	char *tok = forge("{\"typ\":\"JWT\",\"alg\":\"ES256\"}", claims, priv, SIG_RAW);

	CHECK_INT(swgr_token_verify(pub, "offer", tok, strlen(tok), now, max_lifetime, &exp, &err),
	    want);
	if (want != SWGR_OK && why != NULL && strstr(err.msg, why) == NULL)
		FAIL(err.msg);
	free(tok);
}

/* nbf is honoured (with the leeway); exp - now is bounded by max_lifetime unless 0. */
static void
test_nbf_and_lifetime(void)
{
	char c[160];

	snprintf(c, sizeof(c), "{\"aud\":\"offer\",\"exp\":%lld,\"nbf\":%lld}",
	    (long long)(now + 3600), (long long)(now + 3600));
	check_claims_case(c, 0, SWGR_EINVAL, "not valid before");
	snprintf(c, sizeof(c), "{\"aud\":\"offer\",\"exp\":%lld,\"nbf\":%lld}",
	    (long long)(now + 3600), (long long)(now + 61));
	check_claims_case(c, 0, SWGR_EINVAL, "not valid before");
	snprintf(c, sizeof(c), "{\"aud\":\"offer\",\"exp\":%lld,\"nbf\":%lld}",
	    (long long)(now + 3600), (long long)(now + 60));	/* within the leeway */
	check_claims_case(c, 0, SWGR_OK, NULL);
	snprintf(c, sizeof(c), "{\"aud\":\"offer\",\"exp\":%lld,\"nbf\":%lld}",
	    (long long)(now + 3600), (long long)(now - 86400));
	check_claims_case(c, 0, SWGR_OK, NULL);
	snprintf(c, sizeof(c), "{\"aud\":\"offer\",\"exp\":%lld,\"nbf\":\"%lld\"}",
	    (long long)(now + 3600), (long long)(now - 5));
	check_claims_case(c, 0, SWGR_EINVAL, "nbf claim is not an integer");
	snprintf(c, sizeof(c), "{\"aud\":\"offer\",\"exp\":%lld,\"nbf\":null}",
	    (long long)(now + 3600));
	check_claims_case(c, 0, SWGR_OK, NULL);		/* null: no nbf */

	/* the bound on exp - now */
	snprintf(c, sizeof(c), "{\"aud\":\"offer\",\"exp\":%lld}", (long long)(now + 31536000));
	check_claims_case(c, 31536000, SWGR_OK, NULL);
	snprintf(c, sizeof(c), "{\"aud\":\"offer\",\"exp\":%lld}", (long long)(now + 31536001));
	check_claims_case(c, 31536000, SWGR_EINVAL, "more than 31536000 s ahead");
	check_claims_case(c, 0, SWGR_OK, NULL);		/* 0: no bound */
	snprintf(c, sizeof(c), "{\"aud\":\"offer\",\"exp\":%lld}", (long long)INT64_MAX);
	check_claims_case(c, 31536000, SWGR_EINVAL, "token-max-lifetime-secs");
	check_claims_case(c, 0, SWGR_OK, NULL);
	snprintf(c, sizeof(c), "{\"aud\":\"offer\",\"exp\":%lld}", (long long)(now + 120));
	check_claims_case(c, 60, SWGR_EINVAL, "ahead");
	check_claims_case(c, 120, SWGR_OK, NULL);
}

struct forged {
	const char	*name;
	const char	*header;
	const char	*claims;	/* NULL: the good claims */
	enum sigmode	 mode;
	enum swgr_rc	 want;
	const char	*why;		/* substring of the message */
};

static void
test_forged(void)
{
	static const char *es = "{\"typ\":\"JWT\",\"alg\":\"ES256\"}";
	static const struct forged cases[] = {
		{ "good", "{\"typ\":\"JWT\",\"alg\":\"ES256\"}", NULL, SIG_RAW, SWGR_OK, NULL },
		{ "no typ", "{\"alg\":\"ES256\"}", NULL, SIG_RAW, SWGR_OK, NULL },
		{ "alg none", "{\"typ\":\"JWT\",\"alg\":\"none\"}", NULL, SIG_NONE, SWGR_EINVAL, "ES256" },
		{ "alg none signed", "{\"alg\":\"none\"}", NULL, SIG_RAW, SWGR_EINVAL, "ES256" },
		{ "HS256 public key", "{\"typ\":\"JWT\",\"alg\":\"HS256\"}", NULL, SIG_HS256, SWGR_EINVAL, "ES256" },
		{ "HS256 as ES256", "{\"typ\":\"JWT\",\"alg\":\"ES256\"}", NULL, SIG_HS256, SWGR_EINVAL, "64 bytes" },
		{ "RS256", "{\"typ\":\"JWT\",\"alg\":\"RS256\"}", NULL, SIG_RAW, SWGR_EINVAL, "ES256" },
		{ "es256 lower", "{\"alg\":\"es256\"}", NULL, SIG_RAW, SWGR_EINVAL, "ES256" },
		{ "no alg", "{\"typ\":\"JWT\"}", NULL, SIG_RAW, SWGR_EINVAL, "alg" },
		{ "alg array", "{\"alg\":[\"ES256\"]}", NULL, SIG_RAW, SWGR_EINVAL, "ES256" },
		{ "header array", "[\"ES256\"]", NULL, SIG_RAW, SWGR_EINVAL, "object" },
		{ "header not json", "{alg:ES256}", NULL, SIG_RAW, SWGR_EINVAL, "JSON" },
		{ "header trailing", "{\"alg\":\"ES256\"}x", NULL, SIG_RAW, SWGR_EINVAL, "JSON" },
		/* Read as serde_json reads: a lone surrogate, a leading zero, a bare tab in a string. */
		{ "header lone surrogate", "{\"alg\":\"ES256\",\"typ\":\"\\udc00\"}", NULL, SIG_RAW, SWGR_EINVAL, "JSON" },
		{ "header leading zero", "{\"alg\":\"ES256\",\"n\":01}", NULL, SIG_RAW, SWGR_EINVAL, "JSON" },
		{ "header raw tab", "{\"alg\":\"ES256\",\"typ\":\"J\tWT\"}", NULL, SIG_RAW, SWGR_EINVAL, "JSON" },
		{ "claims infinite", NULL, "{\"aud\":\"discovery\",\"exp\":9999999999,\"x\":1e400}", SIG_RAW, SWGR_EINVAL, "JSON" },
		{ "der signature", "{\"typ\":\"JWT\",\"alg\":\"ES256\"}", NULL, SIG_DER, SWGR_EINVAL, "64 bytes" },
		{ "r zero", "{\"typ\":\"JWT\",\"alg\":\"ES256\"}", NULL, SIG_ZERO_R, SWGR_EINVAL, "range" },
		{ "s order", "{\"typ\":\"JWT\",\"alg\":\"ES256\"}", NULL, SIG_S_ORDER, SWGR_EINVAL, "range" },
		{ "aud array", NULL, "{\"aud\":[\"discovery\"],\"exp\":9999999999}", SIG_RAW, SWGR_EINVAL, "aud" },
		{ "aud missing", NULL, "{\"exp\":9999999999}", SIG_RAW, SWGR_EINVAL, "aud" },
		{ "aud prefix", NULL, "{\"aud\":\"discoveryx\",\"exp\":9999999999}", SIG_RAW, SWGR_EINVAL, "audience" },
		{ "aud nul", NULL, "{\"aud\":\"discovery\\u0000\",\"exp\":9999999999}", SIG_RAW, SWGR_EINVAL, "audience" },
		{ "exp string", NULL, "{\"aud\":\"discovery\",\"exp\":\"9999999999\"}", SIG_RAW, SWGR_EINVAL, "integer" },
		{ "exp float", NULL, "{\"aud\":\"discovery\",\"exp\":9999999999.0}", SIG_RAW, SWGR_EINVAL, "integer" },
		{ "exp exponent", NULL, "{\"aud\":\"discovery\",\"exp\":1e10}", SIG_RAW, SWGR_EINVAL, "integer" },
		{ "exp missing", NULL, "{\"aud\":\"discovery\"}", SIG_RAW, SWGR_EINVAL, "exp" },
		{ "exp null", NULL, "{\"aud\":\"discovery\",\"exp\":null}", SIG_RAW, SWGR_EINVAL, "exp" },
		{ "claims array", NULL, "[\"discovery\"]", SIG_RAW, SWGR_EINVAL, "object" },
		{ "nbf far ahead", NULL, "{\"aud\":\"discovery\",\"nbf\":9999999999,\"exp\":9999999999}", SIG_RAW, SWGR_EINVAL, "not valid before" },
		{ "extra claims", NULL, "{\"iss\":\"x\",\"aud\":\"discovery\",\"nbf\":1,\"exp\":9999999999,\"sub\":{}}", SIG_RAW, SWGR_OK, NULL },
	};
	struct swgr_err err;
	size_t i;
	char *tok;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct forged *c = &cases[i];
		char *cl = c->claims == NULL ? claims("discovery", 600) : NULL;
		enum swgr_rc rc;

		tok = forge(c->header != NULL ? c->header : es,
		    cl != NULL ? cl : c->claims, priv, c->mode);
		rc = verify(tok, "discovery", NULL, &err);
		if (rc != c->want)
			fprintf(stderr, "case \"%s\": %s\n", c->name, err.msg);
		CHECK_INT(rc, c->want);
		if (c->why != NULL && strstr(err.msg, c->why) == NULL) {
			fprintf(stderr, "case \"%s\": message \"%s\" lacks \"%s\"\n",
			    c->name, err.msg, c->why);
			CHECK(0);
		}
		free(tok);
		free(cl);
	}
}

/*
 * Claims nested as deep as serde_json reads (below SWGR_JSON_DEPTH_MAX) are
 * accepted, deeper ones refused: the token's JSON goes through the one strict
 * reader, not json-c's own limit of 32.
 */
static void
test_deep_claims(void)
{
	struct swgr_err err;
	char cl[512], *tok;
	size_t depth, i, n;

	for (depth = 40; depth <= 200; depth += 160) {
		n = (size_t)snprintf(cl, sizeof(cl), "{\"aud\":\"discovery\",\"exp\":9999999999,\"x\":");
		for (i = 0; i < depth; i++)
			cl[n++] = '[';
		for (i = 0; i < depth; i++)
			cl[n++] = ']';
		cl[n++] = '}';
		cl[n] = '\0';
		tok = forge("{\"alg\":\"ES256\"}", cl, priv, SIG_RAW);
		CHECK_INT(verify(tok, "discovery", NULL, &err), depth < 128 ? SWGR_OK : SWGR_EINVAL);
		if (depth >= 128)
			CHECK(strstr(err.msg, "JSON") != NULL);
		free(tok);
	}
}

/* Tokens that are not three base64url segments. */
static void
test_garbage(void)
{
	static const char *bad[] = {
		"", "   ", "garbage", "a.b", "a.b.c.d", "..", "...", "a..c",
		"eyJhbGciOiJFUzI1NiJ9.e30.", "Bearer x.y.z",
	};
	struct swgr_err err;
	size_t i, len;
	char *tok, *t;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(verify(bad[i], "discovery", NULL, &err), SWGR_EINVAL);

	CHECK_INT(swgr_token_mint(priv, "discovery", now + 60, &tok, &err),
	    SWGR_OK);
	len = strlen(tok);
	t = malloc(len + 16);

	/* Truncated signature. */
	memcpy(t, tok, len - 10);
	t[len - 10] = '\0';
	CHECK_INT(verify(t, "discovery", NULL, &err), SWGR_EINVAL);
	/* Truncated to two segments. */
	memcpy(t, tok, len + 1);
	*strrchr(t, '.') = '\0';
	CHECK_INT(verify(t, "discovery", NULL, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "three") != NULL);
	/* Extra segment. */
	snprintf(t, len + 16, "%s.e30", tok);
	CHECK_INT(verify(t, "discovery", NULL, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "three") != NULL);
	/* One flipped character in the middle of the signature. */
	memcpy(t, tok, len + 1);
	t[len - 40] = t[len - 40] == 'A' ? 'B' : 'A';
	CHECK_INT(verify(t, "discovery", NULL, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "signature") != NULL);
	/* One flipped character in the claims. */
	memcpy(t, tok, len + 1);
	t[strchr(t, '.') - t + 3] ^= 1;
	CHECK_INT(verify(t, "discovery", NULL, &err), SWGR_EINVAL);
	/* Padding and the standard alphabet are not base64url. */
	snprintf(t, len + 16, "%s=", tok);
	CHECK_INT(verify(t, "discovery", NULL, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "base64url") != NULL);
	memcpy(t, tok, len + 1);
	t[len - 40] = '+';
	CHECK_INT(verify(t, "discovery", NULL, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "base64url") != NULL);
	/* Inner whitespace is not trimmed. */
	memcpy(t, tok, len + 1);
	t[5] = ' ';
	CHECK_INT(verify(t, "discovery", NULL, &err), SWGR_EINVAL);
	/* The untouched token still verifies. */
	CHECK_INT(verify(tok, "discovery", NULL, &err), SWGR_OK);
	free(t);
	free(tok);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(pubpath, sizeof(pubpath), "%s/pub.pem", dir);
	snprintf(privpath, sizeof(privpath), "%s/priv.pem", dir);
	snprintf(pub2path, sizeof(pub2path), "%s/pub2.pem", dir);
	snprintf(priv2path, sizeof(priv2path), "%s/priv2.pem", dir);
	now = (int64_t)time(NULL);

	test_keys();
	if (pub == NULL || priv == NULL || priv2 == NULL)
		return t_done("test_token");
	test_other_curves();
	test_reason_threads();
	test_mint_verify();
	test_expiry();
	test_nbf_and_lifetime();
	test_forged();
	test_deep_claims();
	test_garbage();

	EVP_PKEY_free(pub);
	EVP_PKEY_free(priv);
	EVP_PKEY_free(priv2);
	unlink(pubpath);
	unlink(privpath);
	unlink(pub2path);
	unlink(priv2path);
	{
		char path[64];

		snprintf(path, sizeof(path), "%s/p384.pem", dir);
		unlink(path);
	}
	rmdir(dir);
	return t_done("test_token");
}
