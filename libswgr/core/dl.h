/* Libraries opened on first use, so that a process that never needs one never maps it. */
#ifndef SWGR_DL_H
#define SWGR_DL_H

#include <stddef.h>

/*
 * dlopen of soname with every symbol bound now.  A process on SQLite never
 * maps libpq (3.5 MB resident with its Kerberos, LDAP and GnuTLS
 * dependencies), nor libcurl unless it talks HTTP.  NULL when it cannot be
 * loaded, with why naming the Debian package to install.
 */
void		*swgr_dlopen(const char *soname, const char *package, char *why, size_t len);

#endif
