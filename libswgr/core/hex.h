/* Hex digits and strings: lowercase out, either case in. */
#ifndef SWGR_HEX_H
#define SWGR_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* The value of one hex digit (either case), or -1. */
int		 swgr_hex_digit(int c);
/* Lowercase hex; decode accepts either case.  */
void		 swgr_hex_encode(const uint8_t *p, size_t len, char *out);
enum swgr_rc	 swgr_hex_decode(const char *s, size_t len, uint8_t *out, size_t outlen);

#endif
