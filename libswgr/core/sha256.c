/* SHA-256 through OpenSSL's EVP with the algorithm fetched once per process. */
#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "core/sha256.h"

static pthread_once_t	 sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD		*sha256_md;	/* kept for the life of the process */

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void
swgr_sha256(const void *p, size_t len, uint8_t out[SWGR_SHA256_LEN])
{
	pthread_once(&sha256_once, sha256_fetch);
	if (sha256_md == NULL || EVP_Digest(p, len, out, NULL, sha256_md, NULL) != 1)
		SHA256(p, len, out);	/* the slow way, still the right answer */
}
