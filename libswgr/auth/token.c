/* ES256 bearer tokens (spec §6): P-256 keys, compact JWS minting and verification. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/buf.h"
#include "auth/token.h"
#include "core/base64.h"
#include "core/json.h"

/* The only header we mint. */
#define HEADER_JSON	"{\"typ\":\"JWT\",\"alg\":\"ES256\"}"
#define SIG_LEN		64
#define COORD_LEN	32
#define SEGMENT_MAX	8192	/* no legitimate header or claims come near this */

/* The order n of the P-256 group. */
static const unsigned char p256_order[COORD_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
};

/*
 * The last queued OpenSSL reason, for messages; clears the queue.  The text
 * is the calling thread's own (verification runs in worker threads), valid
 * until its next call.
 */
static const char *
ossl_reason(void)
{
	static _Thread_local char msg[160];
	unsigned long e;

	e = ERR_peek_last_error();
	if (e == 0)
		snprintf(msg, sizeof(msg), "unknown OpenSSL error");
	else
		ERR_error_string_n(e, msg, sizeof(msg));
	ERR_clear_error();
	return msg;
}

/* True if key is an EC key on P-256. */
static bool
is_p256(EVP_PKEY *key)
{
	char group[64];
	size_t len;

	if (!EVP_PKEY_is_a(key, "EC"))
		return false;
	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &len))
		return false;
	return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

/* Writes all of p to path, created or truncated with the given mode. */
static enum swgr_rc
write_file(const char *path, const char *p, size_t len, mode_t mode,
    const char *what, struct swgr_err *err)
{
	ssize_t n;
	size_t off = 0;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) == -1)
		return swgr_err_set(err, SWGR_EINTERNAL, "writing %s to %s: %s",
		    what, path, strerror(errno));
	/* An existing file keeps its mode on O_CREAT: enforce ours. */
	if (fchmod(fd, mode) == -1)
		goto fail;
	while (off < len) {
		if ((n = write(fd, p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (close(fd) == -1)
		return swgr_err_set(err, SWGR_EINTERNAL, "writing %s to %s: %s",
		    what, path, strerror(errno));
	return SWGR_OK;
fail:
	swgr_err_set(err, SWGR_EINTERNAL, "writing %s to %s: %s",
	    what, path, strerror(errno));
	close(fd);
	return SWGR_EINTERNAL;
}

/* PEM text of key (public SPKI or private PKCS#8) into a malloc'd string. */
static enum swgr_rc
pem_string(EVP_PKEY *key, bool private, char **out, size_t *outlen,
    struct swgr_err *err)
{
	enum swgr_rc rc = SWGR_EINTERNAL;
	BIO *bio;
	char *data;
	long len;
	int ok;

	*out = NULL;
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "encoding key: out of memory");
	if (private)
		ok = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
	else
		ok = PEM_write_bio_PUBKEY(bio, key);
	if (!ok) {
		swgr_err_set(err, rc, "encoding %s key: %s",
		    private ? "private" : "public", ossl_reason());
		goto out;
	}
	if ((len = BIO_get_mem_data(bio, &data)) <= 0) {
		swgr_err_set(err, rc, "encoding key: empty PEM");
		goto out;
	}
	if ((*out = malloc((size_t)len + 1)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "encoding key: out of memory");
		goto out;
	}
	memcpy(*out, data, (size_t)len);
	(*out)[len] = '\0';
	*outlen = (size_t)len;
	rc = SWGR_OK;
out:
	BIO_free(bio);
	return rc;
}

enum swgr_rc
swgr_token_keygen(const char *public_path, const char *private_path,
    struct swgr_err *err)
{
	enum swgr_rc rc;
	EVP_PKEY *key;
	char *pub = NULL, *priv = NULL;
	size_t publen, privlen;

	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "generating P-256 key: %s", ossl_reason());
	if ((rc = pem_string(key, false, &pub, &publen, err)) != SWGR_OK)
		goto out;
	if ((rc = pem_string(key, true, &priv, &privlen, err)) != SWGR_OK)
		goto out;
	if ((rc = write_file(public_path, pub, publen, 0644, "public key",
	    err)) != SWGR_OK)
		goto out;
	rc = write_file(private_path, priv, privlen, 0600, "private key", err);
out:
	if (priv != NULL)
		OPENSSL_cleanse(priv, privlen);
	free(priv);
	free(pub);
	EVP_PKEY_free(key);
	return rc;
}

static enum swgr_rc
load_key(const char *path, bool private, EVP_PKEY **out, struct swgr_err *err)
{
	const char *what = private ? "private" : "public";
	EVP_PKEY *key;
	BIO *bio;

	*out = NULL;
	if ((bio = BIO_new_file(path, "r")) == NULL) {
		ERR_clear_error();
		return swgr_err_set(err, SWGR_EINTERNAL, "reading %s key: %s: %s",
		    what, path, strerror(errno ? errno : ENOENT));
	}
	if (private)
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	else
		key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (key == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "parsing %s key: %s: not a %s PEM key (%s)", what, path,
		    private ? "PKCS#8 private" : "SubjectPublicKeyInfo public",
		    ossl_reason());
	if (!is_p256(key)) {
		EVP_PKEY_free(key);
		ERR_clear_error();
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "parsing %s key: %s: not an ECDSA P-256 (prime256v1) key",
		    what, path);
	}
	*out = key;
	return SWGR_OK;
}

