/* SHA-256, the one hash of BOLT11 and LNURL, at its cheapest through OpenSSL. */
#ifndef SWGR_SHA256_H
#define SWGR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SWGR_SHA256_LEN	32

/*
 * out = SHA-256(p[0..len)).  Thread-safe.  OpenSSL 3's SHA256() looks the
 * algorithm up in its provider tables on every call; this fetches it once.
 */
void	 swgr_sha256(const void *p, size_t len, uint8_t out[SWGR_SHA256_LEN]);

#endif
