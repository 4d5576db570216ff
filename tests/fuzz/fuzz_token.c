/*
 * libFuzzer harness for the admin services' bearer tokens
 * (libswgr/auth/token.c): swgr_token_verify with a fixed P-256 key.
 *
 * Input: a first byte, then
 *   even: the token text as a client sends it;
 *   odd:  a header JSON text, a NUL byte, a claims JSON text: the harness
 *         encodes and signs them with the private key, so the input reaches
 *         the header and claims checks behind the signature (which random
 *         bytes never pass).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "auth/token.h"
#include "core/base64.h"
#include "core/buf.h"
#include "core/err.h"

#define NOW	1700000000	/* the verifier's clock: a fixed instant */

static EVP_PKEY *pub, *priv;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/swgr-fuzz-token.XXXXXX", pubp[64], privp[64];

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(pubp, sizeof(pubp), "%s/pub.pem", dir);
	snprintf(privp, sizeof(privp), "%s/priv.pem", dir);
	if (swgr_token_keygen(pubp, privp, NULL) != SWGR_OK ||
	    swgr_token_load_public(pubp, &pub, NULL) != SWGR_OK ||
	    swgr_token_load_private(privp, &priv, NULL) != SWGR_OK)
		abort();
	unlink(pubp);
	unlink(privp);
	rmdir(dir);
	return 0;
}

static void
put_b64(struct swgr_buf *b, const uint8_t *p, size_t n)
{
	char *s = swgr_base64url_encode(p, n);

	if (s == NULL)
		abort();
	swgr_buf_puts(b, s);
	free(s);
}

/* header.claims.signature, signed by priv as JWS ES256 wants (raw r||s). */
static char *
sign(const uint8_t *hdr, size_t hlen, const uint8_t *claims, size_t clen)
{
	struct swgr_buf tok = { 0 };
	unsigned char der[80], raw[64];
	const unsigned char *p = der;
	size_t derlen = sizeof(der);
	const BIGNUM *r, *s;
	ECDSA_SIG *sig;
	EVP_MD_CTX *md;

	put_b64(&tok, hdr, hlen);
	swgr_buf_putc(&tok, '.');
	put_b64(&tok, claims, clen);
	if (!swgr_buf_ok(&tok) || (md = EVP_MD_CTX_new()) == NULL)
		abort();
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, priv) != 1 ||
	    EVP_DigestSign(md, der, &derlen, (const unsigned char *)tok.p, tok.len) != 1 ||
	    (sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
		abort();
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, raw, 32) != 32 || BN_bn2binpad(s, raw + 32, 32) != 32)
		abort();
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	swgr_buf_putc(&tok, '.');
	put_b64(&tok, raw, sizeof(raw));
	return swgr_buf_take(&tok, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct swgr_err err = { 0 };
	const uint8_t *nul;
	int64_t exp;
	char *tok;

	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0) {
		(void)swgr_token_verify(pub, "discovery", (const char *)data + 1, size - 1, NOW, 0,
		    &exp, &err);
		return 0;
	}
	data++;
	size--;
	if ((nul = memchr(data, 0, size)) == NULL)
		return 0;
	if ((tok = sign(data, nul - data, nul + 1, size - (nul - data) - 1)) == NULL)
		abort();
	(void)swgr_token_verify(pub, "discovery", tok, strlen(tok), NOW, 31536000, &exp, &err);
	free(tok);
	return 0;
}
