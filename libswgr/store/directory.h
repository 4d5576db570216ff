/* Lightning Addresses from an LDAP directory (store.address-directory, config/config.h). */
#ifndef SWGR_STORE_DIRECTORY_H
#define SWGR_STORE_DIRECTORY_H

#include <stdbool.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/err.h"
#include "model/model.h"

struct swgr_directory;

/*
 * A directory for cfg (which must outlive it): libldap (OpenLDAP's,
 * libldap-2.5.so.0) is opened here, the server is not reached until the
 * first lookup.  SWGR_EINVAL when the library cannot be loaded.
 */
enum swgr_rc	 swgr_directory_open(const struct swgr_ldap_cfg *cfg,
		    struct swgr_directory **out, struct swgr_err *err);
void		 swgr_directory_close(struct swgr_directory *d);

/* Whether domain (canonical) is one of the directory's domains. */
bool		 swgr_directory_serves(const struct swgr_directory *d, const char *domain);

/*
 * The address username@domain (both canonical, core/lnaddr.h) from one
 * search under base-dn: SWGR_OK with *out filled (the configured partition,
 * the offer of the entry's offer-attribute else default-offer, enabled; the
 * caller frees it with swgr_address_free), SWGR_NOTFOUND when no entry, more
 * than one entry, or an entry without a usable offer matches (the last two
 * logged), SWGR_EUPSTREAM when the directory cannot be reached, refuses the
 * bind or the search, or takes longer than timeout-secs; SWGR_ERETRY when
 * the lookup waited timeout-secs for the one before it.  One connection,
 * kept and shared: lookups wait for each other, each at most timeout-secs
 * in all (the wait, a connection, the bind and the search).
 */
enum swgr_rc	 swgr_directory_address_get(struct swgr_directory *d, const char *domain,
		    const char *username, struct swgr_address *out, struct swgr_err *err);

/*
 * The filter of tmpl with every "{username}" replaced by username, escaped
 * per RFC 4515 (*, (, ) and \ as \XX), into b.
 */
void		 swgr_directory_filter(struct swgr_buf *b, const char *tmpl, const char *username);

/*
 * The configuration checks of -n that need no server: the library loads and
 * the password file can be read (its contents are not shown).
 */
enum swgr_rc	 swgr_directory_check(const struct swgr_ldap_cfg *cfg, struct swgr_err *err);

#endif
