/* ES256 bearer tokens of the admin services (spec §6): keys, mint, verify. */
#ifndef SWGR_TOKEN_H
#define SWGR_TOKEN_H

#include <stdint.h>

#include <openssl/evp.h>

#include "core/err.h"

#define SWGR_TOKEN_LEEWAY	60	/* seconds of grace on exp */

/* A new P-256 key pair written as SPKI PEM (public) and PKCS#8 PEM (private, mode 0600). */
enum swgr_rc	 swgr_token_keygen(const char *public_path, const char *private_path, struct swgr_err *err);
/* Load PEM files; caller frees with EVP_PKEY_free.  Errors name the file. */
enum swgr_rc	 swgr_token_load_public(const char *path, EVP_PKEY **out, struct swgr_err *err);
enum swgr_rc	 swgr_token_load_private(const char *path, EVP_PKEY **out, struct swgr_err *err);
/* Mints {"typ":"JWT","alg":"ES256"}.{"aud":aud,"exp":exp}.sig; *out is malloc'd. */
enum swgr_rc	 swgr_token_mint(EVP_PKEY *key, const char *aud, int64_t exp, char **out, struct swgr_err *err);
/*
 * Verifies token (surrounding ASCII whitespace ignored) as the services do:
 * alg ES256 only, signature against key, integer exp with SWGR_TOKEN_LEEWAY at
 * time now and, when max_lifetime > 0, at most max_lifetime seconds after
 * now; an nbf claim, if any, an integer not more than SWGR_TOKEN_LEEWAY after
 * now; aud equal to the string aud.  Returns SWGR_OK and sets *exp, or
 * SWGR_EINVAL with the reason.
 */
enum swgr_rc	 swgr_token_verify(EVP_PKEY *key, const char *aud, const char *token, size_t len,
		    int64_t now, int64_t max_lifetime, int64_t *exp, struct swgr_err *err);

#endif
