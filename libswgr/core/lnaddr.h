/* Lightning Address names (LUD-16): the username and the domain of user@domain, in their canonical lowercase form. */
#ifndef SWGR_LNADDR_H
#define SWGR_LNADDR_H

#include <stddef.h>

#include "core/err.h"

#define SWGR_LNADDR_USER_MAX	64	/* characters of a username */
#define SWGR_LNADDR_HOST_MAX	253	/* characters of a domain's host name */
#define SWGR_LNADDR_DOMAIN_MAX	(SWGR_LNADDR_HOST_MAX + 6)	/* and ":65535" */

/*
 * The username of s (len bytes, need not be NUL-terminated) into out:
 * ASCII letters lowercased, then only a-z 0-9 - _ . of 1 to
 * SWGR_LNADDR_USER_MAX characters, not starting or ending with a dot (so
 * neither "." nor "..").  "_" is a username: the domain's default address.
 * SWGR_OK, or SWGR_EINVAL with e (if not NULL) saying which rule s breaks.
 */
enum swgr_rc	 swgr_lnaddr_username(const char *s, size_t len,
		    char out[SWGR_LNADDR_USER_MAX + 1], struct swgr_err *e);
/*
 * The domain of s into out: a host name of LDH labels (letters, digits,
 * hyphens; 1 to 63 characters, no hyphen first or last) joined by dots, at
 * most SWGR_LNADDR_HOST_MAX characters, no trailing dot, optionally
 * ":<port>" (1 to 65535, no leading zero); ASCII letters lowercased.
 * SWGR_OK, or SWGR_EINVAL with e (if not NULL) saying which rule s breaks.
 */
enum swgr_rc	 swgr_lnaddr_domain(const char *s, size_t len,
		    char out[SWGR_LNADDR_DOMAIN_MAX + 1], struct swgr_err *e);

#endif
