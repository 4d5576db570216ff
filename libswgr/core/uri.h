/* URIs in messages: the one way their passwords are hidden. */
#ifndef SWGR_CORE_URI_H
#define SWGR_CORE_URI_H

#include <stddef.h>

/*
 * Copies uri into out with its passwords hidden, for messages and logs:
 * what lies between the first ':' of the user information and the last '@'
 * becomes "****" unless it is only {secret.NAME} placeholders (they name a
 * secret, they do not reveal it), and so does the value of every
 * "password=" parameter (any case, up to the next '&' or '#').  out always
 * ends in a NUL (nothing is written when outlen is 0); a longer result is
 * cut to fit, which can shorten but never reveal.
 */
void	 swgr_uri_redact(const char *uri, char *out, size_t outlen);

#endif