enum swgr_rc
swgr_token_load_public(const char *path, EVP_PKEY **out, struct swgr_err *err)
{
	return load_key(path, false, out, err);
}

enum swgr_rc
swgr_token_load_private(const char *path, EVP_PKEY **out, struct swgr_err *err)
{
	return load_key(path, true, out, err);
}

/* Appends s as a JSON string literal. */
static void
json_string(struct swgr_buf *b, const char *s)
{
	swgr_buf_putc(b, '"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			swgr_buf_putc(b, '\\');
			swgr_buf_putc(b, (char)c);
		} else if (c < 0x20)
			swgr_buf_printf(b, "\\u%04x", c);
		else
			swgr_buf_putc(b, (char)c);
	}
	swgr_buf_putc(b, '"');
}

/* Appends the base64url form of p to b. */
static enum swgr_rc
put_b64(struct swgr_buf *b, const void *p, size_t len, struct swgr_err *err)
{
	char *s;

	if ((s = swgr_base64url_encode(p, len)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "minting token: out of memory");
	swgr_buf_puts(b, s);
	free(s);
	return SWGR_OK;
}

/* The raw 64-byte r||s form of a DER ECDSA signature. */
static enum swgr_rc
der_to_raw(const unsigned char *der, size_t len, unsigned char raw[SIG_LEN],
    struct swgr_err *err)
{
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	ECDSA_SIG *sig;
	enum swgr_rc rc = SWGR_OK;

	if ((sig = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "minting token: decoding signature: %s", ossl_reason());
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, raw, COORD_LEN) != COORD_LEN ||
	    BN_bn2binpad(s, raw + COORD_LEN, COORD_LEN) != COORD_LEN)
		rc = swgr_err_set(err, SWGR_EINTERNAL,
		    "minting token: signature out of range");
	ECDSA_SIG_free(sig);
	return rc;
}

enum swgr_rc
swgr_token_mint(EVP_PKEY *key, const char *aud, int64_t exp, char **out,
    struct swgr_err *err)
{
	struct swgr_buf claims = { 0 }, tok = { 0 };
	unsigned char *der = NULL, raw[SIG_LEN];
	EVP_MD_CTX *md = NULL;
	enum swgr_rc rc;
	size_t derlen;

	*out = NULL;
	if (key == NULL || !is_p256(key)) {
		ERR_clear_error();
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "minting token: the key is not an ECDSA P-256 key");
	}
	swgr_buf_puts(&claims, "{\"aud\":");
	json_string(&claims, aud);
	swgr_buf_printf(&claims, ",\"exp\":%lld}", (long long)exp);
	if (!swgr_buf_ok(&claims)) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "minting token: out of memory");
		goto out;
	}
	if ((rc = put_b64(&tok, HEADER_JSON, strlen(HEADER_JSON), err)) != SWGR_OK)
		goto out;
	swgr_buf_putc(&tok, '.');
	if ((rc = put_b64(&tok, claims.p, claims.len, err)) != SWGR_OK)
		goto out;
	if (!swgr_buf_ok(&tok)) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "minting token: out of memory");
		goto out;
	}

	rc = SWGR_EINTERNAL;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, key, NULL) != 1 ||
	    EVP_DigestSign(md, NULL, &derlen,
	    (const unsigned char *)tok.p, tok.len) != 1 ||
	    (der = malloc(derlen)) == NULL ||
	    EVP_DigestSign(md, der, &derlen,
	    (const unsigned char *)tok.p, tok.len) != 1) {
		swgr_err_set(err, rc, "minting token: signing: %s", ossl_reason());
		goto out;
	}
	if ((rc = der_to_raw(der, derlen, raw, err)) != SWGR_OK)
		goto out;
	swgr_buf_putc(&tok, '.');
	if ((rc = put_b64(&tok, raw, sizeof(raw), err)) != SWGR_OK)
		goto out;
	if ((*out = swgr_buf_take(&tok, NULL)) == NULL)
		rc = swgr_err_set(err, SWGR_ENOMEM, "minting token: out of memory");
