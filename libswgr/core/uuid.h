/* UUIDs as the uuid crate reads and writes them. */
#ifndef SWGR_UUID_H
#define SWGR_UUID_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct swgr_uuid {
	uint8_t	 b[16];
};

#define SWGR_UUID_STRLEN	36	/* hyphenated, without NUL */

/*
 * UUID input: hyphenated, 32-hex simple, {braced}, urn:uuid:, any case.
 * Returns SWGR_OK or SWGR_EINVAL.  Output is lowercase hyphenated.
 */
enum swgr_rc	 swgr_uuid_parse(const char *s, size_t len, struct swgr_uuid *out);
void		 swgr_uuid_format(const struct swgr_uuid *u, char out[SWGR_UUID_STRLEN + 1]);
/* A random (version 4) UUID. */
enum swgr_rc	 swgr_uuid_random(struct swgr_uuid *out);
int		 swgr_uuid_cmp(const struct swgr_uuid *a, const struct swgr_uuid *b);

#endif
