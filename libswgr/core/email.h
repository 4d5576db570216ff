/* E-mail addresses as the original's validator reads them (spec §7.2). */
#ifndef SWGR_EMAIL_H
#define SWGR_EMAIL_H

#include <stddef.h>

#include "core/err.h"

/*
 * E-mail syntax as the original's validator (spec §7.2).  On success, if
 * addr is not NULL, *addr receives a malloc'd "local@domain" (the display form
 * "Name <local@domain>" reduced to its address).
 */
enum swgr_rc	 swgr_email_parse(const char *s, size_t len, char **addr);

#endif