out:
	EVP_MD_CTX_free(md);
	free(der);
	swgr_buf_free(&claims);
	swgr_buf_free(&tok);
	return rc;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v';
}

static bool
is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Decodes one base64url segment holding a JSON object; *out is the object
 * (caller puts it) or NULL with err set.
 */
static enum swgr_rc
segment_object(const char *s, size_t len, const char *what,
    json_object **out, struct swgr_err *err)
{
	json_object *obj = NULL;
	uint8_t *raw = NULL;
	size_t rawlen;
	enum swgr_rc rc = SWGR_EINVAL;

	*out = NULL;
	if (len == 0 || len > SEGMENT_MAX ||
	    swgr_base64url_decode(s, len, &raw, &rawlen) != SWGR_OK)
		return swgr_err_set(err, rc, "token %s is not valid base64url", what);
	if ((rc = swgr_json_parse((const char *)raw, rawlen, &obj, NULL)) != SWGR_OK) {
		if (rc == SWGR_ENOMEM)
			swgr_err_set(err, rc, "verifying token: out of memory");
		else
			rc = swgr_err_set(err, SWGR_EINVAL, "token %s is not valid JSON", what);
		goto out;
	}
	rc = SWGR_EINVAL;
	if (!json_object_is_type(obj, json_type_object)) {
		swgr_err_set(err, rc, "token %s is not a JSON object", what);
		goto out;
	}
	*out = obj;
	obj = NULL;
	rc = SWGR_OK;
out:
	json_object_put(obj);
	free(raw);
	return rc;
}

/* Checks alg is "ES256" and typ, if given, a string. */
static enum swgr_rc
check_header(json_object *hdr, struct swgr_err *err)
{
	json_object *v;

	if (!json_object_object_get_ex(hdr, "alg", &v))
		return swgr_err_set(err, SWGR_EINVAL, "token header has no alg");
	if (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "ES256") != 0)
		return swgr_err_set(err, SWGR_EINVAL,
		    "token algorithm is not ES256 (only ES256 is accepted)");
	if (json_object_object_get_ex(hdr, "typ", &v) && v != NULL &&
	    !json_object_is_type(v, json_type_string))
		return swgr_err_set(err, SWGR_EINVAL,
		    "token header typ is not a string");
	return SWGR_OK;
}

/* Verifies the raw r||s signature over the signing input. */
static enum swgr_rc
check_signature(EVP_PKEY *key, const char *input, size_t inlen,
    const char *s, size_t len, struct swgr_err *err)
{
	BIGNUM *r = NULL, *sv = NULL, *n = NULL;
	ECDSA_SIG *sig = NULL;
	EVP_MD_CTX *md = NULL;
	unsigned char *der = NULL;
	uint8_t *raw = NULL;
	size_t rawlen;
	int derlen;
	enum swgr_rc rc = SWGR_EINVAL;

	if (len == 0 || len > SEGMENT_MAX ||
	    swgr_base64url_decode(s, len, &raw, &rawlen) != SWGR_OK)
		return swgr_err_set(err, rc, "token signature is not valid base64url");
	if (rawlen != SIG_LEN) {
		swgr_err_set(err, rc, "token signature is %zu bytes, "
		    "not the 64 bytes of a raw ES256 signature", rawlen);
		goto out;
	}
	if ((r = BN_bin2bn(raw, COORD_LEN, NULL)) == NULL ||
	    (sv = BN_bin2bn(raw + COORD_LEN, COORD_LEN, NULL)) == NULL ||
	    (n = BN_bin2bn(p256_order, COORD_LEN, NULL)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "verifying token: out of memory");
		goto out;
	}
	if (BN_is_zero(r) || BN_is_zero(sv) ||
	    BN_cmp(r, n) >= 0 || BN_cmp(sv, n) >= 0) {
		swgr_err_set(err, rc, "token signature is out of range");
		goto out;
	}
	if ((sig = ECDSA_SIG_new()) == NULL || ECDSA_SIG_set0(sig, r, sv) != 1) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "verifying token: out of memory");
		goto out;
	}
	r = sv = NULL;	/* owned by sig */
	if ((derlen = i2d_ECDSA_SIG(sig, &der)) <= 0) {
		rc = swgr_err_set(err, SWGR_EINTERNAL,
		    "verifying token: encoding signature: %s", ossl_reason());
		goto out;
	}
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, key, NULL) != 1) {
		rc = swgr_err_set(err, SWGR_EINTERNAL,
		    "verifying token: %s", ossl_reason());
		goto out;
	}
	if (EVP_DigestVerify(md, der, (size_t)derlen,
	    (const unsigned char *)input, inlen) != 1) {
		ERR_clear_error();
		swgr_err_set(err, rc, "token signature does not verify "
		    "against the authority key");
		goto out;
	}
	rc = SWGR_OK;
