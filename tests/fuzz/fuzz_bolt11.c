/* libFuzzer harness for the BOLT #11 decoder (and bech32 beneath it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bech32.h"
#include "pay/bolt11.h"

/*
 * Input is either an invoice string, or (first byte 0x00) an HRP ended by
 * a NUL and then words, checksummed here so the fuzzer reaches the field
 * parser, which a random string would never get past the checksum to.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[33];
	struct swgr_bolt11 inv;
	uint8_t words[SWGR_BOLT11_MAXLEN], *bytes;
	char hrp[SWGR_BECH32_HRP_MAX + 1], *s = NULL;
	const uint8_t *nul;
	size_t i, n, len;

	if (size > 0 && data[0] == 0 &&
	    (nul = memchr(data + 1, 0, size - 1)) != NULL) {
		len = nul - (data + 1);
		if (len > SWGR_BECH32_HRP_MAX)
			return 0;
		memcpy(hrp, data + 1, len);
		hrp[len] = '\0';
		n = size - len - 2;
		if (n > sizeof(words))
			n = sizeof(words);
		for (i = 0; i < n; i++)
			words[i] = nul[1 + i] & 0x1f;
		if (swgr_bech32_encode5(hrp, words, n, SWGR_BECH32_LOWER,
		    SWGR_BOLT11_MAXLEN, &s, NULL) != SWGR_OK)
			return 0;
		data = (const uint8_t *)s;
		size = strlen(s);
	}
	if (swgr_bolt11_decode((const char *)data, size, &inv, NULL) == SWGR_OK) {
		swgr_bolt11_check(&inv, inv.amount_msat, inv.description_hash,
		    zero, NULL);
		swgr_bolt11_free(&inv);
	}
	if (swgr_bech32_decode((const char *)data, size, SWGR_BECH32_LNURL_MAXLEN,
	    hrp, &bytes, &len, NULL) == SWGR_OK)
		free(bytes);
	free(s);
	return 0;
}
