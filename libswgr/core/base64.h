/* base64 (standard, padded) and base64url (unpadded), strict as the base64 crate. */
#ifndef SWGR_BASE64_H
#define SWGR_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Standard base64 with '=' padding (strict: padding required, no whitespace). */
enum swgr_rc	 swgr_base64_decode(const char *s, size_t len, uint8_t **out, size_t *outlen);
char		*swgr_base64_encode(const uint8_t *p, size_t len);
/* base64url without padding (JWS). */
enum swgr_rc	 swgr_base64url_decode(const char *s, size_t len, uint8_t **out, size_t *outlen);
char		*swgr_base64url_encode(const uint8_t *p, size_t len);

#endif