out:
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	BN_free(r);
	BN_free(sv);
	BN_free(n);
	free(raw);
	return rc;
}

/*
 * Checks exp (integer, not expired, at most max_lifetime seconds ahead
 * unless 0), nbf if present (integer, reached, with the leeway) and aud
 * (the exact string).
 */
static enum swgr_rc
check_claims(json_object *claims, const char *aud, int64_t now, int64_t max_lifetime,
    int64_t *exp, struct swgr_err *err)
{
	json_object *v;
	int64_t e, nbf;

	if (!json_object_object_get_ex(claims, "exp", &v) || v == NULL)
		return swgr_err_set(err, SWGR_EINVAL, "token has no exp claim");
	if (!json_object_is_type(v, json_type_int))
		return swgr_err_set(err, SWGR_EINVAL,
		    "token exp claim is not an integer");
	e = json_object_get_int64(v);
	if (e < now - SWGR_TOKEN_LEEWAY)
		return swgr_err_set(err, SWGR_EINVAL,
		    "token expired at %lld (now %lld, leeway %d s)",
		    (long long)e, (long long)now, SWGR_TOKEN_LEEWAY);
	if (max_lifetime > 0 && e > now && e - now > max_lifetime)
		return swgr_err_set(err, SWGR_EINVAL,
		    "token exp %lld is more than %lld s ahead (token-max-lifetime-secs)",
		    (long long)e, (long long)max_lifetime);
	if (json_object_object_get_ex(claims, "nbf", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_int))
			return swgr_err_set(err, SWGR_EINVAL,
			    "token nbf claim is not an integer");
		nbf = json_object_get_int64(v);
		if (nbf > now && nbf - now > SWGR_TOKEN_LEEWAY)
			return swgr_err_set(err, SWGR_EINVAL,
			    "token not valid before %lld (now %lld, leeway %d s)",
			    (long long)nbf, (long long)now, SWGR_TOKEN_LEEWAY);
	}
	if (!json_object_object_get_ex(claims, "aud", &v) || v == NULL)
		return swgr_err_set(err, SWGR_EINVAL, "token has no aud claim");
	if (!json_object_is_type(v, json_type_string))
		return swgr_err_set(err, SWGR_EINVAL,
		    "token aud claim is not a string (expected \"%s\")", aud);
	if ((size_t)json_object_get_string_len(v) != strlen(aud) ||
	    strcmp(json_object_get_string(v), aud) != 0)
		return swgr_err_set(err, SWGR_EINVAL,
		    "token audience is not \"%s\"", aud);
	*exp = e;
	return SWGR_OK;
}

enum swgr_rc
swgr_token_verify(EVP_PKEY *key, const char *aud, const char *token, size_t len,
    int64_t now, int64_t max_lifetime, int64_t *exp, struct swgr_err *err)
{
	json_object *hdr = NULL, *claims = NULL;
	const char *dot[2];
	size_t i, ndots = 0;
	enum swgr_rc rc;

	while (len > 0 && is_space(token[0])) {
		token++;
		len--;
	}
	while (len > 0 && is_space(token[len - 1]))
		len--;
	if (len == 0)
		return swgr_err_set(err, SWGR_EINVAL, "token is empty");
	for (i = 0; i < len; i++) {
		if (token[i] == '.') {
			if (ndots == 2)
				return swgr_err_set(err, SWGR_EINVAL,
				    "token has more than three segments");
			dot[ndots++] = token + i;
		} else if (!is_b64url(token[i]))
			return swgr_err_set(err, SWGR_EINVAL,
			    "token contains a character outside base64url");
	}
	if (ndots != 2)
		return swgr_err_set(err, SWGR_EINVAL,
		    "token has fewer than three segments");

	if ((rc = segment_object(token, (size_t)(dot[0] - token), "header",
	    &hdr, err)) != SWGR_OK)
		goto out;
	if ((rc = check_header(hdr, err)) != SWGR_OK)
		goto out;
	if ((rc = check_signature(key, token, (size_t)(dot[1] - token),
	    dot[1] + 1, len - (size_t)(dot[1] + 1 - token), err)) != SWGR_OK)
		goto out;
	if ((rc = segment_object(dot[0] + 1, (size_t)(dot[1] - dot[0] - 1),
	    "claims", &claims, err)) != SWGR_OK)
		goto out;
	rc = check_claims(claims, aud, now, max_lifetime, exp, err);
out:
	json_object_put(hdr);
	json_object_put(claims);
	return rc;
}
