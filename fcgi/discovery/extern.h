/* swgr-discovery's private interface: what main.c and status.c share. */
#ifndef SWGR_DISCOVERY_EXTERN_H
#define SWGR_DISCOVERY_EXTERN_H

#include <stdbool.h>
#include <stdint.h>

#include "fcgi/responder.h"

/*
 * The If-None-Match of an admin list: absent (true, *has false), 16 hex
 * digits (true, *has, *want), else false with the 400 answered.
 */
bool		 disc_if_none_match(struct swgr_ctx *c, bool *has, uint64_t *want);
/* No caching, and ETag: etag as 16 hex digits. */
void		 disc_etag_headers(struct swgr_ctx *c, uint64_t etag);

/* GET /discovery/status (status.c). */
void		 disc_status(struct swgr_ctx *c);

#endif
